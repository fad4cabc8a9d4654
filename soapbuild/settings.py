"""Workspace settings from ``soapbuild.toml`` or ``[tool.soapbuild]`` in ``pyproject.toml``.

Every key is declared once in :data:`OPTIONS` with its type, so that a typo or a
wrong type is an error naming the key before any work starts (exit 2), the way
MkDocs validates ``mkdocs.yml``.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from soapbuild.model.findings import Severity
from soapbuild.model.formats import NoteFormat, builtin_formats
from soapbuild.model.service_codes import ServiceCode, builtin_service_codes, read_service_codes

SETTINGS_FILE = "soapbuild.toml"


class SettingsError(Exception):
    """A settings file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Settings:
    """The resolved settings of one workspace. Defaults are what a practice gets with no file."""

    root: Path
    source: Path | None = None
    timezone_name: str | None = None
    timezone: tzinfo = field(default_factory=lambda: system_timezone())
    deadline_hours: float = 72
    deadline_business_days: int | None = None
    due_soon_hours: float = 24
    edit_window_hours: float = 24
    notes_dir: str = "notes"
    output_dir: str = "output"
    templates_dir: str = "templates"
    schedule: str | None = None
    deadline_overrides: Mapping[str, float] = field(default_factory=dict)
    formats: Mapping[str, NoteFormat] = field(default_factory=builtin_formats)
    rules_ignore: frozenset[str] = frozenset()
    rules_severity: Mapping[str, Severity] = field(default_factory=dict)
    vocabulary_extend: tuple[str, ...] = ()
    vocabulary_remove: tuple[str, ...] = ()
    copied_threshold: float = 0.9
    allow_outside: tuple[str, ...] = ()
    service_codes: Mapping[str, ServiceCode] = field(default_factory=builtin_service_codes)

    @property
    def notes_path(self) -> Path:
        return self.root / self.notes_dir

    @property
    def schedule_path(self) -> Path | None:
        return self.root / self.schedule if self.schedule else None


