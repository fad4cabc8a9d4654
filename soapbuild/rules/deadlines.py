"""When a note is due: hours after the session, or business days for payers that count them.

Hours are added on the UTC timeline, so a session before the November DST change
still gets its 72 real hours. Business days end at midnight of the practice's
local day: "within 2 business days" of a Friday session ends when Tuesday does.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from soapbuild.model.note import Moment
from soapbuild.model.timeparse import resolve
from soapbuild.settings import Settings


def session_start(moment: Moment, settings: Settings) -> datetime:
    """The session's start as an aware datetime (a date alone counts from 00:00)."""
    return resolve(moment, settings.timezone)


def deadline(session: Moment, service_code: str | None, settings: Settings) -> datetime:
    """The last instant at which the note counts as on time."""
    start = session_start(session, settings)
    override = settings.deadline_overrides.get(service_code or "")
    if override is not None:
        return _plus_hours(start, override)
    if settings.deadline_business_days is not None:
        return _plus_business_days(start, settings.deadline_business_days, settings)
    return _plus_hours(start, settings.deadline_hours)


def _plus_hours(start: datetime, hours: float) -> datetime:
    utc = start.astimezone(UTC)
    return (utc + timedelta(hours=hours)).astimezone(start.tzinfo)


def _plus_business_days(start: datetime, days: int, settings: Settings) -> datetime:
    local = start.astimezone(settings.timezone).date()
    while days > 0:
        local += timedelta(days=1)
        if local.weekday() < 5:
            days -= 1
    end_of_day = datetime.combine(local + timedelta(days=1), time(0), settings.timezone)
    return end_of_day - timedelta(microseconds=1)
