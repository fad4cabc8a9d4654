"""Creating a workspace (``soapbuild init``) and a note skeleton (``soapbuild new``).

Both only ever add files: a file that exists is left as it is (``.gitignore``
only gains the lines it lacks), and new files are created with ``O_EXCL``
(:func:`soapbuild.atomic.create_new`), so neither command can overwrite a note
or a setting that someone wrote (SPEC 7, "Nothing lost").
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from soapbuild.atomic import ChangedOnDisk, create_new, read_snapshot, replace_file
from soapbuild.commands.common import run_now, workspace_settings
from soapbuild.console import UsageProblem, show
from soapbuild.discover import NOTE_SUFFIXES, display_path
from soapbuild.model.formats import DEFAULT_FORMAT, NoteFormat
from soapbuild.settings import (
    SETTINGS_FILE,
    Settings,
    commented_file,
    find_settings,
    system_timezone,
)

MAX_FOLDER_NAME = 100
MAX_SAME_DAY = 999
EXAMPLE_CLIENT = "C-EXAMPLE"
# Zones a server or container reports; a practice is almost never on them, so
# init leaves the setting commented out rather than pinning a wrong zone.
_SERVER_ZONES = {"UTC", "Etc/UTC", "Etc/Universal", "Universal", "Zulu", "Etc/Zulu", "GMT",
                 "Etc/GMT", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0", "GMT0", "Etc/Greenwich"}
_YAML_WORDS = {"null", "~", "true", "false", "yes", "no", "on", "off", "y", "n"}
_PLAIN = re.compile(r"[^\W\d_][\w .,'()/&+-]*")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_DAY_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})")
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                     *(f"lpt{i}" for i in range(1, 10))}


@dataclass(frozen=True, slots=True)
class Step:
    """One thing ``init`` did or left alone, for the command to report."""

    action: str  # "created", "updated" or "kept"
    path: Path
    note: str = ""


# --- new ------------------------------------------------------------------------

def folder_name(client: str) -> str:
    """A client ID made safe as one folder name ('' when nothing usable is left).

    Separators, spaces, control and other symbol characters become ``-``; letters
    and digits of any script are kept (NFC-normalised, so ``Zoë`` is one name
    however it was typed); leading dots and dashes go, so the folder is neither
    hidden nor ``..``; trailing dots go because Windows drops them.
    """
    text = unicodedata.normalize("NFC", client)
    kept = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in text)
    kept = re.sub(r"-{2,}", "-", kept)
    kept = re.sub(r"\.{2,}", ".", kept)
    kept = kept.lstrip(".-_").rstrip(".-")[:MAX_FOLDER_NAME].rstrip(".-")
    if kept.split(".")[0].lower() in _WINDOWS_RESERVED:
        kept += "_"
    return kept


def clean_text(value: str) -> str:
    """A front-matter value without control characters or surrounding space."""
    return "".join(ch for ch in value if unicodedata.category(ch) != "Cc").strip()


def yaml_value(text: str) -> str:
    """``text`` as a YAML scalar that reads back as exactly that string.

    Plain when it cannot be mistaken for anything else (``C-1042``,
    ``Jordan Rivera, LCSW``), otherwise double-quoted; a JSON string is a valid
    YAML double-quoted scalar.
    """
    if _PLAIN.fullmatch(text) and text.lower() not in _YAML_WORDS and text == text.strip():
        return text
    return json.dumps(text, ensure_ascii=False)


def read_session_date(text: str) -> str | None:
    """``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM`` (a ``T`` works too), normalised; else None."""
    text = text.strip()
    try:
        if _DAY.fullmatch(text):
            date.fromisoformat(text)
            return text
        match = _DAY_TIME.fullmatch(text)
        if match:
            datetime.fromisoformat(f"{match[1]}T{match[2]}")
            return f"{match[1]} {match[2]}"
    except ValueError:
        return None
    return None


def default_session_date(now: datetime, settings: Settings) -> str:
    """Now in the practice zone, rounded down to the minute."""
    return now.astimezone(settings.timezone).strftime("%Y-%m-%d %H:%M")


def default_clinician(root: Path, environ: Mapping[str, str] = os.environ) -> str | None:
    """``SOAPBUILD_CLINICIAN``, else ``git config user.name`` inside a git repository."""
    name = clean_text(environ.get("SOAPBUILD_CLINICIAN", ""))
    if name:
        return name
    try:
        inside = subprocess.run(["git", "-C", str(root), "rev-parse", "--is-inside-work-tree"],
                                capture_output=True, text=True, timeout=10, check=False)
        if inside.returncode != 0 or inside.stdout.strip() != "true":
            return None
        named = subprocess.run(["git", "-C", str(root), "config", "user.name"],
                               capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if named.returncode != 0:
        return None
    return clean_text(named.stdout) or None


def skeleton(client: str, clinician: str, session_date: str, note_format: NoteFormat) -> str:
    """A new note: the front matter filled in, the format's headings with nothing under them.

    The sections are left empty on purpose: ``check`` reports an empty section
    (S002) until the clinician has written it, which is the truth about the note.
    """
    lines = ["---", f"client: {yaml_value(client)}", f"clinician: {yaml_value(clinician)}",
             f"session_date: {session_date}"]
    if note_format.name != DEFAULT_FORMAT:
        lines.append(f"format: {yaml_value(note_format.name)}")
    lines += ["occurred: true",
              "duration:            # face-to-face minutes, e.g. 53",
              "service_code:        # billing code in quotes, e.g. \"90837\"",
              "---"]
    for name in note_format.sections:
        lines += [f"## {name}", ""]
    return "\n".join(lines[:-1]) + "\n"


def private_skeleton(client: str, clinician: str, session_date: str) -> str:
    """New psychotherapy notes (SPEC 3.1): who, about whom, which session, and nothing of
    the record (times, codes, diagnosis belong to the progress note, F009)."""
    return "\n".join(["---", "kind: psychotherapy-notes", f"client: {yaml_value(client)}",
                      f"clinician: {yaml_value(clinician)}", f"session_date: {session_date}",
                      "---", ""])


def create_note(folder: Path, day: str, content: str) -> Path:
    """Write ``content`` to ``folder/day.md``, or ``day-2.md``, ``day-3.md``… if taken.

    Raises OSError when the folder cannot be made or written, FileExistsError
    when every name up to :data:`MAX_SAME_DAY` is taken.
    """
    folder.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8")
    for number in range(1, MAX_SAME_DAY + 1):
        path = folder / (f"{day}.md" if number == 1 else f"{day}-{number}.md")
        try:
            create_new(path, data)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"{folder}: {MAX_SAME_DAY} notes dated {day} already exist")


# --- init -----------------------------------------------------------------------

def system_zone_name(environ: Mapping[str, str] = os.environ,
                     localtime: str = "/etc/localtime",
                     timezone_file: str = "/etc/timezone") -> str | None:
    """The machine's IANA zone name if it can be told (``TZ``, the localtime link, Debian's file).

    A UTC server zone counts as unknown: see :data:`_SERVER_ZONES`.
    """
    candidates = [environ.get("TZ", "").lstrip(":")]
    real = os.path.realpath(localtime)
    if "zoneinfo/" in real:
        candidates.append(real.split("zoneinfo/", 1)[1])
    with contextlib.suppress(OSError, UnicodeDecodeError):
        candidates.append(Path(timezone_file).read_text("utf-8").strip())
    for name in candidates:
        if not name or name.startswith("/"):
            continue
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        return None if name in _SERVER_ZONES else name
    return None


def settings_text(zone: str | None, since: date | None = None) -> str:
    """A commented ``soapbuild.toml`` documenting every key, set to the defaults a practice
    starts from; the time zone set when the machine's can be told, and ``since`` (the day
    the workspace is made) as the day from which its notes are signed."""
    active = {"timezone": json.dumps(zone)} if zone else {}
    if since is not None:
        active["signatures_required_from"] = since.isoformat()
    notes = {} if zone else {"timezone": "soapbuild could not tell this machine's zone "
                                         "(or it is UTC): set yours."}
    return commented_file(active=active, notes=notes)


def has_own_settings(folder: Path) -> Path | None:
    """The settings file of ``folder`` itself (not of a workspace around it), if any."""
    _root, path = find_settings(folder)
    if path is not None and path.parent == folder.resolve():
        return path
    return None


def ensure_settings(folder: Path, zone: str | None, today: date | None = None) -> Step:
    existing = has_own_settings(folder)
    if existing is not None:
        return Step("kept", existing, "already there")
    path = folder / SETTINGS_FILE
    create_new(path, settings_text(zone, today).encode("utf-8"))
    return Step("created", path, f"timezone {zone}" if zone else "timezone not set")


def ensure_gitignore(folder: Path, entries: list[str]) -> Step:
    """Create ``.gitignore`` with ``entries``, or append the ones it lacks."""
    path = folder / ".gitignore"
    if not path.exists():
        text = "# Generated files hold health information: never commit them.\n"
        create_new(path, (text + "".join(f"{e}\n" for e in entries)).encode("utf-8"))
        return Step("created", path)
    snapshot = read_snapshot(path)
    present = {_ignore_key(line) for line in snapshot.data.splitlines()}
    missing = [e for e in entries if _ignore_key(e.encode("utf-8")) not in present]
    if not missing:
        return Step("kept", path, "already ignores " + ", ".join(entries))
    data = snapshot.data
    ending = b"\r\n" if b"\r\n" in data else b"\n"
    if data and not data.endswith((b"\n", b"\r")):
        data += ending
    data += b"".join(e.encode("utf-8") + ending for e in missing)
    replace_file(snapshot, data)
    return Step("updated", path, "added " + ", ".join(missing))


def _ignore_key(line: bytes) -> bytes:
    """``output``, ``/output`` and ``output/`` all ignore the output folder."""
    return line.strip().strip(b"/")


def example_session(now: datetime, settings: Settings) -> datetime:
    """An hour before the current hour, kept on today's date: the example is dated today."""
    local = now.astimezone(settings.timezone)
    start = local.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return max(start.replace(tzinfo=None), midnight.replace(tzinfo=None))


