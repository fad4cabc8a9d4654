"""The sample practice in notes/: every planted flaw is found where it is, and nothing else."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOW = "2026-11-28 12:00"


def _check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "soapbuild", "check", "--now", NOW, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _planted() -> set[tuple[str, int, int, str]]:
    with (REPO / "tests" / "data" / "sample_flaws.csv").open(encoding="utf-8") as handle:
        return {
            (row["path"], int(row["line"]), int(row["column"]), row["code"])
            for row in csv.DictReader(handle)
        }


def test_check_reports_exactly_the_planted_flaws() -> None:
    result = _check("--format", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    found = {(f["path"], f["line"], f["column"], f["code"]) for f in report["findings"]}
    assert found == _planted()


def test_clean_notes_have_no_findings_and_the_practice_is_realistic() -> None:
    report = json.loads(_check("--format", "json").stdout)
    flawed = {path for path, *_ in _planted()}
    clean = [path for path in report["files"] if path not in flawed]
    assert len(clean) >= 10
    clients = {p.split("/")[1] for p in report["files"]}
    assert len(clients) >= 3 and len(report["files"]) >= 15


def test_text_output_is_one_finding_per_line_with_a_summary() -> None:
    result = _check()
    lines = result.stdout.splitlines()
    assert lines[-1] == "Checked 34 notes: 8 errors, 10 warnings, 1 info in 12 files."
    assert ("notes/C-1078/2026-10-22.md:29:4: error S004 'Assessment' comes after 'Plan'"
            in result.stdout)
    findings = [line for line in lines[:-1] if not line.startswith("    → ")]
    suggestions = [line for line in lines[:-1] if line.startswith("    → ")]
    assert len(findings) == 8 + 10 + 1 and len(suggestions) >= 15  # suggestions kept piped
    # Every finding says its severity in words: colour is never the only carrier.
    assert all(re.match(r"notes/\S+:\d+:\d+: (error|warning|info) [A-Z]\d{3} ", line)
               for line in findings), findings
    assert "\x1b[" not in result.stdout  # plain when piped


def test_the_practice_bills_a_crisis_a_telehealth_and_an_interactive_complexity_session(
) -> None:
    """Issue 10: the sample shows the claims a real practice sends, and they are clean."""
    done = subprocess.run([sys.executable, "-m", "soapbuild", "report", "--format", "json",
                           "--now", NOW], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    rows = {row["note"]: row for row in json.loads(done.stdout)["sessions"]}
    claims = {
        note: ([(s["code"], s["units"], s["modifiers"]) for s in row["services"]],
               row["place_of_service"], row["modality"], row["client_location"],
               row["minutes"], row["billable"])
        for note, row in rows.items() if note in (
            "notes/C-1103/2026-11-20.md", "notes/C-1057/2026-11-24.md",
            "notes/C-1104/2026-11-13.md")}
    assert claims == {
        "notes/C-1103/2026-11-20.md": ([("90839", 1, []), ("90840", 1, [])], "11", "in-person",
                                       None, 85, True),
        "notes/C-1057/2026-11-24.md": ([("90834", 1, ["95"])], "10", "video", "OH", 47, True),
        "notes/C-1104/2026-11-13.md": ([("90834", 1, []), ("90785", 1, [])], "11", "in-person",
                                       None, 45, True),
    }
