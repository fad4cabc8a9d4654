"""The compliance report (soapbuild/report.py, `soapbuild report`): schema, CSV, filters, table."""

from __future__ import annotations

import copy
import csv
import io
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click.testing
import jsonschema
import pytest
from click.testing import CliRunner

from soapbuild.cli import main
from soapbuild.report.aggregate import build_report
from soapbuild.report.formats import (
    CSV_COLUMNS,
    TABLE_WIDTH,
    csv_cell,
    report_csv,
    report_json,
    report_table,
)
from soapbuild.rules.deadlines import TIMELINESS
from soapbuild.rules.sessions import SessionRecord

REPO = Path(__file__).resolve().parents[1]
NOW = "2026-11-28 12:00"
ZONE = ZoneInfo("America/New_York")
SCHEMA = json.loads((REPO / "soapbuild" / "schemas" / "report-v2.schema.json")
                    .read_text("utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(
    SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
CLINICIANS = ("Dr. Amara Osei, PsyD", "Jordan Rivera, LCSW", "Riley Brooks, LMSW")


def _report(workspace: Path, *args: str) -> click.testing.Result:
    return CliRunner().invoke(main, ["-C", str(workspace), "report", "--now", NOW, *args])


def _json(workspace: Path, *args: str) -> dict[str, Any]:
    result = _report(workspace, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.output)
    return document


def _csv_text(workspace: Path, *args: str) -> str:
    result = _report(workspace, "--format", "csv", *args)
    assert result.exit_code == 0, result.output
    return result.stdout_bytes.decode("utf-8")  # .output turns CRLF into LF


def _csv(workspace: Path, *args: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_csv_text(workspace, *args), newline="")))


@pytest.fixture(scope="module")
def sample() -> dict[str, Any]:
    return _json(REPO)


@pytest.fixture(scope="module")
def sample_csv() -> list[list[str]]:
    return _csv(REPO)


# --- the JSON report and its schema ------------------------------------------------------

def test_schema_is_a_valid_versioned_document() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["properties"]["schema"] == {"const": "soapbuild-report"}
    assert SCHEMA["properties"]["version"] == {"const": 2}
    assert SCHEMA["$id"].endswith("/report-v2.schema.json")
    # the CSV columns are the session row's fields, in order, and the schema names them
    assert tuple(SCHEMA["$defs"]["session"]["properties"]) == CSV_COLUMNS
    assert ", ".join(CSV_COLUMNS) in SCHEMA["description"]
    assert SCHEMA["$defs"]["timeliness"]["enum"] == list(TIMELINESS)


def test_sample_practice_report_validates_against_the_schema(sample: dict[str, Any]) -> None:
    VALIDATOR.validate(sample)
    assert sample["schema"] == "soapbuild-report" and sample["version"] == 2
    assert sample["generated_at"] == "2026-11-28T12:00:00-05:00"
    assert len(sample["sessions"]) == 38
    assert [group["clinician"] for group in sample["clinicians"]] == list(CLINICIANS)


def _broken(document: dict[str, Any]) -> list[dict[str, Any]]:
    variants = []
    for change in (
        lambda d: d.pop("sessions"),
        lambda d: d.update(version=1),
        lambda d: d["sessions"][0].update(timeliness="early"),
        lambda d: d["sessions"][0].update(billable="yes"),
        lambda d: d["sessions"][0].pop("not_billable_reason"),
        lambda d: d["sessions"][0].update(session_date="20 Nov 2026"),
        lambda d: d["overall"].update(sessions=-1),
        lambda d: d["overall"]["late"].update(median_hours="5 h"),
        lambda d: d["overall"]["weeks"][0].update(week="2026-47"),
        lambda d: d["clinicians"][0].update(surprise=True),
    ):
        variant = copy.deepcopy(document)
        change(variant)
        variants.append(variant)
    return variants


def test_a_broken_report_fails_the_schema(sample: dict[str, Any]) -> None:
    for variant in _broken(sample):
        assert not VALIDATOR.is_valid(variant), variant


