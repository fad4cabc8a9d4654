"""The schedule reader: schedule.csv and iCalendar exports, and which sessions lack a note."""

from __future__ import annotations

import contextlib
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soapbuild.model import ics, schedule
from soapbuild.model.schedule import (
    ScheduledSession,
    ScheduleError,
    load_schedule,
    missing_sessions,
)

DATA = Path(__file__).parent / "data" / "schedule"
NY = ZoneInfo("America/New_York")
UNTIL = datetime(2027, 1, 1, tzinfo=NY)


def ny(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NY)


# The 17 notes written for the practice's 20 sessions, as (client, session start).
# Times differ a little from the calendar's, clients are written loosely, and some
# starts are in UTC; three sessions have no note.
NOTES = [
    ("C-1042", ny("2026-10-19 09:05")),
    (" c-2077 ", ny("2026-10-20 14:00")),
    ("C-3150", ny("2026-10-21 16:30")),
    ("C-1042", ny("2026-10-26 09:00")),
    ("C-2077", ny("2026-10-27 14:10")),
    # C-3150 on 2026-10-28: no note
    ("C-2077", ny("2026-10-30 11:00")),
    ("C-1042", datetime(2026, 11, 1, 15, 0, tzinfo=UTC)),  # 10:00 EST, the day DST ends
    # C-1042 on 2026-11-02, the first Monday in standard time: no note
    ("C-2077", ny("2026-11-03 10:00")),
    ("C-3150", ny("2026-11-04 13:00")),  # the all-day session
    ("C-3150", datetime(2026, 11, 6, 0, 35, tzinfo=UTC)),  # 19:35 EST on 5 November
    ("C-1042", ny("2026-11-09 09:00")),
    ("C-2077", ny("2026-11-10 14:00")),
    ("C-3150", ny("2026-11-11 16:35")),
    ("C-2077", ny("2026-11-12 10:07")),  # two sessions that day, one note
    ("C-1042", ny("2026-11-16 09:00")),
    ("C-2077", ny("2026-11-17 14:00")),
    ("C-3150", ny("2026-11-18 16:30")),
]
EXPECTED_MISSING = [
    ("C-3150", ny("2026-10-28 16:30")),
    ("C-1042", ny("2026-11-02 09:00")),
    ("C-2077", ny("2026-11-12 15:00")),
]


def _write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


def _ics(*events: str) -> str:
    body = "".join(f"BEGIN:VEVENT\n{event.strip()}\nEND:VEVENT\n" for event in events)
    return f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//test//EN\n{body}END:VCALENDAR\n"


def _session(client: str, start: datetime, line: int = 1) -> ScheduledSession:
    return ScheduledSession(client, None, start, line, None)


# --- the fictional practice ---------------------------------------------------------

def test_practice_csv_lists_twenty_sessions() -> None:
    sessions = load_schedule(DATA / "practice.csv", NY)
    assert len(sessions) == 20
    assert {s.client for s in sessions} == {"C-1042", "C-2077", "C-3150"}
    assert {s.clinician for s in sessions} == {"Jordan Rivera, LCSW", "Sam Okafor, PhD"}
    assert all(s.start.tzinfo is NY and s.uid is None for s in sessions)
    first, dst_day = sessions[0], sessions[7]
    assert (first.line, first.start) == (4, ny("2026-10-19 09:00"))
    # 1 November 2026: daylight saving time has ended, 10:00 is UTC-5
    assert dst_day.line == 13 and dst_day.start.utcoffset() == timedelta(hours=-5)
    assert dst_day.start == datetime(2026, 11, 1, 15, 0, tzinfo=UTC)
    # ISO with an offset, UTC and a date alone are all read in the practice zone
    assert sessions[3].start == ny("2026-10-26 09:00")
    assert sessions[9].start == ny("2026-11-03 10:00") and sessions[9].start.hour == 10
    assert sessions[10].start == ny("2026-11-04 00:00")


