"""Locked notes (SPEC 4.3): changed (K001), deleted (K002), or out of reach (K003).

A locked note may only grow by dated, attributed addenda (CMS Program Integrity
Manual ch. 3 §3.3.2.5). Its lock comes from the run's ledger (a commit, or a seal
and the original kept beside it); the comparison is
:func:`soapbuild.history.lock.check_lock`, and the finding shows what changed
against the locked text. These findings cannot be suppressed: a comment in the
note is itself a change.
"""

from __future__ import annotations

from collections.abc import Iterator

from soapbuild.history.lock import LockCheck, LockState, check_lock, describe, locked_since
from soapbuild.model.findings import Hit
from soapbuild.model.history import DeletedNote, LockRecord
from soapbuild.model.note import Note, Span
from soapbuild.rules.context import Context

#: The rule codes this module reports (the rule pages are data/rules/*.toml).
CODES = frozenset({"K001", "K002", "K003"})


def check(note: Note, context: Context) -> Iterator[Hit]:
    record = context.ledger.lock(note.key)
    if record is None:  # not locked when last seen: nothing to compare with yet
        return
    # A locked note stays locked whatever its header says now: changing or
    # deleting 'submitted' must not reopen it, so the lock's own time is shown.
    verdict = check_lock(note, record)
    if verdict.state is LockState.CHANGED:
        yield _changed(note, record, verdict, context)
    elif verdict.state is LockState.APPENDED:
        yield _appended(note, record, verdict, context)


def _when(note: Note, record: LockRecord, context: Context) -> str:
    zone = context.settings.timezone
    since = record.locked_at or locked_since(note, context.settings)
    if since is None:
        return f"was locked ({record.evidence})"
    return (f"locked on {since.astimezone(zone):%Y-%m-%d %H:%M} "
            f"({context.settings.edit_window_hours:g} h after submission)")


def _line_span(note: Note, line: int) -> Span:
    line = max(1, min(line, note.source.line_count))
    return Span(note.source.line_start(line), note.source.line_end(line))


def _changed(note: Note, record: LockRecord, verdict: LockCheck, context: Context) -> Hit:
    hunks = verdict.hunks
    if hunks:
        first = hunks[0]
        where = f" ({first.section})" if first.section else ""
        lines = sum(max(len(h.removed), len(h.added)) for h in hunks)
        what = (f": {lines} line{' differs' if lines == 1 else 's differ'} from the locked text, "
                f"the first at line {first.line}{where}")
        span = _line_span(note, first.line)
    else:
        what = (" (soapbuild kept only the hash of the locked text, so it cannot show what "
                "changed)" if record.text is None else "")
        raw = note.header.field("submitted")
        span = raw.key_span if raw else Span(0, min(3, len(note.source.text)))
    return Hit("K001", span, f"This note {_when(note, record, context)} and its text has "
                             f"changed since{what}.",
               f"Run 'soapbuild restore {note.path}' to put the locked text back; the change "
               "becomes a draft addendum to date and sign.",
               describe(hunks) or None)


def _appended(note: Note, record: LockRecord, verdict: LockCheck, context: Context) -> Hit:
    first = verdict.hunks[0]
    return Hit("K001", _line_span(note, first.line),
               f"This note {_when(note, record, context)}; the text added at line {first.line} "
               f"is not a dated, attributed addendum: {verdict.problem}.",
               "Head it '## Addendum <the date and time you write it>' with 'Author:' and "
               "'Reason:' lines, or run 'soapbuild restore "
               f"{note.path}' to take it out into a draft addendum.",
               describe(verdict.hunks) or None)


def outside(context: Context) -> Hit:
    """K003, for a note file checked that lies outside the workspace (the checker knows)."""
    return Hit("K003", None,
               f"This note lies outside the workspace ({context.settings.root}), through a "
               "symlink or a path that leads out of it, so its lock cannot be kept; "
               "soapbuild does not read it.",
               "Move the note into the workspace's notes folder.")


def deleted(context: Context) -> Iterator[tuple[DeletedNote, Hit]]:
    """A locked note that is gone (K002), until it is restored or retired."""
    ledger = context.ledger
    for gone in ledger.deleted:
        if gone.retired is not None:
            continue
        who = f"client {gone.client}" if gone.client else "an unnamed client"
        session = f", session of {gone.session_date}," if gone.session_date else ""
        if gone.commit is not None and gone.when is not None:
            how = (f" in commit {gone.commit} of "
                   f"{gone.when.astimezone(context.settings.timezone):%Y-%m-%d %H:%M}")
        else:
            how = " from the index" if ledger.staged else " from the notes folder"
        yield gone, Hit(
            "K002", None,
            f"The locked note of {who}{session} was deleted{how}; a locked note stays in "
            "the record.",
            f"Put it back with 'soapbuild restore {gone.key}', or, if it was never part of "
            f"the record, 'soapbuild retire {gone.key} --reason \"…\"'.")