def test_sample_practice_aggregates(sample: dict[str, Any]) -> None:
    overall = sample["overall"]
    assert overall["clinician"] is None
    assert (overall["sessions"], overall["occurred"], overall["occurrence_unknown"]) == (38, 33, 1)
    assert overall["not_occurred"] == {"total": 4, "by_reason": [
        {"reason": "late-cancel", "sessions": 2}, {"reason": "no-show", "sessions": 1},
        {"reason": None, "sessions": 1}]}
    assert overall["timeliness"] == {"on_time": 35, "late": 1, "overdue": 0, "due_soon": 1,
                                     "draft": 0, "n/a": 1}
    assert overall["late"] == {"sessions": 1, "median_hours": 29.67, "worst_hours": 29.67}
    assert overall["drafts"] == 1 and overall["locked_note_edits"] == 1
    assert overall["language"] == {"judgment": 2, "absolutes": 1, "hedges": 1, "quotation": 1,
                                   "total": 5, "per_note": 0.13}
    # notes/C-1042/2026-10-26.md writes 'duration: 45 minutes': 45 minutes (F007), billable;
    # the associate's note awaiting its co-signature is not billable (issue 11)
    assert (overall["billable"], overall["not_billable"]["total"]) == (26, 12)
    assert overall["on_time_rate"] == round(35 / 36, 4)
    # the clinicians add up to the practice
    for key in ("sessions", "occurred", "drafts", "billable", "locked_note_edits", "missing"):
        assert sum(group[key] for group in sample["clinicians"]) == overall[key], key
    weeks = overall["weeks"]
    assert weeks[0]["week"] == "2026-W41" and weeks[-1]["week"] == "2026-W48"
    assert [w["week"] for w in sample["clinicians"][0]["weeks"]] == [w["week"] for w in weeks]


def test_session_rows_name_what_spec_6_2_asks(sample: dict[str, Any]) -> None:
    rows = {row["note"]: row for row in sample["sessions"]}
    late = rows["notes/C-1057/2026-11-10.md"]
    assert late == {
        "note": "notes/C-1057/2026-11-10.md", "client": "C-1057",
        "clinician": "Dr. Amara Osei, PsyD", "session_date": "2026-11-10T10:00:00-05:00",
        "occurred": True, "reason": None, "timeliness": "late", "hours_late": 29.67,
        "billable": True, "not_billable_reason": None, "service_code": late["service_code"],
        "minutes": 45, "submitted": late["submitted"],
        "deadline": "2026-11-13T10:00:00-05:00",
        "services": [{"code": "90834", "units": 1, "modifiers": [], "minutes": None}],
        "modifiers": [], "place_of_service": None, "modality": None, "client_location": None,
        "start": "2026-11-10T10:00:00-05:00", "end": None, "duration": 45,
        "clock_minutes": None,
        # signed by attestation after the practice began signing (issue 11)
        "signed_by": "Amara Osei, PsyD", "signed": "2026-11-27T10:00:00-05:00",
        "signature": "attested", "cosignature": "not_needed", "supervisor": None,
        "cosigned_by": None, "cosigned": None, "cosign_due": None, "diagnosis": [],
        "goals": []}
    no_show = rows["notes/C-1042/2026-10-19.md"]
    assert (no_show["occurred"], no_show["reason"], no_show["billable"]) == (False, "no-show",
                                                                             False)
    assert no_show["not_billable_reason"] == "the session did not occur (no-show)"
    assert rows["notes/C-1085/2026-11-26.md"]["timeliness"] == "due_soon"
    assert rows["notes/C-1085/2026-11-10.md"]["not_billable_reason"] == (
        "the note has errors: K001, T001")


# --- CSV ---------------------------------------------------------------------------------

def test_csv_has_one_row_per_note_under_the_documented_header(
        sample: dict[str, Any], sample_csv: list[list[str]]) -> None:
    header, *rows = sample_csv
    assert tuple(header) == CSV_COLUMNS
    notes = sorted(p.relative_to(REPO).as_posix() for p in (REPO / "notes").rglob("*.md")
                   if p.name != "plan.md")  # treatment plans are not sessions
    assert len(rows) == 38 == len(notes)
    assert sorted(row[0] for row in rows) == notes
    by_note = {row["note"]: row for row in sample["sessions"]}
    for row in rows:
        values = dict(zip(CSV_COLUMNS, row, strict=True))
        expected = by_note[values["note"]]
        assert values["billable"] == ("true" if expected["billable"] else "false")
        assert values["not_billable_reason"] == (expected["not_billable_reason"] or "")
        assert values["timeliness"] == expected["timeliness"]
        assert values["session_date"] == (expected["session_date"] or "")
        assert values["hours_late"] == ("" if expected["hours_late"] is None
                                        else str(expected["hours_late"]))


