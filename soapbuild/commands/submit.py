"""Signing a note off: stamp ``submitted:`` and ``signed_by:``, and change nothing else.

A submitted note starts the edit window that ends in the note being locked
(SPEC 4.3), so submitting is refused while the note has errors, and a note that
already carries a ``submitted`` value is never re-stamped: it is corrected with
a dated addendum. Submitting is signing (SPEC 3.1): the signer is ``--as "NAME,
CREDENTIAL"`` or the practice's settings for the note's clinician
(``[clinicians."NAME"] credential``), never guessed, and must be the note's
clinician.

The stamps are spliced into the bytes of the file (a value filled in, or lines
added before the closing ``---``), so the BOM, the line endings and every other
byte stay as the clinician saved them. The edited bytes are parsed again and
compared with the original before anything is written, and the write itself
goes through :mod:`soapbuild.atomic`. ``soapbuild attest`` and ``soapbuild
cosign`` write into a note the same way (:func:`edit_note`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from pathlib import Path

from soapbuild.atomic import ChangedOnDisk, read_snapshot, replace_file
from soapbuild.checker import HistoryLoader, check_result
from soapbuild.console import UsageProblem
from soapbuild.discover import workspace_key
from soapbuild.model.findings import Finding, Severity
from soapbuild.model.note import Moment, Note
from soapbuild.model.parse import ParseResult, parse_note
from soapbuild.model.raw import MAX_NOTE_BYTES
from soapbuild.model.signers import (
    Signer,
    author_credentials,
    credential_key,
    find_clinician,
    parse_signer,
)
from soapbuild.model.timeparse import resolve
from soapbuild.rules.context import Context
from soapbuild.rules.drafts import submitted_value
from soapbuild.settings import Settings

# Findings about the draft state that the stamp itself resolves: an overdue or
# due-soon draft is exactly the note that should be submitted now.
DRAFT_ONLY = frozenset({"T004", "T005"})
# A late note cannot be made on time (SPEC 4.3): it is reported, never refused,
# even where a practice raises T003 (or T009, entered past the limit) to an error.
LATE = frozenset({"T003", "T009"})


class Outcome(StrEnum):
    DONE = "done"
    REFUSED = "refused"  # the note is not ready, or it changed on disk: exit 1
    FAILED = "failed"  # soapbuild could not read or write the file: exit 2


@dataclass(frozen=True, slots=True)
class StampResult:
    """What happened to one note.

    ``findings`` are the errors that refused the note (positions in the file as
    it is), or the warnings of the note as written (positions in the new file).
    """

    path: str
    outcome: Outcome
    reason: str = ""
    stamp: str | None = None
    findings: tuple[Finding, ...] = ()


class StampError(Exception):
    """The front matter is written in a way that soapbuild cannot safely edit."""


@dataclass(frozen=True, slots=True)
class Edit:
    """What a command writes into a note: the new bytes and how they must read back.

    ``fields`` are the front-matter fields it sets (every other field must read as
    before); ``appended`` says text was appended after the body (which must
    otherwise stay as it was); ``expect`` checks the re-parsed note says what was
    meant; ``allowed`` are error codes the note may have afterwards.
    """

    data: bytes
    stamp: str
    expect: Callable[[Note], bool]
    fields: frozenset[str] = frozenset()
    appended: bool = False
    allowed: frozenset[str] = frozenset()
    by_hand: str = "make the change by hand"


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a note is not edited, with the findings that say so."""

    reason: str
    findings: tuple[Finding, ...] = ()


Plan = Callable[[Note, Sequence[Finding], bytes, Context], "Edit | Refusal"]
"""Decides, from the note as read and its findings, what to write (or why not)."""


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


def quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are YAML's): a name with a comma or a
    colon stays one value."""
    return json.dumps(text, ensure_ascii=False)


def stamped_bytes(data: bytes, note: Note, values: Sequence[tuple[str, str]]) -> bytes:
    """``data`` with each ``(field, value)`` filled in where the field is there and empty,
    else added, in order, as lines before the closing ``---``; every other byte kept.

    ``note`` is the parse of ``data``. Offsets in the model count characters of
    the text without its BOM (lone CRs become LFs of the same length), so they
    are mapped back to byte offsets of the file as it is.
    """
    raw = data.decode("utf-8")
    shift = 1 if note.source.had_bom else 0

    def at_byte(offset: int) -> int:
        return len(raw[: offset + shift].encode("utf-8"))

    source = note.source
    edits: list[tuple[int, int, bytes]] = []
    added: list[str] = []
    for name, value in values:
        existing = note.header.field(name)
        if existing is None:
            added.append(f"{name}: {value}")
            continue
        if existing.kind not in ("scalar", "null") or (existing.text or "").strip():
            raise StampError(f"'{name}' already has a value")
        span = existing.value_span
        line = source.position(existing.key_span.end).line
        if span.end > span.start:  # name: ~ / null / ""
            if source.position(span.start).line != line or source.position(span.end).line != line:
                raise StampError(f"the empty '{name}' value is not on the line of its name")
            start, end, text = span.start, span.end, value
        else:  # name:   (nothing, or only a comment)
            colon = source.text.find(":", existing.key_span.end, source.line_end(line))
            if colon < 0:
                raise StampError(f"no ':' follows '{name}'")
            start = end = colon + 1
            text = f" {value}"
        edits.append((at_byte(start), at_byte(end), text.encode("utf-8")))
    if added:
        block = note.front_matter
        if block is None or block.end == 0:
            raise StampError("the note has no front matter")
        closing = at_byte(source.line_start(source.position(block.end - 1).line))
        before = data[:closing]
        ending = b"\r\n" if before.endswith(b"\r\n") else b"\r" if before.endswith(b"\r") \
            else b"\n"
        edits.append((closing, closing, b"".join(line.encode() + ending for line in added)))
    for start, end, inserted in sorted(edits, reverse=True):
        data = data[:start] + inserted + data[end:]
    return data


def edit_note(path: Path, display: str, context: Context, plan: Plan,
              history: HistoryLoader | None = None) -> StampResult:
    """Check one note, let ``plan`` decide what to write, verify it and write it on disk."""
    try:
        snapshot = read_snapshot(path, MAX_NOTE_BYTES)
    except OSError as error:
        return StampResult(display, Outcome.FAILED, f"cannot read the file ({_why(error)})")
    # "Now" on the zone's own timeline: a --now that named a wall-clock time skipped
    # when clocks went forward becomes the real time it denotes, so that the rules'
    # same-zone comparisons (which compare wall clocks) see the stamp as not later.
    zone = context.settings.timezone
    context = replace(context, now=context.now.astimezone(UTC).astimezone(zone))
    formats = dict(context.settings.formats)
    key = workspace_key(path, context.settings.root)
    parsed = parse_note(snapshot.data, display, formats, key)
    if history is not None and parsed.note is not None and key is not None:
        context = context.with_ledger(history({key: parsed.note}))  # its lock, for K001
    findings = check_result(parsed, context, as_submitted=True).findings
    note = parsed.note
    if note is None:
        errors = tuple(f for f in findings if f.severity is Severity.ERROR)
        return StampResult(display, Outcome.REFUSED, "the file cannot be read as a note",
                           findings=errors)
    decided = plan(note, findings, snapshot.data, context)
    if isinstance(decided, Refusal):
        return StampResult(display, Outcome.REFUSED, decided.reason, findings=decided.findings)
    after = parse_note(decided.data, display, formats, key)
    if after.note is None:  # e.g. the stamp makes a note just under the limit too large
        problem = after.problems[0] if after.problems else None
        return StampResult(display, Outcome.REFUSED, "with the stamp, the note could not be "
                           "read as one any more" + (f" ({problem.code}: {problem.message})"
                                                     if problem else "")
                           + "; nothing was written")
    if not (_same_note(note, after, decided) and after.note is not None
            and decided.expect(after.note)):
        return StampResult(display, Outcome.REFUSED, "soapbuild cannot edit this front matter "
                                                     "safely; " + decided.by_hand)
    checked = check_result(after, context).findings
    new_errors = [f for f in checked if f.severity is Severity.ERROR
                  and f.code not in decided.allowed]
    if new_errors:  # e.g. T001: the session has not started yet
        return StampResult(display, Outcome.REFUSED,
                           "; ".join(f"{f.code} {f.message}" for f in new_errors))
    try:
        replace_file(snapshot, decided.data)
    except ChangedOnDisk:
        return StampResult(display, Outcome.REFUSED,
                           "the file changed on disk while soapbuild was stamping it, so "
                           "nothing was written; check it and run the command again")
    except OSError as error:
        return StampResult(display, Outcome.FAILED,
                           f"cannot write the file ({_why(error)}); it was left as it was")
    shown = tuple(f for f in checked if f.severity is not Severity.INFO)  # warnings, late
    return StampResult(display, Outcome.DONE, stamp=decided.stamp, findings=shown)


def _same_note(before: Note, after: ParseResult, edit: Edit) -> bool:
    """Whether ``after`` reads as ``before`` but for the fields the edit sets (each once)
    and, for an appended edit, text after the body."""
    note = after.note
    if note is None or after.problems or before.front_matter is None \
            or note.front_matter is None:
        return False
    names = [f.name for f in note.header.fields]
    if any(names.count(name) != 1 for name in edit.fields):
        return False

    def others(parsed: Note) -> list[tuple[str, str, str | None]]:
        return [(f.name, f.kind, f.text) for f in parsed.header.fields
                if f.name not in edit.fields]

    body_before = before.source.text[before.front_matter.end:]
    body_after = note.source.text[note.front_matter.end:]
    same_body = (body_after.startswith(body_before) and len(body_after) > len(body_before)
                 if edit.appended else body_after == body_before)
    return others(before) == others(note) and same_body


def by_hand_text(values: Sequence[tuple[str, str]]) -> str:
    """What to do when soapbuild cannot write the fields itself."""
    return ("add " + " and ".join(f"'{name}: {value}'" for name, value in values)
            + " to the front matter by hand")


def _why(error: OSError) -> str:
    return error.strerror or type(error).__name__


# --- who signs ------------------------------------------------------------------------


def signer_option(text: str | None) -> Signer | None:
    """``--as "NAME, CREDENTIAL"`` read, or a usage problem (exit 2) when it has no credential."""
    if text is None:
        return None
    signer = parse_signer(text)
    if not signer.name or not signer.credentials:
        raise UsageProblem(f"--as {text!r}: sign as \"NAME, CREDENTIAL\", such as "
                           "\"Jordan Rivera, LCSW\"")
    return signer


def signer_for(given: Signer | None, person: str | None, settings: Settings,
               role: str) -> Signer | Refusal:
    """Who signs as ``role`` for ``person``: ``--as``, else their settings entry's credential.

    soapbuild never guesses a signature: without ``--as`` and without the person's
    credential in the settings, the note is refused.
    """
    if given is not None:
        return given
    entry = find_clinician(person, settings.clinicians)
    if entry is not None and entry.signer is not None:
        return entry.signer
    name = parse_signer(person).name if person else "the clinician"
    return Refusal(f"soapbuild does not guess who signs: pass --as \"NAME, CREDENTIAL\", or "
                   f"give the {role}'s credential in soapbuild.toml "
                   f"([clinicians.\"{name}\"] credential = \"…\")")


def author_signer(given: Signer | None, note: Note, settings: Settings,
                  verb: str) -> Signer | Refusal:
    """The note's author as the signer (``--as`` or their settings), or why not."""
    signer = signer_for(given, note.header.clinician, settings, "clinician")
    if isinstance(signer, Refusal):
        return signer
    mismatch = author_mismatch(note, signer, settings)
    if mismatch is not None:
        return Refusal(f"{mismatch}; only the note's author {verb} it")
    return signer


