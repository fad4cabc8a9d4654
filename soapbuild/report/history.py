"""The report's history (``soapbuild report --history``, and the HTML report).

Per note: when it entered the repository, each change after it was submitted
and after it locked (an unauthorised one set apart from addenda), its addenda
with their dates and when each was first committed, and whether the
``submitted`` stamp agrees with the history. Outside git the seal file is the
only history: when the note was sealed, extended by addenda, moved or retired.
Locked notes that were deleted (or retired) have a row too. The rows are read
from the run's ledger and session rows, never from git itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from soapbuild.model.history import Change, Ledger
from soapbuild.model.note import Note
from soapbuild.rules.sessions import SessionRecord

HISTORY_COLUMNS = ("entered", "stamp", "changes_after_submission", "changes_after_lock",
                   "addenda")
"""The columns ``--history`` adds to the CSV."""


@dataclass(frozen=True, slots=True)
class AddendumRow:
    """One addendum: its heading, its date as written, and its first commit."""

    heading: str
    dated: str | None
    entered: datetime | None


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One note's past."""

    note: str
    key: str | None
    client: str | None
    session_date: datetime | None
    in_git: bool
    entered: datetime | None
    imported: bool
    stamp: str  # agrees, earlier, not_committed, imported, draft, unknown
    stamp_gap_hours: float | None
    after_submission: tuple[Change, ...]
    after_lock: tuple[Change, ...]
    addenda: tuple[AddendumRow, ...]
    deleted: str | None = None  # how it was deleted, for a locked note that is gone
    retired: str | None = None


def history_rows(sessions: Sequence[SessionRecord], notes: Mapping[str, Note],
                 ledger: Ledger) -> tuple[HistoryRow, ...]:
    """A row per session, then one per locked note that is gone."""
    rows = []
    for session in sessions:
        past = ledger.history(session.key)
        note = notes.get(session.path)
        changes = past.changes if past is not None else ()
        entered = past.addenda_entered if past is not None else {}
        addenda = tuple(AddendumRow(a.heading.text, a.date.text if a.date else None,
                                    entered.get(a.heading.text))
                        for a in (note.body.addenda if note is not None else ()))
        rows.append(HistoryRow(
            note=session.path, key=session.key, client=session.client,
            session_date=session.session_date, in_git=ledger.in_git,
            entered=past.entered if past is not None else None,
            imported=past.imported if past is not None else False,
            stamp=_stamp(session, ledger, past is not None and past.submitted_imported),
            stamp_gap_hours=session.stamp_gap_hours,
            after_submission=tuple(c for c in changes if c.after_submission and not c.after_lock),
            after_lock=tuple(c for c in changes if c.after_lock),
            addenda=addenda))
    for gone in ledger.deleted:
        how = (f"in commit {gone.commit} of {gone.when:%Y-%m-%d %H:%M}" if gone.commit
               and gone.when else "from the working folder")
        rows.append(HistoryRow(gone.key, gone.key, gone.client, None, ledger.in_git, None,
                               False, "unknown", None, (), (), (), deleted=how,
                               retired=gone.retired))
    return tuple(rows)


def _stamp(session: SessionRecord, ledger: Ledger, imported: bool) -> str:
    if session.submitted is None:
        return "draft"
    if not ledger.in_git:
        return "unknown"
    if session.stamp_gap_hours is not None:
        return "earlier"
    if imported:
        return "imported"
    return "agrees" if session.committed is not None else "not_committed"


STAMP_WORDS = {
    "agrees": "agrees with its commit",
    "earlier": "earlier than its commit",
    "not_committed": "not committed submitted yet",
    "imported": "came with an import",
    "draft": "draft",
    "unknown": "no history to compare (outside git)",
}


def _moment(value: datetime | None, zone: Any = UTC) -> str | None:
    """RFC 3339 in the practice's time zone (commit times are read in UTC)."""
    if value is None:
        return None
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    return value.astimezone(zone).isoformat(timespec="seconds")


def _change(change: Change, zone: Any) -> dict[str, Any]:
    return {"when": _moment(change.when, zone), "kind": change.kind, "path": change.path,
            "commit": change.commit, "on_branch": change.reachable,
            **({"note": change.note} if change.note else {})}


def history_json(rows: Sequence[HistoryRow], zone: Any) -> list[dict[str, Any]]:
    return [{
        "note": row.note, "client": row.client,
        "session_date": _moment(row.session_date, zone), "in_git": row.in_git,
        "entered": _moment(row.entered, zone), "imported": row.imported,
        "stamp": row.stamp, "stamp_earlier_by_hours": row.stamp_gap_hours,
        "changes_after_submission": [_change(c, zone) for c in row.after_submission],
        "changes_after_lock": [_change(c, zone) for c in row.after_lock],
        "addenda": [{"heading": a.heading, "dated": a.dated,
                     "entered": _moment(a.entered, zone)} for a in row.addenda],
        "deleted": row.deleted, "retired": row.retired,
    } for row in rows]


def change_text(change: Change, zone: Any) -> str:
    """One change in words: '2026-11-25 10:00 unauthorised (commit 1a2b3c4)'."""
    where = f" (commit {change.commit}" + ("" if change.reachable else ", reflog only") + ")" \
        if change.commit else ""
    extra = f": {change.note}" if change.note else ""
    return f"{change.when.astimezone(zone):%Y-%m-%d %H:%M} {change.kind}{where}{extra}"


def _committed(when: datetime | None, zone: Any) -> str:
    return f" (committed {when.astimezone(zone):%Y-%m-%d %H:%M})" if when is not None else ""


def history_cells(row: HistoryRow, zone: Any) -> dict[str, str]:
    """The CSV cells ``--history`` adds (see :data:`HISTORY_COLUMNS`)."""
    return {
        "entered": _moment(row.entered, zone) or "",
        "stamp": row.stamp,
        "changes_after_submission": "; ".join(change_text(c, zone) for c in row.after_submission),
        "changes_after_lock": "; ".join(change_text(c, zone) for c in row.after_lock),
        "addenda": "; ".join(a.heading + _committed(a.entered, zone) for a in row.addenda),
    }


def history_text(rows: Sequence[HistoryRow], zone: Any) -> list[str]:
    """The history for a terminal: a block per note that has something to say."""
    lines = ["History (when each note entered the repository, and what changed after it was "
             "submitted or locked):"]
    for row in rows:
        said = []
        if row.deleted is not None:
            said.append(f"deleted {row.deleted}"
                        + (f"; retired: {row.retired}" if row.retired else ""))
        if row.entered is not None:
            said.append(f"entered {row.entered.astimezone(zone):%Y-%m-%d %H:%M}"
                        + (" (import)" if row.imported else ""))
        if row.stamp not in ("draft", "unknown"):
            gap = f" by {row.stamp_gap_hours:.0f} h" if row.stamp_gap_hours is not None else ""
            said.append(f"stamp {STAMP_WORDS[row.stamp]}{gap}")
        said += [f"after submission: {change_text(c, zone)}" for c in row.after_submission]
        said += [f"after locking: {change_text(c, zone)}" for c in row.after_lock]
        said += [f"addendum {a.heading}{_committed(a.entered, zone)}" for a in row.addenda]
        if said:
            lines.append(f"  {row.note}")
            lines += [f"    {item}" for item in said]
    return lines