def test_csv_is_rfc_4180() -> None:
    text = _csv_text(REPO)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert '"Jordan Rivera, LCSW"' in text  # a comma in a field: quoted


@pytest.mark.parametrize(("value", "cell"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+1-555-0100", "'+1-555-0100"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t'=1"),  # a reader that splits at tabs sees two text cells
    ("Sam Lee;=2+5;LCSW", "Sam Lee;'=2+5;LCSW"),  # one that splits at ';' (issue 16)
    ("Jordan Rivera, LCSW", "Jordan Rivera, LCSW"),
    ("no-show", "no-show"),
    (29.67, "29.67"),
    (True, "true"),
    (None, ""),
])
def test_csv_cells_never_run_as_formulas(value: object, cell: str) -> None:
    assert csv_cell(value) == cell


def test_csv_injection_from_a_note(workspace: Path, make_note: Callable[..., str]) -> None:
    (workspace / "notes" / "a.md").write_text(make_note(
        client='"@SUM(1+1)"', clinician="'=HYPERLINK(\"http://x\")'",
        occurred="false", reason='"-1+1"', duration=None, service_code=None), "utf-8")
    header, row = _csv(workspace)
    values = dict(zip(header, row, strict=True))
    assert values["client"].startswith("'@SUM")
    assert values["clinician"].startswith("'=HYPERLINK")
    assert values["reason"] == "'-1+1"
    for cell in row:
        assert not cell.startswith(("=", "+", "-", "@")), cell


# --- filters -----------------------------------------------------------------------------

def _consistent(document: dict[str, Any]) -> None:
    """The aggregates are those of the rows the report lists."""
    VALIDATOR.validate(document)
    rows, overall = document["sessions"], document["overall"]
    assert overall["sessions"] == len(rows)
    assert overall["billable"] == sum(row["billable"] for row in rows)
    assert overall["occurred"] == sum(row["occurred"] is True for row in rows)
    assert overall["timeliness"] == {state: Counter(r["timeliness"] for r in rows)[state]
                                     for state in TIMELINESS}
    late = sorted(r["hours_late"] for r in rows if r["timeliness"] == "late")
    assert overall["late"]["worst_hours"] == (late[-1] if late else None)
    for group in document["clinicians"]:
        mine = [r for r in rows if r["clinician"] == group["clinician"]]
        assert group["sessions"] == len(mine)
        assert group["billable"] == sum(r["billable"] for r in mine)


def test_clinician_filter(sample: dict[str, Any]) -> None:
    jordan = next(g for g in sample["clinicians"] if g["clinician"] == "Jordan Rivera, LCSW")
    for name in ("Jordan Rivera, LCSW", "jordan rivera", "  JORDAN RIVERA, lcsw "):
        document = _json(REPO, "--clinician", name)
        _consistent(document)
        assert document["filters"]["clinician"] == name
        assert {r["clinician"] for r in document["sessions"]} == {"Jordan Rivera, LCSW"}
        assert [g["clinician"] for g in document["clinicians"]] == ["Jordan Rivera, LCSW"]
        assert {k: v for k, v in document["overall"].items() if k != "clinician"} == {
            k: v for k, v in jordan.items() if k != "clinician"}
    # A name, not a substring: no match is a usage error naming the clinicians, closest first.
    result = _report(REPO, "--clinician", "Rivera")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert ("--clinician 'Rivera': no note or scheduled session names this clinician. "
            "The clinicians: Jordan Rivera, LCSW; Riley Brooks, LMSW; Dr. Amara Osei, PsyD"
            ) in result.output
    result = _report(REPO, "--clinician", "dr. amara osei", "--since", "2026-12-01")
    assert result.exit_code == 0 and "0 sessions" in result.output  # known, none in range


