"""Note formats (SOAP, DAP, BIRP, …) and how a heading names one of their sections."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources

DEFAULT_FORMAT = "soap"
_SEPARATOR = r"\s*(?:[-–—:.)]|\s)\s*"


@dataclass(frozen=True, slots=True)
class NoteFormat:
    """An ordered list of section names, e.g. Subjective, Objective, Assessment, Plan."""

    name: str
    sections: tuple[str, ...]

    def section_for(self, heading: str) -> str | None:
        """The canonical section a heading names, or ``None``.

        ``Subjective``, ``S``, ``S - Subjective``, ``S: Subjective`` and
        ``S — Subjective`` all name Subjective, case-insensitively; a single
        letter counts only when no two sections of the format share it.
        """
        key = normalize_heading(heading)
        return self._lookup().get(key)

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


def builtin_formats() -> dict[str, NoteFormat]:
    """The formats shipped with soapbuild (data/formats.toml)."""
    text = resources.files("soapbuild").joinpath("data/formats.toml").read_text("utf-8")
    return {name: NoteFormat(name, tuple(entry["sections"]))
            for name, entry in tomllib.loads(text).items()}
