"""Billing against time (SPEC 3.1, 4.4: rules B001–B006, B009–B012, and ``billing_status``).

Every band edge in ``data/service_codes.toml`` is pinned both ways through the
real CLI, once on ``duration`` and once on the clock (session start to ``end``),
and so is every edge of the crisis arithmetic (90839 + n × 90840). Clock times
count real minutes across both daylight-saving changes. The code table is
extended from settings, and the billable verdict gives its first reason.
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
from soapbuild.rules.minutes import BILLING_CHECKS, Billing, billing_status, session_minutes
from soapbuild.settings import Settings

NY = ZoneInfo("America/New_York")
NOW = "2026-11-21 12:00"


# Template lines: 7 duration (value at column 11), 8 service_code (value at column 15);
# without duration, service_code is line 7 and an added field ('end') is line 8.
DURATION_AT = (7, 11)
CODE_AT = (8, 15)


def clock(minutes: int) -> str:
    """The clock time ``minutes`` after the template's 15:00 start."""
    return f"{15 + minutes // 60}:{minutes % 60:02d}"


def services(*lines: str) -> str:
    """A flow list for ``services:`` (``'{code: "90840", units: 2}'`` or ``'"90839"'``)."""
    return "[" + ", ".join(lines) + "]"


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
    assert {code: bands[code] for code in ("90832", "90834", "90837", "90833", "90836",
                                           "90838", "90839", "90846", "90847")} == {
        "90832": (16, 37), "90834": (38, 52), "90837": (53, None), "90833": (16, 37),
        "90836": (38, 52), "90838": (53, None), "90839": (30, 74), "90846": (26, None),
        "90847": (26, None)}


@pytest.mark.parametrize(("minutes", "units"), [
    (74, 0), (75, 1), (104, 1), (105, 2), (134, 2), (135, 3), (164, 3), (165, 4)])
def test_crisis_units_follow_the_cpt_table(minutes: int, units: int) -> None:
    assert builtin_service_codes()["90840"].units_for(minutes) == units


def test_every_code_cites_a_source() -> None:
    assert all(code.source.strip() for code in builtin_service_codes().values())


# --- B002: every band edge, on duration and on the clock ----------------------------------

UNDER_16 = "Under 16 minutes is not billable as psychotherapy; check the time or the service."

EDGES = [
    # code, minutes, message (None: fits), suggestion
    ("90832", 15, "do not fit 90832 (Psychotherapy, 30 minutes: 16–37 min).", UNDER_16),
    ("90832", 16, None, None),
    ("90832", 37, None, None),
    ("90832", 38, "do not fit 90832 (Psychotherapy, 30 minutes: 16–37 min).",
     "Check the time; 38 minutes is 90834 (Psychotherapy, 45 minutes)."),
    ("90834", 37, "do not fit 90834 (Psychotherapy, 45 minutes: 38–52 min).",
     "Check the time; 37 minutes is 90832 (Psychotherapy, 30 minutes)."),
    ("90834", 38, None, None),
    ("90834", 52, None, None),
    ("90834", 53, "do not fit 90834 (Psychotherapy, 45 minutes: 38–52 min).",
     "Check the time; 53 minutes is 90837 (Psychotherapy, 60 minutes)."),
    ("90837", 52, "do not fit 90837 (Psychotherapy, 60 minutes: 53+ min).",
     "Check the time; 52 minutes is 90834 (Psychotherapy, 45 minutes)."),
    ("90837", 53, None, None),
    ("90837", 75, None, None),  # 90837 has no upper limit
    ("90839", 29, "do not fit 90839 (Psychotherapy for crisis, first 60 minutes: 30–74 min).",
     "Check the time; 29 minutes is 90832 (Psychotherapy, 30 minutes)."),
    ("90839", 30, None, None),
    ("90839", 74, None, None),
    ("90846", 25, "do not fit 90846 (Family psychotherapy without the patient, 50 minutes: "
                  "26+ min).", "Check the time; 25 minutes is 90832 (Psychotherapy, 30 minutes)."),
    ("90846", 26, None, None),
    ("90847", 25, "do not fit 90847 (Family psychotherapy with the patient, 50 minutes: "
                  "26+ min).", "Check the time; 25 minutes is 90832 (Psychotherapy, 30 minutes)."),
    ("90847", 26, None, None),
]


@pytest.mark.parametrize(("code", "minutes", "message", "suggestion"), EDGES,
                         ids=[f"{c}-{m}" for c, m, *_ in EDGES])
