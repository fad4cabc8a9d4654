"""Time-based service codes and the face-to-face minutes each supports.

The bands are data (``data/service_codes.toml``, the AMA CPT midpoint rule as
summarised in the research notes); a workspace adds or overrides codes under
``[service_codes."CODE"]`` in its settings.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

UNDER_PSYCHOTHERAPY_MINUTES = 16


@dataclass(frozen=True, slots=True)
class ServiceCode:
    """A time-based code and the minutes (inclusive) it supports; ``maximum`` None: no cap."""

    code: str
    description: str
    minimum: int
    maximum: int | None

    def fits(self, minutes: int) -> bool:
        return minutes >= self.minimum and (self.maximum is None or minutes <= self.maximum)

    @property
    def band(self) -> str:
        return f"{self.minimum}+ min" if self.maximum is None else (
            f"{self.minimum}–{self.maximum} min")


def read_service_codes(table: Mapping[str, Any], where: str) -> dict[str, ServiceCode]:
    """Validate a ``[CODE] min/max/description`` table; raise ValueError naming the key."""
    codes = {}
    for code, entry in table.items():
        key = f"{where}.{code}"
        if not isinstance(entry, Mapping):
            raise ValueError(f"'{key}' must be a table with 'min' (and 'max')")
        unknown = set(entry) - {"min", "max", "description"}
        if unknown:
            raise ValueError(f"'{key}.{sorted(unknown)[0]}' is not a setting")
        minimum, maximum = entry.get("min"), entry.get("max")
        if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 0:
            raise ValueError(f"'{key}.min' must be a whole number of minutes")
        if maximum is not None and (isinstance(maximum, bool) or not isinstance(maximum, int)
                                    or maximum < minimum):
            raise ValueError(f"'{key}.max' must be a whole number of minutes of at least 'min'")
        codes[str(code)] = ServiceCode(str(code), str(entry.get("description", "")), minimum,
                                       maximum)
    return codes


@cache
def builtin_service_codes() -> dict[str, ServiceCode]:
    text = resources.files("soapbuild").joinpath("data/service_codes.toml").read_text("utf-8")
    return read_service_codes(tomllib.loads(text), "service_codes")


