"""Which sessions an export holds: a client, a range of session days, named days.

Both exports read the check run of the whole notes folder, so what they hold is
what ``check`` and ``build`` see: psychotherapy notes are not in it (they are no
session, :mod:`soapbuild.checker`), and a note that could not be read or dated
is left out with the reason (the caller says so). Drafts are not yet part of the
record and are left out unless asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo

from soapbuild.checker import CheckRun
from soapbuild.model.note import Note
from soapbuild.rules.sessions import SessionRecord


@dataclass(frozen=True, slots=True)
class Request:
    """What was asked for: clients (none: all), session days, drafts or not."""

    clients: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    days: tuple[date, ...] = ()
    drafts: bool = False

    def wants(self, day: date) -> bool:
        if self.days and day not in self.days:
            return False
        return (self.since is None or day >= self.since) and (
            self.until is None or day <= self.until)

    def describe(self) -> str:
        """The request in words, for the cover page and the summary."""
        who = ", ".join(self.clients) if self.clients else "every client"
        if self.days:
            when = "sessions of " + ", ".join(f"{d:%Y-%m-%d}" for d in sorted(self.days))
        elif self.since or self.until:
            when = (f"sessions from {self.since:%Y-%m-%d}" if self.since else "sessions") + (
                f" to {self.until:%Y-%m-%d}" if self.until else " on")
        else:
            when = "every session"
        return f"{when} of {who}"


@dataclass(frozen=True, slots=True)
class Entry:
    """A session the export holds, with its parsed note."""

    session: SessionRecord
    note: Note
    digest: str | None = None  # SHA-256 of the note file's bytes as the check read them


@dataclass(frozen=True, slots=True)
class Selection:
    """The sessions an export holds, in date order, and those left out with why."""

    entries: tuple[Entry, ...]
    left_out: tuple[tuple[SessionRecord, str], ...]

    def clients(self) -> list[str]:
        return list(dict.fromkeys(e.session.client for e in self.entries
                                  if e.session.client is not None))


def select(run: CheckRun, request: Request, zone: tzinfo) -> Selection:
    """The sessions of ``run`` that ``request`` asks for."""
    entries: list[Entry] = []
    left_out: list[tuple[SessionRecord, str]] = []
    for session in _ordered(run.sessions):
        if request.clients and session.client not in request.clients:
            continue
        start = session.session_date
        if start is not None and not request.wants(start.astimezone(zone).date()):
            continue
        note = run.notes.get(session.path)
        if note is None or start is None or session.client is None:
            if request.clients or request.since or request.until or request.days:
                left_out.append((session, "it cannot be read, or names no client or date"))
            continue
        if session.submitted is None and not request.drafts:
            left_out.append((session, "a draft, not yet part of the record"))
            continue
        entries.append(Entry(session, note, run.read.get(note.key or "")))
    return Selection(tuple(entries), tuple(left_out))


def _ordered(sessions: Sequence[SessionRecord]) -> list[SessionRecord]:
    """By session start (undated last), then by file."""
    latest = datetime.max.replace(tzinfo=UTC)
    return sorted(sessions, key=lambda s: (
        s.session_date.astimezone(UTC) if s.session_date is not None else latest, s.path))