def test_band_edges_on_duration(ws: Path, code: str, minutes: int, message: str | None,
                                suggestion: str | None) -> None:
    run = check(ws, note(duration=str(minutes), service_code=f'"{code}"'))
    if message is None:
        assert (run.exit_code, run.findings) == (0, [])
    else:
        assert [(f.code, f.line, f.column, f.severity, f.message, f.suggestion)
                for f in run.findings] == [("B002", *CODE_AT, "error",
                                            f"{minutes} minutes {message}", suggestion)]
        assert run.exit_code == 1


@pytest.mark.parametrize(("code", "minutes", "message", "suggestion"), EDGES,
                         ids=[f"{c}-{m}" for c, m, *_ in EDGES])
def test_band_edges_on_the_clock(ws: Path, code: str, minutes: int, message: str | None,
                                 suggestion: str | None) -> None:
    run = check(ws, note(duration=None, service_code=f'"{code}"', end=clock(minutes)))
    if message is None:
        assert (run.exit_code, run.findings) == (0, [])
    else:
        assert [(f.code, f.line, f.column, f.message, f.suggestion) for f in run.findings] == [
            ("B002", 7, 15, f"{minutes} minutes (15:00 to {clock(minutes)}) {message}",
             suggestion)]
        assert run.exit_code == 1


CRISIS = '"90839"'
ADDON = '"90840"'
CRISIS_EDGES = [
    # minutes, services, the findings (code, severity) it gets
    (29, [CRISIS], [("B002", "error")]),
    (30, [CRISIS], []),
    (74, [CRISIS], []),
    (74, [CRISIS, ADDON], [("B009", "error")]),
    (75, [CRISIS], [("B010", "info")]),
    (75, [CRISIS, ADDON], []),
    (104, [CRISIS, ADDON], []),
    (104, [CRISIS, '{code: "90840", units: 2}'], [("B009", "error")]),
    (105, [CRISIS, ADDON], [("B010", "info")]),
    (105, [CRISIS, '{code: "90840", units: 2}'], []),
    (134, [CRISIS, '{code: "90840", units: 2}'], []),
    (134, [CRISIS, '{code: "90840", units: 3}'], [("B009", "error")]),
    (135, [CRISIS, '{code: "90840", units: 2}'], [("B010", "info")]),
    (135, [CRISIS, '{code: "90840", units: 3}'], []),
]
CRISIS_IDS = [f"{minutes}min-{len(lines)}lines-{lines[-1].split()[-1].strip('}')}"
              for minutes, lines, _ in CRISIS_EDGES]


@pytest.mark.parametrize("basis", ["duration", "clock"])
@pytest.mark.parametrize(("minutes", "lines", "expected"), CRISIS_EDGES, ids=CRISIS_IDS)
def test_crisis_edges(ws: Path, basis: str, minutes: int, lines: list[str],
                      expected: list[tuple[str, str]]) -> None:
    time = {"duration": str(minutes)} if basis == "duration" else {"duration": None,
                                                                   "end": clock(minutes)}
    run = check(ws, note(service_code=None, services=services(*lines), **time))
    assert [(f.code, f.severity) for f in run.findings] == expected
    assert run.exit_code == (1 if ("error" in {s for _, s in expected}) else 0)


def test_crisis_messages_name_the_units(ws: Path) -> None:
    under = check(ws, note(duration="80", service_code=CRISIS))
    assert [(f.code, f.message, f.suggestion) for f in under.findings] == [
        ("B010", "80 minutes support 90839 + 1×90840 (Psychotherapy for crisis, each additional "
                 "30 minutes); the note bills 90839 alone.",
         "Add 90840 with 'units: 1' under 'services' if the crisis work went on that long.")]
    over = check(ws, note(duration="90", service_code=None,
                          services=services(CRISIS, '{code: "90840", units: 2}')))
    assert [(f.code, f.message) for f in over.findings] == [
        ("B009", "90 minutes support 1 unit of 90840, not 2 (90839 covers up to 74 minutes and "
                 "each 90840 30 more).")]


def test_crisis_units_from_the_services_own_minutes(ws: Path) -> None:
    lines = services('{code: "90839", minutes: 60}', '{code: "90840", minutes: 30}')
    assert check(ws, note(duration="90", service_code=None, services=lines)).findings == []
    short = services('{code: "90839", minutes: 60}', '{code: "90840", minutes: 10}')
    assert check(ws, note(duration="90", service_code=None, services=short)).codes == ["B009"]


