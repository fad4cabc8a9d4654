"""The sessions a practice scheduled, from ``schedule.csv`` or an iCalendar (``.ics``) export.

A scheduled session without a note is *missing* (SPEC 4.4, 6.4).
:func:`load_schedule` reads the file and :func:`missing_sessions` pairs the
sessions with the notes written for them.

CSV: a header ``client,clinician,session_date`` (``clinician`` optional, other
columns ignored, names trimmed and case-insensitive), UTF-8 with or without a
BOM, blank lines and ``#`` comment lines skipped. ``session_date`` is written as
in a note's front matter and read with :func:`~soapbuild.model.timeparse.parse_moment`.

iCalendar: parsed by the ``icalendar`` package; each ``VEVENT`` is a session.
The client is ``X-SOAPBUILD-CLIENT``, else the first client ID in ``SUMMARY``
(``"C-1042 — Therapy"``, ``"Session: C-1042"``); the clinician is
``X-SOAPBUILD-CLINICIAN``, else the ``CN`` (or address) of ``ORGANIZER``.
``STATUS:CANCELLED`` events are skipped. Recurring events (``RRULE``/``RDATE``,
with ``EXDATE`` and ``RECURRENCE-ID`` overrides) are expanded by the
``recurring-ical-events`` package up to a horizon (``until``); events that do
not repeat are kept whatever their date.

Every start is an aware datetime in the practice ``zone``: a time without an
offset (a CSV time without offset, an iCalendar floating time) is read in
``zone``, a date alone is 00:00 in ``zone``, and times with an offset or a TZID
are converted to ``zone`` (same instant), so "the local day" of a session is the
practice's day.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

import recurring_ical_events  # type: ignore[import-untyped]
from icalendar import Calendar, Component
from icalendar.prop import vCalAddress, vDDDLists, vDDDTypes, vRecur, vText

from soapbuild.model.timeparse import parse_moment, resolve

CLIENT_PATTERN = r"[A-Z]{1,4}-?\d{2,6}"
"""What a client ID looks like in an iCalendar SUMMARY (the scheduling export convention)."""

MAX_OCCURRENCES = 10_000
"""A recurring event that repeats more often than this before the horizon is an error."""

DEFAULT_HORIZON = timedelta(days=366)
"""Without ``until``, recurring events are expanded up to this long after now."""

_FIRST_WINDOW = timedelta(hours=1)
_SPARSE = 64  # fewer occurrences than this in a window: make the next one longer
_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_TIMING = ("DTSTART", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID")  # must be readable

# The line of each VEVENT travels with it (and with the copies that expanding a
# recurring event makes) as a private property added before parsing.
_LINE_PROPERTY = "X-SOAPBUILD-SOURCE-LINE"
_LINE_BREAK = re.compile(r"\r?\n")  # what icalendar splits content lines on
_TEXT_ESCAPE = re.compile(r"\\([\\;,nN])")  # RFC 5545 TEXT escapes


class ScheduleError(Exception):
    """A schedule file that cannot be used; the message names the file and, if known, the line."""

    def __init__(self, path: Path | str, line: int, detail: str) -> None:
        self.path = str(path)
        self.line = line
        self.detail = detail
        where = f"{self.path}:{line}" if line > 0 else self.path
        super().__init__(f"{where}: {detail}")


@dataclass(frozen=True, slots=True)
class ScheduledSession:
    """One session that should have a note."""

    client: str
    clinician: str | None
    start: datetime  # aware, in the practice zone
    line: int  # 1-based: the CSV row's line, or the line of the event's BEGIN:VEVENT
    uid: str | None  # the iCalendar UID, when there is one


def load_schedule(path: Path, zone: tzinfo, *, until: datetime | None = None,
                  client_pattern: str | re.Pattern[str] = CLIENT_PATTERN,
                  ) -> list[ScheduledSession]:
    """Read the scheduled sessions from a ``.csv`` or ``.ics``/``.ical``/``.ifb`` file.

    ``until`` is the horizon up to which recurring iCalendar events are expanded
    (default: a year after now); ``client_pattern`` finds the client ID in an
    event's SUMMARY. Raises :class:`ScheduleError` for a file that cannot be
    read or used, naming the line where there is one.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ScheduleError(path, 0, f"cannot be read ({error.strerror or error})") from None
    text = _decode(path, data)
    if path.suffix.lower() in (".ics", ".ical", ".icalendar", ".ifb"):
        pattern = re.compile(client_pattern) if isinstance(client_pattern, str) else client_pattern
        horizon = until if until is not None else datetime.now(UTC) + DEFAULT_HORIZON
        if horizon.tzinfo is None:
            horizon = horizon.replace(tzinfo=zone)
        return _load_ics(path, text, zone, horizon, pattern)
    return _load_csv(path, text, zone)


