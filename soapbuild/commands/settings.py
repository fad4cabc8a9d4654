"""``soapbuild settings``: every setting in force and where its value came from.

A value is either soapbuild's default or set by a key of the settings file
(``soapbuild.toml:deadline_hours``, ``pyproject.toml:tool.soapbuild.notes_dir``).
Tables are listed entry by entry (``formats.girp.sections``,
``rules.severity.T003``), so a practice's own format or code shows as its own
line beside the built-in ones. The values and their origins come from the
settings table (:func:`soapbuild.settings.in_force`); only the printing is here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import click

from soapbuild.commands.common import workspace_settings
from soapbuild.console import show
from soapbuild.settings import Settings, in_force

DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class Entry:
    """One setting: its dotted key, its value (JSON-ready) and where it came from."""

    key: str
    value: Any
    origin: str


def _plain(value: Any) -> Any:
    """A value as JSON and TOML write it: tables as dicts, sets sorted, tuples as lists,
    enums by value."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, frozenset | set):
        return sorted(_plain(v) for v in value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if value is None or isinstance(value, str | int | float):
        return value
    return str(value)  # a kind of value added later still prints, as its text


def entries(settings: Settings) -> list[Entry]:
    """Every setting in force, in the order of the settings table."""
    prefix = ""
    if settings.source is not None:
        prefix = show(settings.source) + ":"
        if settings.source.name == "pyproject.toml":
            prefix += "tool.soapbuild."
    found = []
    for item in in_force(settings):
        value = _plain(item.value)
        if item.key == "timezone" and value is None:
            value = f"{settings.timezone} (the machine's)"
        found.append(Entry(item.key, value,
                           DEFAULT if item.source is None else prefix + item.key))
    return found


def _text(value: Any) -> str:
    """A value as it would be written in soapbuild.toml (strings quoted), or ``(not set)``."""
    if value is None:
        return "(not set)"
    if isinstance(value, dict):  # an inline table, as TOML writes one
        return "{ " + ", ".join(f"{json.dumps(k, ensure_ascii=False)} = {_text(v)}"
                                for k, v in value.items()) + " }"
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
