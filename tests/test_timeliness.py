"""Timeliness (SPEC 4.3, rules T001–T005): deadlines to the second, DST, business days.

Every boundary is pinned both ways: on the deadline second is on time and one
second later is late. Most tests drive the real CLI (``soapbuild -C WS check
--format json --now …``) in a throw-away workspace; the deadline arithmetic is
also tested directly through :func:`soapbuild.rules.deadlines.deadline`.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from clean_note import Run, findings_of, note, workspace
from click.testing import CliRunner

from soapbuild.cli import main
from soapbuild.model.timeparse import parse_moment, resolve
from soapbuild.rules.deadlines import deadline
from soapbuild.settings import Settings

NY = ZoneInfo("America/New_York")


# Lines of the template: 4 session_date, 6 submitted (values start at columns 15 and 12).
SESSION_AT = (4, 15)
SUBMITTED_AT = (6, 12)




def draft(**fields: str | None) -> str:
    """The template without 'submitted' (session_date stays on line 4)."""
    return note(submitted=None, **fields)





def check(root: Path, now: str | None, *, env: dict[str, str | None] | None = None) -> Run:
    args = ["-C", str(root), "check", "--format", "json"]
    if now is not None:
        args += ["--now", now]
    result = CliRunner().invoke(main, args, env={"SOAPBUILD_NOW": None, **(env or {})})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    data = json.loads(result.stdout)
    return Run(result.exit_code, result.stdout, findings_of(data))


def check_note(root: Path, text: str, now: str) -> Run:
    """Check one note as first seen: no seal from an earlier check (tests/test_locks.py)."""
    shutil.rmtree(root / ".soapbuild", ignore_errors=True)
    (root / "notes" / "a.md").write_text(text, "utf-8")
    return check(root, now)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return workspace(tmp_path)


# --- deadlines.deadline, directly ------------------------------------------------------

def _settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(root=tmp_path, timezone_name="America/New_York", timezone=NY,
                    **values)  # type: ignore[arg-type]


def _due(text: str, settings: Settings, *codes: str) -> datetime:
    moment = parse_moment(text)
    assert moment is not None
    return deadline(moment, codes or ("90837",), settings)


def test_default_deadline_is_72_hours(tmp_path: Path) -> None:
    due = _due("2026-11-20 15:00", _settings(tmp_path))
    assert due == datetime(2026, 11, 23, 15, 0, tzinfo=NY)
    assert due.astimezone(NY).strftime("%Y-%m-%d %H:%M:%S %Z") == "2026-11-23 15:00:00 EST"


def test_fall_back_session_gets_72_real_hours(tmp_path: Path) -> None:
    # 2026-10-30 22:00 EDT; clocks go back on 2026-11-01: the deadline is 21:00 EST,
    # not the wall-clock 22:00 (which would be 73 real hours).
    settings = _settings(tmp_path)
    moment = parse_moment("2026-10-30 22:00")
    assert moment is not None
    start = resolve(moment, settings.timezone)
    due = deadline(moment, ("90837",), settings)
    assert due.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=72)
    assert due.astimezone(NY).strftime("%Y-%m-%d %H:%M:%S %Z") == "2026-11-02 21:00:00 EST"
    assert due == datetime(2026, 11, 3, 2, 0, tzinfo=UTC)


def test_spring_forward_session_gets_72_real_hours(tmp_path: Path) -> None:
    # 2026-03-06 22:00 EST; clocks go forward on 2026-03-08: deadline 23:00 EDT.
    settings = _settings(tmp_path)
    moment = parse_moment("2026-03-06 22:00")
    assert moment is not None
    start = resolve(moment, settings.timezone)
    due = deadline(moment, ("90837",), settings)
    assert due.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=72)
    assert due.astimezone(NY).strftime("%Y-%m-%d %H:%M:%S %Z") == "2026-03-09 23:00:00 EDT"


def test_date_only_session_counts_from_midnight(tmp_path: Path) -> None:
    due = _due("2026-11-20", _settings(tmp_path))
    assert due == datetime(2026, 11, 23, 0, 0, tzinfo=NY)


def test_explicit_offset_is_an_instant_not_practice_time(tmp_path: Path) -> None:
    # 15:00 at -08:00 is 18:00 in New York.
    due = _due("2026-11-20T15:00:00-08:00", _settings(tmp_path))
    assert due == datetime(2026, 11, 23, 18, 0, tzinfo=NY)


@pytest.mark.parametrize(("session", "days", "end_of"), [
    ("2026-11-20 15:00", 2, "2026-11-24"),  # Friday -> end of Tuesday (Texas)
    ("2026-11-21 10:00", 2, "2026-11-24"),  # Saturday -> Mon, Tue
    ("2026-11-22 10:00", 2, "2026-11-24"),  # Sunday -> Mon, Tue
    ("2026-11-16 09:00", 2, "2026-11-18"),  # Monday -> end of Wednesday
    ("2026-11-18 09:00", 3, "2026-11-23"),  # Wednesday + 3 (LA County) -> Monday
    ("2026-11-20 15:00", 3, "2026-11-25"),  # Friday + 3 -> Wednesday
    ("2026-11-20", 2, "2026-11-24"),  # a date alone: same day
    ("2026-10-30 22:00", 2, "2026-11-03"),  # across the fall-back weekend
    ("2026-03-06 22:00", 2, "2026-03-10"),  # across the spring-forward weekend
])
def test_business_days_end_at_the_end_of_the_last_day(
        tmp_path: Path, session: str, days: int, end_of: str) -> None:
    due = _due(session, _settings(tmp_path, deadline_business_days=days))
    day = datetime.fromisoformat(end_of)
    assert due == datetime(day.year, day.month, day.day, 23, 59, 59, 999999, tzinfo=NY)
    # the next instant is the start of the following local day
    assert (due + timedelta(microseconds=1)).astimezone(NY).time().isoformat() == "00:00:00"


def test_override_beats_hours_and_business_days(tmp_path: Path) -> None:
    overrides = {"90839": 24}
    hours = _settings(tmp_path, deadline_hours=72, deadline_overrides=overrides)
    days = _settings(tmp_path, deadline_business_days=2, deadline_overrides=overrides)
    for settings in (hours, days):
        assert _due("2026-11-20 18:00", settings, "90839") == datetime(2026, 11, 21, 18, 0,
                                                                       tzinfo=NY)
    assert _due("2026-11-20 18:00", hours, "90837") == datetime(2026, 11, 23, 18, 0, tzinfo=NY)
    assert _due("2026-11-20 18:00", days, "90837") == datetime(2026, 11, 24, 23, 59, 59, 999999,
                                                               tzinfo=NY)
    moment = parse_moment("2026-11-20 18:00")
    assert moment is not None
    assert deadline(moment, (), hours) == datetime(2026, 11, 23, 18, 0, tzinfo=NY)


def test_several_codes_take_the_shortest_override(tmp_path: Path) -> None:
    settings = _settings(tmp_path, deadline_overrides={"90839": 24, "90840": 48, "90785": 12})
    assert _due("2026-11-20 18:00", settings, "90839", "90840") == datetime(
        2026, 11, 21, 18, 0, tzinfo=NY)
    assert _due("2026-11-20 18:00", settings, "90834", "90785") == datetime(
        2026, 11, 21, 6, 0, tzinfo=NY)
    assert _due("2026-11-20 18:00", settings, "90834") == datetime(2026, 11, 23, 18, 0, tzinfo=NY)


def test_override_across_fall_back_is_24_real_hours(tmp_path: Path) -> None:
    settings = _settings(tmp_path, deadline_overrides={"90839": 24})
    due = _due("2026-10-31 12:00", settings, "90839")
    assert due.astimezone(NY).strftime("%Y-%m-%d %H:%M %Z") == "2026-11-01 11:00 EST"


# --- T003 late ----------------------------------------------------------------------

def test_submitted_on_the_deadline_second_is_on_time(ws: Path) -> None:
    run = check_note(ws, note(submitted="2026-11-23 15:00:00"), "2026-11-27 12:00")
    assert (run.exit_code, run.findings) == (0, [])


def test_submitted_one_second_after_the_deadline_is_late(ws: Path) -> None:
    run = check_note(ws, note(submitted="2026-11-23 15:00:01"), "2026-11-27 12:00")
    assert run.codes == ["T003"]
    late = run.findings[0]
    assert (late.line, late.column, late.severity) == (*SUBMITTED_AT, "warning")
    assert late.message.endswith(" after the deadline (2026-11-23 15:00 EST).")
    assert run.exit_code == 0  # a late note never blocks a commit


def test_late_message_states_hours_and_days(ws: Path) -> None:
    run = check_note(ws, note(submitted="2026-11-24 21:05"), "2026-11-27 12:00")
    assert [(f.code, f.line, f.column, f.message) for f in run.findings] == [
        ("T003", *SUBMITTED_AT,
         "Submitted 30 h 5 min (1.3 days) after the deadline (2026-11-23 15:00 EST).")]
    assert run.exit_code == 0


def test_late_by_less_than_a_day_gives_hours_only(ws: Path) -> None:
    run = check_note(ws, note(submitted="2026-11-23 20:30"), "2026-11-27 12:00")
    assert [f.message for f in run.findings] == [
        "Submitted 5 h 30 min after the deadline (2026-11-23 15:00 EST)."]


def test_late_by_one_second_does_not_say_zero_minutes(ws: Path) -> None:
    run = check_note(ws, note(submitted="2026-11-23 15:00:01"), "2026-11-27 12:00")
    assert run.codes == ["T003"]
    assert "Submitted 0 min after" not in run.findings[0].message


def test_fall_back_boundary_through_the_cli(ws: Path) -> None:
    on_time = check_note(ws, note(session_date="2026-10-30 22:00", submitted="2026-11-02 21:00"),
                         "2026-11-27 12:00")
    assert on_time.findings == []
    late = check_note(ws, note(session_date="2026-10-30 22:00", submitted="2026-11-02 21:00:01"),
                      "2026-11-27 12:00")
    assert late.codes == ["T003"]
    assert late.findings[0].message.endswith("after the deadline (2026-11-02 21:00 EST).")


def test_spring_forward_boundary_through_the_cli(ws: Path) -> None:
    on_time = check_note(ws, note(session_date="2026-03-06 22:00", submitted="2026-03-09 23:00"),
                         "2026-03-20 12:00")
    assert on_time.findings == []
    late = check_note(ws, note(session_date="2026-03-06 22:00", submitted="2026-03-09 23:00:01"),
                      "2026-03-20 12:00")
    assert late.codes == ["T003"]
    assert late.findings[0].message.endswith("after the deadline (2026-03-09 23:00 EDT).")


def test_late_across_fall_back_in_whole_days(ws: Path) -> None:
    # Deadline and submission on the same side of the change: the count is plain.
    run = check_note(ws, note(session_date="2026-10-30 22:00", submitted="2026-11-03 23:00"),
                     "2026-11-27 12:00")
    assert [f.message for f in run.findings] == [
        "Submitted 26 h 0 min (1.1 days) after the deadline (2026-11-02 21:00 EST)."]


def test_lateness_spanning_fall_back_counts_real_hours(ws: Path) -> None:
    # Deadline 2026-10-31 22:00 EDT (02:00 UTC), submitted 2026-11-02 22:00 EST (03:00 UTC):
    # 49 real hours late.
    run = check_note(ws, note(session_date="2026-10-28 22:00", submitted="2026-11-02 22:00"),
                     "2026-11-27 12:00")
    assert [f.message for f in run.findings] == [
        "Submitted 49 h 0 min (2.0 days) after the deadline (2026-10-31 22:00 EDT)."]


# --- T004 overdue, T005 due soon ------------------------------------------------------------

def test_draft_at_the_deadline_is_not_overdue(ws: Path) -> None:
    run = check_note(ws, draft(), "2026-11-23 15:00")
    assert [(f.code, f.line, f.column, f.severity, f.message) for f in run.findings] == [
        ("T005", *SESSION_AT, "info",
         "The note is due in less than a minute (2026-11-23 15:00 EST).")]
    assert run.exit_code == 0


def test_draft_one_second_past_the_deadline_is_overdue(ws: Path) -> None:
    run = check_note(ws, draft(), "2026-11-23 15:00:01")
    assert [(f.code, f.line, f.column, f.severity) for f in run.findings] == [
        ("T004", *SESSION_AT, "warning")]
    assert run.findings[0].message.endswith(" after its deadline (2026-11-23 15:00 EST).")
    assert run.exit_code == 0


def test_overdue_message_states_hours_and_days(ws: Path) -> None:
    run = check_note(ws, draft(), "2026-11-24 16:30")
    assert [f.message for f in run.findings] == [
        "The note is still a draft 25 h 30 min (1.1 days) after its deadline "
        "(2026-11-23 15:00 EST)."]


def test_due_soon_boundary_default_24_hours(ws: Path) -> None:
    assert check_note(ws, draft(), "2026-11-22 14:59:59").findings == []
    run = check_note(ws, draft(), "2026-11-22 15:00")
    assert [(f.code, f.severity, f.message) for f in run.findings] == [
        ("T005", "info", "The note is due in 24 h 0 min (1.0 days) (2026-11-23 15:00 EST).")]


def test_due_soon_hours_setting(tmp_path: Path) -> None:
    root = workspace(tmp_path, "due_soon_hours = 6\n")
    assert check_note(root, draft(), "2026-11-23 08:59:59").findings == []
    run = check_note(root, draft(), "2026-11-23 09:00")
    assert [(f.code, f.message) for f in run.findings] == [
        ("T005", "The note is due in 6 h 0 min (2026-11-23 15:00 EST).")]


def test_submitted_note_is_never_due_soon_or_overdue(ws: Path) -> None:
    assert check_note(ws, note(), "2026-11-22 15:00").findings == []
    assert check_note(ws, note(), "2026-12-30 15:00").findings == []


# --- T001 before the session, T002 in the future --------------------------------------------

def test_submitted_one_second_before_the_session(ws: Path) -> None:
    run = check_note(ws, note(submitted="2026-11-20 14:59:59"), "2026-11-21 12:00")
    assert [(f.code, f.line, f.column, f.severity, f.message) for f in run.findings] == [
        ("T001", *SUBMITTED_AT, "error",
         "Submitted 2026-11-20 14:59:59, before the session started (2026-11-20 15:00).")]
    assert run.exit_code == 1


def test_submitted_at_the_session_start_is_fine(ws: Path) -> None:
    run = check_note(ws, note(submitted="2026-11-20 15:00"), "2026-11-21 12:00")
    assert (run.exit_code, run.findings) == (0, [])


def test_submitted_one_second_in_the_future(ws: Path) -> None:
    run = check_note(ws, note(submitted="2026-11-21 12:00:01"), "2026-11-21 12:00")
    assert [(f.code, f.line, f.column, f.severity, f.message) for f in run.findings] == [
        ("T002", *SUBMITTED_AT, "error", "Submitted 2026-11-21 12:00:01, which is in the future.")]
    assert run.exit_code == 1
    assert check_note(ws, note(submitted="2026-11-21 12:00"), "2026-11-21 12:00").findings == []


def test_date_only_session_counts_from_midnight_through_the_cli(ws: Path) -> None:
    before = check_note(ws, note(session_date="2026-11-20", submitted="2026-11-19 23:59:59"),
                        "2026-11-27 12:00")
    assert [(f.code, f.message) for f in before.findings] == [
        ("T001", "Submitted 2026-11-19 23:59:59, before the session started (2026-11-20).")]
    at_midnight = check_note(ws, note(session_date="2026-11-20", submitted="2026-11-20 00:00"),
                             "2026-11-27 12:00")
    assert at_midnight.findings == []
    on_time = check_note(ws, note(session_date="2026-11-20", submitted="2026-11-23 00:00"),
                         "2026-11-27 12:00")
    assert on_time.findings == []
    late = check_note(ws, note(session_date="2026-11-20", submitted="2026-11-23 00:00:01"),
                      "2026-11-27 12:00")
    assert late.codes == ["T003"]
    assert late.findings[0].message.endswith("(2026-11-23 00:00 EST).")


def test_session_with_explicit_offset_against_practice_timezone(ws: Path) -> None:
    session = "2026-11-20T15:00:00-08:00"  # 18:00 in New York
    before = check_note(ws, note(session_date=session, submitted="2026-11-20 17:59:59"),
                        "2026-11-27 12:00")
    assert [(f.code, f.message) for f in before.findings] == [
        ("T001", "Submitted 2026-11-20 17:59:59, before the session started "
                 "(2026-11-20T15:00:00-08:00).")]
    at_start = check_note(ws, note(session_date=session, submitted="2026-11-20 18:00"),
                          "2026-11-27 12:00")
    assert at_start.findings == []
    on_time = check_note(ws, note(session_date=session, submitted="2026-11-23 18:00"),
                         "2026-11-27 12:00")
    assert on_time.findings == []
    late = check_note(ws, note(session_date=session, submitted="2026-11-23 18:00:01"),
                      "2026-11-27 12:00")
    assert late.codes == ["T003"]
    assert late.findings[0].message.endswith("after the deadline (2026-11-23 18:00 EST).")
    # the submission may carry its own offset too: 15:00:01 Pacific is one second late
    offset_late = check_note(ws, note(session_date=session,
                                      submitted="2026-11-23T15:00:01-08:00"), "2026-11-27 12:00")
    assert offset_late.codes == ["T003"]
    offset_on_time = check_note(ws, note(session_date=session,
                                         submitted="2026-11-23T15:00:00-08:00"),
                                "2026-11-27 12:00")
    assert offset_on_time.findings == []


# --- business days and overrides through the CLI -------------------------------------------

def test_two_business_days_friday_session_due_end_of_tuesday(tmp_path: Path) -> None:
    root = workspace(tmp_path, "deadline_business_days = 2\n")
    on_time = check_note(root, note(submitted="2026-11-24 23:59:59"), "2026-11-27 12:00")
    assert on_time.findings == []
    late = check_note(root, note(submitted="2026-11-25 00:00"), "2026-11-27 12:00")
    assert [(f.code, f.line, f.column) for f in late.findings] == [("T003", *SUBMITTED_AT)]
    assert late.findings[0].message.endswith("after the deadline (2026-11-24 23:59 EST).")
    # A draft is overdue from Wednesday 00:00, and due soon all of Tuesday.
    assert check_note(root, draft(), "2026-11-24 23:59:59").codes == ["T005"]
    assert check_note(root, draft(), "2026-11-25 00:00").codes == ["T004"]
    assert check_note(root, draft(), "2026-11-23 23:59:59").findings == []


def test_three_business_days_skip_the_weekend(tmp_path: Path) -> None:
    root = workspace(tmp_path, "deadline_business_days = 3\n")
    wednesday = "2026-11-18 09:00"
    on_time = check_note(root, note(session_date=wednesday, submitted="2026-11-23 23:59:59"),
                         "2026-11-27 12:00")
    assert on_time.findings == []
    late = check_note(root, note(session_date=wednesday, submitted="2026-11-24 00:00"),
                      "2026-11-27 12:00")
    assert late.codes == ["T003"]
    assert late.findings[0].message.endswith("(2026-11-23 23:59 EST).")


def test_crisis_override_24_hours_with_72_hour_practice(tmp_path: Path) -> None:
    root = workspace(tmp_path, 'deadline_hours = 72\n[deadline_overrides]\n"90839" = 24\n')
    crisis = {"session_date": "2026-11-20 18:00", "duration": "60", "service_code": '"90839"'}
    assert check_note(root, note(**crisis, submitted="2026-11-21 18:00"),
                      "2026-11-27 12:00").findings == []
    late = check_note(root, note(**crisis, submitted="2026-11-21 18:00:01"), "2026-11-27 12:00")
    assert late.codes == ["T003"]
    assert late.findings[0].message.endswith("after the deadline (2026-11-21 18:00 EST).")
    # the same submission for an ordinary session is on time
    assert check_note(root, note(session_date="2026-11-20 18:00",
                                 submitted="2026-11-21 18:00:01"), "2026-11-27 12:00"
                      ).findings == []


def test_crisis_override_with_business_days(tmp_path: Path) -> None:
    root = workspace(tmp_path, 'deadline_business_days = 2\n[deadline_overrides]\n"90839" = 24\n')
    crisis = {"session_date": "2026-11-20 18:00", "duration": "60", "service_code": '"90839"'}
    late = check_note(root, note(**crisis, submitted="2026-11-22 09:00"), "2026-11-27 12:00")
    assert [f.message for f in late.findings] == [
        "Submitted 15 h 0 min after the deadline (2026-11-21 18:00 EST)."]
    assert check_note(root, draft(**crisis), "2026-11-21 18:00:01").codes == ["T004"]


# --- --now and SOAPBUILD_NOW ----------------------------------------------------------------

def test_now_option_and_environment_give_identical_results(ws: Path) -> None:
    notes = ws / "notes"
    (notes / "late.md").write_text(note(session_date="2026-11-19 10:00",
                                        submitted="2026-11-23 14:00"), "utf-8")
    (notes / "overdue.md").write_text(draft(session_date="2026-11-19 10:00"), "utf-8")
    (notes / "soon.md").write_text(draft(session_date="2026-11-21 10:00"), "utf-8")
    (notes / "future.md").write_text(note(submitted="2026-11-23 15:00:01"), "utf-8")
    now = "2026-11-23 15:00"
    by_option = check(ws, now)
    by_env = check(ws, None, env={"SOAPBUILD_NOW": now})
    by_offset = check(ws, "2026-11-23T20:00:00Z")
    assert by_option.output == by_env.output == by_offset.output
    assert by_option.exit_code == by_env.exit_code == by_offset.exit_code == 1
    assert by_option.codes == ["T002", "T003", "T004", "T005"]
    # --now wins over the environment
    assert check(ws, now, env={"SOAPBUILD_NOW": "2030-01-01 00:00"}).output == by_option.output
