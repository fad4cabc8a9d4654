"""Service codes against face-to-face time (codes B001–B004)."""

from __future__ import annotations

from collections.abc import Iterator

from soapbuild.model.findings import Hit
from soapbuild.model.note import Note, Span
from soapbuild.model.service_codes import UNDER_PSYCHOTHERAPY_MINUTES, ServiceCode
from soapbuild.rules.context import Context
from soapbuild.rules.minutes import session_minutes

#: The rule codes this module reports (the rule pages are data/rules/*.toml).
CODES = frozenset({"B001", "B002", "B003", "B004"})

_DISAGREE_MINUTES = 5


def check(note: Note, context: Context) -> Iterator[Hit]:
    header = note.header
    if header.occurred is not True:
        return
    time = session_minutes(note, context.settings)
    end_field = header.field("end")
    if time.problem is not None and end_field is not None:
        yield Hit("B004", end_field.value_span, f"{time.problem[0].upper()}{time.problem[1:]}.",
                  "Write the time the face-to-face session ended, e.g. 'end: 15:53'.")
    if (time.from_duration is not None and time.from_end is not None
            and abs(time.from_duration - time.from_end) > _DISAGREE_MINUTES):
        duration = header.field("duration")
        yield Hit("B003", duration.value_span if duration else Span(0, 3),
                  f"'duration' says {time.from_duration} minutes but the session start and "
                  f"'end' give {time.from_end}.", "Correct whichever is wrong; bill the "
                  "face-to-face time.")
    code = context.settings.service_codes.get(header.service_code or "")
    if code is None:
        return
    where = _value_span(note, "service_code")
    if time.minutes is None and time.problem is None:  # an unusable 'end' is B004's
        yield Hit("B001", where,
                  f"{code.code} ({code.description}) is billed by time, but the note gives no "
                  "face-to-face time.", "Add 'duration: <minutes>' or 'end: <time>'.")
    elif time.minutes is not None and not code.fits(time.minutes):
        yield Hit("B002", where, _band_message(code, time.minutes, context),
                  _band_suggestion(time.minutes, context))


def _band_message(code: ServiceCode, minutes: int, context: Context) -> str:
    return (f"{minutes} minutes do not fit {code.code} ({code.description}: {code.band}).")


def _band_suggestion(minutes: int, context: Context) -> str:
    if minutes < UNDER_PSYCHOTHERAPY_MINUTES:
        return (f"Under {UNDER_PSYCHOTHERAPY_MINUTES} minutes is not billable as psychotherapy; "
                "check the time or the service.")
    fitting = [c.code for c in context.settings.service_codes.values()
               if c.fits(minutes) and c.code in ("90832", "90834", "90837")]
    if fitting:
        return f"Check the time; {minutes} minutes of individual psychotherapy is {fitting[0]}."
    return "Check the time and the code."


def _value_span(note: Note, name: str) -> Span:
    raw = note.header.field(name)
    return raw.value_span if raw is not None else Span(0, 3)
