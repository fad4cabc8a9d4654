"""A session as a claim (SPEC 3.1, issue 10): services, modifiers, place, modality.

The front-matter fields are typed with the position of every part; the code
combinations (B007, B008, B013, B014, B018) and telehealth consistency (B015–B017)
are checked through the CLI; and every case of the issue's "Why" list gives the
right answer both in ``check`` and in ``report --format json``, run as a
subprocess the way a practice runs them.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from clean_note import Run, findings_of, note, workspace
from click.testing import CliRunner

from soapbuild.cli import main
from soapbuild.model.note import Note
from soapbuild.model.source import SourceText
from soapbuild.report.formats import CSV_COLUMNS

REPO = Path(__file__).resolve().parents[1]
NOW = "2026-11-21 12:00"  # after submission, before the notes lock (a test rewrites a.md)
SCHEMA = json.loads((REPO / "soapbuild" / "schemas" / "report-v2.schema.json")
                    .read_text("utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(
    SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
LineCol = Callable[[SourceText, int], tuple[int, int]]


def check(root: Path, text: str, settings: str = "") -> Run:
    if settings:
        (root / "soapbuild.toml").write_text('timezone = "America/New_York"\n' + settings,
                                             "utf-8")
    (root / "notes" / "a.md").write_text(text, "utf-8")
    result = CliRunner().invoke(main, ["-C", str(root), "check", "--format", "json",
                                       "--now", NOW])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return Run(result.exit_code, result.output, findings_of(json.loads(result.stdout)))


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return workspace(tmp_path)


def coded(*lines: str, **fields: str | None) -> str:
    """The clean note with ``lines`` of front matter in place of ``service_code``."""
    text = note(**{"service_code": None, **fields})
    return text.replace("\n---\n", "\n" + "".join(f"{line}\n" for line in lines) + "---\n", 1)


# --- typing: every part has its place ------------------------------------------------------

def test_services_are_typed_with_the_place_of_each_code(
        parsed: Callable[[str], Note], at: LineCol) -> None:
    text = coded("services:", '  - code: "90839"', "  - code: 90840", "    units: 2",
                 "    minutes: 30", '    modifiers: ["HO"]', '  - "90785-95"',
                 'modifiers: ["95"]', 'place_of_service: "10"', "modality: Video",
                 "client_location: OH", 'start: "15:00"', "extended_reason: safety planning")
    header = parsed(text).header
    assert header.problems == ()
    assert [(s.code, s.units, s.minutes, s.modifiers, s.shorthand) for s in header.services] == [
        ("90839", None, None, (), None), ("90840", 2, 30, ("HO",), None),
        ("90785", None, None, ("95",), "90785-95")]
    source = SourceText.from_str(text)
    assert [at(source, s.span.start) for s in header.services] == [(9, 11), (10, 11), (14, 5)]
    assert [text[s.span.start:s.span.end] for s in header.services] == [
        '"90839"', "90840", '"90785-95"']
    assert header.codes == ("90839", "90840", "90785")
    assert (header.modifiers, header.place_of_service, header.modality, header.client_location,
            header.start, header.extended_reason) == (
        ("95",), "10", "video", "OH", "15:00", "safety planning")


def test_service_code_and_services_are_one_list_in_file_order(
        parsed: Callable[[str], Note]) -> None:
    header = parsed(coded('services: ["90785"]', service_code='"90834"')).header
    assert header.service_code == "90834"
    assert header.codes == ("90834", "90785")


@pytest.mark.parametrize(("written", "codes", "modifiers"), [
    ('"90837-95"', ("90837",), ("95",)),
    ('"90837-gt"', ("90837",), ("GT",)),
    ('"90837-95-HO"', ("90837",), ("95", "HO")),
    ('"90839, 90840"', ("90839", "90840"), ()),
    ('"90839; 90840-95"', ("90839", "90840"), ()),
])
def test_shorthand_is_read_for_what_it_says(parsed: Callable[[str], Note], written: str,
                                            codes: tuple[str, ...],
                                            modifiers: tuple[str, ...]) -> None:
    header = parsed(note(service_code=written)).header
    assert header.problems == ()
    assert header.codes == codes
    assert header.services[0].modifiers == modifiers
    assert {s.shorthand for s in header.services} == {written.strip('"')}


CODE = '"90837"'
MALFORMED = [
    # front-matter lines, the F002 message, the text it points at
    (["services: {code: 90837}"],
     "'services' should be a list of services such as [\"90839\", \"90840\"], not a map.",
     "{code: 90837}"),
    (["services:", "  - [90837]"],
     "'services' item 1 should be a billing code such as \"90837\" or a map with 'code' "
     "(and 'units', 'minutes').", "[90837]"),
    (["services:", "  - code: 90840", "    units: two"],
     "'services' item 1 'units' should be a whole number from 1 to 99, not 'two'.", "two"),
    (["services:", "  - code: 90840", "    units: 0"],
     "'services' item 1 'units' should be a whole number from 1 to 99, not '0'.", "0"),
    (["services:", "  - code: 90836", "    minutes: 45.5"],
     "'services' item 1 'minutes' should be a whole number from 1 to 9999, not '45.5'.", "45.5"),
    (["services:", "  - units: 2"], "'services' item 1 has no 'code'.", "units: 2"),
    (["services:", '  - "908 40"'],
     "'services' item 1 should be a billing code such as \"90837\", a modifier after a hyphen "
     "if any (\"90837-95\"), not '908 40'.", '"908 40"'),
    ([f"service_code: {CODE}", 'modifiers: ["95", "TOOLONG"]'],
     "'modifiers' should hold two-character modifiers such as 95, 93 or HO, not 'TOOLONG'.",
     '"TOOLONG"'),
    ([f"service_code: {CODE}", 'place_of_service: "98"'],
     "'place_of_service' should be a CMS place-of-service code such as 11 (office), 02 or 10 "
     "(telehealth), not '98'.", '"98"'),
    ([f"service_code: {CODE}", "modality: phone"],
     "'modality' should be in-person or video or audio, not 'phone'.", "phone"),
    ([f"service_code: {CODE}", "start: soon"],
     "'start' should be a time such as 15:00 or a date-time, not 'soon'.", "soon"),
    (["service_code: [90839, 90840]"],
     "'service_code' should be a billing code such as \"90837\", not a sequence; several "
     "codes go under 'services'.", "[90839, 90840]"),
]


@pytest.mark.parametrize(("lines", "problem", "written"), MALFORMED)
def test_malformed_billing_values_are_f002_at_the_part(
        ws: Path, lines: list[str], problem: str, written: str) -> None:
    text = coded(*lines)
    run = check(ws, text)
    f002 = [f for f in run.findings if f.code == "F002"]
    assert [f.message for f in f002] == [problem]
    line = text.splitlines()[f002[0].line - 1]
    assert line[f002[0].column - 1:].startswith(written)
    assert run.exit_code == 1


def test_unknown_key_in_a_service_is_f003_with_the_close_key(ws: Path) -> None:
    text = coded("services:", '  - code: "90839"', '  - code: "90840"', "    unit: 1",
                 duration="80")
    run = check(ws, text)
    assert [(f.code, f.line, f.column, f.severity, f.message, f.suggestion)
            for f in run.findings] == [
        ("F003", 11, 5, "warning", "Unknown key 'unit' in 'services' item 2; did you mean "
                                   "'units'?", "Rename it to 'units'.")]


def test_place_of_service_is_two_digits(ws: Path, parsed: Callable[[str], Note]) -> None:
    assert parsed(note(place_of_service="2")).header.place_of_service == "02"
    assert parsed(note(place_of_service="02")).header.place_of_service == "02"  # YAML: text
    assert parsed(note(place_of_service="11")).header.place_of_service == "11"


# --- which codes, and together: B007, B008, B013, B014, B018 ----------------------------------

@pytest.mark.parametrize(("lines", "fields", "codes"), [
    (['service_code: "90833"'], {"duration": "30"}, ["B007"]),
    (['services: ["99213", "90833"]'], {"duration": "30"}, []),
    (['services: ["99350", "90838"]'], {"duration": "60"}, []),
    (['services: ["99291", "90833"]'], {"duration": "30"}, ["B014", "B007"]),  # not an E/M
    (['service_code: "90840"'], {"duration": "80"}, ["B007"]),
    (['service_code: "90785"'], {"duration": "45"}, ["B007"]),
    (['services: ["99213", "90785"]'], {"duration": "30"}, ["B007"]),  # E/M alone: no
    (['services: ["90834", "90785"]'], {"duration": "45"}, []),
    (['services: ["90791", "90785"]'], {"duration": "60"}, []),
    (['services: ["90839", "90785"]'], {"duration": "60"}, ["B007", "B008"]),
    (['services: ["90834", "90837"]'], {"duration": "53"}, ["B002", "B008"]),
    (['services: ["90837", "90839"]'], {"duration": "60"}, ["B008"]),
    (['services: ["99213", "90836", "90834"]'], {"duration": "45"}, ["B008"]),
    (['services: ["90847", "90785"]'], {"duration": "50"}, ["B007", "B008"]),
])
def test_code_combinations(ws: Path, lines: list[str], fields: dict[str, str],
                           codes: list[str]) -> None:
    run = check(ws, coded(*lines, **fields))
    assert sorted(run.codes) == sorted(codes)
    assert run.exit_code == (1 if codes else 0)


def test_add_on_message_names_what_it_needs(ws: Path) -> None:
    run = check(ws, coded('service_code: "90833"', duration="30"))
    assert [(f.line, f.column, f.message) for f in run.findings] == [
        (8, 15, "90833 (Psychotherapy add-on with E/M, 30 minutes) is an add-on code: it is "
                "billed only beside an evaluation and management (E/M) visit code, and the note "
                "has none.")]


def test_exclusion_is_reported_once_at_the_later_code(ws: Path) -> None:
    run = check(ws, coded("services:", '  - "90839"', '  - "90840"', '  - "90785"',
                          duration="80"))
    b008 = [f for f in run.findings if f.code == "B008"]
    assert [(f.line, f.column, f.message) for f in b008] == [
        (11, 5, "90785 (Interactive complexity add-on) is not billed in the same session as "
                "90839 (Psychotherapy for crisis, first 60 minutes) or 90840 (Psychotherapy for "
                "crisis, each additional 30 minutes).")]


def test_shorthand_is_a_warning_and_the_time_is_still_checked(ws: Path) -> None:
    run = check(ws, note(duration="20", service_code='"90837-95"'))
    assert [(f.code, f.severity) for f in run.findings] == [
        ("B017", "warning"), ("B002", "error"), ("B013", "warning")]
    b013 = run.findings[2]
    assert b013.message == ("'90837-95' is read as code 90837 with modifier 95; the time "
                            "checks apply to the code.")
    assert b013.suggestion == "Write the code alone and the modifier apart: '90837' and " \
                              "'modifiers: [\"95\"]'."


def test_unknown_code_is_a_warning(ws: Path) -> None:
    run = check(ws, note(service_code='"90873"'))
    assert [(f.code, f.severity, f.message) for f in run.findings] == [
        ("B014", "warning", "90873 is not a service code soapbuild knows, so its time and the "
                            "codes it goes with are not checked.")]
    assert run.exit_code == 0


def test_no_code_is_a_warning_pointing_at_an_empty_field(ws: Path) -> None:
    run = check(ws, note(service_code=""))
    assert [(f.code, f.line, f.column, f.severity) for f in run.findings] == [
        ("B018", 8, 1, "warning")]
    assert check(ws, note(service_code=None, reason="no-show", occurred="false",
                          duration=None, body="Client did not attend.\n")).findings == []


# --- telehealth: B015, B016, B017 -----------------------------------------------------------

TELEHEALTH = [
    # extra front matter, settings, the findings' codes
    (['place_of_service: "10"', "modality: video", 'modifiers: ["95"]', "client_location: OH"],
     "", []),
    (['place_of_service: "10"', "modality: video", "client_location: OH"], "", ["B015"]),
    (['place_of_service: "02"', "client_location: OH"], "", ["B015"]),
    (['place_of_service: "02"', 'modifiers: ["93"]', "client_location: OH"], "", []),
    (["modality: audio", 'modifiers: ["93"]', "client_location: OH"], "", []),
    (["modality: audio", 'modifiers: ["95"]', "client_location: OH"], "", ["B015", "B016"]),
    (["modality: video", 'modifiers: ["93"]', "client_location: OH"], "", ["B015", "B016"]),
    (['place_of_service: "11"', 'modifiers: ["95"]'], "", ["B016"]),
    (["modality: in-person", 'modifiers: ["GT"]'], "", ["B016"]),
    (['place_of_service: "10"', "modality: in-person"], "", ["B016"]),
    (['place_of_service: "11"', "modality: video", "client_location: OH"], "", ["B016"]),
    (['place_of_service: "11"', "modality: in-person"], "", []),
    (['place_of_service: "12"'], "", []),  # in person, at the client's home
    (['place_of_service: "10"', "modality: video", 'modifiers: ["95"]'], "", ["B017"]),
    (['modifiers: ["95"]'], "", ["B017"]),
    # Medicare fee-for-service since 2024: POS 10 without modifier 95
    (['place_of_service: "10"', "modality: video", "client_location: OH"],
     '[billing]\nvideo_modifier = ""\n', []),
    (['place_of_service: "10"', "modality: video", 'modifiers: ["95"]', "client_location: OH"],
     '[billing]\nvideo_modifier = "GT"\n', ["B015"]),
    (['place_of_service: "10"', "modality: audio", 'modifiers: ["FQ"]', "client_location: OH"],
     '[billing]\naudio_modifier = "FQ"\n', []),
]


@pytest.mark.parametrize(("lines", "settings", "codes"), TELEHEALTH)
def test_telehealth_consistency(ws: Path, lines: list[str], settings: str,
                                codes: list[str]) -> None:
    run = check(ws, coded('service_code: "90837"', *lines), settings)
    assert run.codes == codes
    assert run.exit_code == (1 if set(codes) - {"B017"} else 0)


def test_telehealth_modifier_is_checked_on_every_line(ws: Path) -> None:
    text = coded('services: ["90834-95", "90785"]', 'place_of_service: "10"', "modality: video",
                 "client_location: OH", duration="45")
    run = check(ws, text)
    assert [(f.code, f.message) for f in run.findings if f.code == "B015"] == [
        ("B015", "90785 is a telehealth service ('modality: video') without modifier 95, which "
                 "this practice's payers require.")]


def test_telehealth_messages(ws: Path) -> None:
    run = check(ws, coded('service_code: "90837"', 'place_of_service: "11"',
                          'modifiers: ["95"]'))
    assert [(f.code, f.line, f.column, f.message) for f in run.findings] == [
        ("B016", 10, 12, "Modifier 95 marks a telehealth service, but the session was in person "
                         "(place of service 11 (Office)).")]
    audio = check(ws, coded('service_code: "90837"', "modality: audio", 'modifiers: ["95"]',
                            "client_location: OH"))
    (b016,) = [f for f in audio.findings if f.code == "B016"]
    assert b016.message == "Modifier 95 means audio and video, but 'modality' says audio only."
    assert b016.suggestion == "Use modifier 93 for audio only."


# --- the "Why" list, through check and report ------------------------------------------

BODY = """\
## Subjective
Client reported sleeping six hours a night.