def test_practice_ics_lists_the_same_twenty_sessions() -> None:
    from_csv = load_schedule(DATA / "practice.csv", NY)
    from_ics = load_schedule(DATA / "practice.ics", NY, until=UNTIL)
    assert len(from_ics) == 20  # 21 events, one of them cancelled
    assert [(s.client, s.clinician, s.start) for s in from_ics] == \
        [(s.client, s.clinician, s.start) for s in from_csv]
    assert all(s.start.tzinfo is NY for s in from_ics)
    assert "x01-c1042@practice.example" not in {s.uid for s in from_ics}
    first = from_ics[0]
    assert (first.line, first.uid) == (23, "s01-c1042@practice.example")
    raw = (DATA / "practice.ics").read_text("utf-8").splitlines()
    assert all(raw[s.line - 1] == "BEGIN:VEVENT" for s in from_ics)
    by_uid = {s.uid: s for s in from_ics}
    assert by_uid["s10-c2077@practice.example"].start == ny("2026-11-03 10:00")  # given in UTC
    assert by_uid["s11-c3150@practice.example"].start == ny("2026-11-04 00:00")  # all day
    assert by_uid["s11-c3150@practice.example"].client == "C-3150"  # from the SUMMARY


@pytest.mark.parametrize("name", ["practice.csv", "practice.ics"])
def test_twenty_sessions_and_seventeen_notes_leave_three_missing(name: str) -> None:
    sessions = load_schedule(DATA / name, NY, until=UNTIL)
    missing = missing_sessions(sessions, NOTES)
    assert [(s.client, s.start) for s in missing] == EXPECTED_MISSING


@pytest.mark.parametrize("name", ["practice.csv", "practice.ics"])
def test_every_session_with_a_note_is_covered(name: str) -> None:
    sessions = load_schedule(DATA / name, NY, until=UNTIL)
    notes = [(s.client, s.start + timedelta(minutes=20)) for s in sessions]
    assert missing_sessions(sessions, notes) == []
    assert missing_sessions(sessions, []) == sessions


# --- CSV ------------------------------------------------------------------------------

def test_csv_missing_client_names_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "schedule.csv",
                  "client,clinician,session_date\nC-1,A,2026-11-02 09:00\n ,A,2026-11-03 09:00\n")
    with pytest.raises(ScheduleError) as error:
        load_schedule(path, NY)
    assert str(error.value) == f"{path}:3: no 'client'"
    assert (error.value.line, error.value.path) == (3, str(path))


def test_csv_bad_date_names_file_and_line(tmp_path: Path) -> None:
    rows = "".join(f"C-{n},A,2026-11-0{n} 09:00\n" for n in range(1, 6))
    path = _write(tmp_path, "schedule.csv",
                  f"client,clinician,session_date\n{rows}C-6,A,2026-13-01\n")
    with pytest.raises(ScheduleError,
                       match=r"schedule\.csv:7: 'session_date' 2026-13-01 is not a date-time"):
        load_schedule(path, NY)


def test_csv_missing_date_and_missing_columns(tmp_path: Path) -> None:
    path = _write(tmp_path, "schedule.csv", "client,session_date\nC-1,\n")
    with pytest.raises(ScheduleError, match=r"schedule\.csv:2: no 'session_date'"):
        load_schedule(path, NY)
    path = _write(tmp_path, "schedule.csv", "# exported\nclient,clinician,date\nC-1,A,2026-11-02\n")
    with pytest.raises(ScheduleError, match=r"schedule\.csv:2: the header names no "
                                            r"'session_date' column"):
        load_schedule(path, NY)
    path = _write(tmp_path, "schedule.csv", "")
    with pytest.raises(ScheduleError, match=r"schedule\.csv: has no header"):
        load_schedule(path, NY)


def test_csv_header_only_is_an_empty_schedule(tmp_path: Path) -> None:
    path = _write(tmp_path, "schedule.csv", "client,clinician,session_date\n")
    assert load_schedule(path, NY) == []


def test_csv_bom_crlf_quoted_commas_comments_and_loose_header(tmp_path: Path) -> None:
    text = ("\ufeff# exported from the scheduler\r\n"
            " Session_Date , CLIENT ,Clinician,Room\r\n"
            "\r\n"
            '2026-11-02 09:00,C-1042,"Rivera, Jordan","Room 2, east wing"\r\n'
            "  # a comment, with a comma\r\n"
            '2026-11-03T14:00:00-05:00,"C-2077",,"Room 1"\r\n'
            '"2026-11-04","C-3150","Okafor, Sam\r\nPhD"\r\n'
            "2026-11-05 10:00,C-1042,A\r\n")
    sessions = load_schedule(_write(tmp_path, "schedule.csv", text), NY)
    assert [(s.client, s.clinician, s.start, s.line) for s in sessions] == [
        ("C-1042", "Rivera, Jordan", ny("2026-11-02 09:00"), 4),
        ("C-2077", None, ny("2026-11-03 14:00"), 6),
        ("C-3150", "Okafor, Sam\r\nPhD", ny("2026-11-04 00:00"), 7),  # a field across lines
        ("C-1042", "A", ny("2026-11-05 10:00"), 9),
    ]


