"""Scheduled sessions from an iCalendar (``.ics``) export: each ``VEVENT`` is a session.

Parsed by the ``icalendar`` package, recurring events expanded by
``recurring-ical-events`` (with their exceptions, as RFC 5545 says). Imported
only when a workspace's schedule is an iCalendar file, so that a check without
one never pays for icalendar (see :mod:`soapbuild.model.schedule`).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

import recurring_ical_events  # type: ignore[import-untyped]
from icalendar import Calendar, Component
from icalendar.prop import vCalAddress, vDDDLists, vDDDTypes, vRecur, vText

from soapbuild.model.schedule import ScheduledSession, ScheduleError

MAX_OCCURRENCES = 10_000
"""A recurring event that repeats more often than this before the horizon is an error."""
MAX_SCHEDULED = 50_000
"""More sessions than this in the whole schedule up to the horizon is an error too: 60
series just under the limit above took a minute to expand and wrote a 67 MB report
(issue 16, finding 6). Fifty thousand is a large practice's decade."""

_FIRST_WINDOW = timedelta(hours=1)
_SPARSE = 64  # fewer occurrences than this in a window: make the next one longer
_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_TIMING = ("DTSTART", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID")  # must be readable

# The line of each VEVENT travels with it (and with the copies that expanding a
# recurring event makes) as a private property added before parsing.
_LINE_PROPERTY = "X-SOAPBUILD-SOURCE-LINE"
_LINE_BREAK = re.compile(r"\r?\n")  # what icalendar splits content lines on
_TEXT_ESCAPE = re.compile(r"\\([\\;,nN])")  # RFC 5545 TEXT escapes



# --- iCalendar --------------------------------------------------------------------

def load_ics(path: Path, text: str, zone: tzinfo, horizon: datetime,
              pattern: re.Pattern[str]) -> list[ScheduledSession]:
    tagged, event_lines = _tag_events(text)
    try:
        components = Calendar.from_ical(tagged, multiple=True)
    except Exception as error:  # the parser's errors on untrusted text are not one type
        raise ScheduleError(path, 0, f"is not a valid iCalendar file ({error})") from None
    if not any(component.name == "VCALENDAR" for component in components):
        raise ScheduleError(path, 0, "is not an iCalendar file (no BEGIN:VCALENDAR ... "
                            "END:VCALENDAR)")
    events = [event for component in components for event in component.walk("VEVENT")]
    seen = {_line_of(event) for event in events}
    for line in event_lines:
        if line not in seen:
            raise ScheduleError(path, line, "this event was not read (is its END:VEVENT "
                                "or the calendar's END:VCALENDAR missing?)")
    for event in events:
        _check_readable(path, event)

    repeating = {_uid(event) for event in events
                 if _uid(event) is not None and _repeats(event)}
    series: dict[str | int, list[Component]] = {}
    sessions: list[ScheduledSession] = []
    for event in events:
        uid = _uid(event)
        if _repeats(event) or uid in repeating:
            series.setdefault(uid if uid is not None else _line_of(event), []).append(event)
        elif not _cancelled(event):
            sessions.append(_session(path, event, _start(path, event, zone), pattern))
    for members in series.values():
        room = MAX_SCHEDULED - len(sessions)
        sessions.extend(_expand(path, members, zone, horizon, pattern, room))
    sessions.sort(key=lambda session: (session.start, session.line))
    return sessions


def _tag_events(text: str) -> tuple[str, list[int]]:
    """The text with each VEVENT's line number added to it, and those line numbers.

    Lines are split the way icalendar splits them (CRLF or LF); a line starting
    with a space or tab continues the one before (RFC 5545 folding).
    """
    physical = _LINE_BREAK.split(text)
    out: list[str] = []
    lines: list[int] = []
    index = 0
    while index < len(physical):
        start = index
        logical = physical[index]
        index += 1
        while index < len(physical) and physical[index][:1] in (" ", "\t"):
            logical += physical[index][1:]
            index += 1
        out.extend(physical[start:index])
        if logical.upper() == "BEGIN:VEVENT":
            lines.append(start + 1)
            out.append(f"{_LINE_PROPERTY}:{start + 1}")
    return "\r\n".join(out), lines


def _first(event: Component, name: str) -> Any:
    """The property, or the first of several; ``None`` if absent."""
    value = event.get(name)
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _shown(value: Any) -> str:
    try:
        return str(value)
    except Exception:  # a broken property may refuse even this
        return "?"


def _line_of(event: Component) -> int:
    try:
        return int(_shown(_first(event, _LINE_PROPERTY)))
    except ValueError:
        return 0


def _text(event: Component, name: str) -> str | None:
    value = _first(event, name)
    if value is None:
        return None
    return _shown(value).strip() or None


def _x_text(event: Component, name: str) -> str | None:
    """An ``X-`` property as TEXT: icalendar leaves unknown properties escaped (``\\,``)."""
    value = _text(event, name)
    if value is None or isinstance(_first(event, name), vText):
        return value
    return _TEXT_ESCAPE.sub(lambda m: "\n" if m[1] in "nN" else m[1], value).strip() or None


def _uid(event: Component) -> str | None:
    return _text(event, "UID")


def _repeats(event: Component) -> bool:
    return "RRULE" in event or "RDATE" in event


def _cancelled(event: Component) -> bool:
    return (_text(event, "STATUS") or "").upper() == "CANCELLED"


def _per_day(path: Path, event: Component) -> int:
    """How many occurrences a day the event's rules can make at most; refuses bad rules.

    Sessions repeat daily at most: a rule that repeats every hour, minute or
    second is refused rather than expanded, and so is one whose INTERVAL or
    COUNT is not a positive number (an INTERVAL of 0 would never end).
    """
    line = _line_of(event)
    rules = event.get("RRULE")
    most = 0
    for rule in rules if isinstance(rules, list) else [rules]:
        if rule is None:
            continue
        if not isinstance(rule, vRecur):
            raise ScheduleError(path, line, f"RRULE {_shown(rule)} cannot be read")
        shown = rule.to_ical().decode("utf-8", "replace")  # type: ignore[no-untyped-call]
        frequency = [_shown(value).upper() for value in rule.get("FREQ", [])]
        if len(frequency) != 1 or frequency[0] not in _FREQUENCIES:
            raise ScheduleError(path, line, f"RRULE {shown} needs one FREQ of "
                                f"{', '.join(_FREQUENCIES)}: sessions repeat daily at most")
        for part in ("INTERVAL", "COUNT"):
            values = rule.get(part, [1])
            if len(values) != 1 or not isinstance(values[0], int) or values[0] < 1:
                raise ScheduleError(path, line, f"RRULE {shown}: {part} must be one whole "
                                    "number of 1 or more")
        times = 1
        for part in ("BYHOUR", "BYMINUTE", "BYSECOND"):
            times *= max(1, len(rule.get(part, [])))
        most += times
    return most


def _rdates(event: Component) -> int:
    dates = event.get("RDATE")
    return sum(len(value.dts) for value in (dates if isinstance(dates, list) else [dates])
               if isinstance(value, vDDDLists))


def _client(path: Path, event: Component, pattern: re.Pattern[str]) -> str:
    explicit = _x_text(event, "X-SOAPBUILD-CLIENT")
    if explicit:
        return explicit
    summary = _text(event, "SUMMARY") or ""
    for match in pattern.finditer(summary):
        before = summary[match.start() - 1:match.start()]
        after = summary[match.end():match.end() + 1]
        if match.group(0) and not _joins(before) and not _joins(after):
            return match.group(0)
    shown = f"SUMMARY {summary!r} names no client" if summary else "no SUMMARY"
    raise ScheduleError(path, _line_of(event), f"event has no client: no X-SOAPBUILD-CLIENT "
                        f"and {shown} (a client ID like C-1042)")


def _joins(character: str) -> bool:
    """Whether a character next to a match makes it part of a longer token."""
    return character != "" and (character.isalnum() or character in "-_")


def _clinician(event: Component) -> str | None:
    explicit = _x_text(event, "X-SOAPBUILD-CLINICIAN")
    if explicit:
        return explicit
    organizer = _first(event, "ORGANIZER")
    if organizer is None:
        return None
    if isinstance(organizer, vCalAddress):
        name = organizer.params.get("CN")
        if isinstance(name, str) and name.strip():
            return name.strip()
    address = re.sub(r"^mailto:", "", _shown(organizer).strip(), flags=re.I)
    return address or None


def _check_readable(path: Path, event: Component) -> None:
    """Refuse an event whose times or rules icalendar could not read.

    icalendar notes such a value in the component's ``errors`` (and drops it
    before 7.0, keeps it as a broken value since): either way the event's
    sessions cannot be known.
    """
    for name, problem in getattr(event, "errors", []):
        name = _shown(name).upper()
        if name in _TIMING:
            raise ScheduleError(path, _line_of(event), f"{name} cannot be read ({_shown(problem)})")


def _start(path: Path, event: Component, zone: tzinfo) -> datetime:
    prop = _first(event, "DTSTART")
    line = _line_of(event)
    value = prop.dt if isinstance(prop, vDDDTypes) else None
    if prop is None:
        raise ScheduleError(path, line, "event has no DTSTART")
    if not isinstance(value, date):
        raise ScheduleError(path, line, f"DTSTART {_shown(prop)} is not a date-time")
    tzid = prop.params.get("TZID")
    if isinstance(value, datetime) and value.tzinfo is None and tzid:
        raise ScheduleError(path, line, f"DTSTART's time zone {_shown(tzid)!r} is neither an "
                            "IANA zone nor defined by a VTIMEZONE in the file")
    return _aware(path, line, value, zone)


def _aware(path: Path, line: int, value: date, zone: tzinfo) -> datetime:
    try:
        if not isinstance(value, datetime):
            return datetime.combine(value, time(0), zone)
        if value.tzinfo is None:
            return value.replace(tzinfo=zone)
        return value.astimezone(zone)
    except (OverflowError, ValueError):
        raise ScheduleError(path, line, f"DTSTART {value} is out of range") from None


def _session(path: Path, event: Component, start: datetime,
             pattern: re.Pattern[str]) -> ScheduledSession:
    return ScheduledSession(_client(path, event, pattern), _clinician(event), start,
                            _line_of(event), _uid(event))


def _expand(path: Path, members: list[Component], zone: tzinfo, horizon: datetime,
            pattern: re.Pattern[str], room: int = MAX_SCHEDULED) -> list[ScheduledSession]:
    """The occurrences of one recurring event (its master and overrides) up to ``horizon``.

    Rules repeat daily at most, so the number of occurrences up to the horizon
    has a bound. Under :data:`MAX_OCCURRENCES` the expander is asked once;
    otherwise window by window from the first start on, each window four times
    longer than the last while occurrences are sparse, so that a rule with too
    many occurrences fails after a few small windows instead of producing them all.
    """
    master = next((event for event in members if _repeats(event)), members[0])
    line = _line_of(master)
    per_day = sum(_per_day(path, event) for event in members)
    begin = min(_start(path, event, zone) for event in members)  # names a broken DTSTART
    days = (horizon - begin).days + 2
    most = days * per_day + sum(_rdates(event) for event in members) + len(members)
    # few enough for one question; otherwise windows, so that too many fail early
    span = horizon - begin if most <= MAX_OCCURRENCES else _FIRST_WINDOW
    calendar = Calendar()
    for event in members:
        calendar.add_component(event)
    sessions: list[ScheduledSession] = []
    try:
        query = recurring_ical_events.of(calendar)
        while begin <= horizon:
            end = min(begin + span, horizon)
            last = end >= horizon
            kept = 0
            # the last window reaches a second past the horizon, which is inclusive
            for occurrence in query.between(begin, end + timedelta(seconds=1) if last else end):
                start = _aware(path, _line_of(occurrence), occurrence.get("DTSTART").dt, zone)
                # windows overlap at their ends: each occurrence belongs to the one it starts in
                if not (begin <= start < end or (last and start == end)):
                    continue
                kept += 1
                if not _cancelled(occurrence):
                    sessions.append(_session(path, occurrence, start, pattern))
            if len(sessions) > MAX_OCCURRENCES:
                raise ScheduleError(path, line, f"recurring event repeats more than "
                                    f"{MAX_OCCURRENCES} times up to {horizon:%Y-%m-%d}")
            if len(sessions) > room:
                raise ScheduleError(path, line, f"with this recurring event the schedule holds "
                                    f"more than {MAX_SCHEDULED} sessions up to "
                                    f"{horizon:%Y-%m-%d}; give the series an end (UNTIL or "
                                    "COUNT) or export a shorter period")
            if last:
                break
            if kept < _SPARSE:
                span *= 4
            begin = end
    except ScheduleError:
        raise
    except Exception as error:  # the expander's errors on untrusted rules are not one type
        raise ScheduleError(path, line, f"recurring event cannot be expanded ({error})") from None
    sessions.sort(key=lambda session: session.start)
    return sessions