def example_note(session: datetime) -> str:
    """A complete SOAP note about a fictional client that passes ``soapbuild check``."""
    return f"""---
# An example written by 'soapbuild init'. The client and the clinician are fictional.
# Read it, try 'soapbuild check' and 'soapbuild submit --as "Sam Example, LCSW"' on it,
# then delete it:
# while it is here it counts as a session in the report.
client: {EXAMPLE_CLIENT}
clinician: Sam Example, LCSW
session_date: {session:%Y-%m-%d %H:%M}
occurred: true
duration: 53
service_code: "90837"
---
## Subjective
Client reported sleeping about 6 hours per night this week, up from 4 hours last week.
Client stated, "The breathing exercise helped me fall asleep on most nights."

## Objective
Client arrived on time and was cooperative. Affect was calm and congruent with stated
mood; speech was normal in rate and volume. GAD-7 score was 9, down from 12 last month.

## Assessment
Sleep and anxiety symptoms are improving with the relaxation practice. Client denies
SI/HI; risk is assessed as low.

## Plan
Client will continue the breathing exercise nightly and keep the sleep diary.
Next session in one week at the same time.
"""


def holds_notes(folder: Path) -> bool:
    """Whether any note file is already under ``folder``."""
    if not folder.is_dir():
        return False
    for _root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        if any(f.lower().endswith(NOTE_SUFFIXES) and not f.startswith(".") for f in files):
            return True
    return False