def test_unquoted_code_is_the_same_code(ws: Path) -> None:
    run = check(ws, note(duration="45", service_code="90837"))
    assert sorted(run.codes) == ["B002", "F008"]  # F008: other YAML readers see a number


# --- the clock ----------------------------------------------------------------------------

@pytest.mark.parametrize("end", ["15:53", "2026-11-20 15:53", "2026-11-20T15:53:00-05:00"])
def test_end_instead_of_duration_fits(ws: Path, end: str) -> None:
    run = check(ws, note(duration=None, end=end))
    assert (run.exit_code, run.findings) == (0, [])


def test_start_field_moves_the_clock(ws: Path) -> None:
    # session_date is the scheduled 15:00; the session started 15:10 and ended 16:00: 50 min
    run = check(ws, note(duration=None, start="15:10", end="16:00"))
    assert [(f.code, f.message) for f in run.findings] == [
        ("B002", "50 minutes (15:10 to 16:00) do not fit 90837 (Psychotherapy, 60 minutes: "
                 "53+ min).")]


def test_start_completes_a_session_date_without_time(ws: Path) -> None:
    run = check(ws, note(session_date="2026-11-20", duration=None, start="15:00", end="15:55"))
    assert run.findings == []


def test_end_minutes_are_read_in_the_practice_timezone(tmp_path: Path) -> None:
    result = parse_note(note(duration=None, end="15:53").encode(), "notes/a.md",
                        builtin_formats())
    assert result.note is not None
    time = session_minutes(result.note, Settings(root=tmp_path, timezone=NY))
    assert (time.minutes, time.duration, time.clock, time.problem, time.source) == (
        53, None, 53, None, "clock")
    assert time.start == datetime(2026, 11, 20, 15, 0, tzinfo=NY)
    assert time.end == datetime(2026, 11, 20, 15, 53, tzinfo=NY)


# Clock times count real minutes (SPEC 4.3 asks the same of deadlines).
DST = [
    # session_date, end, real minutes: what the wall clock would say differs
    ("2026-03-08 01:30", "03:15", 45),  # spring forward: 02:00 EST becomes 03:00 EDT
    ("2026-03-08 00:30", "03:30", 120),
    ("2026-11-01 00:30", "02:00", 150),  # fall back: 02:00 EDT becomes 01:00 EST
    ("2026-11-01 01:40", "01:10", 30),  # the hour repeats: 01:10 is the second one
    ("2026-11-01 01:00", "01:55", 55),  # within the first 01:00-02:00 hour
]


@pytest.mark.parametrize(("session_date", "end", "minutes"), DST)
def test_clock_times_count_real_minutes_across_dst(tmp_path: Path, session_date: str, end: str,
                                                   minutes: int) -> None:
    result = parse_note(note(session_date=session_date, duration=None, end=end).encode(),
                        "notes/a.md", builtin_formats())
    assert result.note is not None
    time = session_minutes(result.note, Settings(root=tmp_path, timezone=NY))
    assert (time.clock, time.minutes, time.problem) == (minutes, minutes, None)


def test_spring_forward_session_is_billed_on_its_real_45_minutes(tmp_path: Path) -> None:
    ws = workspace(tmp_path / "coded-90837")
    text = note(session_date="2026-03-08 01:30", submitted="2026-03-08 09:00", duration=None,
                end='"03:15"')
    run = check(ws, text, now="2026-03-10 12:00")
    assert [(f.code, f.message, f.suggestion) for f in run.findings] == [
        ("B002", "45 minutes (01:30 to 03:15) do not fit 90837 (Psychotherapy, 60 minutes: "
                 "53+ min).", "Check the time; 45 minutes is 90834 (Psychotherapy, 45 minutes).")]
    fits = note(session_date="2026-03-08 01:30", submitted="2026-03-08 09:00", duration=None,
                end='"03:15"', service_code='"90834"')
    assert check(workspace(tmp_path / "coded-90834"), fits, now="2026-03-10 12:00").findings == []


def test_fall_back_session_is_billed_on_its_real_150_minutes(ws: Path) -> None:
    text = note(session_date="2026-11-01 00:30", submitted="2026-11-01 09:00", duration="90",
                end='"02:00"')
    run = check(ws, text, now="2026-11-03 12:00")
    # 90 minutes by the wall clock would agree with the duration; the real clock says 150
    assert [(f.code, f.severity) for f in run.findings] == [("B003", "warning")]
    assert "give 150." in run.findings[0].message


