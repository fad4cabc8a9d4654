"""Note formats (SOAP, DAP, BIRP, GIRP, …), how a heading names one of their
sections, and the role each section plays.

Rules scope by role, not by section name: a mental-status word is an
observation in SOAP's Objective, DAP's Data and BIRP's Behavior and Response
alike, and risk belongs in whatever section assesses. Built-in formats declare
their roles (data/formats.toml); a format from settings may, and otherwise its
roles are read from the section names (data/section_roles.toml).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

DEFAULT_FORMAT = "soap"
_SEPARATOR = r"\s*(?:[-–—:.)]|\s)\s*"

#: What a section is for, as the rules read it (see data/formats.toml).
ROLES = ("client-report", "observation", "assessment", "plan", "intervention", "goal")


@dataclass(frozen=True, slots=True)
class NoteFormat:
    """An ordered list of section names, e.g. Subjective, Objective, Assessment, Plan,
    and the roles of those sections (inferred from a name the mapping leaves out)."""

    name: str
    sections: tuple[str, ...]
    roles: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def section_for(self, heading: str) -> str | None:
        """The canonical section a heading names, or ``None``.

        ``Subjective``, ``S``, ``S - Subjective``, ``S: Subjective`` and
        ``S — Subjective`` all name Subjective, case-insensitively; a single
        letter counts only when no two sections of the format share it.
        """
        key = normalize_heading(heading)
        return self._lookup().get(key)

    def roles_of(self, section: str) -> frozenset[str]:
        """The roles of one of this format's sections."""
        declared = self.roles.get(section)
        return declared if declared is not None else inferred_roles(section)

    def sections_with(self, role: str) -> tuple[str, ...]:
        """This format's sections that play ``role``, in order."""
        return tuple(name for name in self.sections if role in self.roles_of(name))

    def _lookup(self) -> dict[str, str]:
        return _aliases(self.sections)


def normalize_heading(heading: str) -> str:
    """Lower-case, strip emphasis markers, spaces and a trailing colon."""
    text = re.sub(r"[*_`]", "", heading).strip().lower()
    text = re.sub(r"\s+", " ", text)
    return text.rstrip(":").strip()


_ALIAS_CACHE: dict[tuple[str, ...], dict[str, str]] = {}


def _aliases(sections: tuple[str, ...]) -> dict[str, str]:
    cached = _ALIAS_CACHE.get(sections)
    if cached is not None:
        return cached
    initials = [name[0].lower() for name in sections]
    table: dict[str, str] = {}
    for name, initial in zip(sections, initials, strict=True):
        lower = name.lower()
        table[lower] = name
        if initials.count(initial) == 1:
            table[initial] = name
            for sep in ("-", "–", "—", ":", ".", ")"):
                for spaced in (f"{initial}{sep} {lower}", f"{initial} {sep} {lower}",
                               f"{initial}{sep}{lower}"):
                    table[spaced] = name
            table[f"{initial} {lower}"] = name
            table[f"({initial}) {lower}"] = name
    _ALIAS_CACHE[sections] = table
    return table


@cache
def _role_names() -> dict[str, tuple[str, ...]]:
    text = resources.files("soapbuild").joinpath("data/section_roles.toml").read_text("utf-8")
    return {role: tuple(names) for role, names in tomllib.loads(text).items()}


@cache
def inferred_roles(section: str) -> frozenset[str]:
    """The roles a section name suggests: an exact name of section_roles.toml,
    else every role one of whose names it holds as whole words."""
    name = normalize_heading(section)
    exact = frozenset(role for role, names in _role_names().items() if name in names)
    if exact:
        return exact
    return frozenset(role for role, names in _role_names().items()
                     if any(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", name) for n in names))


def read_roles(value: Any, sections: tuple[str, ...], key: str) -> dict[str, frozenset[str]]:
    """Validate a ``roles`` table (section name -> role or list of roles).

    Raises :class:`ValueError` whose message names the key and what is allowed.
    """
    if not isinstance(value, dict):
        raise ValueError(f"'{key}' must be a table of section = role, not {value!r}")
    by_lower = {s.lower(): s for s in sections}
    roles: dict[str, frozenset[str]] = {}
    for section, given in value.items():
        canonical = by_lower.get(section.lower())
        if canonical is None:
            raise ValueError(f"'{key}.{section}' is not a section of the format "
                             f"(its sections: {', '.join(sections)})")
        names = [given] if isinstance(given, str) else given
        if not isinstance(names, list) or not names or not all(
                isinstance(n, str) and n in ROLES for n in names):
            raise ValueError(f"'{key}.{section}' must be a role or a list of roles "
                             f"({', '.join(ROLES)}), not {given!r}")
        roles[canonical] = frozenset(names)
    return roles


def builtin_formats() -> dict[str, NoteFormat]:
    """The formats shipped with soapbuild (data/formats.toml)."""
    text = resources.files("soapbuild").joinpath("data/formats.toml").read_text("utf-8")
    formats = {}
    for name, entry in tomllib.loads(text).items():
        sections = tuple(entry["sections"])
        roles = read_roles(entry.get("roles", {}), sections, f"{name}.roles")
        formats[name] = NoteFormat(name, sections, roles)
    return formats