def test_csv_without_clinician_column_and_short_rows(tmp_path: Path) -> None:
    path = _write(tmp_path, "schedule.csv", "session_date,client\n2026-11-02 9:30,C-1\n")
    [session] = load_schedule(path, NY)
    assert (session.client, session.clinician, session.start) == ("C-1", None,
                                                                  ny("2026-11-02 09:30"))
    path = _write(tmp_path, "schedule.csv", "client,session_date,clinician\nC-1,2026-11-02\n")
    assert load_schedule(path, NY)[0].clinician is None


def test_csv_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "schedule.csv", b"client,session_date\nC-1,2026-11-02\nC-\xe9,x\n")
    with pytest.raises(ScheduleError, match=r"schedule\.csv:3: is not UTF-8 text"):
        load_schedule(path, NY)


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ScheduleError, match=r"absent\.csv: cannot be read"):
        load_schedule(tmp_path / "absent.csv", NY)
    with pytest.raises(ScheduleError, match=r"cannot be read"):
        load_schedule(tmp_path, NY)


# --- iCalendar ----------------------------------------------------------------------

def test_ics_client_clinician_and_start_conventions(tmp_path: Path) -> None:
    text = _ics(
        "UID:a\nDTSTART;TZID=Europe/Berlin:20261102T150000\nSUMMARY:Session: C-1042",
        "DTSTART:20261102T100000\nSUMMARY:ABCDE-12345 then AB-123\n"
        "ORGANIZER:mailto:okafor@practice.example",
        "DTSTART:20261102T100000\nSUMMARY:Session: C-1042\nX-SOAPBUILD-CLIENT:Z 9\\, x\n"
        "X-SOAPBUILD-CLINICIAN:Dr. Who\nORGANIZER;CN=Someone Else:mailto:s@e.example",
    )
    sessions = load_schedule(_write(tmp_path, "s.ics", text), NY)
    assert [(s.client, s.clinician, s.start, s.line, s.uid) for s in sessions] == [
        ("C-1042", None, ny("2026-11-02 09:00"), 4, "a"),  # 15:00 in Berlin
        ("AB-123", "okafor@practice.example", ny("2026-11-02 10:00"), 9, None),  # floating
        ("Z 9, x", "Dr. Who", ny("2026-11-02 10:00"), 14, None),
    ]


def test_ics_configurable_client_pattern(tmp_path: Path) -> None:
    path = _write(tmp_path, "s.ics", _ics("DTSTART:20261102T100000\nSUMMARY:Therapy #00417"))
    with pytest.raises(ScheduleError, match=r"s\.ics:4: event has no client"):
        load_schedule(path, NY)
    [session] = load_schedule(path, NY, client_pattern=r"#\d+")
    assert session.client == "#00417"


def test_ics_errors_name_the_event_line(tmp_path: Path) -> None:
    cases = [
        ("SUMMARY:C-11", r":4: event has no DTSTART"),
        ("DTSTART:2026-11-02\nSUMMARY:C-11", r":4: DTSTART cannot be read \(.*2026-11-02"),
        ("DTSTART;TZID=Mars/Olympus:20261102T100000\nSUMMARY:C-11",
         r":4: DTSTART's time zone 'Mars/Olympus' is neither"),
        ("DTSTART:20261102T100000\nSUMMARY:Staff meeting", r":4: event has no client"),
        ("DTSTART:20261102T100000\nSUMMARY:C-11\nRRULE:FREQ=BOGUS",
         r":4: RRULE cannot be read \(.*BOGUS"),
    ]
    for event, message in cases:
        path = _write(tmp_path, "s.ics", _ics("DTSTART:20261101T100000\nSUMMARY:C-99", event))
        with pytest.raises(ScheduleError, match=r"s\.ics" + message.replace(":4:", ":8:")):
            load_schedule(path, NY, until=UNTIL)


