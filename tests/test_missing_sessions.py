"""A schedule of 20 sessions and 17 notes: `soapbuild check` reports the 3 missing, end to end."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_schedule import NOTES  # the 17 notes written for the fixture's 20 sessions

from soapbuild.cli import main

DATA = Path(__file__).resolve().parent / "data" / "schedule"
NOTE = """---
client: {client}
clinician: Jordan Rivera, LCSW
session_date: {start}
occurred: true
submitted: {submitted}
service_code: "90791"
---
## Subjective
Client reported sleeping six hours a night.

## Objective
Client was alert and oriented.

## Assessment
Client denies SI/HI; risk is low.

## Plan
Next session in one week.
"""
# (client, the schedule line) of the three sessions without a note, per format.
MISSING = {
    "practice.csv": [("C-3150", 9), ("C-1042", 14), ("C-2077", 22)],
    "practice.ics": [("C-3150", 66), ("C-1042", 91), ("C-2077", 158)],
}


def _workspace(tmp_path: Path, schedule: str) -> Path:
    shutil.copy(DATA / schedule, tmp_path / schedule)
    (tmp_path / "soapbuild.toml").write_text(
        f'timezone = "America/New_York"\nschedule = "{schedule}"\n', "utf-8")
    for number, (client, start) in enumerate(NOTES):
        folder = tmp_path / "notes" / client.strip().upper()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{number:02d}.md").write_text(NOTE.format(
            client=client.strip(), start=start.isoformat(timespec="minutes"),
            submitted=start.replace(hour=23, minute=0).isoformat(timespec="minutes")), "utf-8")
    return tmp_path


def _check(workspace: Path, *paths: str, now: str = "2026-11-27 12:00") -> dict:
    result = CliRunner().invoke(main, ["-C", str(workspace), "check", "--format", "json",
                                       "--now", now, *paths])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)


@pytest.mark.parametrize("schedule", ["practice.csv", "practice.ics"])
def test_three_missing_sessions_are_reported_at_their_schedule_lines(
        tmp_path: Path, schedule: str) -> None:
    report = _check(_workspace(tmp_path, schedule))
    # the note that spells its client " c-2077 " (matched to C-2077's sessions all the same)
    # is F010: the record would file it as a client of its own
    assert [(f["code"], f["path"]) for f in report["findings"] if f["code"] == "F010"] == [
        ("F010", "notes/C-2077/01.md")]
    findings = [f for f in report["findings"] if f["code"] != "F010"]
    assert [f["code"] for f in findings] == ["T007"] * 3, findings
    assert [(f["path"], f["line"]) for f in findings] == [
        (schedule, line) for _, line in MISSING[schedule]]
    for finding, (client, _) in zip(findings, MISSING[schedule], strict=True):
        assert f"The session of {client}" in finding["message"]
        assert "h past its deadline" in finding["message"]
        assert finding["severity"] == "warning"


def test_a_missing_session_before_its_deadline_is_information(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, "practice.csv")
    # 2026-11-13: the 11-12 15:00 family session is due on 11-15; the other two are overdue.
    # Notes written "later" than this now are T002 in their own files; the schedule's
    # sessions after 11-13 12:00 have not started, so they are not missing yet.
    report = _check(workspace, now="2026-11-13 12:00")
    assert [(f["code"], f["line"]) for f in report["findings"]
            if f["path"] == "practice.csv"] == [("T007", 9), ("T007", 14), ("T006", 22)]


def test_checking_named_notes_never_reports_missing_sessions(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, "practice.csv")
    report = _check(workspace, "notes/C-1042")
    assert report["findings"] == []


def test_an_unreadable_schedule_is_a_usage_error(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, "practice.csv")
    (workspace / "practice.csv").write_text("client,clinician,session_date\nC-1,x,soon\n",
                                            "utf-8")
    result = CliRunner().invoke(main, ["-C", str(workspace), "check"])
    assert result.exit_code == 2
    assert "practice.csv:2" in result.output and "Traceback" not in result.output
