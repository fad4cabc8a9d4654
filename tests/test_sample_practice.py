"""The sample practice in notes/: every planted flaw is found where it is, and nothing else."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema

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
    everything = result.stdout.splitlines()
    # Under a finding, indented: its suggestion, and what changed in the locked note.
    lines = [line for line in everything if not line.startswith("    ")]
    assert lines[-1] == ("Checked 38 notes and 9 plans: 9 errors, 13 warnings, 2 info in "
                         "14 files.")
    assert ("notes/C-1078/2026-10-22.md:29:4: error S004 'Assessment' comes after 'Plan'"
            in result.stdout)
    findings = lines[:-1]
    suggestions = [line for line in everything if line.startswith("    → ")]
    assert len(findings) == 9 + 13 + 2 and len(suggestions) >= 15  # suggestions kept piped
    # Every finding says its severity in words: colour is never the only carrier.
    assert all(re.match(r"notes/\S+:\d+:\d+: (error|warning|info) [A-Z]\d{3} ", line)
               for line in findings), findings
    assert "\x1b[" not in result.stdout  # plain when piped
    k001 = everything.index(next(line for line in everything if " K001 " in line))
    assert everything[k001 + 2:k001 + 5] == [  # under its suggestion
        "    line 21 (Objective):",
        "    - score was 10 and GAD-7 score was 11. Client was alert, oriented, and engaged.",
        "    + score was 12 and GAD-7 score was 11. Client was alert, oriented, and engaged."]


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


def _report() -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "soapbuild", "report", "--format", "json",
                           "--now", NOW], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    schema = json.loads((REPO / "soapbuild" / "schemas" / "report-v2.schema.json")
                        .read_text("utf-8"))
    jsonschema.validate(report, schema, format_checker=jsonschema.FormatChecker())
    return report


def test_the_practice_signs_supervises_diagnoses_and_plans() -> None:
    """Issue 11: an associate (LMSW) supervised by Jordan Rivera, whose latest note awaits
    the co-signature and is the one note in his queue; notes submitted before the
    practice signed its notes are signed by attestation; diagnoses and plan goals are on
    the session rows."""
    report = _report()
    rows = {row["note"]: row for row in report["sessions"]}
    associate = {note: (row["signature"], row["cosignature"], row["cosigned_by"],
                        row["billable"], row["not_billable_reason"], row["diagnosis"],
                        row["goals"])
                 for note, row in rows.items() if note.startswith("notes/C-1110/")}
    assert associate == {
        "notes/C-1110/2026-11-04.md": ("signed", "cosigned", "Jordan Rivera, LCSW", True, None,
                                       ["F41.0"], ["G1"]),
        "notes/C-1110/2026-11-11.md": ("signed", "cosigned", "Jordan Rivera, LCSW", True, None,
                                       ["F41.0"], ["G1", "G2"]),
        "notes/C-1110/2026-11-18.md": ("signed", "cosigned", "Jordan Rivera, LCSW", True, None,
                                       ["F41.0"], ["G2"]),
        "notes/C-1110/2026-11-25.md": ("signed", "awaiting", None, False,
                                       "the note awaits its co-signature by Jordan Rivera",
                                       ["F41.0"], ["G1", "G2"]),
    }
    assert report["supervisor_queues"] == [{
        "supervisor": "Jordan Rivera", "overdue": 0,
        "notes": [{"note": "notes/C-1110/2026-11-25.md", "client": "C-1110",
                   "clinician": "Riley Brooks, LMSW", "session_date": "2026-11-25T16:00:00-05:00",
                   "signed": "2026-11-25T18:05:00-05:00",
                   # 3 business days: Thanksgiving (11-26) is a holiday, then 11-27, 11-30, 12-01
                   "cosign_due": "2026-12-01T23:59:59-05:00", "overdue": False}]}]
    signatures = {row["signature"] for note, row in rows.items()
                  if row["submitted"] is not None and not note.startswith("notes/C-1110/")}
    assert signatures == {"attested", None}  # attested, but for the one note left (E002)
    unsigned = [note for note, row in rows.items()
                if row["submitted"] is not None and row["signature"] is None]
    assert unsigned == ["notes/C-1085/2026-11-10.md"]
    assert rows["notes/C-1042/2026-11-16.md"]["signed_by"] == "Jordan Rivera, LCSW"
    assert rows["notes/C-1042/2026-11-16.md"]["signed"] == "2026-11-27T10:00:00-05:00"


def test_every_client_has_a_plan_and_the_plans_are_checked() -> None:
    report = json.loads(_check("--format", "json").stdout)
    plans = sorted(report["plans"])
    clients = sorted({path.split("/")[1] for path in report["files"]})
    assert plans == [f"notes/{client}/plan.md" for client in clients]
    assert not any(path.endswith("plan.md") for path in report["files"])