def author_mismatch(note: Note, signer: Signer, settings: Settings) -> str | None:
    """Why ``signer`` cannot sign as the note's author, or ``None``."""
    header = note.header
    if not header.clinician:
        return "the note names no clinician"
    author = parse_signer(header.clinician)
    if not signer.same_person(author):
        return f"{signer.name} is not the note's clinician ({header.clinician})"
    known = author_credentials(header, settings.clinicians)
    wanted = {credential_key(c) for c in signer.credentials}
    if known and not wanted & {credential_key(c) for c in known}:
        return (f"{signer.text} does not match the clinician's credential "
                f"({', '.join(known)})")
    return None


# --- submit ---------------------------------------------------------------------------


def submit_plan(given: Signer | None) -> Plan:
    """``submit``: a draft without errors, signed by its author, gets both stamps."""

    def plan(note: Note, findings: Sequence[Finding], data: bytes,
             context: Context) -> Edit | Refusal:
        settings = context.settings
        if note.psychotherapy_notes:
            return Refusal("psychotherapy notes are kept apart from the record and are never "
                           "submitted as a session note")
        already = submitted_value(note)
        if already is not None:
            return Refusal(f"{already}; a submitted note is corrected with a dated addendum")
        errors = tuple(f for f in findings
                       if f.severity is Severity.ERROR and f.code not in DRAFT_ONLY)
        if errors:
            count = len(errors)
            return Refusal(f"{count} error{'' if count == 1 else 's'}", errors)
        signer = author_signer(given, note, settings, "signs")
        if isinstance(signer, Refusal):
            return signer
        return signature_edit(data, note, context, signer, ("submitted", "signed_by"),
                              "{stamp} ({zone}), signed by {signer}", LATE)

    return plan


