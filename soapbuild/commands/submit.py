"""Signing a note off: stamp ``submitted:`` with the current time and change nothing else.

A submitted note starts the edit window that ends in the note being locked
(SPEC 4.3), so submitting is refused while the note has errors, and a note that
already carries a ``submitted`` value is never re-stamped: it is corrected with
a dated addendum. The stamp is spliced into the bytes of the file (one value
filled in, or one line added before the closing ``---``), so the BOM, the line
endings and every other byte stay as the clinician saved them. The edited bytes
are parsed again and compared with the original before anything is written,
and the write itself goes through :mod:`soapbuild.atomic`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from pathlib import Path

from soapbuild.atomic import ChangedOnDisk, read_snapshot, replace_file
from soapbuild.checker import check_result
from soapbuild.console import UsageProblem
from soapbuild.model.findings import Finding, Severity
from soapbuild.model.note import Note
from soapbuild.model.parse import MAX_NOTE_BYTES, ParseResult, parse_note
from soapbuild.model.timeparse import resolve
from soapbuild.rules.context import Context
from soapbuild.rules.drafts import submitted_value
from soapbuild.settings import Settings

# Findings about the draft state that the stamp itself resolves: an overdue or
# due-soon draft is exactly the note that should be submitted now.
DRAFT_ONLY = frozenset({"T004", "T005"})
# A late note cannot be made on time (SPEC 4.3): it is reported, never refused,
# even where a practice raises T003 to an error.
LATE = "T003"


class Outcome(StrEnum):
    SUBMITTED = "submitted"
    REFUSED = "refused"  # the note is not ready, or it changed on disk: exit 1
    FAILED = "failed"  # soapbuild could not read or write the file: exit 2


@dataclass(frozen=True, slots=True)
class SubmitResult:
    """What happened to one note.

    ``findings`` are the errors that refused the note (positions in the file as
    it is), or the warnings of the note as submitted (positions in the new file).
    """

    path: str
    outcome: Outcome
    reason: str = ""
    stamp: str | None = None
    findings: tuple[Finding, ...] = ()


class StampError(Exception):
    """The front matter is written in a way that soapbuild cannot safely edit."""


def stamp_text(now: datetime, zone: tzinfo) -> str:
    """``now`` as ``YYYY-MM-DD HH:MM`` in the practice zone, rounded down to the minute.

    A time without an offset is read back in the practice zone. In the hour
    repeated when clocks go back that reading is ambiguous (Python picks the
    first occurrence), so there, and only there, the offset is written too.
    """
    local = stamp_moment(now, zone)
    text = local.strftime("%Y-%m-%d %H:%M")
    if local.replace(tzinfo=None, fold=0).replace(tzinfo=zone).astimezone(UTC) \
            != local.astimezone(UTC):
        offset = local.strftime("%z")
        text += f"{offset[:3]}:{offset[3:]}"
    return text


def stamp_moment(now: datetime, zone: tzinfo) -> datetime:
    """The instant the stamp records: ``now`` in the practice zone, rounded down to the minute."""
    return now.astimezone(UTC).astimezone(zone).replace(second=0, microsecond=0)


def stamped_bytes(data: bytes, note: Note, stamp: str) -> bytes:
    """``data`` with ``submitted: stamp`` filled in or added; every other byte kept.

    ``note`` is the parse of ``data``. Offsets in the model count characters of
    the text without its BOM (lone CRs become LFs of the same length), so they
    are mapped back to byte offsets of the file as it is.
    """
    raw = data.decode("utf-8")
    shift = 1 if note.source.had_bom else 0

    def at_byte(offset: int) -> int:
        return len(raw[: offset + shift].encode("utf-8"))

    source = note.source
    existing = note.header.field("submitted")
    if existing is not None:
        span = existing.value_span
        line = source.position(existing.key_span.end).line
        if span.end > span.start:  # submitted: ~ / null / ""
            if source.position(span.start).line != line or source.position(span.end).line != line:
                raise StampError("the empty 'submitted' value is not on the line of its name")
            start, end, text = span.start, span.end, stamp
        else:  # submitted:   (nothing, or only a comment)
            colon = source.text.find(":", existing.key_span.end, source.line_end(line))
            if colon < 0:
                raise StampError("no ':' follows 'submitted'")
            start = end = colon + 1
            text = f" {stamp}"
        return data[: at_byte(start)] + text.encode("utf-8") + data[at_byte(end):]
    block = note.front_matter
    if block is None or block.end == 0:
        raise StampError("the note has no front matter")
    closing = at_byte(source.line_start(source.position(block.end - 1).line))
    before = data[:closing]
    ending = b"\r\n" if before.endswith(b"\r\n") else b"\r" if before.endswith(b"\r") else b"\n"
    return before + f"submitted: {stamp}".encode() + ending + data[closing:]


def submit_note(path: Path, display: str, context: Context) -> SubmitResult:
    """Check one note and, when it may be submitted, stamp it on disk."""
    try:
        snapshot = read_snapshot(path, MAX_NOTE_BYTES)
    except OSError as error:
        return SubmitResult(display, Outcome.FAILED, f"cannot read the file ({_why(error)})")
    # "Now" on the zone's own timeline: a --now that named a wall-clock time skipped
    # when clocks went forward becomes the real time it denotes, so that the rules'
    # same-zone comparisons (which compare wall clocks) see the stamp as not later.
    zone = context.settings.timezone
    context = replace(context, now=context.now.astimezone(UTC).astimezone(zone))
    formats = dict(context.settings.formats)
    parsed = parse_note(snapshot.data, display, formats)
    findings = check_result(parsed, context, as_submitted=True).findings
    note = parsed.note
    if note is not None:
        already = submitted_value(note)
        if already is not None:
            return SubmitResult(display, Outcome.REFUSED,
                                f"{already}; a submitted note is corrected with a dated addendum")
    errors = tuple(f for f in findings
                   if f.severity is Severity.ERROR and f.code not in DRAFT_ONLY)
    if note is None or errors:
        count = len(errors)
        reason = (f"{count} error{'' if count == 1 else 's'}" if count
                  else "the file cannot be read as a note")
        return SubmitResult(display, Outcome.REFUSED, reason, findings=errors)

    stamp = stamp_text(context.now, zone)
    by_hand = f"add 'submitted: {stamp}' to the front matter by hand"
    try:
        data = stamped_bytes(snapshot.data, note, stamp)
    except StampError as error:
        return SubmitResult(display, Outcome.REFUSED, f"{error}; {by_hand}")
    after = parse_note(data, display, formats)
    if not _same_note_plus_stamp(note, after, stamp_moment(context.now, zone), zone):
        return SubmitResult(display, Outcome.REFUSED,
                            f"soapbuild cannot edit this front matter safely; {by_hand}")
    checked = check_result(after, context).findings
    new_errors = [f for f in checked if f.severity is Severity.ERROR and f.code != LATE]
    if new_errors:  # e.g. T001: the session has not started yet
        return SubmitResult(display, Outcome.REFUSED,
                            "; ".join(f"{f.code} {f.message}" for f in new_errors))
    try:
        replace_file(snapshot, data)
    except ChangedOnDisk:
        return SubmitResult(display, Outcome.REFUSED,
                            "the file changed on disk while soapbuild was stamping it, so "
                            "nothing was written; check it and run 'soapbuild submit' again")
    except OSError as error:
        return SubmitResult(display, Outcome.FAILED,
                            f"cannot write the file ({_why(error)}); it was left as it was")
    shown = tuple(f for f in checked if f.severity is not Severity.INFO)  # warnings, late
    return SubmitResult(display, Outcome.SUBMITTED, stamp=stamp, findings=shown)


def _same_note_plus_stamp(before: Note, after: ParseResult, moment: datetime,
                          zone: tzinfo) -> bool:
    """Whether ``after`` reads as ``before`` with only ``submitted`` set to ``moment``."""
    note = after.note
    if note is None or after.problems or before.front_matter is None \
            or note.front_matter is None or note.header.submitted is None:
        return False
    # Compared in UTC: Python compares two times of the same zone by the wall clock alone.
    if resolve(note.header.submitted, zone).astimezone(UTC) != moment.astimezone(UTC):
        return False
    if [f.name for f in note.header.fields].count("submitted") != 1:
        return False

    def others(parsed: Note) -> list[tuple[str, str, str | None]]:
        return [(f.name, f.kind, f.text) for f in parsed.header.fields if f.name != "submitted"]

    return (others(before) == others(note)
            and before.source.text[before.front_matter.end:]
            == note.source.text[note.front_matter.end:])


def _why(error: OSError) -> str:
    return error.strerror or type(error).__name__


# --- the command --------------------------------------------------------------------


def submit(directory: Path, settings: Settings, now: datetime, notes: Sequence[Path]) -> int:
    """Submit each note; exit 2 when one could not be read or written, 1 when one was refused."""
    import click

    from soapbuild.discover import display_path
    from soapbuild.formatters.text import line as finding_line
    from soapbuild.rules.lexicon import VocabularyError
    from soapbuild.rules.registry import vocabulary_codes

    try:
        context = Context.for_settings(settings, now, vocabulary_codes())
    except VocabularyError as error:
        raise UsageProblem(str(error)) from None
    targets: dict[Path, Path] = {}
    for name in notes:
        target = directory / name
        if target.is_dir():
            raise UsageProblem(f"{target}: is a folder; name each note to submit")
        if not target.exists():
            raise UsageProblem(f"{target}: no such file")
        targets.setdefault(target.resolve(), target)  # the same note named twice: once
    outcomes = set()
    for target in targets.values():
        result = submit_note(target, display_path(target, directory), context)
        outcomes.add(result.outcome)
        findings = [finding_line(f) for f in result.findings]
        if result.outcome is Outcome.SUBMITTED:
            click.echo(f"submitted {result.path} at {result.stamp} ({settings.timezone})")
            for line in findings:
                click.echo(f"  {line}")
        else:
            for line in findings:
                click.echo(line)
            click.echo(f"{result.path}: not submitted: {result.reason}")
    return 2 if Outcome.FAILED in outcomes else 1 if Outcome.REFUSED in outcomes else 0