def test_ics_not_a_calendar(tmp_path: Path) -> None:
    for text in ["", "hello", "BEGIN:VEVENT\nDTSTART:20261102T100000\nEND:VEVENT\n"]:
        with pytest.raises(ScheduleError, match=r"s\.ics: (is not|not) "):
            load_schedule(_write(tmp_path, "s.ics", text), NY)
    unterminated = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20261102T100000\nSUMMARY:C-11\n"
    with pytest.raises(ScheduleError, match=r"s\.ics"):
        load_schedule(_write(tmp_path, "s.ics", unterminated), NY)
    half = _ics("DTSTART:20261102T100000\nSUMMARY:C-11") + "BEGIN:VCALENDAR\nBEGIN:VEVENT\n"
    with pytest.raises(ScheduleError, match=r"s\.ics:10: this event was not read"):
        load_schedule(_write(tmp_path, "s.ics", half), NY)


def test_ics_empty_calendar_bom_crlf_and_folding(tmp_path: Path) -> None:
    assert load_schedule(_write(tmp_path, "s.ics", _ics()), NY) == []
    text = "\ufeff" + _ics("UID:folded\nDTSTART;TZID=America/New_\n York:20261102T090000\n"
                           "SUMMARY:Session:\n  C-1042\nDESCRIPTION:long\n\ttext",
                           "DTSTART:20261103T090000\nSUMMARY:C-22").replace("\n", "\r\n")
    first, second = load_schedule(_write(tmp_path, "s.ics", text), NY)
    assert (first.client, first.start, first.line) == ("C-1042", ny("2026-11-02 09:00"), 4)
    assert (second.client, second.line) == ("C-22", 13)


RECURRING = _ics(
    # line 4: weekly on Mondays at 09:00 New York time, across the end of DST
    "UID:weekly-c1042\nDTSTART;TZID=America/New_York:20261019T090000\n"
    "DTEND;TZID=America/New_York:20261019T095000\n"
    "RRULE:FREQ=WEEKLY;COUNT=6\nEXDATE;TZID=America/New_York:20261026T090000\n"
    "SUMMARY:C-1042 — Therapy\nORGANIZER;CN=Jordan Rivera:mailto:jr@practice.example",
    # line 13: the 2 November session moved to Tuesday 11:00
    "UID:weekly-c1042\nRECURRENCE-ID;TZID=America/New_York:20261102T090000\n"
    "DTSTART;TZID=America/New_York:20261103T110000\nSUMMARY:C-1042 — Therapy (moved)",
    # line 19: the 9 November session cancelled
    "UID:weekly-c1042\nRECURRENCE-ID;TZID=America/New_York:20261109T090000\n"
    "DTSTART;TZID=America/New_York:20261109T090000\nSTATUS:CANCELLED\nSUMMARY:C-1042",
    # line 26: an ordinary event
    "UID:single\nDTSTART;TZID=America/New_York:20261020T140000\nSUMMARY:Session: C-2077",
)


def test_ics_recurring_events_are_expanded(tmp_path: Path) -> None:
    sessions = load_schedule(_write(tmp_path, "s.ics", RECURRING), NY, until=UNTIL)
    assert [(s.client, s.start, s.line, s.uid) for s in sessions] == [
        ("C-1042", ny("2026-10-19 09:00"), 4, "weekly-c1042"),
        ("C-2077", ny("2026-10-20 14:00"), 26, "single"),
        ("C-1042", ny("2026-11-03 11:00"), 13, "weekly-c1042"),  # moved
        ("C-1042", ny("2026-11-16 09:00"), 4, "weekly-c1042"),  # still 09:00 after DST
        ("C-1042", ny("2026-11-23 09:00"), 4, "weekly-c1042"),
    ]
    assert sessions[0].clinician == "Jordan Rivera"


def test_ics_recurring_windowed_expansion_agrees(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, "s.ics", RECURRING)
    at_once = load_schedule(path, NY, until=UNTIL)
    monkeypatch.setattr(ics, "MAX_OCCURRENCES", 5)  # too many days to ask at once
    assert load_schedule(path, NY, until=UNTIL) == at_once
    assert load_schedule(path, NY, until=ny("2026-11-16 09:00")) == at_once[:-1]


