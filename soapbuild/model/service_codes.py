"""The billing code tables: service codes and their rules, code groups, places, modifiers.

All four are data with a source for each entry (``data/service_codes.toml``,
``data/code_groups.toml``, ``data/places_of_service.toml``, ``data/modifiers.toml``).
A service code says what a claim line with it needs: the face-to-face minutes
it supports (its band, by the CPT midpoint rule), or the minutes each unit takes
(90840, each further 30 minutes of crisis psychotherapy), whether it is an add-on
and which codes it needs beside it, and which codes it may not be billed with.
A workspace adds codes or changes a built-in one key by key under
``[service_codes."CODE"]`` in its settings (:mod:`soapbuild.settings_table`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import cache
from importlib import resources
from typing import Any

UNDER_PSYCHOTHERAPY_MINUTES = 16


@dataclass(frozen=True, slots=True)
class ServiceCode:
    """One code and what billing it takes.

    ``minimum``/``maximum``: the minutes (inclusive) the code supports; a code
    without ``minimum`` and ``unit_minutes`` is not billed by time. ``unit_minutes``:
    the code is billed in units of that many minutes, the first unit attained at
    ``first_unit_at`` minutes of the session (the midpoint of a unit by default).
    ``continues``: the code whose time this one carries on (90840 after 90839's
    first 74 minutes), so the time is the session's as a whole. ``needs`` and
    ``excludes`` name codes, ranges (``99202-99215``) or groups.
    """

    code: str
    description: str = ""
    minimum: int | None = None
    maximum: int | None = None
    unit_minutes: int | None = None
    first_unit_at: int | None = None
    continues: str | None = None
    addon: bool = False
    needs: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    scale: str | None = None
    reason_after: int | None = None
    source: str = ""

    @property
    def timed(self) -> bool:
        return self.minimum is not None or self.unit_minutes is not None

    def fits(self, minutes: int) -> bool:
        return ((self.minimum is None or minutes >= self.minimum)
                and (self.maximum is None or minutes <= self.maximum))

    @property
    def band(self) -> str:
        if self.minimum is None:
            return "any time"
        return f"{self.minimum}+ min" if self.maximum is None else (
            f"{self.minimum}–{self.maximum} min")

    def units_for(self, minutes: int) -> int:
        """Units the minutes support (unit codes only): one at ``first_unit_at``, one more
        every ``unit_minutes`` after (90840: 75-104 minutes one, 105-134 two)."""
        if self.unit_minutes is None:
            return 1
        first = self.first_unit_at or self.unit_minutes // 2 + 1
        return 0 if minutes < first else 1 + (minutes - first) // self.unit_minutes

    @property
    def name(self) -> str:
        return f"{self.code} ({self.description})" if self.description else self.code


@dataclass(frozen=True, slots=True)
class CodeGroup:
    """Codes a rule names together: ``em`` for every E/M visit code, ``psychotherapy``…"""

    name: str
    description: str
    members: tuple[str, ...]  # codes and ranges
    source: str = ""

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and any(in_reference(code, m) for m in self.members)


@dataclass(frozen=True, slots=True)
class Place:
    """A CMS place-of-service code; ``telehealth`` for 02 and 10."""

    code: str
    name: str
    telehealth: bool = False


@dataclass(frozen=True, slots=True)
class Modifier:
    """A modifier soapbuild reasons about; ``telehealth`` is ``"video"`` or ``"audio"``."""

    code: str
    description: str
    telehealth: str | None = None
    source: str = ""


_RANGE = re.compile(r"([A-Za-z]?)([0-9]+)([A-Za-z]?)-([A-Za-z]?)([0-9]+)([A-Za-z]?)")
_CODE_REFERENCE = re.compile(r"(?=[A-Za-z.]*[0-9])[A-Za-z0-9.]{3,10}")  # codes hold a digit


def in_reference(code: str, reference: str) -> bool:
    """Whether ``code`` is ``reference`` or lies in the range it names (``99202-99255``)."""
    if code.upper() == reference.upper():
        return True
    found = _RANGE.fullmatch(reference)
    if found is None:
        return False
    prefix, low, suffix, _, high, _ = found.groups()
    digits = code.upper().removeprefix(prefix.upper())
    digits = digits.removesuffix(suffix.upper()) if suffix else digits
    return (len(digits) == len(low) and digits.isdigit()
            and int(low) <= int(digits) <= int(high))


# --- reading the tables ------------------------------------------------------------------

FIELDS: dict[str, str] = {  # a key of a code's table -> the field of ServiceCode it fills
    "description": "description", "source": "source", "min": "minimum", "max": "maximum",
    "unit_minutes": "unit_minutes", "first_unit_at": "first_unit_at",
    "continues": "continues", "addon": "addon", "needs": "needs", "excludes": "excludes",
    "scale": "scale", "reason_after": "reason_after",
}


def is_reference(reference: str, groups: Mapping[str, CodeGroup]) -> bool:
    """Whether ``reference`` names a group, a range of codes or a code (codes hold a digit)."""
    return bool(reference in groups or _RANGE.fullmatch(reference)
                or _CODE_REFERENCE.fullmatch(reference))


def _data(name: str) -> dict[str, Any]:
    text = resources.files("soapbuild").joinpath(f"data/{name}").read_text("utf-8")
    return tomllib.loads(text)


@cache
def builtin_code_groups() -> dict[str, CodeGroup]:
    return {name: CodeGroup(name, entry["description"], tuple(entry["codes"]),
                            entry.get("source", ""))
            for name, entry in _data("code_groups.toml").items()}


@cache
def builtin_service_codes() -> dict[str, ServiceCode]:
    """The codes shipped in ``data/service_codes.toml``.

    The file has the shape of the ``[service_codes]`` settings table; a test reads it
    through the settings' own checks (:mod:`soapbuild.settings_table`), so it is not
    checked again here.
    """
    codes = {}
    for code, entry in _data("service_codes.toml").items():
        values: dict[str, Any] = {FIELDS[key]: tuple(value) if isinstance(value, list) else value
                                  for key, value in entry.items()}
        codes[code] = ServiceCode(code, **values)
    return codes


@cache
def places_of_service() -> dict[str, Place]:
    return {code: Place(code, entry["name"], bool(entry.get("telehealth", False)))
            for code, entry in _data("places_of_service.toml")["places"].items()}


@cache
def known_modifiers() -> dict[str, Modifier]:
    allowed = {f.name for f in fields(Modifier)}
    return {code: Modifier(code, **{k: v for k, v in entry.items() if k in allowed})
            for code, entry in _data("modifiers.toml").items()}