## Objective
Client was alert and oriented.

## Assessment
Client denies SI/HI; risk is low.

## Plan
Next session in one week.
"""

WHY: dict[str, tuple[dict[str, str | None], list[str], list[str]]] = {
    # note: (fields, the findings' codes (sorted), report: [billable, reason, services])
    "crisis-80-coded-90839": ({"duration": "80", "service_code": '"90839"'}, ["B010"],
                              [True, None, "90839 x1"]),
    "crisis-80-as-services": ({"duration": "80", "services": '["90839", "90840"]'}, [],
                              [True, None, "90839 x1; 90840 x1"]),
    "crisis-80-comma": ({"duration": "80", "service_code": '"90839, 90840"'}, ["B013"],
                        [True, None, "90839 x1; 90840 x1"]),
    "modifier-95-20-minutes": ({"duration": "20", "service_code": '"90837-95"'},
                               ["B002", "B013", "B017"],
                               [False, "the note has errors: B002", "90837-95 x1"]),
    "modifier-gt-20-minutes": ({"duration": "20", "service_code": '"90837-GT"'},
                               ["B002", "B013", "B017"],
                               [False, "the note has errors: B002", "90837-GT x1"]),
    "clock-49-duration-53": ({"duration": "53", "end": '"15:49"', "service_code": '"90837"'},
                             ["B002", "B005"],
                             [False, "the note has errors: B002, B005", "90837 x1"]),
    "add-on-alone": ({"duration": "30", "service_code": '"90833"'}, ["B007"],
                     [False, "the note has errors: B007", "90833 x1"]),
    "interactive-complexity": ({"duration": "45", "services": '["90834", "90785"]'}, [],
                               [True, None, "90834 x1; 90785 x1"]),
    "interactive-complexity-crisis": ({"duration": "60", "services": '["90839", "90785"]'},
                                      ["B007", "B008"],
                                      [False, "the note has errors: B007, B008",
                                       "90839 x1; 90785 x1"]),
    "no-service-code": ({"duration": "45"}, ["B018"], [False, "no service code", ""]),
    "dst-spring-forward": ({"session_date": "2026-03-08 01:30", "submitted": "2026-03-08 09:00",
                            "end": '"03:15"', "service_code": '"90837"'}, ["B002"],
                           [False, "the note has errors: B002", "90837 x1"]),
}


def _why_note(fields: dict[str, str | None]) -> str:
    merged: dict[str, str | None] = {"client": "C-1042", "clinician": "Jordan Rivera, LCSW",
                                     "session_date": "2026-11-20 15:00", "occurred": "true",
                                     "submitted": "2026-11-21 09:00", **fields}
    return "---\n" + "".join(f"{k}: {v}\n" for k, v in merged.items() if v is not None) + \
        "---\n" + BODY


def _soapbuild(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "SOAPBUILD_NOW"}
    return subprocess.run([sys.executable, "-m", "soapbuild", "-C", str(root), *args,
                           "--now", NOW], capture_output=True, text=True, timeout=120, env=env,
                          check=False)


@pytest.fixture(scope="module")
def why(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    root = workspace(tmp_path_factory.mktemp("why"))
    for name, (fields, _, _) in WHY.items():
        (root / "notes" / f"{name}.md").write_text(_why_note(fields), "utf-8")
    checked = _soapbuild(root, "check", "--format", "json")
    assert checked.returncode == 1, checked.stderr
    reported = _soapbuild(root, "report", "--format", "json")
    assert reported.returncode == 0, reported.stderr
    return json.loads(checked.stdout), json.loads(reported.stdout)


@pytest.mark.parametrize("name", list(WHY))
def test_why_list_in_check(why: tuple[dict[str, Any], dict[str, Any]], name: str) -> None:
    checked, _ = why
    codes = sorted(f["code"] for f in checked["findings"] if f["path"] == f"notes/{name}.md")
    assert codes == WHY[name][1]


@pytest.mark.parametrize("name", list(WHY))
def test_why_list_in_the_json_report(why: tuple[dict[str, Any], dict[str, Any]],
                                     name: str) -> None:
    _, reported = why
    VALIDATOR.validate(reported)
    row = next(r for r in reported["sessions"] if r["note"] == f"notes/{name}.md")
    shorthand = "; ".join("-".join((s["code"], *s["modifiers"])) + f" x{s['units']}"
                          for s in row["services"])
    assert [row["billable"], row["not_billable_reason"], shorthand] == WHY[name][2]


def test_why_dst_row_counts_real_minutes(why: tuple[dict[str, Any], dict[str, Any]]) -> None:
    _, reported = why
    row = next(r for r in reported["sessions"] if r["note"] == "notes/dst-spring-forward.md")
    assert (row["start"], row["end"], row["minutes"], row["clock_minutes"], row["duration"]) == (
        "2026-03-08T01:30:00-05:00", "2026-03-08T03:15:00-04:00", 45, 45, None)


# --- the report: a biller's row ----------------------------------------------------------------

def test_report_row_and_csv_carry_the_claim(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    text = coded("services:", '  - code: "90839"', '  - code: "90840"', "    units: 1",
                 'modifiers: ["95", "HO"]', 'place_of_service: "10"', "modality: video",
                 "client_location: '=HYPERLINK(\"http://x\")'", 'start: "15:05"',
                 'end: "16:25"', duration="80")
    (root / "notes" / "a.md").write_text(text, "utf-8")
    reported = _soapbuild(root, "report", "--format", "json")
    document = json.loads(reported.stdout)
    VALIDATOR.validate(document)
    (row,) = document["sessions"]
    assert {key: row[key] for key in ("service_code", "services", "modifiers",
                                      "place_of_service", "modality", "start", "end", "duration",
                                      "clock_minutes", "minutes", "billable")} == {
        "service_code": "90839",
        "services": [{"code": "90839", "units": 1, "modifiers": ["95", "HO"], "minutes": None},
                     {"code": "90840", "units": 1, "modifiers": ["95", "HO"], "minutes": None}],
        "modifiers": ["95", "HO"], "place_of_service": "10", "modality": "video",
        "start": "2026-11-20T15:05:00-05:00", "end": "2026-11-20T16:25:00-05:00",
        "duration": 80, "clock_minutes": 80, "minutes": 80, "billable": True}
    as_csv = _soapbuild(root, "report", "--format", "csv")
    header, values = list(csv.reader(io.StringIO(as_csv.stdout, newline="")))
    assert tuple(header) == CSV_COLUMNS
    cells = dict(zip(header, values, strict=True))
    assert (cells["services"], cells["modifiers"], cells["place_of_service"],
            cells["modality"], cells["start"], cells["end"], cells["clock_minutes"]) == (
        "90839-95-HO x1; 90840-95-HO x1", "95 HO", "10", "video",
        "2026-11-20T15:05:00-05:00", "2026-11-20T16:25:00-05:00", "80")
    assert cells["client_location"] == "'=HYPERLINK(\"http://x\")"  # never a formula
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in values)


def test_deadline_override_applies_to_any_code_of_the_session(tmp_path: Path) -> None:
    root = workspace(tmp_path, '[deadline_overrides]\n"90839" = 24\n')
    # submitted 30 hours after the session: late for the crisis code's 24 hours
    (root / "notes" / "a.md").write_text(coded('services: ["90839", "90840"]', duration="80",
                                               session_date="2026-11-19 15:00",
                                               submitted="2026-11-20 21:00"), "utf-8")
    document = json.loads(_soapbuild(root, "report", "--format", "json").stdout)
    (row,) = document["sessions"]
    assert (row["timeliness"], row["deadline"], row["hours_late"]) == (
        "late", "2026-11-20T15:00:00-05:00", 6.0)
