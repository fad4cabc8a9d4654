"""Workspace settings from ``soapbuild.toml`` or ``[tool.soapbuild]`` in ``pyproject.toml``.

:class:`Settings` holds each setting's type and default; the keys that fill it
are declared in :data:`soapbuild.settings_table.OPTIONS`. Everything here is made
from that table: reading and validating a file (an unknown or wrong key is an
error naming it and the closest valid key, before any work starts: exit 2), the
commented file ``soapbuild init`` writes (:func:`commented_file`) and each key's
value in force with where it came from (:func:`in_force`).
"""

from __future__ import annotations

import json
import os
import re
import textwrap
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from soapbuild.model.formats import NoteFormat, builtin_formats
from soapbuild.model.service_codes import ServiceCode, builtin_service_codes
from soapbuild.model.severity import Severity
from soapbuild.model.signers import Clinician, builtin_cosign_credentials
from soapbuild.settings_table import (
    ENTRIES,
    NAMES,
    OPTIONS,
    Init,
    Option,
    SettingsError,
    check_calendar,
    close_match,
)

__all__ = ["OPTIONS", "SETTINGS_FILE", "InForce", "Settings", "SettingsError", "commented_file",
           "find_settings", "in_force", "load_settings", "read_table"]

SETTINGS_FILE = "soapbuild.toml"


@dataclass(frozen=True)
class Settings:
    """The resolved settings of one workspace. Defaults are what a practice gets with no file.

    Every field but ``root``, ``source``, ``timezone`` (made from ``timezone_name``)
    and ``from_file`` is filled by the keys of :data:`OPTIONS` that name it.
    """

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
    allow_outside: tuple[str, ...] = ()
    deadline_overrides: Mapping[str, float] = field(default_factory=dict)
    formats: Mapping[str, NoteFormat] = field(default_factory=builtin_formats)
    rules_ignore: frozenset[str] = frozenset()
    rules_severity: Mapping[str, Severity] = field(default_factory=dict)
    vocabulary_extend: tuple[str, ...] = ()
    vocabulary_remove: tuple[str, ...] = ()
    service_codes: Mapping[str, ServiceCode] = field(default_factory=builtin_service_codes)
    copied_threshold: float = 0.9
    require_clock_times: bool = False
    video_modifier: str = "95"
    audio_modifier: str = "93"
    # [history]: how far the repository's commit times are trusted to date the notes
    history_tolerance_hours: float = 24
    history_timeliness: str = "stamp"  # or "commit": judge a contradicted stamp by its commit
    history_imported_until: date | None = None
    # Signing, supervision, diagnosis and treatment plans (issue 11)
    signatures_required_from: date | None = None
    late_entry_days: int | None = None
    cosign_credentials: tuple[str, ...] = field(default_factory=builtin_cosign_credentials)
    cosign_business_days: int = 3
    clinicians: Mapping[str, Clinician] = field(default_factory=dict)
    diagnosis_required: bool = False
    plans_required: bool = False
    plan_review_days: int = 90
    goal_idle_days: int = 30
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    closed_days: tuple[date, ...] = ()
    # soapbuild export: identifiers another system knows clients by ("SYSTEM|VALUE"), by
    # client ID; and the identifiers (privacy rule codes) an audit packet blacks out.
    export_identifiers: Mapping[str, str] = field(default_factory=dict)
    export_redact: frozenset[str] = frozenset({"P001", "P002", "P003", "P005"})
    # The keys the file set, spelled as :func:`in_force` lists them ("formats.girp.sections").
    from_file: frozenset[str] = frozenset()

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
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return False
    return isinstance(data.get("tool"), dict) and "soapbuild" in data["tool"]


def load_settings(start: Path, known_rules: frozenset[str]) -> Settings:
    """Find and validate the workspace settings; raise :class:`SettingsError` if unusable."""
    root, path = find_settings(start)
    if path is None:
        return Settings(root=root)
    return read_settings(root, path, known_rules)


def read_settings(root: Path, path: Path, known_rules: frozenset[str]) -> Settings:
    """Validate the settings file ``path`` (``--config``, or the one found) for ``root``.

    A ``pyproject.toml`` is read from its ``[tool.soapbuild]`` table.
    """
    if not path.is_file():
        raise SettingsError(f"{path}: no such file")
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"{path}: cannot be read ({error})") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path}: not valid TOML ({error})") from None
    except RecursionError:  # tomllib nests a function call per array level
        raise SettingsError(f"{path}: not valid TOML (nested too deeply)") from None
    where = str(path)
    if path.name == "pyproject.toml":
        tool = data.get("tool")
        if not isinstance(tool, dict) or "soapbuild" not in tool:
            raise SettingsError(f"{path}: has no [tool.soapbuild] table")
        data, where = tool["soapbuild"], where + " [tool.soapbuild]"
    try:
        if not isinstance(data, dict):
            raise SettingsError(f"must be a table, not {data!r}")
        settings = Settings(root=root, source=path, **read_table(data, known_rules))
        _check_paths(settings)
        check_calendar(settings.holiday_country, settings.holiday_subdivision)
    except SettingsError as error:
        raise SettingsError(f"{where}: {error}") from None
    return settings


