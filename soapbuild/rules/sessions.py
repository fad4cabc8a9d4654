"""One row per session: what the compliance report, the billing CSV and the record show.

A session's timeliness is one of ``on_time``, ``late``, ``overdue``, ``due_soon``,
``draft`` or ``n/a`` (no readable session date), judged against the deadline
(SPEC 4.3); whether it is billable comes from :func:`soapbuild.rules.minutes.billing_status`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from soapbuild.model.findings import Finding
from soapbuild.model.note import Note
from soapbuild.model.schedule import ScheduledSession, missing_sessions
from soapbuild.rules.context import Context
from soapbuild.rules.deadlines import deadline, session_start
from soapbuild.rules.minutes import billing_status, session_minutes

TIMELINESS = ("on_time", "late", "overdue", "due_soon", "draft", "n/a")


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A note seen as a session of the practice."""

    path: str
    key: str | None
    client: str | None
    clinician: str | None
    session_date: datetime | None
    occurred: bool | None
    reason: str | None
    submitted: datetime | None
    deadline: datetime | None
    timeliness: str
    hours_late: float | None
    service_code: str | None
    minutes: int | None
    billable: bool
    not_billable_because: str | None
    findings: tuple[Finding, ...]


def session_record(path: str, note: Note | None, findings: Sequence[Finding],
                   context: Context) -> SessionRecord:
    """The session row of one note file (an unreadable file is a row too: not billable)."""
    billing = billing_status(note, findings)
    if note is None:
        return SessionRecord(path, None, None, None, None, None, None, None, None, "n/a", None,
                             None, None, False, billing.reason, tuple(findings))
    header, settings = note.header, context.settings
    start = due = submitted = None
    if header.session_date is not None:
        start = session_start(header.session_date, settings)
        due = deadline(header.session_date, header.service_code, settings)
    if header.submitted is not None:
        submitted = context.aware(header.submitted)
    timeliness, late = _timeliness(start, due, submitted, context.now,
                                   timedelta(hours=settings.due_soon_hours))
    return SessionRecord(
        path=path, key=note.key, client=header.client, clinician=header.clinician,
        session_date=start, occurred=header.occurred, reason=header.reason,
        submitted=submitted, deadline=due, timeliness=timeliness, hours_late=late,
        service_code=header.service_code, minutes=session_minutes(note, settings).minutes,
        billable=billing.billable, not_billable_because=billing.reason,
        findings=tuple(findings))


def _timeliness(start: datetime | None, due: datetime | None, submitted: datetime | None,
                now: datetime, soon: timedelta) -> tuple[str, float | None]:
    """Judged on the UTC timeline; a submission before the session or in the future
    (T001, T002) cannot be judged at all."""
    if start is None or due is None:
        return "n/a", None
    due, now = due.astimezone(UTC), now.astimezone(UTC)
    if submitted is not None:
        submitted = submitted.astimezone(UTC)
        if not start.astimezone(UTC) <= submitted <= now:
            return "n/a", None
        over = submitted - due
        return ("late", _hours(over)) if over > timedelta(0) else ("on_time", None)
    if now > due:
        return "overdue", _hours(now - due)
    return ("due_soon" if due - now <= soon else "draft"), None


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600, 2)


def unmatched_sessions(scheduled: Sequence[ScheduledSession],
                       sessions: Sequence[SessionRecord]) -> tuple[ScheduledSession, ...]:
    """The scheduled sessions that no note's session covers (see :func:`missing_sessions`)."""
    noted = [(s.client, s.session_date) for s in sessions
             if s.client is not None and s.session_date is not None]
    return tuple(missing_sessions(scheduled, noted))