def test_date_filters(sample: dict[str, Any]) -> None:
    document = _json(REPO, "--since", "2026-11-01", "--until", "2026-11-15")
    _consistent(document)
    days = {row["session_date"][:10] for row in document["sessions"]}
    assert days and min(days) >= "2026-11-01" and max(days) <= "2026-11-15"
    expected = [r["note"] for r in sample["sessions"]
                if "2026-11-01" <= r["session_date"][:10] <= "2026-11-15"]
    assert [r["note"] for r in document["sessions"]] == expected
    assert document["period"] == {"start": "2026-11-01", "end": "2026-11-15"}
    assert document["overall"]["sessions"] < sample["overall"]["sessions"]
    assert [w["week"] for w in document["overall"]["weeks"]] == ["2026-W45", "2026-W46"]
    # the one late note (2026-11-10) is inside, the locked-note edit (2026-11-10) too
    assert document["overall"]["late"]["sessions"] == 1
    only_since = _json(REPO, "--since", "2026-11-20")
    _consistent(only_since)
    assert {r["note"] for r in only_since["sessions"]} == {
        "notes/C-1042/2026-11-23.md", "notes/C-1085/2026-11-26.md", "notes/C-1103/2026-11-20.md",
        "notes/C-1057/2026-11-24.md", "notes/C-1110/2026-11-25.md"}
    both = _json(REPO, "--until", "2026-10-31", "--clinician", "Dr. Amara Osei, PsyD")
    _consistent(both)
    assert {r["clinician"] for r in both["sessions"]} == {"Dr. Amara Osei, PsyD"}
    assert all(r["session_date"][:10] <= "2026-10-31" for r in both["sessions"])
    assert both["overall"]["late"] == {"sessions": 0, "median_hours": None, "worst_hours": None}


def test_csv_follows_the_filters() -> None:
    header, *rows = _csv(REPO, "--clinician", "Dr. Amara Osei, PsyD", "--since", "2026-11-01")
    clinician = header.index("clinician")
    assert rows and {row[clinician] for row in rows} == {"Dr. Amara Osei, PsyD"}
    assert len(rows) == len(_json(REPO, "--clinician", "Dr. Amara Osei, PsyD",
                                  "--since", "2026-11-01")["sessions"])


# --- lateness, exactly -------------------------------------------------------------------

LATE_NOTES = {
    # session start, submitted: deadline is 72 h after the start (EST, no DST change)
    "a.md": ("2026-11-02 10:00", "2026-11-05 12:00"),  # 2 h late
    "b.md": ("2026-11-03 10:00", "2026-11-06 15:30"),  # 5.5 h
    "c.md": ("2026-11-04 10:00", "2026-11-08 10:00"),  # 24 h
    "d.md": ("2026-11-05 10:00", "2026-11-11 10:00"),  # 72 h
    "e.md": ("2026-11-09 10:00", "2026-11-10 09:00"),  # on time
    "f.md": ("2026-11-10 10:00", "2026-11-13 10:00"),  # on time: exactly at the deadline
}


def test_median_and_worst_hours_late(workspace: Path, make_note: Callable[..., str]) -> None:
    for name, (start, submitted) in LATE_NOTES.items():
        (workspace / "notes" / name).write_text(
            make_note(session_date=start, submitted=submitted), "utf-8")
    # a draft a day past its deadline (now is 2026-11-28 12:00): overdue, not late
    (workspace / "notes" / "g.md").write_text(
        make_note(session_date="2026-11-24 12:00", submitted=None), "utf-8")
    document = _json(workspace)
    _consistent(document)
    overall = document["overall"]
    assert overall["late"] == {"sessions": 4, "median_hours": 14.75, "worst_hours": 72.0}
    assert overall["timeliness"]["on_time"] == 2 and overall["timeliness"]["overdue"] == 1
    assert overall["drafts"] == 1
    assert overall["on_time_rate"] == round(2 / 7, 4)
    rows = {row["note"]: row for row in document["sessions"]}
    assert [rows[f"notes/{n}.md"]["hours_late"] for n in "abcd"] == [2.0, 5.5, 24.0, 72.0]
    assert rows["notes/g.md"]["hours_late"] == 24.0
    weeks = {w["week"]: (w["on_time"], w["late"], w["overdue"], w["on_time_rate"])
             for w in overall["weeks"]}
    assert weeks == {"2026-W45": (0, 4, 0, 0.0), "2026-W46": (2, 0, 0, 1.0),
                     "2026-W47": (0, 0, 0, None), "2026-W48": (0, 0, 1, 0.0)}
    odd = _json(workspace, "--until", "2026-11-04")["overall"]["late"]
    assert odd == {"sessions": 3, "median_hours": 5.5, "worst_hours": 24.0}