def system_timezone() -> tzinfo:
    """The machine's IANA zone (``TZ``, then ``/etc/localtime``), else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:  # pragma: no cover - unusual systems
        pass
    for name in candidates:
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


# --- validation -----------------------------------------------------------------

def _number(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise SettingsError(f"'{key}' must be a number of hours of 0 or more, not {value!r}")
    return value


def _whole(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SettingsError(f"'{key}' must be a whole number of 1 or more, not {value!r}")
    return value


def _folder(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(f"'{key}' must be a folder name, not {value!r}")
    return value


def _strings(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsError(f"'{key}' must be a list of strings, not {value!r}")
    return tuple(value)


def _zone(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise SettingsError(f"'{key}' must be an IANA time zone name such as "
                            f"\"America/New_York\", not {value!r}")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"'{key}' = {value!r} is not a known IANA time zone "
                            "(for example \"America/New_York\" or \"Europe/Berlin\")") from None
    return value


def _fraction(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise SettingsError(f"'{key}' must be a number between 0 and 1, not {value!r}")
    return float(value)


Check = Callable[[str, Any], Any]

# key -> (attribute on Settings, validator)
OPTIONS: dict[str, tuple[str, Check]] = {
    "timezone": ("timezone_name", _zone),
    "deadline_hours": ("deadline_hours", _number),
    "deadline_business_days": ("deadline_business_days", _whole),
    "due_soon_hours": ("due_soon_hours", _number),
    "edit_window_hours": ("edit_window_hours", _number),
    "notes_dir": ("notes_dir", _folder),
    "output_dir": ("output_dir", _folder),
    "templates_dir": ("templates_dir", _folder),
    "schedule": ("schedule", _folder),
    "allow_outside": ("allow_outside", _strings),
}
TABLES = {"deadline_overrides", "formats", "rules", "vocabulary", "copied", "service_codes"}


def find_settings(start: Path) -> tuple[Path, Path | None]:
    """Walk up from ``start`` to the workspace root and its settings file, if any.

    The root is the nearest folder with ``soapbuild.toml`` or a ``pyproject.toml``
    holding ``[tool.soapbuild]``; without one, ``start`` itself.
    """
    start = start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / SETTINGS_FILE
        if candidate.is_file():
            return folder, candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _has_tool_table(pyproject):
            return folder, pyproject
    return start, None


def _has_tool_table(pyproject: Path) -> bool:
    try:
        data = tomllib.loads(pyproject.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return isinstance(data.get("tool"), dict) and "soapbuild" in data["tool"]


def load_settings(start: Path, known_rules: frozenset[str]) -> Settings:
    """Find and validate the workspace settings; raise :class:`SettingsError` if unusable."""
    root, path = find_settings(start)
    if path is None:
        return Settings(root=root)
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"{path}: cannot be read ({error})") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path}: not valid TOML ({error})") from None
    where = str(path)
    if path.name == "pyproject.toml":
        data = data["tool"]["soapbuild"]
        where += " [tool.soapbuild]"
    try:
        return _validate(root, path, data, known_rules)
    except SettingsError as error:
        raise SettingsError(f"{where}: {error}") from None


def _validate(root: Path, path: Path, data: dict[str, Any],
              known_rules: frozenset[str]) -> Settings:
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key in OPTIONS:
            attribute, check = OPTIONS[key]
            values[attribute] = check(key, value)
        elif key not in TABLES:
            raise SettingsError(_unknown(key, [*OPTIONS, *TABLES]))
        elif not isinstance(value, dict):
            raise SettingsError(f"'{key}' must be a table ([{key}]), not {value!r}")
    if "deadline_hours" in data and "deadline_business_days" in data:
        raise SettingsError("'deadline_hours' and 'deadline_business_days' cannot both be set; "
                            "choose one")
    if "timezone_name" in values:
        values["timezone"] = ZoneInfo(values["timezone_name"])
    values["deadline_overrides"] = {
        str(code): _number(f"deadline_overrides.{code}", hours)
        for code, hours in data.get("deadline_overrides", {}).items()}
    values["formats"] = _formats(data.get("formats", {}))
    try:
        values["service_codes"] = {**builtin_service_codes(),
                                   **read_service_codes(data.get("service_codes", {}),
                                                        "service_codes")}
    except ValueError as error:
        raise SettingsError(str(error)) from None
    values.update(_rules(data.get("rules", {}), known_rules))
    values.update(_vocabulary(data.get("vocabulary", {})))
    copied = data.get("copied", {})
    for key in copied:
        if key != "threshold":
            raise SettingsError(_unknown(f"copied.{key}", ["copied.threshold"]))
    if "threshold" in copied:
        values["copied_threshold"] = _fraction("copied.threshold", copied["threshold"])
    settings = Settings(root=root, source=path, **values)
    _check_paths(settings)
    return settings


# --- where paths may point (SPEC 7: nothing read or written outside the workspace) --------

STATE_DIR = ".soapbuild"


def _inside(root: Path, name: str) -> Path | None:
    """``name`` resolved against the workspace root, or None when it leaves the root."""
    target = (root / name).resolve()
    return target if target.is_relative_to(root) else None


def _check_paths(settings: Settings) -> None:
    """Folders and files named in the settings stay inside the workspace; the output
    folder never overlaps what soapbuild reads or keeps.

    ``build`` replaces the output folder's files wholesale, so an output folder that
    holds the notes (or sits inside them), the templates, soapbuild's own state or
    the workspace itself would delete them. A schedule or vocabulary file outside
    the workspace is read only when ``allow_outside`` names it, so that a settings
    file cannot make soapbuild read (and print parts of) ``~/.netrc`` or
    ``/proc/self/environ``.
    """
    root = settings.root.resolve()
    folders: dict[str, Path] = {}
    for key in ("notes_dir", "output_dir", "templates_dir"):
        name = getattr(settings, key)
        folder = _inside(root, name)
        if folder is None:
            raise SettingsError(f"'{key}' = {name!r} must name a folder inside the workspace "
                                f"({settings.root})")
        folders[key] = folder
    output = folders["output_dir"]
    if root.is_relative_to(output):
        raise SettingsError(f"'output_dir' = {settings.output_dir!r} must name a folder inside "
                            "the workspace, not the workspace itself: a build replaces the "
                            "output folder's files (for example \"output\")")
    overlapping = {"'notes_dir'": folders["notes_dir"],
                   "'templates_dir'": folders["templates_dir"],
                   f"soapbuild's own folder {STATE_DIR}/": root / STATE_DIR}
    for what, folder in overlapping.items():
        if output.is_relative_to(folder) or folder.is_relative_to(output):
            raise SettingsError(f"'output_dir' = {settings.output_dir!r} overlaps {what}: a build "
                                "replaces the output folder's files, so it must be a folder "
                                "of its own (for example \"output\")")
    allowed = {(root / name).resolve() for name in settings.allow_outside}
    named = [("schedule", settings.schedule)] if settings.schedule else []
    named += [("vocabulary.extend", name) for name in settings.vocabulary_extend]
    for key, name in named:
        if _inside(root, name) is None and (root / name).resolve() not in allowed:
            raise SettingsError(f"'{key}' = {name!r} is outside the workspace ({settings.root}); "
                                "soapbuild reads files outside it only when 'allow_outside' "
                                "lists them")


def _formats(table: dict[str, Any]) -> dict[str, NoteFormat]:
    formats = builtin_formats()
    for name, entry in table.items():
        key = f"formats.{name}"
        if not isinstance(entry, dict):
            raise SettingsError(f"'{key}' must be a table with 'sections', not {entry!r}")
        for inner in entry:
            if inner != "sections":
                raise SettingsError(_unknown(f"{key}.{inner}", [f"{key}.sections"]))
        sections = _strings(f"{key}.sections", entry.get("sections"))
        if not sections or len({s.lower() for s in sections}) != len(sections):
            raise SettingsError(f"'{key}.sections' must name at least one section, each once")
        formats[name.lower()] = NoteFormat(name.lower(), sections)
    return formats


def _rules(table: dict[str, Any], known_rules: frozenset[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key == "ignore":
            codes = _strings("rules.ignore", value)
            for code in codes:
                _known_code("rules.ignore", code, known_rules)
            values["rules_ignore"] = frozenset(c.upper() for c in codes)
        elif key == "severity":
            if not isinstance(value, dict):
                raise SettingsError(f"'rules.severity' must be a table, not {value!r}")
            severities = {}
            for code, level in value.items():
                _known_code(f"rules.severity.{code}", code, known_rules)
                try:
                    severities[code.upper()] = Severity(level)
                except ValueError:
                    raise SettingsError(f"'rules.severity.{code}' must be \"error\", \"warning\" "
                                        f"or \"info\", not {level!r}") from None
            values["rules_severity"] = severities
        else:
            raise SettingsError(_unknown(f"rules.{key}", ["rules.ignore", "rules.severity"]))
    return values


def _vocabulary(table: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in ("extend", "remove"):
            raise SettingsError(_unknown(f"vocabulary.{key}",
                                         ["vocabulary.extend", "vocabulary.remove"]))
        values[f"vocabulary_{key}"] = _strings(f"vocabulary.{key}", value)
    return values


def _known_code(key: str, code: Any, known_rules: frozenset[str]) -> None:
    if not isinstance(code, str) or code.upper() not in known_rules:
        close = difflib.get_close_matches(str(code).upper(), sorted(known_rules), n=1)
        hint = f"; did you mean {close[0]}?" if close else "; 'soapbuild rules' lists them"
        raise SettingsError(f"'{key}': {code!r} is not a rule code{hint}")


def _unknown(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"'{key}' is not a setting{hint}"
