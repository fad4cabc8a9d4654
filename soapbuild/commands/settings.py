"""``soapbuild settings``: every setting in force and where its value came from.

A value is either soapbuild's default or set by a key of the settings file
(``soapbuild.toml:deadline_hours``, ``pyproject.toml:tool.soapbuild.notes_dir``).
Tables are listed entry by entry (``formats.girp``, ``rules.severity.T003``), so
a practice's own format or code shows as its own line beside the built-in ones.

SEAM: the values are read off :class:`~soapbuild.settings.Settings` and the
origins from the keys present in the file. When the declarative settings table
(issue 9, branch i9-declared) lands, its function giving each key's value and
origin replaces :func:`entries`; the printing below stays.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from soapbuild.commands.common import workspace_settings
from soapbuild.console import show
from soapbuild.model.service_codes import ServiceCode
from soapbuild.settings import Settings

DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class Entry:
    """One setting: its dotted key, its value (JSON-ready) and where it came from."""

    key: str
    value: Any
    origin: str


def _file_keys(settings: Settings) -> tuple[dict[str, Any], str]:
    """The settings file's own table and the prefix its keys are shown with."""
    if settings.source is None:
        return {}, ""
    data = tomllib.loads(settings.source.read_text("utf-8"))
    shown = show(settings.source)
    if settings.source.name == "pyproject.toml":
        return data["tool"]["soapbuild"], f"{shown}:tool.soapbuild."
    return data, f"{shown}:"


def _code(code: ServiceCode) -> dict[str, Any]:
    return {"min": code.minimum, "max": code.maximum, "description": code.description}


def entries(settings: Settings) -> list[Entry]:
    """Every setting in force, in the order of the settings file's documentation."""
    data, prefix = _file_keys(settings)

    def origin(*path: str) -> str:
        """Where the file sets ``path`` (names compared case-insensitively, as they are read)."""
        table: Any = data
        written = []
        for part in path:
            if not isinstance(table, Mapping):
                return DEFAULT
            name = next((k for k in table if str(k).lower() == part.lower()), None)
            if name is None:
                return DEFAULT
            written.append(str(name))
            table = table[name]
        return prefix + ".".join(written)

    def table_entries(*key: str, values: Mapping[str, Any]) -> Iterator[Entry]:
        for name, value in values.items():
            yield Entry(".".join((*key, name)), value, origin(*key, name))

    zone = settings.timezone_name or f"{settings.timezone} (the system's)"
    found = [Entry("timezone", zone, origin("timezone"))]
    for key in ("deadline_hours", "deadline_business_days", "due_soon_hours",
                "edit_window_hours", "notes_dir", "output_dir", "templates_dir", "schedule"):
        found.append(Entry(key, getattr(settings, key), origin(key)))
    found.append(Entry("allow_outside", list(settings.allow_outside), origin("allow_outside")))
    found += table_entries("deadline_overrides", values=dict(settings.deadline_overrides))
    found += table_entries("formats", values={name: list(f.sections)
                                              for name, f in settings.formats.items()})
    found.append(Entry("rules.ignore", sorted(settings.rules_ignore), origin("rules", "ignore")))
    found += table_entries("rules", "severity", values={
        code: level.value for code, level in settings.rules_severity.items()})
    found.append(Entry("vocabulary.extend", list(settings.vocabulary_extend),
                       origin("vocabulary", "extend")))
    found.append(Entry("vocabulary.remove", list(settings.vocabulary_remove),
                       origin("vocabulary", "remove")))
    found.append(Entry("copied.threshold", settings.copied_threshold,
                       origin("copied", "threshold")))
    found += table_entries("service_codes", values={
        code: _code(entry) for code, entry in settings.service_codes.items()})
    return found


def _text(value: Any) -> str:
    """A value as it would be written in soapbuild.toml (strings quoted), or ``(not set)``."""
    if value is None:
        return "(not set)"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_text(v)}" for k, v in value.items()
                                if v not in (None, "")) + " }"
    return json.dumps(value, ensure_ascii=False)


def show_settings(directory: Path, output_format: str) -> int:
    settings = workspace_settings(directory)
    found = entries(settings)
    source = show(settings.source) if settings.source is not None else None
    if output_format == "json":
        click.echo(json.dumps({
            "workspace": str(settings.root), "file": source,
            "settings": [{"key": e.key, "value": e.value, "origin": e.origin} for e in found]},
            indent=2, ensure_ascii=False))
        return 0
    click.echo(f"workspace: {show(settings.root)}")
    click.echo(f"settings file: {source or '(none: every value is the default)'}")
    click.echo("")
    rows = [("setting", "from", "value"), *((e.key, e.origin, _text(e.value)) for e in found)]
    key_width = max(len(key) for key, _, _ in rows)
    origin_width = max(len(where) for _, where, _ in rows)
    for key, where, value in rows:
        click.echo(f"{key:<{key_width}}  {where:<{origin_width}}  {value}")
    return 0