def signature_edit(data: bytes, note: Note, context: Context, signer: Signer,
                   fields: tuple[str, str], shown: str,
                   allowed: frozenset[str] = frozenset()) -> Edit | Refusal:
    """The edit that stamps a signature now: ``fields`` are the time's field and the
    signer's (``submitted``/``signed_by``, ``cosigned``/``cosigned_by``), written in the
    order given; ``shown`` says what was done ({stamp}, {zone}, {signer})."""
    when, who = fields if fields[0] in ("submitted", "cosigned") else fields[::-1]
    zone = context.settings.timezone
    stamp = stamp_text(context.now, zone)
    moment = stamp_moment(context.now, zone)
    texts = {when: stamp, who: quoted(signer.text)}
    values = [(name, texts[name]) for name in fields]
    by_hand = by_hand_text(values)
    try:
        new = stamped_bytes(data, note, values)
    except StampError as error:
        return Refusal(f"{error}; {by_hand}")

    def expect(after: Note) -> bool:
        header = after.header
        stamped = getattr(header, when)
        return (isinstance(stamped, Moment) and getattr(header, who) == signer.text
                and resolve(stamped, zone).astimezone(UTC) == moment.astimezone(UTC))

    return Edit(new, shown.format(stamp=stamp, zone=zone, signer=signer.text), expect,
                frozenset(fields), allowed=allowed, by_hand=by_hand)


# --- the commands ---------------------------------------------------------------------


def run_on_notes(directory: Path, settings: Settings, now: datetime, notes: Sequence[Path],
                 plan: Plan, done: str, not_done: str) -> int:
    """Apply ``plan`` to each note and say what happened; exit 2 when one could not be read
    or written, 1 when one was refused."""
    import click

    from soapbuild.commands.check import history_loader, rule_context
    from soapbuild.commands.common import held
    from soapbuild.discover import display_path
    from soapbuild.formatters.text import line as finding_line

    context = rule_context(directory, settings, now)
    history = history_loader(settings, context.now)
    targets: dict[Path, Path] = {}
    for name in notes:
        target = directory / name
        if target.is_dir():
            raise UsageProblem(f"{target}: is a folder; name each note")
        if not target.exists():
            raise UsageProblem(f"{target}: no such file")
        targets.setdefault(target.resolve(), target)  # the same note named twice: once
    outcomes = set()
    for target in targets.values():
        with held(settings, "notes", "writing a note"):  # read, decide, write: one at a time
            result = edit_note(target, display_path(target, directory), context, plan, history)
        outcomes.add(result.outcome)
        findings = [finding_line(f) for f in result.findings]
        if result.outcome is Outcome.DONE:
            click.echo(f"{done} {result.path} at {result.stamp}")
            for line in findings:
                click.echo(f"  {line}")
        else:
            for line in findings:
                click.echo(line)
            click.echo(f"{result.path}: {not_done}: {result.reason}")
    return 2 if Outcome.FAILED in outcomes else 1 if Outcome.REFUSED in outcomes else 0


def submit(directory: Path, settings: Settings, now: datetime, notes: Sequence[Path],
           signer: str | None = None) -> int:
    """Submit and sign each note."""
    return run_on_notes(directory, settings, now, notes, submit_plan(signer_option(signer)),
                        "submitted", "not submitted")