def test_ics_recurring_expansion_stops_at_the_horizon(tmp_path: Path) -> None:
    text = _ics("DTSTART;TZID=America/New_York:20261019T090000\nRRULE:FREQ=WEEKLY\n"
                "SUMMARY:C-1042",
                "DTSTART;VALUE=DATE:20261020\nRRULE:FREQ=DAILY;INTERVAL=14\nSUMMARY:C-22",
                "DTSTART:20270301T090000\nSUMMARY:C-33")  # after the horizon, but not recurring
    path = _write(tmp_path, "s.ics", text)
    sessions = load_schedule(path, NY, until=ny("2026-11-16 09:00"))
    assert [(s.client, s.start.date()) for s in sessions] == [
        ("C-1042", date(2026, 10, 19)), ("C-22", date(2026, 10, 20)),
        ("C-1042", date(2026, 10, 26)), ("C-1042", date(2026, 11, 2)),
        ("C-22", date(2026, 11, 3)), ("C-1042", date(2026, 11, 9)),
        ("C-1042", date(2026, 11, 16)), ("C-33", date(2027, 3, 1)),
    ]
    assert all(s.start.hour == 0 for s in sessions if s.client == "C-22")


def test_ics_recurring_default_horizon_is_a_year_ahead(tmp_path: Path) -> None:
    begin = datetime.now(NY).date() - timedelta(days=30)
    text = _ics(f"DTSTART;TZID=America/New_York:{begin:%Y%m%d}T090000\nRRULE:FREQ=WEEKLY\n"
                "SUMMARY:C-11")
    sessions = load_schedule(_write(tmp_path, "s.ics", text), NY)
    last = sessions[-1].start
    assert timedelta(days=358) < last - datetime.now(NY) <= schedule.DEFAULT_HORIZON
    assert len(sessions) in (56, 57, 58)


def test_ics_recurring_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = _ics("DTSTART:20261019T090000\nSUMMARY:C-11", "DTSTART:20261019T090000\n"
                "RRULE:FREQ=MINUTELY\nSUMMARY:C-11")
    with pytest.raises(ScheduleError, match=r"s\.ics:8: RRULE FREQ=MINUTELY needs one FREQ of "
                                            r"DAILY, WEEKLY, MONTHLY, YEARLY"):
        load_schedule(_write(tmp_path, "s.ics", fast), NY, until=UNTIL)
    for part in ("INTERVAL=0", "INTERVAL=-1", "COUNT=0"):  # INTERVAL=0 would never end
        bad = _ics(f"DTSTART:20261019T090000\nRRULE:FREQ=WEEKLY;{part}\nSUMMARY:C-11")
        with pytest.raises(ScheduleError, match=r"s\.ics:4: RRULE .*must be one whole number"):
            load_schedule(_write(tmp_path, "s.ics", bad), NY, until=UNTIL)
    monkeypatch.setattr(ics, "MAX_OCCURRENCES", 50)
    daily = _ics("DTSTART:20261019T090000\nRRULE:FREQ=DAILY\nSUMMARY:C-11")
    with pytest.raises(ScheduleError, match=r"s\.ics:4: recurring event repeats more than 50 "
                                            r"times up to 2027-01-01"):
        load_schedule(_write(tmp_path, "s.ics", daily), NY, until=UNTIL)


def test_ics_recurring_floating_and_rdate(tmp_path: Path) -> None:
    text = _ics("UID:r\nDTSTART:20261030T090000\nRDATE:20261102T090000,20261104T100000\n"
                "SUMMARY:C-11")
    sessions = load_schedule(_write(tmp_path, "s.ics", text), NY, until=UNTIL)
    assert [s.start for s in sessions] == [ny("2026-10-30 09:00"), ny("2026-11-02 09:00"),
                                           ny("2026-11-04 10:00")]


# --- missing sessions ---------------------------------------------------------------