def test_suppressions_used_are_counted(workspace: Path, make_note: Callable[..., str]) -> None:
    """SPEC 4.2: the report counts inline suppressions (N001), of every reach."""
    body = ("## Subjective\nClient reported a calm week.\n\n## Objective\nCalm.\n\n"
            "## Assessment\n<!-- soapbuild: disable J002 -->\nThe discharge summary says the "
            "client refused lithium and was non-compliant.\n<!-- soapbuild: enable J002 -->\n"
            "Client is always on time. <!-- soapbuild: ignore U001 -->\nDenies SI/HI.\n\n"
            "## Plan\nNext session in a week.\n<!-- soapbuild: ignore-file H002 -->\n")
    (workspace / "notes" / "a.md").write_text(make_note(body), "utf-8")
    (workspace / "notes" / "b.md").write_text(
        make_note(session_date="2026-11-19 15:00", submitted="2026-11-20 09:00"), "utf-8")
    document = _json(workspace)
    _consistent(document)
    # J002 (one comment and code, two findings) and U001; the unused H002 is N002, not a use.
    assert document["overall"]["suppressions"] == 2
    assert [g["suppressions"] for g in document["clinicians"]] == [2]
    assert _json(workspace, "--until", "2026-11-19")["overall"]["suppressions"] == 0


# --- missing scheduled sessions ----------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Scheduled:
    """What a schedule yields for a session without a note (as soapbuild.model.schedule does)."""

    client: str
    clinician: str | None
    start: datetime


def _row(path: str, clinician: str, start: datetime) -> SessionRecord:
    return SessionRecord(path, path, "C-1", clinician, start, True, None, start, start,
                         "on_time", None, "90837", 53, True, None, ())


def test_missing_sessions_are_counted_per_clinician_and_filtered() -> None:
    rows = [_row("notes/a.md", "Jordan Rivera, LCSW", datetime(2026, 11, 2, 10, tzinfo=ZONE))]
    missing = [Scheduled("C-1", "Jordan Rivera, LCSW", datetime(2026, 11, 9, 10, tzinfo=ZONE)),
               Scheduled("C-2", "Sam Lee, LPC", datetime(2026, 11, 10, 10, tzinfo=ZONE)),
               Scheduled("C-3", None, datetime(2026, 12, 1, 10, tzinfo=ZONE))]
    now = datetime(2026, 12, 2, tzinfo=ZONE)
    report = build_report(rows, missing=missing, now=now)
    document = report_json(report)
    VALIDATOR.validate(document)
    assert document["overall"]["missing"] == 3
    assert {g["clinician"]: g["missing"] for g in document["clinicians"]} == {
        "Jordan Rivera, LCSW": 1, "Sam Lee, LPC": 1, None: 1}
    assert document["missing"][1] == {"client": "C-2", "clinician": "Sam Lee, LPC",
                                      "session_date": "2026-11-10T10:00:00-05:00"}
    assert "Missing notes: C-1 2026-11-09 10:00 (Jordan Rivera, LCSW)" in report_table(report)
    assert len(report_csv(report).splitlines()) == 2  # the CSV lists sessions that have notes
    many = build_report(rows, missing=missing * 5, now=now)
    assert "; and 5 more (--format json lists them all)" in " ".join(report_table(many).split())
    narrowed = build_report(rows, missing=missing, now=now, until=date(2026, 11, 9),
                            clinician="jordan rivera")
    assert narrowed.overall.missing == 1 and len(narrowed.missing) == 1


# --- the table and the command ----------------------------------------------------------