@pytest.mark.parametrize(("end", "shown"), [("14:53", "14:53"), ("15:00", "15:00"),
                                            ("2026-11-20 14:59", "2026-11-20 14:59")])
def test_end_not_after_start_is_b004(ws: Path, end: str, shown: str) -> None:
    run = check(ws, note(duration=None, end=end))
    b004 = [f for f in run.findings if f.code == "B004"]
    assert [(f.line, f.column, f.severity, f.message) for f in b004] == [
        (8, 6, "error", f"'end' {shown} is not after the session start 2026-11-20 15:00.")]
    assert b004[0].suggestion is not None and "24-hour" in b004[0].suggestion
    assert run.exit_code == 1


def test_end_before_start_is_reported_once(ws: Path) -> None:
    run = check(ws, note(duration=None, end="14:53"))
    assert run.codes == ["B004"]


def test_end_before_start_with_a_duration_keeps_the_duration(ws: Path) -> None:
    run = check(ws, note(duration="53", end="14:53"))
    assert [(f.code, f.line, f.column) for f in run.findings] == [("B004", 9, 6)]


@pytest.mark.parametrize(("fields", "message"), [
    ({"session_date": "2026-11-20", "end": "15:53"},
     "'end' 15:53 has no start time to count from: 'session_date' gives only the day."),
    ({"start": "2026-11-21 15:00", "end": "15:53"},
     "'start' 2026-11-21 15:00 is not on the session's day 2026-11-20."),
])
def test_unusable_clock_is_b004(ws: Path, fields: dict[str, str], message: str) -> None:
    run = check(ws, note(duration=None, **fields))
    assert [(f.code, f.message) for f in run.findings] == [("B004", message)]


def test_clock_end_follows_an_offset_session(ws: Path) -> None:
    run = check(ws, note(session_date="2026-11-20T15:00:00-08:00", duration=None, end="15:53"))
    assert run.findings == []


# --- duration beside the clock: B003, B005, B006 -------------------------------------------

def test_duration_longer_than_the_clock_is_b005_naming_both_codes(ws: Path) -> None:
    # The case: start 15:00, end 15:49, duration 53, code 90837.
    run = check(ws, note(duration="53", end='"15:49"'))
    assert [(f.code, f.line, f.column, f.severity, f.message) for f in run.findings] == [
        ("B005", *DURATION_AT, "error",
         "'duration' says 53 minutes, more than the 49 minutes from 15:00 to 15:49 "
         "(53 minutes would be 90837, the clock's 49 are 90834)."),
        ("B002", *CODE_AT, "error",
         "49 minutes (15:00 to 15:49) do not fit 90837 (Psychotherapy, 60 minutes: 53+ min)."),
    ]
    assert run.exit_code == 1


@pytest.mark.parametrize("end", ["15:48", "15:52"])
def test_duration_a_few_minutes_over_the_clock_is_b005(ws: Path, end: str) -> None:
    run = check(ws, note(duration="53", end=end))
    assert "B005" in run.codes


def test_duration_and_clock_in_different_bands_is_b006(ws: Path) -> None:
    run = check(ws, note(duration="50", end="15:55"))
    assert [(f.code, f.line, f.column, f.message) for f in run.findings] == [
        ("B006", *DURATION_AT,
         "'duration' says 50 minutes but the clock, 15:00 to 15:55, gives 55 (50 minutes would "
         "be 90834, the clock's 55 are 90837): the claim must rest on one time.")]
    assert run.exit_code == 1


def test_duration_well_short_of_the_clock_in_the_same_band_is_b003(ws: Path) -> None:
    run = check(ws, note(duration="53", end="16:05"))
    assert [(f.code, f.line, f.column, f.severity, f.message) for f in run.findings] == [
        ("B003", *DURATION_AT, "warning",
         "'duration' says 53 minutes but the session start and 'end' give 65.")]
    assert run.exit_code == 0


@pytest.mark.parametrize("end", ["15:53", "15:55", "15:58"])
def test_duration_within_5_minutes_of_the_clock_agrees(ws: Path, end: str) -> None:
    assert check(ws, note(end=end)).findings == []


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
         "Add 'duration: <minutes>' or the clock times 'start' and 'end'.")]
    assert run.exit_code == 1


@pytest.mark.parametrize("duration", [None, "5", "200"])
def test_untimed_code_is_not_checked_against_time(ws: Path, duration: str | None) -> None:
    run = check(ws, note(duration=duration, service_code='"90791"'))
    assert (run.exit_code, run.findings) == (0, [])