def test_two_sessions_on_one_day_need_two_notes() -> None:
    morning = _session("C-1", ny("2026-11-12 09:00"), 1)
    afternoon = _session("C-1", ny("2026-11-12 15:00"), 2)
    # one note: it goes to the session nearest its time, the other is missing
    assert missing_sessions([morning, afternoon], [("C-1", ny("2026-11-12 15:05"))]) == [morning]
    assert missing_sessions([morning, afternoon], [("C-1", ny("2026-11-12 08:00"))]) == \
        [afternoon]
    two = [("c-1", ny("2026-11-12 16:00")), ("C-1 ", ny("2026-11-12 16:30"))]
    assert missing_sessions([morning, afternoon], two) == []
    # three notes for two sessions: nothing missing, nothing covered twice
    assert missing_sessions([morning, afternoon], [*two, ("C-1", ny("2026-11-12 12:00"))]) == []


def test_a_note_covers_only_its_client_and_local_day() -> None:
    late = _session("C-1", ny("2026-11-05 23:30"))
    assert missing_sessions([late], [("C-2", ny("2026-11-05 23:30"))]) == [late]
    assert missing_sessions([late], [("C-1", ny("2026-11-06 00:10"))]) == [late]
    # 04:10 UTC on the 6th is 23:10 on the 5th in New York
    assert missing_sessions([late], [("C-1", datetime(2026, 11, 6, 4, 10, tzinfo=UTC))]) == []
    # a naive note time is wall-clock time in the session's zone
    assert missing_sessions([late], [("C-1", datetime(2026, 11, 5, 8, 0))]) == []


def test_missing_sessions_keep_schedule_order() -> None:
    sessions = [_session(f"C-{n}", ny(f"2026-11-{20 - n:02d} 09:00"), n) for n in range(1, 6)]
    notes = [("C-2", ny("2026-11-18 10:00")), ("C-4", ny("2026-11-16 10:00"))]
    assert [s.line for s in missing_sessions(sessions, iter(notes))] == [1, 3, 5]


SLOTS = st.tuples(st.sampled_from(["C-11", "C-22", "c-22 "]), st.integers(0, 3),
                  st.integers(0, 23), st.integers(0, 59))


@settings(max_examples=200, deadline=None)
@given(planned=st.lists(SLOTS, max_size=12), written=st.lists(SLOTS, max_size=12))
def test_missing_counts_per_client_and_day(planned: list[tuple[str, int, int, int]],
                                           written: list[tuple[str, int, int, int]]) -> None:
    def moment(day: int, hour: int, minute: int) -> datetime:
        # 1 November 2026 is the day DST ends, so days here are 23 to 25 hours long
        return datetime(2026, 10, 31 + day, hour, minute, tzinfo=NY) if day == 0 else \
            datetime(2026, 11, day, hour, minute, tzinfo=NY)

    sessions = [_session(c, moment(d, h, m), n) for n, (c, d, h, m) in enumerate(planned)]
    # notes in UTC: the local day has to be worked out in the session's zone
    notes = [(c, moment(d, h, m).astimezone(UTC)) for c, d, h, m in written]
    missing = missing_sessions(sessions, notes)
    assert missing == [s for s in sessions if s in missing]  # a subsequence, in order
    buckets: dict[tuple[str, int], list[int]] = {}
    for c, d, *_ in planned:
        buckets.setdefault((c.strip().lower(), d), [0, 0])[0] += 1
    for c, d, *_ in written:
        buckets.setdefault((c.strip().lower(), d), [0, 0])[1] += 1
    assert len(missing) == sum(max(0, due - done) for due, done in buckets.values())


# --- robustness -------------------------------------------------------------------

def _load(name: str, data: bytes, **kwargs: object) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        with contextlib.suppress(ScheduleError):  # anything else fails the test
            load_schedule(path, NY, until=UNTIL, **kwargs)  # type: ignore[arg-type]


CSV_CELLS = st.one_of(
    st.sampled_from(["client", "clinician", "session_date", "Client ", "C-1042", "",
                     "2026-11-02 09:00", "2026-11-02", "2026-11-02T09:00:00-05:00",
                     "2026-13-01", "9999-12-31T23:59+14:00", "0001-01-01T00:00-12:00",
                     '"', '""', "#", "\x00", "\r", "\n", "\ufeff"]),
    st.text(max_size=12),
)
CSV_TEXT = st.lists(st.lists(CSV_CELLS, max_size=5).map(",".join), max_size=8).map(
    lambda lines: "client,clinician,session_date\n" + "\n".join(lines)) | st.text()