def test_table_mentions_each_clinician_within_100_columns() -> None:
    result = _report(REPO)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= TABLE_WIDTH
    for name in CLINICIANS:
        assert sum(line.startswith(name) for line in lines) == 2  # one row in each table
    overall = [line for line in lines if line.startswith("all clinicians")]
    assert len(overall) == 2
    assert overall[0].split()[2:] == ["38", "33", "1", "35", "1", "0", "1", "0.13", "26"]
    assert lines[0].startswith("Compliance report, 2026-10-05 to 2026-11-26: 38 sessions")
    assert "On time: 35 of 36 notes that are due (97%" in result.output
    assert ("Awaiting co-signature by Jordan Rivera: C-1110 2026-11-25 16:00 (Riley Brooks, "
            "LMSW, due 2026-12-01)") in " ".join(result.output.split())


def test_table_truncates_long_names_and_handles_no_sessions() -> None:
    now = datetime(2026, 11, 28, 12, tzinfo=ZONE)
    long_name = "Dr. Maximiliana Featherstonehaugh-Cholmondeley, PsyD, LCSW"
    table = report_table(build_report(
        [_row("notes/a.md", long_name, datetime(2026, 11, 2, tzinfo=ZONE))], now=now))
    assert max(len(line) for line in table.splitlines()) <= TABLE_WIDTH
    assert "Dr. Maximiliana Fea…" in table
    empty = build_report([], now=now)
    assert "no dated sessions" in report_table(empty)
    VALIDATOR.validate(report_json(empty))
    assert report_json(empty)["overall"]["language"]["per_note"] is None


def test_report_option_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOAPBUILD_NOW", raising=False)
    command = main.commands["report"]
    with command.make_context("report", [], resilient_parsing=False) as ctx:
        assert ctx.params == {"since": None, "until": None, "clinician": None,
                              "output_format": "text", "output": None, "now_text": None,
                              "history": False}
    assert next(p for p in command.params if p.name == "now_text").envvar == "SOAPBUILD_NOW"


def test_report_exit_codes(workspace: Path, make_note: Callable[..., str]) -> None:
    (workspace / "notes" / "bad.md").write_text(make_note(occurred=None), "utf-8")
    assert _report(workspace).exit_code == 0  # errors in the notes: information, not a gate
    for args in (["--since", "2026-13-01"], ["--until", "yesterday"],
                 ["--since", "2026-11-02", "--until", "2026-11-01"], ["--format", "xml"]):
        result = _report(workspace, *args)
        assert result.exit_code == 2, (args, result.output)
    assert CliRunner().invoke(main, ["-C", str(workspace), "report", "--now",
                                     "soon"]).exit_code == 2
    (workspace / "notes").rename(workspace / "elsewhere")
    assert _report(workspace).exit_code == 2


def test_report_to_a_file(workspace: Path, make_note: Callable[..., str]) -> None:
    (workspace / "notes" / "a.md").write_text(make_note(), "utf-8")
    out = workspace / "output" / "report.json"
    out.parent.mkdir()
    result = _report(workspace, "--format", "json", "-o", str(out))
    assert result.exit_code == 0 and result.output == ""
    VALIDATOR.validate(json.loads(out.read_text("utf-8")))
    assert [p.name for p in out.parent.iterdir()] == ["report.json"]  # no temporary left
    assert _report(workspace, "-o", str(workspace / "no" / "such" / "r.txt")).exit_code == 2


def test_report_lists_scheduled_sessions_without_a_note(
        workspace: Path, make_note: Callable[..., str]) -> None:
    (workspace / "soapbuild.toml").write_text(
        'timezone = "America/New_York"\nschedule = "schedule.csv"\n', "utf-8")
    (workspace / "schedule.csv").write_text(
        "client,clinician,session_date\n"
        "C-1042,\"Jordan Rivera, LCSW\",2026-11-20 15:00\n"
        "C-1042,\"Jordan Rivera, LCSW\",2026-11-27 15:00\n", "utf-8")
    (workspace / "notes" / "a.md").write_text(make_note(), "utf-8")  # 2026-11-20 15:00
    document = _json(workspace)
    assert document["missing"] == [{"client": "C-1042", "clinician": "Jordan Rivera, LCSW",
                                    "session_date": "2026-11-27T15:00:00-05:00"}]
    assert document["overall"]["missing"] == document["clinicians"][0]["missing"] == 1
    assert _json(workspace, "--until", "2026-11-26")["missing"] == []
    assert "Missing notes: C-1042 2026-11-27 15:00" in _report(workspace).output
