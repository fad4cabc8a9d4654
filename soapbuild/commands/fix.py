"""``soapbuild fix`` (and ``check --fix`` / ``--diff``): make the mechanical fixes.

What may be fixed is decided by :mod:`soapbuild.rules.fixes`; here each note is
read once (a snapshot of its bytes), the edits are spliced into those bytes
(the BOM, the line endings and every byte outside the edits stay as they
are), and the result is parsed again and compared with the original before
anything is written:

- the front matter reads the same (every known field has the same value),
  the sections are the same, in the same order, and so are the addenda;
- the prose outside the edited spans is identical, character for character;
- every rule a fix claims to resolve reports less than before.

Only then is the file replaced, atomically and only if nobody saved it in the
meantime (:func:`soapbuild.atomic.replace_file`, as ``submit`` writes). A
locked note (submitted and past its edit window, or sealed) is never touched:
only a dated addendum may change it. ``--diff`` prints the changes as a
unified diff and writes nothing.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, fields, is_dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

import click

from soapbuild.atomic import ChangedOnDisk, Snapshot, read_snapshot, replace_file
from soapbuild.checker import check_result
from soapbuild.console import UsageProblem
from soapbuild.history.lock import locked_since
from soapbuild.history.seals import SealStore
from soapbuild.model.header import KNOWN_FIELDS
from soapbuild.model.note import Note, Span
from soapbuild.model.parse import ParseResult, parse_note
from soapbuild.model.raw import MAX_NOTE_BYTES
from soapbuild.rules.context import Context
from soapbuild.rules.fixes import Edit, apply_edits, note_edits
from soapbuild.settings import Settings


class Outcome(StrEnum):
    FIXED = "fixed"
    CLEAN = "clean"  # nothing to fix
    REFUSED = "refused"  # locked, unsafe, or changed on disk: left as it was
    FAILED = "failed"  # could not be read or written


@dataclass(frozen=True, slots=True)
class FixResult:
    """What fixing one note did (or, with ``--diff``, would do)."""

    path: str
    outcome: Outcome
    edits: tuple[tuple[int, int, Edit, str], ...] = ()  # line, column, edit, text replaced
    reason: str = ""
    before: str = ""
    after: str = ""


def fix_note(path: Path, display: str, context: Context, seals: SealStore,
             write: bool) -> FixResult:
    """Fix one note (with ``write=False`` only work out the change)."""
    try:
        snapshot = read_snapshot(path, MAX_NOTE_BYTES)
    except OSError as error:
        return FixResult(display, Outcome.FAILED, reason=f"cannot read the file ({_why(error)})")
    formats = dict(context.settings.formats)
    key = _key(path, context.settings)
    note = parse_note(snapshot.data, display, formats, key).note
    if note is None:
        return FixResult(display, Outcome.CLEAN)
    edits = note_edits(note, context.settings.rules_ignore)
    if not edits:
        return FixResult(display, Outcome.CLEAN)
    shown = tuple(_shown(note, edit) for edit in edits)
    locked = _locked(note, context, seals)
    if locked is not None:
        return FixResult(display, Outcome.REFUSED, shown,
                         f"{locked}; only a dated addendum may change it")
    data = _edited_bytes(snapshot, note, edits)
    problem = _unsafe(note, parse_note(data, display, formats, key).note, edits, context)
    if problem is not None:
        return FixResult(display, Outcome.REFUSED, shown,
                         f"soapbuild cannot fix this note safely ({problem}); fix it by hand")
    before, after = snapshot.data.decode("utf-8-sig"), data.decode("utf-8-sig")
    if write:
        try:
            replace_file(snapshot, data)
        except ChangedOnDisk:
            return FixResult(display, Outcome.REFUSED, shown,
                             "the file changed on disk while soapbuild was fixing it, so "
                             "nothing was written; run 'soapbuild fix' again")
        except OSError as error:
            return FixResult(display, Outcome.FAILED, shown,
                             f"cannot write the file ({_why(error)}); it was left as it was")
    return FixResult(display, Outcome.FIXED, shown, before=before, after=after)


def _key(path: Path, settings: Settings) -> str | None:
    from soapbuild.discover import workspace_key

    return workspace_key(path, settings.root)


def _shown(note: Note, edit: Edit) -> tuple[int, int, Edit, str]:
    where = note.source.position(edit.span.start)
    return where.line, where.column, edit, note.text_of(edit.span)


def _locked(note: Note, context: Context, seals: SealStore) -> str | None:
    """Why the note may not be changed, or ``None``."""
    written = [f for f in note.header.fields if f.name == "submitted" and f.kind != "null"
               and (f.kind != "scalar" or (f.text or "").strip())]
    if written and note.header.submitted is None:
        return "its 'submitted' value cannot be read, so it may be locked"
    since = locked_since(note, context.settings)
    if since is not None and context.now >= since:
        return (f"it locked on {since:%Y-%m-%d %H:%M} "
                f"({context.settings.edit_window_hours} h after submission)")
    if note.key is not None and note.key in seals.seals():
        return "it is sealed as locked (.soapbuild/seals.json)"
    return None


def _edited_bytes(snapshot: Snapshot, note: Note, edits: Sequence[Edit]) -> bytes:
    """The file's bytes with the edits made and nothing else changed.

    The model's offsets count characters of the text without its BOM, where
    lone CRs were turned into LFs of the same length; so the edits apply to the
    decoded file at the same offsets (past the BOM), which keeps every other
    character, lone CRs included.
    """
    raw = snapshot.data.decode("utf-8")
    shift = 1 if note.source.had_bom else 0
    moved = [Edit(e.code, Span(e.span.start + shift, e.span.end + shift), e.text) for e in edits]
    return apply_edits(raw, moved).encode("utf-8")


def _unsafe(before: Note, after: Note | None, edits: Sequence[Edit],
            context: Context) -> str | None:
    """What the edits changed beyond what they say, or ``None``."""
    if after is None:
        return "the result cannot be read as a note"
    if any(_reading(getattr(before.header, name)) != _reading(getattr(after.header, name))
           for name in KNOWN_FIELDS):
        return "a front-matter value would read differently"
    if ([s.name for s in before.body.sections] != [s.name for s in after.body.sections]
            or len(before.body.addenda) != len(after.body.addenda)):
        return "the sections would change"
    shift, position = 0, 0
    for edit in sorted(edits, key=lambda e: e.span.start):
        if before.prose[position:edit.span.start] != after.prose[
                position + shift:edit.span.start + shift]:
            return "text outside the fix would change"
        shift += len(edit.text) - (edit.span.end - edit.span.start)
        position = edit.span.end
    if before.prose[position:] != after.prose[position + shift:]:
        return "text outside the fix would change"
    counts = _codes(before, context)
    remaining = _codes(after, context)
    unresolved = sorted(code for code in {e.code for e in edits}
                        if remaining[code] >= counts[code])
    if unresolved:
        return f"the fix would not resolve {', '.join(unresolved)}"
    return None


def _reading(value: object) -> object:
    """A typed value without its positions (a fix moves text, so spans may shift)."""
    if isinstance(value, tuple):
        return tuple(_reading(item) for item in value)
    if is_dataclass(value) and not isinstance(value, type):
        return tuple((f.name, _reading(getattr(value, f.name))) for f in fields(value)
                     if not isinstance(getattr(value, f.name), Span))
    return value


def _codes(note: Note, context: Context) -> Counter[str]:
    findings = check_result(ParseResult(note.path, note, ()), context).findings
    return Counter(f.code for f in findings)


def _why(error: OSError) -> str:
    return error.strerror or type(error).__name__


# --- the command ------------------------------------------------------------------------


def fix(directory: Path, settings: Settings, now: datetime, paths: Sequence[Path],
        diff: bool, err: bool = False) -> int:
    """Fix the notes under ``paths`` (default: the notes folder), or show the diff.

    Exit codes: 2 when a file could not be read or written; otherwise, with ``diff``,
    1 when a note would change, else 0; without, 1 when a note was left as it was
    (locked, changed on disk, unsafe), else 0. ``err`` prints the report
    on standard error (``check --fix`` keeps standard output for the findings).
    """
    from soapbuild.commands.common import held
    from soapbuild.discover import PathError, display_path, note_files
    from soapbuild.rules.lexicon import VocabularyError
    from soapbuild.rules.registry import vocabulary_codes

    try:
        context = Context.for_settings(settings, now, vocabulary_codes())
    except VocabularyError as error:
        raise UsageProblem(str(error)) from None
    targets = [directory / p for p in paths] or [settings.notes_path]
    if not paths and not settings.notes_path.is_dir():
        raise UsageProblem(f"no notes folder at {settings.notes_path} "
                           "(set notes_dir in soapbuild.toml or name the notes to fix)")
    try:
        files = note_files(targets)
    except PathError as error:
        raise UsageProblem(str(error)) from None
    seals = SealStore.load(settings.root)
    with held(settings, "notes", "writing a note") if not diff else nullcontext():
        results = [fix_note(file, display_path(file, directory), context, seals,
                            write=not diff) for file in files]
    for result in results:
        if diff and result.outcome is Outcome.FIXED:
            click.echo(unified_diff(result.path, result.before, result.after), nl=False)
        else:
            _report(result, diff, err)
    click.echo(_summary(results, diff), err=err or diff)
    outcomes = {r.outcome for r in results}
    if Outcome.FAILED in outcomes:
        return 2
    if diff:
        return 1 if Outcome.FIXED in outcomes else 0
    return 1 if Outcome.REFUSED in outcomes else 0


def unified_diff(path: str, before: str, after: str) -> str:
    """The change as ``diff -u`` prints it, a missing final line break marked as git does."""
    lines = []
    for line in difflib.unified_diff(before.splitlines(keepends=True),
                                     after.splitlines(keepends=True), path, path):
        lines.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(lines)


def _report(result: FixResult, diff: bool, err: bool) -> None:
    if result.outcome is Outcome.FIXED:
        for line, column, edit, old in result.edits:
            click.echo(f"{result.path}:{line}:{column}: {edit.code} fixed: "
                       f"'{old}' -> '{edit.text}'", err=err)
    elif result.outcome in (Outcome.REFUSED, Outcome.FAILED):
        click.echo(f"{result.path}: not fixed: {result.reason}", err=err or diff)


def _summary(results: Sequence[FixResult], diff: bool) -> str:
    fixed = [r for r in results if r.outcome is Outcome.FIXED]
    problems = sum(len(r.edits) for r in fixed)
    left = sum(1 for r in results if r.outcome in (Outcome.REFUSED, Outcome.FAILED))
    notes = len(results)
    verb = "Would fix" if diff else "Fixed"
    if fixed:
        text = (f"{verb} {problems} problem{'' if problems == 1 else 's'} in {len(fixed)} "
                f"of {notes} note{'' if notes == 1 else 's'}")
    elif left:
        text = f"{verb} nothing in {notes} note{'' if notes == 1 else 's'}"
    else:
        text = f"Nothing to fix in {notes} note{'' if notes == 1 else 's'}"
    if left:
        text += (f"; {left} note{' was' if left == 1 else 's were'} left as written "
                 "(see above)")
    return text + "."