def test_session_that_did_not_occur_needs_no_time(ws: Path) -> None:
    text = note("Client did not attend; a reminder call was left.\n", occurred="false",
                duration=None, reason="no-show")
    assert check(ws, text).findings == []


# --- units and a service's own minutes (B009) ---------------------------------------------------

@pytest.mark.parametrize(("lines", "message"), [
    ([services('{code: "90837", units: 2}')],
     "90837 (Psychotherapy, 60 minutes) is billed once per session, not 2 units."),
    ([services('"90834"', '"90834"')],
     "90834 is listed 2 times; a code is one line of the claim."),
    ([services('{code: "99213"}', '{code: "90836", minutes: 60}')],
     "90836 gives 60 minutes, more than the session's 53."),
    ([services('{code: "99213", minutes: 30}', '{code: "90833", minutes: 30}')],
     "The services' minutes add up to 60, more than the session's 53."),
])
def test_units_and_minutes_beyond_the_time_are_b009(ws: Path, lines: list[str],
                                                     message: str) -> None:
    run = check(ws, note(service_code=None, services=lines[0]))
    assert [(f.code, f.message) for f in run.findings if f.code == "B009"] == [("B009", message)]
    assert run.exit_code == 1


def test_add_on_with_em_is_judged_on_its_own_minutes(ws: Path) -> None:
    lines = services('"99214"', '{code: "90836", minutes: 40}')
    assert check(ws, note(service_code=None, services=lines)).findings == []
    short = services('"99214"', '{code: "90836", minutes: 30}')
    run = check(ws, note(service_code=None, services=short))
    assert [(f.code, f.message) for f in run.findings] == [
        ("B002", "30 minutes (this service's 'minutes') do not fit 90836 (Psychotherapy add-on "
                 "with E/M, 45 minutes: 38–52 min).")]


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


def test_settings_add_a_unit_code(tmp_path: Path) -> None:
    root = workspace(tmp_path, '[service_codes."H2019"]\nunit_minutes = 15\n'
                               'description = "Therapeutic behavioral services, per 15 minutes"\n')
    two = services('{code: "H2019", units: 2}')
    assert check(root, note(duration="23", service_code=None, services=two)).findings == []
    run = check(root, note(duration="22", service_code=None, services=two))
    assert [(f.code, f.message) for f in run.findings] == [
        ("B009", "22 minutes support 1 unit of H2019, not 2 (a unit is 15 minutes).")]


def test_settings_override_a_builtin_band(tmp_path: Path) -> None:
    root = workspace(tmp_path, '[service_codes."90837"]\nmin = 60\ndescription = "Payer 60"\n')
    run = check(root, note(duration="55"))
    assert [f.message for f in run.findings] == [
        "55 minutes do not fit 90837 (Payer 60: 60+ min)."]


def test_settings_change_one_key_of_a_builtin_code(tmp_path: Path) -> None:
    # reason_after alone: the band, the exclusions and the description stay built in
    root = workspace(tmp_path, '[service_codes."90837"]\nreason_after = 60\n')
    long = check(root, note(duration="75"))
    assert [(f.code, f.severity, f.message, f.suggestion) for f in long.findings] == [
        ("B012", "error", "The session ran 75 minutes, past the 60 after which 90837 needs a "
                          "stated reason in this practice.",
         "Add 'extended_reason:' saying why the session needed the extra time.")]
    reasoned = note(duration="75", extended_reason='"Safety planning after a new disclosure."')
    assert check(root, reasoned).findings == []
    assert check(root, note(duration="60")).findings == []
    assert check(root, note(duration="45")).codes == ["B002"]


def test_settings_add_a_payer_exclusion(tmp_path: Path) -> None:
    root = workspace(tmp_path, '[service_codes."90785"]\nexcludes = ["90837"]\n')
    run = check(root, note(service_code=None, services=services('"90837"', '"90785"')))
    assert run.codes == ["B008"]