ICS_PROPERTIES = st.sampled_from([
    "UID:a", "UID:b", "SUMMARY:C-1042", "SUMMARY:Session: C-22", "SUMMARY:", "SUMMARY;X=:y",
    "X-SOAPBUILD-CLIENT:C-99", "X-SOAPBUILD-CLIENT:", "X-SOAPBUILD-CLINICIAN:A\\, B\\",
    "X-SOAPBUILD-SOURCE-LINE:x", "X-SOAPBUILD-SOURCE-LINE:2",
    'ORGANIZER;CN="A, B":mailto:a@b', "ORGANIZER:", "ORGANIZER;CN=:x",
    "DTSTART:20261102T090000", "DTSTART:20261102T090000Z", "DTSTART;VALUE=DATE:20261102",
    "DTSTART;TZID=America/New_York:20261101T013000", "DTSTART;TZID=Nowhere:20261102T0900",
    "DTSTART;TZID=Nowhere:20261102T090000", "DTSTART:99991231T235959Z", "DTSTART:00010101T000000",
    "DTSTART:x", "DTSTART:", "DTSTART;VALUE=PERIOD:20261102T090000/PT1H",
    "DTEND:20261101T090000", "DTEND;VALUE=DATE:20261103", "DURATION:PT50M", "DURATION:-P1D",
    "RRULE:FREQ=WEEKLY;COUNT=3", "RRULE:FREQ=DAILY", "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
    "RRULE:FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20270101T000000Z", "RRULE:FREQ=HOURLY",
    "RRULE:FREQ=WEEKLY;UNTIL=20261101", "RRULE:", "RRULE:COUNT=2", "RRULE:FREQ=DAILY;COUNT=0",
    "RRULE:FREQ=WEEKLY;INTERVAL=0", "RRULE:FREQ=DAILY;BYHOUR=9,10,11;BYMINUTE=0,30",
    "RDATE:20261105T090000", "RDATE;VALUE=PERIOD:20261105T090000/PT1H", "RDATE:bad",
    "RDATE;VALUE=DATE:20261106,20261107", "EXDATE:20261109T090000", "EXDATE:nope",
    "RECURRENCE-ID:20261109T090000", "RECURRENCE-ID;RANGE=THISANDFUTURE:20261109T090000",
    "RECURRENCE-ID:20261102T090000Z", "RECURRENCE-ID;VALUE=DATE:20261102",
    "STATUS:CANCELLED", "STATUS:", "STATUS:cancelled",
    "BEGIN:VALARM\nTRIGGER:-PT15M\nEND:VALARM", " folded", "\tfolded",
])
ICS_STRUCTURE = st.sampled_from([
    "BEGIN:VCALENDAR", "END:VCALENDAR", "BEGIN:VEVENT", "END:VEVENT", "begin:vevent",
    "BEGIN:VEVENT ", "BEGIN:VTIMEZONE\nTZID:X\nEND:VTIMEZONE", "END:VALARM", "",
    ":", ";", "\\", "BEGIN:", "END:", "X:\u2028\u0085\x0c",
])
ICS_EVENT = st.lists(ICS_PROPERTIES, max_size=8).map(
    lambda lines: "\n".join(["BEGIN:VEVENT", *lines, "END:VEVENT"]))
ICS_TEXT = st.one_of(
    st.lists(st.one_of(ICS_EVENT, ICS_EVENT, ICS_EVENT, ICS_PROPERTIES, ICS_STRUCTURE),
             max_size=6).map(
        lambda parts: "\n".join(["BEGIN:VCALENDAR", *parts, "END:VCALENDAR"])),
    st.lists(st.one_of(ICS_EVENT, ICS_STRUCTURE, st.text(max_size=20)), max_size=6).map(
        "\n".join),
    st.text(),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=CSV_TEXT)
def test_any_csv_text_raises_only_schedule_error(text: str) -> None:
    _load("schedule.csv", text.encode("utf-8", "surrogatepass"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=ICS_TEXT, crlf=st.booleans())
def test_any_ics_text_raises_only_schedule_error(text: str, crlf: bool) -> None:
    if crlf:
        text = text.replace("\n", "\r\n")
    _load("schedule.ics", text.encode("utf-8", "surrogatepass"))


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=200), suffix=st.sampled_from([".csv", ".ics"]))
def test_any_bytes_raise_only_schedule_error(data: bytes, suffix: str) -> None:
    _load("schedule" + suffix, data)