def ensure_notes(settings: Settings, now: datetime) -> list[Step]:
    """The notes folder, and an example note in it while it holds no note at all."""
    folder = settings.notes_path
    steps = []
    if folder.is_dir():
        steps.append(Step("kept", folder, "already there"))
    else:
        folder.mkdir(parents=True)
        steps.append(Step("created", folder))
    if holds_notes(folder):
        return steps
    session = example_session(now, settings)
    path = create_note(folder / EXAMPLE_CLIENT, f"{session:%Y-%m-%d}", example_note(session))
    steps.append(Step("created", path, "an example note: read it, then delete it"))
    return steps


# --- the commands -------------------------------------------------------------------


def init(directory: Path, folder: Path, now_text: str | None) -> int:
    """Create a workspace, never overwriting a file; print what was made and kept."""

    target = directory / folder
    if target.exists() and not target.is_dir():
        raise UsageProblem(f"{target}: is a file, not a folder")
    steps: list[Step] = []
    made = not target.exists()
    try:
        if made:
            target.mkdir(parents=True)
        if has_own_settings(target) is not None:
            workspace_settings(target)  # a broken settings file stops init before it adds anything
        zone = system_zone_name()
        # A new workspace signs its notes from its first day (signatures_required_from).
        today = run_now(now_text, Settings(
            root=target, timezone=ZoneInfo(zone) if zone else system_timezone())).date()
        steps.append(ensure_settings(target, zone, today))
        settings = workspace_settings(target)
        steps.append(ensure_gitignore(
            target, [f"{settings.output_dir.strip('/')}/", ".soapbuild/cache/"]))
        steps += ensure_notes(settings, run_now(now_text, settings))
    except (OSError, ChangedOnDisk) as error:
        raise UsageProblem(f"cannot set up the workspace: {error}") from None
    click.echo(f"workspace {show(target.resolve())}/" + ("  (created)" if made else ""))
    for step in steps:
        shown = display_path(step.path, target) + ("/" if step.path.is_dir() else "")
        click.echo(f"  {step.action:<8} {shown}" + (f"  ({step.note})" if step.note else ""))
    click.echo("Next: 'soapbuild new --client ID' writes a note skeleton; "
               "'soapbuild check' checks the notes.")
    return 0


