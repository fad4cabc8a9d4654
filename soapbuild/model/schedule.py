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
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path

from soapbuild.atomic import open_regular
from soapbuild.model.timeparse import parse_moment, resolve

CLIENT_PATTERN = r"[A-Z]{1,4}-?\d{2,6}"
"""What a client ID looks like in an iCalendar SUMMARY (the scheduling export convention)."""

DEFAULT_HORIZON = timedelta(days=366)
"""Without ``until``, recurring events are expanded up to this long after now."""

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


@dataclass(frozen=True, slots=True)
class Schedule:
    """A schedule file and its sessions, loaded once per run before the rules run."""

    path: Path
    sessions: tuple[ScheduledSession, ...]

    @classmethod
    def load(cls, path: Path, zone: tzinfo, now: datetime) -> Schedule:
        """Recurring events are expanded up to a day after ``now`` (``--now``)."""
        return cls(path, tuple(load_schedule(path, zone, until=now + timedelta(days=1))))


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
        with open_regular(path) as handle:  # a FIFO would block the read forever
            data = handle.read()
    except OSError as error:
        raise ScheduleError(path, 0, f"cannot be read ({error.strerror or error})") from None
    text = _decode(path, data)
    if path.suffix.lower() in (".ics", ".ical", ".icalendar", ".ifb"):
        pattern = re.compile(client_pattern) if isinstance(client_pattern, str) else client_pattern
        horizon = until if until is not None else datetime.now(UTC) + DEFAULT_HORIZON
        if horizon.tzinfo is None:
            horizon = horizon.replace(tzinfo=zone)
        from soapbuild.model.ics import load_ics  # icalendar (~50 ms) only for .ics

        return load_ics(path, text, zone, horizon, pattern)
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
        if (not client or not when) and any("\n" in cell for cell in row):
            raise ScheduleError(path, line, "a quotation mark in this row opens a field that "
                                "no quotation mark closes, so the lines after it were read "
                                "as part of the field; close the quote or remove it")
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
        # The row is not echoed: a settings file naming the wrong file must not
        # make soapbuild print what that file holds (a secret, say).
        cells = f"{len(row)} cell" + ("" if len(row) == 1 else "s")
        raise ScheduleError(path, line, f"the header names no {' or '.join(map(repr, absent))} "
                            f"column (its first row has {cells}); expected a header row "
                            "client,clinician,session_date")
    return columns


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""
