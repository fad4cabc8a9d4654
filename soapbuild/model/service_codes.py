"""Time-based service codes and the face-to-face minutes each supports.

The bands are data (``data/service_codes.toml``, the AMA CPT midpoint rule as
summarised in the research notes); a workspace adds or overrides codes under
``[service_codes."CODE"]`` in its settings (:mod:`soapbuild.settings_table`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

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


@cache
def builtin_service_codes() -> dict[str, ServiceCode]:
    """The codes shipped in ``data/service_codes.toml``.

    The file has the shape of the ``[service_codes]`` settings table; a test reads it
    through the settings' own checks, so it is not checked again here.
    """
    text = resources.files("soapbuild").joinpath("data/service_codes.toml").read_text("utf-8")
    return {code: ServiceCode(code, entry.get("description", ""), entry["min"], entry.get("max"))
            for code, entry in tomllib.loads(text).items()}