# --- reading a file through the table -------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Given:
    """One key the file sets, checked: its option, its chosen name and its value."""

    option: Option
    name: str | None  # the chosen name, read (``formats.GIRP`` -> "girp")
    value: Any


def read_table(data: Mapping[str, Any], known_rules: frozenset[str]) -> dict[str, Any]:
    """Check every key of ``data`` (a settings file's table) against :data:`OPTIONS`.

    Returns the Settings fields the file sets, ``from_file`` among them; raises
    :class:`SettingsError` naming the first key that is unknown or wrong.
    """
    given = list(_walk(data, (), (), known_rules))
    keys = {g.option.key for g in given}
    for option in OPTIONS:
        clash = next((other for other in option.conflicts if other in keys), None)
        if option.key in keys and clash is not None:
            raise SettingsError(f"'{clash}' and '{option.key}' cannot both be set; choose one")
    values: dict[str, Any] = {}
    parts: dict[tuple[str, str], dict[str, Any]] = {}  # (field, name) -> the entry's parts
    named: dict[str, dict[str, Any]] = {}  # field -> name -> value
    from_file: set[str] = set()
    for item in given:
        option = item.option
        if item.name is None:
            values[option.attribute] = item.value
            from_file.add(option.key)
        elif option.part is None:
            named.setdefault(option.attribute, {})[item.name] = item.value
            from_file.add(option.spelled(item.name))
        else:
            parts.setdefault((option.attribute, item.name), {})[option.part] = item.value
            # Only the keys the file gives are its own: a service code keeps the other
            # keys of the built-in one (ENTRIES builds the entry).
            from_file.add(option.spelled(item.name))
    for (attribute, name), entry in parts.items():
        where = next(o for o in OPTIONS if o.attribute == attribute).spelled(name)
        named.setdefault(attribute, {})[name] = ENTRIES[attribute](
            where.rsplit(".", 1)[0], name, entry)
    for attribute, entries in named.items():
        values[attribute] = {**default(attribute), **entries}
    if "timezone_name" in values:
        values["timezone"] = ZoneInfo(values["timezone_name"])
    values["from_file"] = frozenset(from_file)
    return values


def _walk(table: Mapping[str, Any], pattern: tuple[str, ...], written: tuple[str, ...],
          rules: frozenset[str], name: str | None = None) -> Iterator[_Given]:
    """The checked keys of one table of the file.

    ``pattern`` is the table's place among the options (``("formats", "NAME")``),
    ``written`` the same place as the file spells it (``("formats", "girp")``) and
    ``name`` the chosen name read so far. No key of the table is a prefix of another
    (a test holds it), so the next segment tells a key from a table of keys.
    """
    depth = len(pattern)
    below = {o.segments[depth]: o for o in OPTIONS
             if o.segments[:depth] == pattern and len(o.segments) > depth}
    chosen = next((segment for segment in below if segment in NAMES), None)
    for key, value in table.items():
        spelled = ".".join((*written, key))
        segment = key if key in below and key not in NAMES else chosen
        if segment is None:
            raise SettingsError(_unknown(spelled, [".".join((*written, s)) for s in below]))
        here = NAMES[segment](spelled, key, rules) if segment in NAMES else name
        option = below[segment]
        if len(option.segments) == depth + 1:
            yield _Given(option, here, option.check(spelled, value, rules))
        elif not isinstance(value, dict):
            raise SettingsError(f"'{spelled}' must be a table ([{spelled}]), not {value!r}")
        else:
            yield from _walk(value, (*pattern, segment), (*written, key), rules, here)
    for segment, option in below.items():
        if option.required and len(option.segments) == depth + 1 and segment not in table:
            # A missing key fails its own check, whose message says what it must be.
            option.check(".".join((*written, segment)), None, rules)


