"""Submission times against the session and the deadline (codes T001–T005)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from soapbuild.model.findings import Hit
from soapbuild.model.note import Note, Span
from soapbuild.rules.context import Context
from soapbuild.rules.deadlines import deadline, session_start


def check(note: Note, context: Context) -> Iterator[Hit]:
    header = note.header
    if header.session_date is None:
        return
    settings = context.settings
    # Everything on the UTC timeline: aware datetimes sharing one zone compare and
    # subtract on the wall clock in Python, an hour off across a DST change.
    start = _utc(session_start(header.session_date, settings))
    due = _utc(deadline(header.session_date, header.service_code, settings))
    now = _utc(context.now)
    shown_due = _show(due.astimezone(settings.timezone))
    if header.submitted is not None:
        submitted = _utc(context.aware(header.submitted))
        where = _value_span(note, "submitted")
        if submitted < start:
            yield Hit("T001", where,
                      f"Submitted {header.submitted.text}, before the session started "
                      f"({header.session_date.text}).",
                      "Check the date: 'submitted' is when the note was signed off.")
        elif submitted > now:
            yield Hit("T002", where, f"Submitted {header.submitted.text}, which is in the future.",
                      "Check the date: 'submitted' is when the note was signed off.")
        elif submitted > due:
            yield Hit("T003", where,
                      f"Submitted {_duration(submitted - due)} after the deadline ({shown_due}).",
                      "A late note cannot be made on time; it is counted in the report.")
        return
    if note.header.field("submitted") is not None and "submitted" in {
            p.name for p in header.problems}:
        return  # 'submitted' is there but unreadable (F002): not a draft
    where = _value_span(note, "session_date")
    if now > due:
        yield Hit("T004", where,
                  f"The note is still a draft {_duration(now - due)} after its deadline "
                  f"({shown_due}).", "Finish the note and run 'soapbuild submit' on it.")
    elif due - now <= timedelta(hours=settings.due_soon_hours):
        yield Hit("T005", where, f"The note is due in {_duration(due - now)} ({shown_due}).",
                  "Finish the note and run 'soapbuild submit' on it.")


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _value_span(note: Note, name: str) -> Span:
    raw = note.header.field(name)
    return raw.value_span if raw is not None else Span(0, 3)


def _duration(delta: timedelta) -> str:
    """'30 h 5 min (1.3 days)': hours for billing staff, days for a sense of scale."""
    if delta < timedelta(minutes=1):
        return "less than a minute"
    minutes = int(delta.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    text = f"{hours} h {rest} min" if hours else f"{rest} min"
    if delta >= timedelta(days=1):
        text += f" ({delta.total_seconds() / 86400:.1f} days)"
    return text


def _show(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M %Z")
