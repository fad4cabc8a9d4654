"""Billing (SPEC 4.4, rules B001–B004 and ``billing_status``).

Every band edge in ``data/service_codes.toml`` is pinned both ways through the
real CLI; ``end`` is tried as the alternative to ``duration``; the code table is
extended from settings; and the billable verdict gives its reason.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from clean_note import SOAP, Run, findings_of, note, workspace
from click.testing import CliRunner

from soapbuild.checker import check_result
from soapbuild.cli import main
from soapbuild.model.formats import builtin_formats
from soapbuild.model.note import Note
from soapbuild.model.parse import parse_note
from soapbuild.model.service_codes import builtin_service_codes
from soapbuild.rules.context import Context
from soapbuild.rules.minutes import Billing, billing_status, session_minutes
from soapbuild.settings import Settings

NY = ZoneInfo("America/New_York")
NOW = "2026-11-21 12:00"


# Template lines: 7 duration (value at column 11), 8 service_code (value at column 15);
# without duration, service_code is line 7 and an added field ('end') is line 8.
DURATION_AT = (7, 11)
CODE_AT = (8, 15)







def check(root: Path, text: str | None = None, now: str = NOW) -> Run:
    if text is not None:
        (root / "notes" / "a.md").write_text(text, "utf-8")
    result = CliRunner().invoke(main, ["-C", str(root), "check", "--format", "json",
                                             "--now", now])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    data = json.loads(result.stdout)
    return Run(result.exit_code, result.output, findings_of(data))


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return workspace(tmp_path)


# --- the table ------------------------------------------------------------------------

def test_builtin_bands_are_the_spec_bands() -> None:
    bands = {code: (c.minimum, c.maximum) for code, c in builtin_service_codes().items()}
    assert {code: bands[code] for code in ("90832", "90834", "90837", "90839", "90846",
                                           "90847")} == {
        "90832": (16, 37), "90834": (38, 52), "90837": (53, None), "90839": (30, 74),
        "90846": (26, None), "90847": (26, None)}


# --- B002: every band edge ---------------------------------------------------------------

UNDER_16 = "Under 16 minutes is not billable as psychotherapy; check the time or the service."

EDGES = [
    # code, minutes, message (None: fits), suggestion
    ("90832", 15, "15 minutes do not fit 90832 (Psychotherapy, 30 minutes: 16–37 min).",
     UNDER_16),
    ("90832", 16, None, None),
    ("90832", 37, None, None),
    ("90832", 38, "38 minutes do not fit 90832 (Psychotherapy, 30 minutes: 16–37 min).",
     "Check the time; 38 minutes of individual psychotherapy is 90834."),
    ("90834", 37, "37 minutes do not fit 90834 (Psychotherapy, 45 minutes: 38–52 min).",
     "Check the time; 37 minutes of individual psychotherapy is 90832."),
    ("90834", 38, None, None),
    ("90834", 52, None, None),
    ("90834", 53, "53 minutes do not fit 90834 (Psychotherapy, 45 minutes: 38–52 min).",
     "Check the time; 53 minutes of individual psychotherapy is 90837."),
    ("90837", 52, "52 minutes do not fit 90837 (Psychotherapy, 60 minutes: 53+ min).",
     "Check the time; 52 minutes of individual psychotherapy is 90834."),
    ("90837", 53, None, None),
    ("90839", 29, "29 minutes do not fit 90839 (Psychotherapy for crisis, first 60 minutes: "
                  "30–74 min).",
     "Check the time; 29 minutes of individual psychotherapy is 90832."),
    ("90839", 30, None, None),
    ("90839", 74, None, None),
    ("90839", 75, "75 minutes do not fit 90839 (Psychotherapy for crisis, first 60 minutes: "
                  "30–74 min).",
     "Check the time; 75 minutes of individual psychotherapy is 90837."),
    ("90846", 25, "25 minutes do not fit 90846 (Family psychotherapy without the patient, "
                  "50 minutes: 26+ min).",
     "Check the time; 25 minutes of individual psychotherapy is 90832."),
    ("90846", 26, None, None),
    ("90847", 25, "25 minutes do not fit 90847 (Family psychotherapy with the patient, "
                  "50 minutes: 26+ min).",
     "Check the time; 25 minutes of individual psychotherapy is 90832."),
    ("90847", 26, None, None),
]


@pytest.mark.parametrize(("code", "minutes", "message", "suggestion"), EDGES,
                         ids=[f"{c}-{m}" for c, m, *_ in EDGES])
def test_band_edges(ws: Path, code: str, minutes: int, message: str | None,
                    suggestion: str | None) -> None:
    run = check(ws, note(duration=str(minutes), service_code=f'"{code}"'))
    if message is None:
        assert (run.exit_code, run.findings) == (0, [])
    else:
        assert [(f.code, f.line, f.column, f.severity, f.message, f.suggestion)
                for f in run.findings] == [("B002", *CODE_AT, "error", message, suggestion)]
        assert run.exit_code == 1


def test_unquoted_code_is_the_same_code(ws: Path) -> None:
    run = check(ws, note(duration="45", service_code="90837"))
    assert run.codes == ["B002"]


# --- end as the alternative to duration -------------------------------------------------------

@pytest.mark.parametrize("end", ["15:53", "2026-11-20 15:53", "2026-11-20T15:53:00-05:00"])
def test_end_instead_of_duration_fits(ws: Path, end: str) -> None:
    run = check(ws, note(duration=None, end=end))
    assert (run.exit_code, run.findings) == (0, [])


@pytest.mark.parametrize("end", ["15:52", "2026-11-20 15:52"])
def test_end_instead_of_duration_outside_band(ws: Path, end: str) -> None:
    run = check(ws, note(duration=None, end=end))
    assert [(f.code, f.line, f.column, f.message) for f in run.findings] == [
        ("B002", 7, 15, "52 minutes do not fit 90837 (Psychotherapy, 60 minutes: 53+ min).")]


def test_end_minutes_are_read_in_the_practice_timezone(tmp_path: Path) -> None:
    result = parse_note(note(duration=None, end="15:53").encode(), "notes/a.md",
                        builtin_formats())
    assert result.note is not None
    time = session_minutes(result.note, Settings(root=tmp_path, timezone=NY))
    assert (time.minutes, time.from_duration, time.from_end, time.problem) == (53, None, 53, None)


@pytest.mark.parametrize(("end", "shown"), [("14:53", "14:53"), ("15:00", "15:00"),
                                            ("2026-11-20 14:59", "2026-11-20 14:59")])
def test_end_not_after_start_is_b004(ws: Path, end: str, shown: str) -> None:
    run = check(ws, note(duration=None, end=end))
    b004 = [f for f in run.findings if f.code == "B004"]
    assert [(f.line, f.column, f.severity, f.message, f.suggestion) for f in b004] == [
        (8, 6, "error", f"'end' {shown} is not after the session start 2026-11-20 15:00.",
         "Write the time the face-to-face session ended, e.g. 'end: 15:53'.")]
    assert run.exit_code == 1


def test_end_before_start_is_reported_once(ws: Path) -> None:
    run = check(ws, note(duration=None, end="14:53"))
    assert run.codes == ["B004"]


def test_end_before_start_with_a_duration_keeps_the_duration(ws: Path) -> None:
    run = check(ws, note(duration="53", end="14:53"))
    assert [(f.code, f.line, f.column) for f in run.findings] == [("B004", 9, 6)]


def test_clock_end_follows_an_offset_session(ws: Path) -> None:
    run = check(ws, note(session_date="2026-11-20T15:00:00-08:00", duration=None, end="15:53"))
    assert run.findings == []


@pytest.mark.parametrize(("end", "from_end"), [("15:47", 47), ("15:59", 59)])
def test_duration_and_end_disagree_by_more_than_5_minutes(ws: Path, end: str,
                                                          from_end: int) -> None:
    run = check(ws, note(end=end))
    assert [(f.code, f.line, f.column, f.severity, f.message) for f in run.findings] == [
        ("B003", *DURATION_AT, "warning",
         f"'duration' says 53 minutes but the session start and 'end' give {from_end}.")]
    assert run.exit_code == 0


@pytest.mark.parametrize("end", ["15:48", "15:53", "15:58"])
def test_duration_and_end_within_5_minutes_agree(ws: Path, end: str) -> None:
    assert check(ws, note(end=end)).findings == []


def test_duration_wins_over_end_for_the_band(ws: Path) -> None:
    # duration 45 (a 90834 time) with end 15:53 (53 min): the band is judged on duration.
    run = check(ws, note(duration="45", end="15:53"))
    assert run.codes == ["B003", "B002"]  # in file order: duration, then service_code
    b002 = next(f for f in run.findings if f.code == "B002")
    assert b002.message == "45 minutes do not fit 90837 (Psychotherapy, 60 minutes: 53+ min)."


# --- B001 and codes outside the table --------------------------------------------------------

@pytest.mark.parametrize(("code", "description"), [
    ("90837", "Psychotherapy, 60 minutes"),
    ("90839", "Psychotherapy for crisis, first 60 minutes"),
    ("90847", "Family psychotherapy with the patient, 50 minutes"),
])
def test_time_code_without_time(ws: Path, code: str, description: str) -> None:
    run = check(ws, note(duration=None, service_code=f'"{code}"'))
    assert [(f.code, f.line, f.column, f.severity, f.message, f.suggestion)
            for f in run.findings] == [
        ("B001", 7, 15, "error",
         f"{code} ({description}) is billed by time, but the note gives no face-to-face time.",
         "Add 'duration: <minutes>' or 'end: <time>'.")]
    assert run.exit_code == 1


@pytest.mark.parametrize("duration", [None, "5", "200"])
def test_code_not_in_table_is_not_checked(ws: Path, duration: str | None) -> None:
    run = check(ws, note(duration=duration, service_code='"90791"'))
    assert (run.exit_code, run.findings) == (0, [])


def test_no_service_code_is_not_checked(ws: Path) -> None:
    assert check(ws, note(duration=None, service_code=None)).findings == []


def test_session_that_did_not_occur_needs_no_time(ws: Path) -> None:
    text = note("Client did not attend; a reminder call was left.\n", occurred="false",
                duration=None, reason="no-show")
    assert check(ws, text).findings == []


# --- the table from settings -------------------------------------------------------------------

H0004 = ('[service_codes."H0004"]\nmin = 15\n'
         'description = "Behavioral health counseling, per 15 minutes"\n')


def test_settings_add_a_service_code(tmp_path: Path) -> None:
    root = workspace(tmp_path, H0004)
    assert check(root, note(duration="15", service_code="H0004")).findings == []
    short = check(root, note(duration="14", service_code="H0004"))
    assert [(f.code, f.line, f.column, f.message) for f in short.findings] == [
        ("B002", *CODE_AT, "14 minutes do not fit H0004 (Behavioral health counseling, "
                           "per 15 minutes: 15+ min).")]
    untimed = check(root, note(duration=None, service_code="H0004"))
    assert [(f.code, f.message) for f in untimed.findings] == [
        ("B001", "H0004 (Behavioral health counseling, per 15 minutes) is billed by time, but "
                 "the note gives no face-to-face time.")]
    # the built-in codes are still there
    assert check(root, note(duration="45")).codes == ["B002"]


def test_settings_override_a_builtin_band(tmp_path: Path) -> None:
    root = workspace(tmp_path, '[service_codes."90837"]\nmin = 60\ndescription = "Payer 60"\n')
    run = check(root, note(duration="55"))
    assert [f.message for f in run.findings] == [
        "55 minutes do not fit 90837 (Payer 60: 60+ min)."]


@pytest.mark.parametrize(("table", "key", "problem"), [
    ("min = 15\nmax = 10\n", "service_codes.H0004.max",
     "must be a whole number of minutes of at least 'min'"),
    ('min = "15"\n', "service_codes.H0004.min", "must be a whole number of minutes"),
    ("min = 15\nmaximum = 30\n", "service_codes.H0004.maximum", "is not a setting"),
])
def test_bad_service_code_setting_is_exit_2_naming_the_key(
        tmp_path: Path, table: str, key: str, problem: str) -> None:
    root = workspace(tmp_path, '[service_codes."H0004"]\n' + table)
    (root / "notes" / "a.md").write_text(note(), "utf-8")
    result = CliRunner().invoke(main, ["-C", str(root), "check", "--now", NOW])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert f"'{key}' {problem}" in result.output
    assert str(root / "soapbuild.toml") in result.output
    assert "Traceback" not in result.output


# --- billing_status ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Context:
    root = tmp_path_factory.mktemp("billing")
    return Context(Settings(root=root, timezone_name="America/New_York", timezone=NY),
                   datetime(2026, 11, 27, 12, 0, tzinfo=NY))


def status(text: str, context: Context) -> tuple[Billing, list[str]]:
    result = parse_note(text.encode("utf-8"), "notes/a.md", builtin_formats())
    outcome = check_result(result, context)
    note_: Note | None = result.note
    return billing_status(note_, outcome.findings), [f.code for f in outcome.findings]


def test_billable(context: Context) -> None:
    assert status(note(), context) == (Billing(True, None), [])


def test_late_note_is_still_billable(context: Context) -> None:
    assert status(note(submitted="2026-11-24 09:00"), context) == (Billing(True, None),
                                                                   ["T003"])


def test_not_billable_when_it_did_not_occur(context: Context) -> None:
    text = note("Client did not attend; a reminder call was left.\n", occurred="false",
                duration=None, reason="no-show")
    assert status(text, context) == (
        Billing(False, "the session did not occur (no-show)"), [])


def test_did_not_occur_comes_before_errors(context: Context) -> None:
    text = note("Client did not attend.\n", occurred="false", duration=None)  # no reason
    billing, codes = status(text, context)
    assert billing == Billing(False, "the session did not occur")
    assert codes  # the missing reason is an error, but the first reason is the session


def test_not_billable_with_errors_lists_the_codes(context: Context) -> None:
    text = note(duration="45", submitted="2026-11-20 14:00")
    billing, codes = status(text, context)
    assert sorted(codes) == ["B002", "T001"]
    assert billing == Billing(False, "the note has errors: B002, T001")


def test_error_listing_is_sorted_and_unique(context: Context) -> None:
    # two missing sections (S001 twice), a band error and a date error: each code once, sorted
    body = SOAP.replace("## Objective\nClient was alert and oriented.\n\n", "").replace(
        "## Plan\nNext session in one week.\n", "")
    billing, codes = status(note(body, duration="45", submitted="2026-11-20 14:00"), context)
    assert sorted(codes) == ["B002", "S001", "S001", "T001"]
    assert billing == Billing(False, "the note has errors: B002, S001, T001")


def test_not_billable_as_draft(context: Context) -> None:
    # due 2026-11-27 15:00, three hours after 'now': due soon (info) is not an error
    assert status(note(submitted=None, session_date="2026-11-24 15:00"), context) == (
        Billing(False, "the note is a draft (not submitted)"), ["T005"])


def test_draft_with_errors_names_the_errors(context: Context) -> None:
    text = note(submitted=None, session_date="2026-11-24 15:00", duration="45")
    assert status(text, context)[0] == Billing(False, "the note has errors: B002")


def test_unreadable_note_is_not_billable() -> None:
    assert billing_status(None, []) == Billing(False, "the note cannot be read")