def new(directory: Path, client: str, date_text: str | None, clinician: str | None,
        format_name: str | None, now_text: str | None, private: bool = False) -> int:
    """Write a note skeleton (never overwriting a note) and print its path; ``private``:
    psychotherapy notes (``DAY-psychotherapy-notes.md``) instead of a progress note."""

    settings = workspace_settings(directory)
    note_format = settings.formats.get((format_name or DEFAULT_FORMAT).lower())
    if note_format is None:
        raise UsageProblem(f"--format: {format_name!r} is not a note format; known: "
                           + ", ".join(sorted(settings.formats)))
    client_id = clean_text(client)
    folder = folder_name(client_id)
    if not folder:
        raise UsageProblem(f"--client: {client!r} has no letters or digits to name a folder by")
    if date_text is None:
        session = default_session_date(run_now(now_text, settings), settings)
    else:
        read = read_session_date(date_text)
        if read is None:
            raise UsageProblem(f"--date: {date_text!r} is not a date such as 2026-11-24 "
                               "or 2026-11-24 15:00")
        session = read
    author = clean_text(clinician or "") or default_clinician(settings.root)
    if not author:
        raise UsageProblem("no clinician: pass --clinician NAME, set SOAPBUILD_CLINICIAN, "
                           "or set git config user.name")
    content = (private_skeleton(client_id, author, session) if private
               else skeleton(client_id, author, session, note_format))
    name = session[:10] + ("-psychotherapy-notes" if private else "")
    try:
        path = create_note(settings.notes_path / folder, name, content)
    except OSError as error:
        raise UsageProblem(f"cannot write the note: {error}") from None
    click.echo(show(path))
    return 0