def missing_sessions(scheduled: Sequence[ScheduledSession],
                     notes: Iterable[tuple[str, datetime]]) -> list[ScheduledSession]:
    """The scheduled sessions that no note covers, in schedule order.

    A note ``(client, session start)`` covers a session of the same client
    (case-insensitive, trimmed) on the same local calendar day, in the zone of
    the scheduled start: notes are often written with slightly different times
    than the calendar's. Each note covers at most one session, so two sessions
    on one day need two notes; when there are fewer notes than sessions on a
    day, each note goes to the session closest to its time. A naive note time
    is taken as wall-clock time in the session's zone.
    """
    by_zone: dict[tzinfo | None, dict[tuple[str, date], list[int]]] = {}
    note_list = [(_client_key(client), start) for client, start in notes]

    def bucket(zone: tzinfo | None, client: str, day: date) -> list[int]:
        index = by_zone.get(zone)
        if index is None:
            index = by_zone[zone] = {}
            for number, (note_client, start) in enumerate(note_list):
                local = _in_zone(start, zone)
                index.setdefault((note_client, local.date()), []).append(number)
        return index.get((client, day), [])

    pairs: list[tuple[float, int, int]] = []
    for position, session in enumerate(scheduled):
        zone = session.start.tzinfo
        for number in bucket(zone, _client_key(session.client), session.start.date()):
            note_start = _in_zone(note_list[number][1], zone)
            try:
                distance = abs((note_start - session.start).total_seconds())
            except OverflowError:  # at the ends of the calendar; same day all the same
                distance = 0.0
            pairs.append((distance, position, number))
    pairs.sort()
    covered: set[int] = set()
    used: set[int] = set()
    for _, position, number in pairs:
        if position not in covered and number not in used:
            covered.add(position)
            used.add(number)
    return [session for position, session in enumerate(scheduled) if position not in covered]


def _client_key(client: str) -> str:
    return client.strip().casefold()


def _in_zone(moment: datetime, zone: tzinfo | None) -> datetime:
    """The moment's wall-clock time in ``zone`` (a naive moment already is)."""
    if moment.tzinfo is None or zone is None:
        return moment.replace(tzinfo=zone)
    try:
        return moment.astimezone(zone)
    except OverflowError:  # year 1 or 9999 moved past the calendar's end
        return moment.replace(tzinfo=zone)


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise ScheduleError(path, line, "is not UTF-8 text") from None


# --- CSV ------------------------------------------------------------------------

_REQUIRED = ("client", "session_date")


def _load_csv(path: Path, text: str, zone: tzinfo) -> list[ScheduledSession]:
    sessions: list[ScheduledSession] = []
    columns: dict[str, int] | None = None
    for line, row in _csv_rows(path, text):
        if not any(cell.strip() for cell in row) or row[0].lstrip().startswith("#"):
            continue
        if columns is None:
            columns = _header(path, line, row)
            continue
        client = _cell(row, columns.get("client"))
        when = _cell(row, columns.get("session_date"))
        if not client:
            raise ScheduleError(path, line, "no 'client'")
        if not when:
            raise ScheduleError(path, line, "no 'session_date'")
        moment = parse_moment(when)
        if moment is None:
            raise ScheduleError(path, line, f"'session_date' {when} is not a date-time "
                                "(YYYY-MM-DD HH:MM, ISO 8601 with an offset, or YYYY-MM-DD)")
        try:
            start = resolve(moment, zone).astimezone(zone)
        except (OverflowError, ValueError):
            raise ScheduleError(path, line, f"'session_date' {when} is out of range") from None
        clinician = _cell(row, columns.get("clinician")) or None
        sessions.append(ScheduledSession(client, clinician, start, line, None))
    if columns is None:
        raise ScheduleError(path, 0, "has no header; expected client,clinician,session_date")
    return sessions


def _csv_rows(path: Path, text: str) -> Iterator[tuple[int, list[str]]]:
    """Each record with the line it starts on (a quoted field may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    previous = 0
    try:
        for row in reader:
            yield previous + 1, row
            previous = reader.line_num
    except csv.Error as error:
        raise ScheduleError(path, reader.line_num or previous + 1,
                            f"is not valid CSV ({error})") from None


def _header(path: Path, line: int, row: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, name in enumerate(row):
        columns.setdefault(name.strip().lower(), index)
    absent = [name for name in _REQUIRED if name not in columns]
    if absent:
        found = ", ".join(repr(name.strip()) for name in row)
        raise ScheduleError(path, line, f"the header names no {' or '.join(map(repr, absent))} "
                            f"column (found {found}); expected client,clinician,session_date")
    return columns


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


# --- iCalendar --------------------------------------------------------------------

def _load_ics(path: Path, text: str, zone: tzinfo, horizon: datetime,
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
        sessions.extend(_expand(path, members, zone, horizon, pattern))
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
            pattern: re.Pattern[str]) -> list[ScheduledSession]:
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
