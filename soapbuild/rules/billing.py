"""Service codes against the session's time (codes B001–B006, B009–B012).

The time is :func:`~soapbuild.rules.minutes.session_minutes`: the clock where the
start and the end are known, else ``duration``. Each code is judged on the time
of its line (a ``services`` entry's own ``minutes``) or the session's; a code
that another carries on (90839, continued by 90840) is judged with its add-on,
so 80 minutes of crisis psychotherapy is 90839 + 90840 and not a band error.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping

from soapbuild.model.findings import Hit
from soapbuild.model.note import Note, Service, Span
from soapbuild.model.service_codes import UNDER_PSYCHOTHERAPY_MINUTES, ServiceCode
from soapbuild.rules.claim import INDIVIDUAL_PSYCHOTHERAPY, continuation, fitting, supported
from soapbuild.rules.context import Context
from soapbuild.rules.minutes import SessionTime, session_minutes

#: The rule codes this module reports (the rule pages are data/rules/billing.toml).
CODES = frozenset({"B001", "B002", "B003", "B004", "B005", "B006", "B009", "B010", "B011",
                   "B012"})

_DISAGREE_MINUTES = 5


def check(note: Note, context: Context) -> Iterator[Hit]:
    header = note.header
    if header.occurred is not True:
        return
    settings = context.settings
    table = settings.service_codes
    time = session_minutes(note, settings)
    if time.problem is not None:
        raw = header.field(time.problem.field)
        yield Hit("B004", raw.value_span if raw else _top(note),
                  f"{time.problem.message[0].upper()}{time.problem.message[1:]}.",
                  "Write the clock times of the face-to-face session in 24-hour form, e.g. "
                  "'start: 15:00' and 'end: 15:53'.")
    if settings.require_clock_times and time.problem is None:  # else B004 says what is wrong
        yield from _clock_required(note, time)
    yield from _duration_against_clock(note, time, table)
    yield from _line_minutes(note, time)
    counts = Counter(service.code for service in header.services)
    for service in header.services:
        code = table.get(service.code)
        if code is None:
            continue
        if counts[service.code] > 1 and service is _first(header.services, service.code):
            yield Hit("B009", service.span,
                      f"{code.code} is listed {counts[service.code]} times; a code is one line "
                      "of the claim.", "List it once and give its 'units'.")
        if code.unit_minutes is None and service.units is not None and service.units > 1:
            yield Hit("B009", service.span,
                      f"{code.name} is billed once per session, not {service.units} units.",
                      "Remove 'units', or bill the code that covers the whole time.")
        if code.timed:
            yield from _time(note, service, code, time, table)


def _first(services: tuple[Service, ...], code: str) -> Service:
    return next(s for s in services if s.code == code)


def _time(note: Note, service: Service, code: ServiceCode, time: SessionTime,
          table: Mapping[str, ServiceCode]) -> Iterator[Hit]:
    header = note.header
    if code.continues is not None:
        yield from _continued_units(note, service, code, time, table)
        return
    minutes = service.minutes if service.minutes is not None else time.minutes
    if minutes is None:
        if time.problem is None:  # an unusable start or end is B004's
            yield Hit("B001", service.span,
                      f"{code.name} is billed by time, but the note gives no face-to-face "
                      "time.", "Add 'duration: <minutes>' or the clock times 'start' and "
                      "'end'.")
        return
    where = _source(time) if service.minutes is None else " (this service's 'minutes')"
    addon = continuation(code, table)
    if addon is not None and code.minimum is not None and minutes >= code.minimum:
        if not any(s.code == addon.code for s in header.services):
            units = addon.units_for(minutes)
            if units:
                yield Hit("B010", service.span,
                          f"{minutes} minutes{where} support {code.code} + {units}×{addon.code} "
                          f"({addon.description}); the note bills {code.code} alone.",
                          f"Add {addon.code} with 'units: {units}' under 'services' if the "
                          "crisis work went on that long.")
    elif not code.fits(minutes):
        yield Hit("B002", service.span,
                  f"{minutes} minutes{where} do not fit {code.code} ({code.description}: "
                  f"{code.band}).", _band_suggestion(minutes, code, table))
    elif code.unit_minutes is not None:
        yield from _units(service, code, code.units_for(minutes), minutes, where)
    if (code.reason_after is not None and minutes > code.reason_after
            and not header.extended_reason):
        yield Hit("B012", service.span,
                  f"The session ran {minutes} minutes{where}, past the {code.reason_after} "
                  f"after which {code.code} needs a stated reason in this practice.",
                  "Add 'extended_reason:' saying why the session needed the extra time.")


def _continued_units(note: Note, service: Service, code: ServiceCode, time: SessionTime,
                     table: Mapping[str, ServiceCode]) -> Iterator[Hit]:
    """Units of an add-on that carries a primary's time on, on the pair's whole time."""
    primary = next((s for s in note.header.services if s.code == code.continues), None)
    if primary is None:
        return  # an add-on without its primary is B007's
    if primary.minutes is not None:
        minutes: int | None = primary.minutes + sum(
            s.minutes or 0 for s in note.header.services if s.code == code.code)
        where = " (the services' 'minutes')"
    else:
        minutes, where = time.minutes, _source(time)
    if minutes is None:
        return  # the primary's missing time is reported once, on the primary
    if service is _first(note.header.services, code.code):
        billed = sum(s.units or 1 for s in note.header.services if s.code == code.code)
        yield from _units(service, code, code.units_for(minutes), minutes, where, billed,
                          table.get(code.continues or ""))


def _units(service: Service, code: ServiceCode, allowed: int, minutes: int, where: str,
           billed: int | None = None, primary: ServiceCode | None = None) -> Iterator[Hit]:
    billed = billed if billed is not None else service.units or 1
    basis = (f"{primary.code} covers up to {primary.maximum} minutes and each {code.code} "
             f"{code.unit_minutes} more" if primary is not None and primary.maximum else
             f"a unit is {code.unit_minutes} minutes")
    if billed > allowed:
        yield Hit("B009", service.span,
                  f"{minutes} minutes{where} support {allowed} unit{'s' * (allowed != 1)} of "
                  f"{code.code}, not {billed} ({basis}).",
                  f"Bill {allowed} unit{'s' * (allowed != 1)}, or check the time."
                  if allowed else f"Remove {code.code}, or check the time.")
    elif billed < allowed:
        yield Hit("B010", service.span,
                  f"{minutes} minutes{where} support {allowed} units of {code.code}; the note "
                  f"bills {billed} ({basis}).",
                  f"Bill 'units: {allowed}' if the time is right.")


def _source(time: SessionTime) -> str:
    if time.source == "clock" and time.start is not None and time.end is not None:
        return f" ({time.start:%H:%M} to {time.end:%H:%M})"
    return ""


def _band_suggestion(minutes: int, code: ServiceCode, table: Mapping[str, ServiceCode]) -> str:
    if minutes < UNDER_PSYCHOTHERAPY_MINUTES:
        return (f"Under {UNDER_PSYCHOTHERAPY_MINUTES} minutes is not billable as psychotherapy; "
                "check the time or the service.")
    found = fitting(minutes, code.scale, table) or fitting(minutes, INDIVIDUAL_PSYCHOTHERAPY,
                                                           table)
    if found is not None:
        return f"Check the time; {minutes} minutes is {found.code} ({found.description})."
    return "Check the time and the code."


def _duration_against_clock(note: Note, time: SessionTime,
                            table: Mapping[str, ServiceCode]) -> Iterator[Hit]:
    """``duration`` beside the clock: never longer, and never a different code."""
    if time.duration is None or time.clock is None or time.start is None or time.end is None:
        return
    raw = note.header.field("duration")
    where = raw.value_span if raw else _top(note)
    clock = f"{time.start:%H:%M} to {time.end:%H:%M}"  # the clock's own reading
    timed = [table[s.code] for s in note.header.services if s.minutes is None
             and s.code in table and table[s.code].timed and table[s.code].continues is None]
    differ = [(supported(time.duration, c, table), supported(time.clock, c, table))
              for c in timed]
    differ = [(d, c) for d, c in differ if d != c]
    codes = (f" ({time.duration} minutes would be {differ[0][0]}, the clock's {time.clock} "
             f"are {differ[0][1]})" if differ else "")
    if time.duration > time.clock:
        yield Hit("B005", where,
                  f"'duration' says {time.duration} minutes, more than the {time.clock} minutes "
                  f"from {clock}{codes}.",
                  "Face-to-face time cannot exceed the clock: correct 'duration', 'start' or "
                  "'end'.")
    elif differ:
        yield Hit("B006", where,
                  f"'duration' says {time.duration} minutes but the clock, {clock}, gives "
                  f"{time.clock}{codes}: the claim must rest on one time.",
                  "Correct whichever is wrong; bill the face-to-face time.")
    elif time.clock - time.duration > _DISAGREE_MINUTES:
        yield Hit("B003", where,
                  f"'duration' says {time.duration} minutes but the session start and 'end' "
                  f"give {time.clock}.", "Correct whichever is wrong; bill the face-to-face "
                  "time.")


def _line_minutes(note: Note, time: SessionTime) -> Iterator[Hit]:
    """A service's own minutes lie within the session's time, and together too."""
    if time.minutes is None:
        return
    given = [s for s in note.header.services if s.minutes is not None]
    for service in given:
        if service.minutes is not None and service.minutes > time.minutes:
            yield Hit("B009", service.span,
                      f"{service.code} gives {service.minutes} minutes, more than the "
                      f"session's {time.minutes}{_source(time)}.",
                      "Correct the service's 'minutes' or the session's time.")
            return
    total = sum(s.minutes or 0 for s in given)
    if len(given) > 1 and total > time.minutes:
        yield Hit("B009", given[-1].span,
                  f"The services' minutes add up to {total}, more than the session's "
                  f"{time.minutes}{_source(time)}.",
                  "Each minute of the session counts for one service only.")


def _clock_required(note: Note, time: SessionTime) -> Iterator[Hit]:
    header = note.header
    missing = []
    if time.start is None:
        missing.append("'start'")
    if header.end is None:
        missing.append("'end'")
    if missing:
        raw = header.field("session_date")
        verb = "is" if len(missing) == 1 else "are"
        yield Hit("B011", raw.key_span if raw else _top(note),
                  "This practice records the clock times of every session: "
                  f"{' and '.join(missing)} {verb} missing.",
                  "Add 'start: HH:MM' (or a time in 'session_date') and 'end: HH:MM', the "
                  "face-to-face session's clock times.")


def _top(note: Note) -> Span:
    return Span(0, min(3, len(note.source.text)))