@pytest.mark.parametrize(("table", "key", "problem"), [
    ("min = 15\nmax = 10\n", "service_codes.H0004.max",
     "must be a whole number of minutes of at least 'min'"),
    ('min = "15"\n', "service_codes.H0004.min", "must be a whole number of minutes"),
    ("min = 15\nmaximum = 30\n", "service_codes.H0004.maximum", "is not a setting"),
    ('needs = ["emm"]\n', "service_codes.H0004.needs",
     "'emm' is not a code, a range such as \"99202-99215\" or a group"),
    ("addon = 1\n", "service_codes.H0004.addon", "must be true or false"),
    ("unit_minutes = 0\n", "service_codes.H0004.unit_minutes",
     "must be a whole number of minutes of 1 or more"),
])
def test_bad_service_code_setting_is_exit_2_naming_the_key(
        tmp_path: Path, table: str, key: str, problem: str) -> None:
    root = workspace(tmp_path, '[service_codes."H0004"]\n' + table)
    (root / "notes" / "a.md").write_text(note(), "utf-8")
    result = CliRunner().invoke(main, ["-C", str(root), "check", "--now", NOW])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert f"'{key}'" in result.output and problem in result.output
    assert str(root / "soapbuild.toml") in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("table", "problem"), [
    ("require_clock_times = 1\n", "'billing.require_clock_times' must be true or false"),
    ('video_modifier = "950"\n', "'billing.video_modifier' must be a two-character modifier"),
    ('audio_modifer = "93"\n', "'billing.audio_modifer' is not a setting; did you mean "
                               "'billing.audio_modifier'?"),
])
def test_bad_billing_setting_is_exit_2(tmp_path: Path, table: str, problem: str) -> None:
    root = workspace(tmp_path, "[billing]\n" + table)
    (root / "notes" / "a.md").write_text(note(), "utf-8")
    result = CliRunner().invoke(main, ["-C", str(root), "check", "--now", NOW])
    assert result.exit_code == 2
    assert problem in result.output


# --- B011: clock times a practice requires ---------------------------------------------------

@pytest.mark.parametrize(("fields", "missing"), [
    ({}, "'end' is missing"),
    ({"session_date": "2026-11-20"}, "'start' and 'end' are missing"),
    ({"session_date": "2026-11-20", "end": "15:53"}, None),  # end without start: B004 instead
    ({"end": "15:55"}, None),
    ({"session_date": "2026-11-20", "start": "15:00", "end": "15:55"}, None),
])
def test_required_clock_times(tmp_path: Path, fields: dict[str, str],
                              missing: str | None) -> None:
    root = workspace(tmp_path, "[billing]\nrequire_clock_times = true\n")
    run = check(root, note(**fields))
    found = [f for f in run.findings if f.code == "B011"]
    if missing is None:
        assert found == []
    else:
        assert [(f.line, f.column, f.severity, f.message) for f in found] == [
            (4, 1, "error", f"This practice records the clock times of every session: "
                            f"{missing}.")]
    # without the setting, a duration alone is a complete record
    assert [f for f in check(workspace(tmp_path / "plain"), note(**fields)).findings
            if f.code == "B011"] == []


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
    return (billing_status(note_, outcome.findings, context.settings),
            [f.code for f in outcome.findings])


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


def test_no_service_code_is_not_billable(context: Context) -> None:
    billing, codes = status(note(service_code=None), context)
    assert billing == Billing(False, "no service code")
    assert codes == ["B018"]  # a warning: the note itself is complete


def test_the_first_failing_condition_is_the_reason(context: Context) -> None:
    # a draft without a code: the draft comes first; errors come before both
    assert status(note(service_code=None, submitted=None, session_date="2026-11-24 15:00"),
                  context)[0] == Billing(False, "the note is a draft (not submitted)")
    assert status(note(service_code='"90833"', submitted=None, duration="30",
                       session_date="2026-11-24 15:00"), context)[0] == Billing(
        False, "the note has errors: B007")
    assert [check.__name__ for check in BILLING_CHECKS] == [
        "_occurred", "_no_errors", "_submitted", "_signed", "_cosigned", "_entered_in_time",
        "_coded", "_diagnosed"]


def test_not_billable_as_draft(context: Context) -> None:
    # due 2026-11-27 15:00, three hours after 'now': due soon (info) is not an error
    assert status(note(submitted=None, session_date="2026-11-24 15:00"), context) == (
        Billing(False, "the note is a draft (not submitted)"), ["T005"])


def test_draft_with_errors_names_the_errors(context: Context) -> None:
    text = note(submitted=None, session_date="2026-11-24 15:00", duration="45")
    assert status(text, context)[0] == Billing(False, "the note has errors: B002")


def test_unreadable_note_is_not_billable() -> None:
    assert billing_status(None, [], Settings(root=Path("."))) == Billing(
        False, "the note cannot be read")
