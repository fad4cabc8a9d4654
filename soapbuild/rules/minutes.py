"""Face-to-face minutes and whether a session can be billed (SPEC 4.4).

A session is billable when it occurred, its note has no errors and it is
submitted; a time-based code also needs minutes that fit the code's band
(``service_codes.py``), which the B rules report as errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from soapbuild.model.findings import Finding, Severity
from soapbuild.model.note import Note
from soapbuild.model.timeparse import parse_moment, resolve
from soapbuild.settings import Settings


@dataclass(frozen=True, slots=True)
class SessionTime:
    """Face-to-face minutes and where they came from; ``problem`` when ``end`` is unusable."""

    minutes: int | None
    from_duration: int | None
    from_end: int | None
    problem: str | None = None


def session_minutes(note: Note, settings: Settings) -> SessionTime:
    """Minutes from ``duration``, or from ``end`` minus the session start."""
    header = note.header
    from_end = None
    problem = None
    if header.end is not None and header.session_date is not None:
        start = resolve(header.session_date, settings.timezone)
        end = _end_time(header.end, start, settings)
        if end is None:
            problem = f"'end' {header.end!r} cannot be read as a time"
        elif end <= start:
            problem = (f"'end' {header.end} is not after the session start "
                       f"{header.session_date.text}")
        else:
            from_end = int((end - start) / timedelta(minutes=1))
    minutes = header.duration if header.duration is not None else from_end
    return SessionTime(minutes, header.duration, from_end, problem)


def _end_time(text: str, start: datetime, settings: Settings) -> datetime | None:
    clock = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if clock:
        hour, minute = int(clock.group(1)), int(clock.group(2))
        if hour > 23 or minute > 59:
            return None
        # The end's clock time is in the session's own zone (its offset, if it had one).
        return start.replace(hour=hour, minute=minute, second=0, microsecond=0)
    moment = parse_moment(text)
    return resolve(moment, settings.timezone) if moment is not None else None


@dataclass(frozen=True, slots=True)
class Billing:
    """Whether a session can be billed, and why not when it cannot."""

    billable: bool
    reason: str | None


def billing_status(note: Note | None, findings: Iterable[Finding]) -> Billing:
    """Billable: occurred, submitted, and no error on the note (time bands are errors)."""
    if note is None:
        return Billing(False, "the note cannot be read")
    header = note.header
    if header.occurred is False:
        why = f" ({header.reason})" if header.reason else ""
        return Billing(False, f"the session did not occur{why}")
    errors = sorted({f.code for f in findings if f.severity is Severity.ERROR})
    if errors:
        return Billing(False, "the note has errors: " + ", ".join(errors))
    if header.submitted is None:
        return Billing(False, "the note is a draft (not submitted)")
    return Billing(True, None)
