"""Drafts belong in git (issue 8): findings that only mean "not finished yet" are warnings
on a draft, ``submit`` enforces completeness, and a submitted note is judged in full.

The commit of a half-written draft through the real hook is in test_hook.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from clean_note import note

from soapbuild.rules.drafts import draft_warnings
from soapbuild.rules.registry import all_rules

NOW = "2026-11-21 20:00"
HALF_WRITTEN = """\
## Subjective
Client reported sleeping six hours a night.

## Objective

## Assessment
"""
DRAFT = note(HALF_WRITTEN, submitted=None, duration=None)
SUBMITTED = note(HALF_WRITTEN)


def soapbuild(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "soapbuild", "-C", str(root), *args],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "SOAPBUILD_NOW": NOW})


def findings(root: Path, *args: str) -> tuple[int, list[tuple[str, str]]]:
    done = soapbuild(root, "check", "--format", "json", *args)
    report: dict[str, Any] = json.loads(done.stdout)
    return done.returncode, [(f["code"], f["severity"]) for f in report["findings"]]


def test_check_build_and_report_see_warnings_submit_refuses(tmp_path: Path) -> None:
    (tmp_path / "soapbuild.toml").write_text('timezone = "America/New_York"\n'
                                             '[clinicians."Jordan Rivera"]\n'
                                             'credential = "LCSW"\n', "utf-8")
    (tmp_path / "notes").mkdir()
    draft = tmp_path / "notes" / "d.md"
    draft.write_text(DRAFT, "utf-8")
    code, found = findings(tmp_path)
    assert code == 0
    assert found == [("B001", "warning"), ("S002", "warning"), ("S001", "warning"),
                     ("S002", "warning")]
    report = json.loads(soapbuild(tmp_path, "report", "--format", "json").stdout)
    [row] = report["sessions"]
    assert row["billable"] is False  # a draft is never billable, whatever its findings
    assert soapbuild(tmp_path, "build", "--no-pdf").returncode == 0
    page = next((tmp_path / "output" / "notes").glob("*.html")).read_text("utf-8")
    assert "S002" in page and "Draft: needed before" in page

    refused = soapbuild(tmp_path, "submit", "notes/d.md")
    assert refused.returncode == 1
    assert "notes/d.md:11:4: error S002 'Objective' is empty" in refused.stdout
    assert "notes/d.md: not submitted: 4 errors" in refused.stdout
    assert draft.read_text("utf-8") == DRAFT  # nothing written

    # Finished, it is submitted; then it is judged in full.
    finished = note(submitted=None)
    draft.write_text(finished, "utf-8")
    assert soapbuild(tmp_path, "submit", "notes/d.md").returncode == 0
    assert "submitted: 2026-11-21 20:00" in draft.read_text("utf-8")
    draft.write_text(draft.read_text("utf-8").replace("## Plan\nNext session in one week.\n",
                                                      ""), "utf-8")
    assert findings(tmp_path) == (1, [("S001", "error")])


def test_only_not_finished_findings_are_lenient(tmp_path: Path) -> None:
    """Out of order, duplicated, unidentified or wrongly timed stays an error on a draft."""
    (tmp_path / "notes").mkdir()
    (tmp_path / "soapbuild.toml").write_text('timezone = "America/New_York"\n', "utf-8")
    body = "## Plan\nNext week.\n\n## Subjective\nSlept well.\n"
    (tmp_path / "notes" / "d.md").write_text(
        note(body, submitted=None, clinician=None, duration="5"), "utf-8")
    code, found = findings(tmp_path)
    assert code == 1
    severities = dict(found)
    assert severities["F001"] == severities["S004"] == severities["B002"] == "error"
    assert severities["S001"] == "warning"


def test_an_unreadable_submitted_value_is_not_a_draft(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "soapbuild.toml").write_text('timezone = "America/New_York"\n', "utf-8")
    (tmp_path / "notes" / "d.md").write_text(note(HALF_WRITTEN, submitted="yesterday"), "utf-8")
    code, found = findings(tmp_path)
    assert code == 1 and ("S001", "error") in found and ("S002", "error") in found


def test_the_lenient_list_is_data_with_reasons() -> None:
    path = Path(__file__).resolve().parents[1] / "soapbuild" / "data" / "drafts.toml"
    data = tomllib.loads(path.read_text("utf-8"))
    assert set(data) == set(draft_warnings()) == {"S001", "S002", "B001", "B011", "F004"}
    rules = all_rules()
    for code, entry in data.items():
        assert rules[code].severity.value == "error", f"{code} is not an error to soften"
        assert set(entry) == {"reason"} and len(entry["reason"]) > 40


@pytest.mark.parametrize("code", sorted(draft_warnings()))
def test_explain_says_what_a_draft_gets(code: str) -> None:
    done = subprocess.run([sys.executable, "-m", "soapbuild", "explain", code],
                          capture_output=True, text=True, timeout=60)
    assert "On a draft (no 'submitted' yet) it is a warning" in done.stdout


def test_clock_times_a_practice_requires_can_wait_for_submit(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "soapbuild.toml").write_text(
        'timezone = "America/New_York"\n[billing]\nrequire_clock_times = true\n', "utf-8")
    (tmp_path / "notes" / "d.md").write_text(note(submitted=None), "utf-8")
    assert ("B011", "warning") in findings(tmp_path)[1]
    refused = soapbuild(tmp_path, "submit", "notes/d.md")
    assert refused.returncode == 1 and " error B011 " in refused.stdout
