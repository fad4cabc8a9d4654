"""Comparing a note with the text it locked with (SPEC 4.3): pure functions, no I/O.

A submitted note may be edited for ``edit_window_hours``; after that it is
locked, and the only change allowed is appending addenda, each dated and
attributed (CMS Program Integrity Manual ch. 3 §3.3.2.5: an amendment is
labelled, dated and signed, and the original stays as it was). So a note is
judged against its :class:`~soapbuild.model.history.LockRecord` in two steps:

1. its text must begin with the locked text (compared by hash, so a seal that
   kept only the hash still judges it);
2. whatever follows must be addenda only: the first thing after the locked text
   is an addendum heading, no section of the note comes after it, and every
   addendum appended there has a readable date and an ``Author:`` line. An
   undated ``## Amendment`` or ``## Correction``, a loose paragraph or a new
   ``## Notes`` heading would otherwise read as part of the original note.

Texts are compared *normalized*: CRLF read as LF and trailing whitespace
dropped, so that a checkout that converts line endings is no change.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from soapbuild.model.history import LockRecord
from soapbuild.model.note import Header, Note
from soapbuild.model.signers import final_stamp
from soapbuild.model.timeparse import resolve
from soapbuild.settings import Settings


def normalized(text: str) -> str:
    """The text as locks compare it: LF line ends, no trailing whitespace."""
    return text.replace("\r\n", "\n").rstrip()


def digest(text: str) -> str:
    """The SHA-256 (hex) of a normalized text."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def begins_with(text: str, sha256: str, length: int) -> bool:
    """Whether the normalized ``text`` begins with the text of this hash and length."""
    body = normalized(text)
    return len(body) >= length and digest(body[:length]) == sha256


def lock_time(header: Header, settings: Settings) -> datetime | None:
    """When a note with this header locks (final + edit window), or None for a draft.

    A note is final when it is submitted, or, when its author's credential needs a
    supervisor's co-signature, when it is co-signed: until then the supervisor may
    send it back for changes, and ``soapbuild cosign`` writes into it.
    """
    final = final_stamp(header, settings.clinicians, settings.cosign_credentials)
    if final is None:
        return None
    return resolve(final, settings.timezone) + timedelta(hours=settings.edit_window_hours)


def locked_since(note: Note, settings: Settings) -> datetime | None:
    """When the note locked (final + edit window, see :func:`lock_time`), or None."""
    return lock_time(note.header, settings)


class LockState(StrEnum):
    UNCHANGED = "unchanged"
    EXTENDED = "extended"  # dated, attributed addenda appended: the lock grows to cover them
    CHANGED = "changed"  # the locked text itself changed
    APPENDED = "appended"  # something other than dated, attributed addenda was appended


@dataclass(frozen=True, slots=True)
class Hunk:
    """One run of changed lines: the locked lines and what stands there now.

    Line numbers are 1-based, in the locked text and in the note now (CRLF and LF
    count the same lines). ``section`` names where the change is in the note now.
    """

    locked_line: int
    line: int
    removed: tuple[str, ...]
    added: tuple[str, ...]
    section: str | None


@dataclass(frozen=True, slots=True)
class LockCheck:
    """A note against its lock: the state, what changed and, when appended, what is wrong."""

    state: LockState
    hunks: tuple[Hunk, ...] = ()
    problem: str = ""


def check_lock(note: Note, record: LockRecord) -> LockCheck:
    """Judge ``note`` against ``record`` (see the module docstring)."""
    text = note.source.text
    body = normalized(text)
    if len(body) < record.length or digest(body[:record.length]) != record.sha256:
        hunks = changes(record.text, note) if record.text is not None else ()
        return LockCheck(LockState.CHANGED, hunks)
    rest = body[record.length:]
    if not rest.strip():
        return LockCheck(LockState.UNCHANGED)
    start = record.length + len(rest) - len(rest.lstrip())
    problem = _appended_problem(note, start, body[start:].split("\n", 1)[0].strip())
    if problem:
        first = body.count("\n", 0, start) + 1
        hunk = Hunk(body.count("\n", 0, record.length) + 2, first, (),
                    tuple(body[start:].split("\n")), _where(note, first))
        return LockCheck(LockState.APPENDED, (hunk,), problem)
    return LockCheck(LockState.EXTENDED)


def _offset(text: str, offset: int) -> int:
    """An offset into ``text`` as an offset into its normalized form (CRLF counted once)."""
    return offset - text.count("\r\n", 0, offset)


def _appended_problem(note: Note, start: int, first_line: str) -> str:
    """Why the text appended at normalized offset ``start`` (its first line ``first_line``)
    is not dated, attributed addenda; empty when it is."""
    text = note.source.text
    addenda = [a for a in note.body.addenda if _offset(text, a.heading.span.end) > start]
    if not addenda or _offset(text, addenda[0].heading.span.start) > start:
        return (f"'{first_line[:60]}' is not an addendum heading: what follows a locked note "
                "must be '## Addendum YYYY-MM-DD HH:MM' with 'Author:' and 'Reason:' lines")
    for section in note.body.sections:
        if _offset(text, section.heading.span.start) > start:
            return (f"the section '{section.heading.text}' was added after the addenda; a locked "
                    "note's sections cannot change")
    for addendum in addenda:
        if addendum.date is None:
            return f"the addendum '{addendum.heading.text}' is not dated"
        if addendum.author is None:
            return f"the addendum '{addendum.heading.text}' does not name its author"
    return ""


def changes(locked: str, note: Note) -> tuple[Hunk, ...]:
    """The lines of ``note`` that differ from the ``locked`` text, run by run."""
    old = normalized(locked).split("\n")
    new = normalized(note.source.text).split("\n")
    hunks = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        line = min(j1 + 1, note.source.line_count)
        hunks.append(Hunk(i1 + 1, j1 + 1, tuple(old[i1:i2]), tuple(new[j1:j2]),
                          _where(note, line)))
    return tuple(hunks)


def _where(note: Note, line: int) -> str | None:
    offset = note.source.line_start(line)
    if note.front_matter is not None and offset < note.front_matter.end:
        return "front matter"
    return note.section_at(offset)


def describe(hunks: tuple[Hunk, ...], limit: int = 16) -> str:
    """The hunks as a short diff for a terminal: ``-`` the locked line, ``+`` the line now."""
    lines: list[str] = []
    for hunk in hunks:
        where = f" ({hunk.section})" if hunk.section else ""
        lines.append(f"line {hunk.line}{where}:")
        lines += [f"- {text}" for text in hunk.removed]
        lines += [f"+ {text}" for text in hunk.added]
    if len(lines) > limit:
        hidden = len(lines) - limit
        lines = [*lines[:limit], f"… {hidden} more line{'' if hidden == 1 else 's'}"]
    return "\n".join(lines)
