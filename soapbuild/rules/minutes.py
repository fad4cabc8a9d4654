"""Face-to-face minutes and whether a session can be billed (SPEC 3.1, 4.4).

:func:`session_minutes` is the one reading of a session's time: the clock
(``start`` to ``end``) where both are known, else ``duration``. Clock minutes are
real minutes, counted on the UTC timeline: 01:30 to 03:15 on the night the clocks
spring forward is 45 minutes, not 105. :func:`billing_status` is the one verdict
on billability, read by the rules' neighbours (report rows, pages, exports).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from soapbuild.model.findings import Finding, Severity
from soapbuild.model.note import Note
from soapbuild.model.timeparse import parse_moment, resolve
from soapbuild.rules.deadlines import entry_limit
from soapbuild.rules.diagnosis import missing_diagnosis
from soapbuild.rules.signatures import unsigned_reason
from soapbuild.rules.supervision import uncosigned_reason
from soapbuild.settings import Settings

_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")


@dataclass(frozen=True, slots=True)
class ClockProblem:
    """Why ``start`` or ``end`` (``field``) cannot be used; the message is a sentence."""

    field: str
    message: str


@dataclass(frozen=True, slots=True)
class SessionTime:
    """A session's face-to-face time and where it comes from.

    ``minutes`` is the time the bands are judged on: ``clock`` where the start
    and the end are both known, else ``duration``. ``start``/``end`` are the
    clock times (aware), ``None`` when not known or not usable (``problem`` says
    why the note's ``start``/``end`` cannot be used).
    """

    minutes: int | None
    duration: int | None
    clock: int | None
    start: datetime | None
    end: datetime | None
    problem: ClockProblem | None = None

    @property
    def source(self) -> str | None:
        """``"clock"`` or ``"duration"``: what ``minutes`` was read from."""
        if self.clock is not None:
            return "clock"
        return "duration" if self.duration is not None else None


def session_minutes(note: Note, settings: Settings) -> SessionTime:
    """The session's time from ``start`` (or the time of ``session_date``), ``end`` and
    ``duration``."""
    header = note.header
    session = resolve(header.session_date, settings.timezone) if header.session_date else None
    start, problem = _start(note, session, settings)
    end = None
    if header.end is not None and problem is None:
        if start is None:
            problem = ClockProblem("end", f"'end' {header.end} has no start time to count "
                                   "from: 'session_date' gives only the day")
        else:
            end = _clock_time(header.end, start, settings, after=start)
            if end is None:
                problem = ClockProblem("end", f"'end' {header.end!r} cannot be read as a time")
            elif end.astimezone(UTC) <= start.astimezone(UTC):
                problem = ClockProblem("end", f"'end' {header.end} is not after the session "
                                       f"start {_shown_start(note)}")
                end = None
    clock = (int((end.astimezone(UTC) - start.astimezone(UTC)) / timedelta(minutes=1))
             if start is not None and end is not None else None)
    minutes = clock if clock is not None else header.duration
    return SessionTime(minutes, header.duration, clock, start, end, problem)


def _start(note: Note, session: datetime | None,
           settings: Settings) -> tuple[datetime | None, ClockProblem | None]:
    header = note.header
    if header.start is None:
        if session is None or header.session_date is None or header.session_date.date_only:
            return None, None
        return session, None
    if session is None:
        return None, ClockProblem("start", f"'start' {header.start} has no day: "
                                  "'session_date' is missing or unreadable")
    start = _clock_time(header.start, session, settings)
    if start is None:
        return None, ClockProblem("start", f"'start' {header.start!r} cannot be read as a time")
    if start.astimezone(session.tzinfo).date() != session.date():
        return None, ClockProblem("start", f"'start' {header.start} is not on the session's "
                                  f"day {session:%Y-%m-%d}")
    return start, None


def _clock_time(text: str, day: datetime, settings: Settings,
                after: datetime | None = None) -> datetime | None:
    """A clock time (``15:53``) on ``day``'s date in its zone, or a full date-time.

    In the hour that repeats when the clocks fall back, an end time that would not
    come ``after`` the start in its first reading is read as the second one
    (01:10 after a start at 01:40 is 30 minutes later, not 30 minutes earlier).
    """
    clock = _CLOCK.fullmatch(text.strip())
    if clock:
        hour, minute = int(clock.group(1)), int(clock.group(2))
        if hour > 23 or minute > 59:
            return None
        moment = datetime.combine(day.date(), time(hour, minute), day.tzinfo)
        if after is not None:
            second = moment.replace(fold=1)
            if moment.astimezone(UTC) <= after.astimezone(UTC) < second.astimezone(UTC):
                return second
        return moment
    written = parse_moment(text)
    return resolve(written, settings.timezone) if written is not None else None


def _shown_start(note: Note) -> str:
    header = note.header
    if header.start is not None:
        return header.start
    return header.session_date.text if header.session_date is not None else "?"


# --- billable, and the first reason why not ----------------------------------------------

NO_SERVICE_CODE = "no service code"


@dataclass(frozen=True, slots=True)
class Billing:
    """Whether a session can be billed, and why not when it cannot."""

    billable: bool
    reason: str | None


BillingCheck = Callable[[Note, Sequence[Finding], Settings], str | None]
"""One condition of billability: ``None`` when the session meets it, else the reason."""


def _occurred(note: Note, findings: Sequence[Finding], settings: Settings) -> str | None:
    header = note.header
    if header.occurred is False:
        return "the session did not occur" + (f" ({header.reason})" if header.reason else "")
    return None


def _no_errors(note: Note, findings: Sequence[Finding], settings: Settings) -> str | None:
    errors = sorted({f.code for f in findings if f.severity is Severity.ERROR})
    return "the note has errors: " + ", ".join(errors) if errors else None


def _submitted(note: Note, findings: Sequence[Finding], settings: Settings) -> str | None:
    return "the note is a draft (not submitted)" if note.header.submitted is None else None


def _signed(note: Note, findings: Sequence[Finding], settings: Settings) -> str | None:
    return unsigned_reason(note, settings)


def _cosigned(note: Note, findings: Sequence[Finding], settings: Settings) -> str | None:
    return uncosigned_reason(note, settings)


def _entered_in_time(note: Note, findings: Sequence[Finding], settings: Settings) -> str | None:
    """A note entered past ``late_entry_days`` is in the record, but no payer with that
    limit accepts it."""
    header = note.header
    if header.session_date is None or header.submitted is None:
        return None
    limit = entry_limit(header.session_date, settings)
    if limit is None or resolve(header.submitted, settings.timezone) <= limit:
        return None
    return f"the note was entered more than {settings.late_entry_days} days after the session"


def _coded(note: Note, findings: Sequence[Finding], settings: Settings) -> str | None:
    return NO_SERVICE_CODE if not note.header.services else None


def _diagnosed(note: Note, findings: Sequence[Finding], settings: Settings) -> str | None:
    return missing_diagnosis(note, settings)


BILLING_CHECKS: tuple[BillingCheck, ...] = (_occurred, _no_errors, _submitted, _signed,
                                            _cosigned, _entered_in_time, _coded, _diagnosed)
"""The conditions of SPEC 3.1 in the order the report names them: the first one a
session fails is its reason. A new condition is one more function here, placed
where its reason should rank. The signature, co-signature and diagnosis have
rules of their own whose errors already fail ``_no_errors``; their conditions here
still hold where a practice lowered those rules' severity or switched them off."""


def billing_status(note: Note | None, findings: Sequence[Finding],
                   settings: Settings) -> Billing:
    """Billable: the note was read and meets every condition of :data:`BILLING_CHECKS`
    (time bands, code combinations and telehealth consistency are errors, so they
    count through the findings)."""
    if note is None:
        return Billing(False, "the note cannot be read")
    for condition in BILLING_CHECKS:
        reason = condition(note, findings, settings)
        if reason is not None:
            return Billing(False, reason)
    return Billing(True, None)
