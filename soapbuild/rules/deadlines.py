"""When a note is due, and whether it was on time: decided here once for rules and report.

Hours are added on the UTC timeline, so a session before the November DST change
still gets its 72 real hours. Business days end at midnight of the practice's
local day: "within 2 business days" of a Friday session ends when Tuesday does.
A business day is a weekday that is neither a public holiday of the practice's
country and subdivision (``[calendar]``, from the ``holidays`` package, imported
only when a deadline in business days is computed for a practice that names a
country) nor one of the practice's own closed days. The co-signature deadline
(:func:`cosignature_deadline`) and the limit on late entries (:func:`entry_limit`)
are counted here too, so every deadline of the practice is one computation.

:func:`judge_timeliness` is the one place that compares a note's dates with its
deadline and "now"; the timeliness rules (T001–T005, T008) and the session rows
of the report (:mod:`soapbuild.rules.sessions`) both read its verdict. In a git
repository it also weighs the ``submitted`` stamp against the first commit that
held the submitted note: a stamp earlier than that commit by more than
``history.tolerance_hours`` cannot be trusted (T008), and with ``history.timeliness
= "commit"`` the commit time decides whether the note was on time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from soapbuild.model.history import NoteHistory
from soapbuild.model.note import Moment, Note
from soapbuild.model.timeparse import resolve
from soapbuild.settings import Settings

TIMELINESS = ("on_time", "late", "overdue", "due_soon", "draft", "n/a")


def deadline(session: Moment, codes: tuple[str, ...], settings: Settings) -> datetime:
    """The last instant at which the note counts as on time.

    A session with several codes takes the shortest override among them (a crisis
    session billed 90839 + 90840 is due as 90839 is).
    """
    start = resolve(session, settings.timezone)
    overrides = [settings.deadline_overrides[code] for code in codes
                 if code in settings.deadline_overrides]
    if overrides:
        return _plus_hours(start, min(overrides))
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
        if is_business_day(local, settings):
            days -= 1
    return _end_of_day(local, settings)


def _end_of_day(day: date, settings: Settings) -> datetime:
    end_of_day = datetime.combine(day + timedelta(days=1), time(0), settings.timezone)
    return end_of_day - timedelta(microseconds=1)


def is_business_day(day: date, settings: Settings) -> bool:
    """A weekday that is no public holiday (``[calendar]``) and no closed day of the practice."""
    if day.weekday() >= 5 or day in settings.closed_days:
        return False
    country = settings.holiday_country
    return country is None or day not in public_holidays(country, settings.holiday_subdivision,
                                                         day.year)


@cache
def public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    """The public holidays (observed days included) of one year, from ``holidays``.

    Imported here, lazily: ``check`` in a git hook pays for the package (about
    0.15 s, and 0.2-0.3 s for a country's first year) only when a deadline in
    business days is computed for a practice that names its country.
    """
    import holidays

    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))


def cosignature_deadline(signed: datetime, settings: Settings) -> datetime:
    """When a note that needs a supervisor's co-signature is due for it: the end of the
    ``supervision.cosign_business_days``-th business day after it was signed."""
    return _plus_business_days(signed, settings.cosign_business_days, settings)


def entry_limit(session: Moment, settings: Settings) -> datetime | None:
    """The last moment a note or addendum for this session may be entered at all: the end
    of the ``late_entry_days``-th calendar day after the session (``None``: no limit)."""
    if settings.late_entry_days is None:
        return None
    day = resolve(session, settings.timezone).astimezone(settings.timezone).date()
    return _end_of_day(day + timedelta(days=settings.late_entry_days), settings)


@dataclass(frozen=True, slots=True)
class Timeliness:
    """A note's dates against its deadline at "now".

    ``state`` is one of :data:`TIMELINESS`. ``submitted_early`` and
    ``submitted_future`` mark a submission before the session or in the future
    (the state is then ``n/a``: it cannot be judged). ``over`` is how far past
    the deadline the note was submitted (late) or still is (overdue); ``left``
    how long a draft still has. ``unreadable_stamp`` marks a ``submitted``
    field that is there but cannot be read: the note is then no draft either.
    ``committed`` is when the submitted note entered the repository, and
    ``stamp_gap`` how much earlier the stamp claims it was submitted, when that is
    more than the tolerance; ``by_commit`` says the state was judged by the commit.
    ``limit`` is the last moment the note may be entered at all (``late_entry_days``),
    and ``beyond_limit`` how far past it a late note was entered.
    """

    state: str
    start: datetime | None = None
    due: datetime | None = None
    submitted: datetime | None = None
    submitted_early: bool = False
    submitted_future: bool = False
    over: timedelta | None = None
    left: timedelta | None = None
    unreadable_stamp: bool = False
    committed: datetime | None = None
    stamp_gap: timedelta | None = None
    by_commit: bool = False
    limit: datetime | None = None
    beyond_limit: timedelta | None = None

    @property
    def hours_late(self) -> float | None:
        """Hours past the deadline, for the report (late and overdue notes only)."""
        if self.over is None:
            return None
        return round(self.over.total_seconds() / 3600, 2)


def judge_timeliness(note: Note, settings: Settings, now: datetime,
                     history: NoteHistory | None = None) -> Timeliness:
    """Judged on the UTC timeline: aware datetimes sharing one zone compare and subtract
    on the wall clock in Python, an hour off across a DST change. ``history`` is the
    note's past in git (None outside git), for the stamp against its commit."""
    header = note.header
    if header.session_date is None:
        return Timeliness("n/a")
    start = resolve(header.session_date, settings.timezone)
    due = deadline(header.session_date, header.codes, settings)
    utc_start, utc_due, utc_now = (moment.astimezone(UTC) for moment in (start, due, now))
    if header.submitted is not None:
        submitted = resolve(header.submitted, settings.timezone)
        stamp = submitted.astimezone(UTC)
        committed, gap = _stamp_against_commit(stamp, history, settings, utc_now)
        if stamp < utc_start:
            return Timeliness("n/a", start, due, submitted, submitted_early=True,
                              committed=committed, stamp_gap=gap)
        if stamp > utc_now:
            return Timeliness("n/a", start, due, submitted, submitted_future=True,
                              committed=committed)
        by_commit = gap is not None and committed is not None and (
            settings.history_timeliness == "commit")
        if by_commit and committed is not None:
            stamp = committed.astimezone(UTC)
        if stamp > utc_due:
            limit = entry_limit(header.session_date, settings)
            beyond = (stamp - limit.astimezone(UTC)
                      if limit is not None and stamp > limit.astimezone(UTC) else None)
            return Timeliness("late", start, due, submitted, over=stamp - utc_due,
                              committed=committed, stamp_gap=gap, by_commit=by_commit,
                              limit=limit, beyond_limit=beyond)
        return Timeliness("on_time", start, due, submitted, committed=committed,
                          stamp_gap=gap, by_commit=by_commit)
    unreadable = (header.field("submitted") is not None
                  and "submitted" in {p.name for p in header.problems})
    if utc_now > utc_due:
        return Timeliness("overdue", start, due, over=utc_now - utc_due,
                          unreadable_stamp=unreadable)
    left = utc_due - utc_now
    state = "due_soon" if left <= timedelta(hours=settings.due_soon_hours) else "draft"
    return Timeliness(state, start, due, left=left, unreadable_stamp=unreadable)


def _stamp_against_commit(stamp: datetime, history: NoteHistory | None, settings: Settings,
                          now: datetime) -> tuple[datetime | None, timedelta | None]:
    """When the submitted note entered the repository, and how much earlier the stamp is
    when that is beyond the tolerance. A commit after "now" has not happened as of now,
    and one in an import says nothing about when the note was written."""
    if history is None or not history.in_git or history.submitted_entered is None:
        return None, None
    committed = history.submitted_entered
    if committed.astimezone(UTC) > now or history.submitted_imported:
        return None, None
    gap = committed.astimezone(UTC) - stamp
    if gap > timedelta(hours=settings.history_tolerance_hours):
        return committed, gap
    return committed, None