def _unknown(key: str, known: list[str]) -> str:
    """A did-you-mean among the keys beside this one, else a key elsewhere ending the same
    way (``threshold`` at the top level is ``copied.threshold``)."""
    close = close_match(key, known)
    if close is None:
        leaf = key.rsplit(".", 1)[-1]
        close = next((o.key for o in OPTIONS if o.segments[-1] == leaf), None)
    hint = f"; did you mean '{close}'?" if close else ""
    return f"'{key}' is not a setting{hint}"


def default(attribute: str) -> Any:
    """What a Settings field holds when no file sets it."""
    return getattr(Settings(root=Path(".")), attribute)


# --- where paths may point (SPEC 7: nothing read or written outside the workspace) --------

STATE_DIR = ".soapbuild"


def _inside(root: Path, name: str) -> Path | None:
    """``name`` resolved against the workspace root, or None when it leaves the root."""
    target = Path(os.path.realpath(root / name))  # Path.resolve raises on a link loop
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
        if (root / name).is_symlink() and not (root / name).exists():
            raise SettingsError(f"'{key}' = {name!r} is a link that leads nowhere (a loop, or "
                                "to something deleted); make it a plain folder")
        if folder is None and Path(os.path.normpath(root / name)).is_relative_to(root):
            raise SettingsError(f"'{key}' = {name!r} is a link that leads outside the "
                                f"workspace ({settings.root}) to {os.path.realpath(root / name)}; "
                                "soapbuild reads and writes only inside the workspace: make "
                                "it a plain folder")
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
    allowed = {Path(os.path.realpath(root / name)) for name in settings.allow_outside}
    named = [("schedule", settings.schedule)] if settings.schedule else []
    named += [("vocabulary.extend", name) for name in settings.vocabulary_extend]
    for key, name in named:
        if _inside(root, name) is None and Path(os.path.realpath(root / name)) not in allowed:
            raise SettingsError(f"'{key}' = {name!r} is outside the workspace ({settings.root}); "
                                "soapbuild reads files outside it only when 'allow_outside' "
                                "lists them")


# --- what is in force, and the file init writes ---------------------------------------------

@dataclass(frozen=True, slots=True)
class InForce:
    """A key's value in force and where it came from: ``source`` None is the default.

    ``timezone`` in force as None is the machine's zone (``Settings.timezone``).
    """

    key: str
    value: Any
    source: Path | None


def in_force(settings: Settings) -> list[InForce]:
    """Every key's value in force, in the order of :data:`OPTIONS`.

    A key with a chosen name is listed once per name in force (the built-in formats
    and service codes among them), spelled with the name: ``formats.soap.sections``.
    """
    found = []
    for option in OPTIONS:
        value = getattr(settings, option.attribute)
        if option.chosen is None:
            found.append(_in_force(settings, option.key, value))
            continue
        for name, entry in value.items():
            shown = entry if option.part is None else getattr(entry, option.part)
            found.append(_in_force(settings, option.spelled(name), shown))
    return found


def _in_force(settings: Settings, key: str, value: Any) -> InForce:
    return InForce(key, value, settings.source if key in settings.from_file else None)


def commented_file(active: Mapping[str, str] | None = None,
                   notes: Mapping[str, str] | None = None) -> str:
    """A ``soapbuild.toml`` documenting every key, each set or commented as the table says.

    ``active`` sets keys to a TOML value other than their default (init's detected
    time zone); ``notes`` adds a sentence under a key's paragraph. The text depends
    on nothing else, so ``init`` writes the same bytes every time.
    """
    active, notes = active or {}, notes or {}
    lines = ["# soapbuild settings. Every key is optional; an unknown key or a wrong type",
             "# stops soapbuild with an error that names it.", ""]
    header = ""
    for option in sorted(OPTIONS, key=lambda o: "." in o.key):  # top-level keys first
        *table, leaf = _toml_key(option.written)
        doc = option.doc + (" " + notes[option.key] if option.key in notes else "")
        lines += textwrap.wrap(doc, 78, initial_indent="# ", subsequent_indent="# ")
        if table and ".".join(table) != header:
            header = ".".join(table)
            lines.append(f"# [{header}]")
        if option.key in active:
            lines.append(f"{leaf} = {active[option.key]}")
        elif option.init is Init.ACTIVE:
            lines.append(f"{leaf} = {_toml_value(default(option.attribute))}")
        else:
            lines.append(f"# {leaf} = {option.example}")
        lines.append("")
    return "\n".join(lines)


def _toml_key(key: str) -> list[str]:
    """The segments of a dotted key, each quoted where TOML (or a reader) needs it."""
    return [part if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", part)
            else json.dumps(part) for part in key.split(".")]


def _toml_value(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    return "[" + ", ".join(_toml_value(v) for v in value) + "]"
