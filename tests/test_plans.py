"""Treatment plans: notes/<client>/plan.md, checked as plans and never as session notes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from clean_note import note, workspace
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from soapbuild.cli import main
from soapbuild.model.plan import parse_plan

NOW = "2026-11-27 12:00"
PLAN = """---
client: C-1042
diagnosis: ["F41.1"]
goals:
  - "G1: Falls asleep within 30 minutes on most nights"
  - G2: Worry about work rated 4 out of 10 or lower
start: 2026-10-05
review: 2027-01-03
---
## Interventions

Cognitive behavioral therapy for generalized anxiety, weekly.
"""


def cli(root: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(main, ["-C", str(root), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.output)


def found(root: Path, *paths: str) -> list[tuple[str, int, str]]:
    code, report = cli(root, "check", "--format", "json", "--now", NOW, *paths)
    assert code in (0, 1)
    return [(f["path"], f["line"], f["code"]) for f in report["findings"]]


def practice(tmp_path: Path, plan: str = PLAN, extra: str = "") -> Path:
    root = workspace(tmp_path / "practice", extra)
    (root / "notes" / "C-1042").mkdir()
    (root / "notes" / "C-1042" / "plan.md").write_text(plan, "utf-8")
    (root / "notes" / "C-1042" / "2026-11-20.md").write_text(note(goals='["G1"]'), "utf-8")
    return root


def test_a_plan_is_not_a_session_note(tmp_path: Path) -> None:
    root = practice(tmp_path)
    code, report = cli(root, "check", "--format", "json", "--now", NOW)
    assert code == 0
    assert (report["files"], report["plans"]) == (["notes/C-1042/2026-11-20.md"],
                                                  ["notes/C-1042/plan.md"])
    code, rows = cli(root, "report", "--format", "json", "--now", NOW)
    assert code == 0
    assert [row["note"] for row in rows["sessions"]] == ["notes/C-1042/2026-11-20.md"]
    assert rows["sessions"][0]["goals"] == ["G1"]


def test_a_plan_past_its_review_is_flagged(tmp_path: Path) -> None:
    root = practice(tmp_path, PLAN.replace("start: 2026-10-05\nreview: 2027-01-03\n",
                                           "start: 2026-08-01\n"))
    assert found(root) == [("notes/C-1042/plan.md", 6, "G005"),  # G2, never worked on
                           ("notes/C-1042/plan.md", 7, "G004")]
    # reviewed since: the next review is 90 days after the review
    root2 = practice(tmp_path / "2", PLAN.replace("start: 2026-10-05\nreview: 2027-01-03\n",
                                                  "start: 2026-08-01\nreviewed: 2026-11-01\n"))
    assert ("notes/C-1042/plan.md", 7, "G004") not in found(root2)
    # the practice's interval
    root3 = practice(tmp_path / "3", extra="[plans]\nreview_days = 30\n")
    assert ("notes/C-1042/plan.md", 8, "G004") in found(root3)


def test_goals_are_idle_until_a_session_works_on_them(tmp_path: Path) -> None:
    root = practice(tmp_path)
    # G2: not named by any session since the plan started 53 days ago (whole folder only)
    assert found(root) == [("notes/C-1042/plan.md", 6, "G005")]
    assert found(root, "notes/C-1042") == []
    (root / "notes" / "C-1042" / "2026-11-13.md").write_text(
        note(session_date="2026-11-13 15:00", submitted="2026-11-14 09:00", goals="G2, g1"),
        "utf-8")
    assert found(root) == []


def test_a_notes_goals_are_the_plans(tmp_path: Path) -> None:
    root = practice(tmp_path)
    path = root / "notes" / "C-1042" / "2026-11-20.md"
    path.write_text(note(goals='["G1", "G3"]'), "utf-8")
    assert ("notes/C-1042/2026-11-20.md", 9, "G006") in found(root, "notes/C-1042/2026-11-20.md")
    (root / "notes" / "C-1042" / "b.md").write_text(note(), "utf-8")  # names no goal
    assert found(root, "notes/C-1042/b.md") == [("notes/C-1042/b.md", 5, "G008")]


def test_a_practice_that_requires_plans_flags_a_client_without_one(tmp_path: Path) -> None:
    root = workspace(tmp_path / "w", "[plans]\nrequired = true\n")
    (root / "notes" / "a.md").write_text(note(), "utf-8")
    assert found(root) == [("notes/a.md", 5, "G007")]


def test_a_plan_with_structural_problems(tmp_path: Path) -> None:
    broken = """---
client: C-1043
diagnosis: ["F41"]
goals:
  - "G1: Sleeps seven hours"
  - Sleep better
  - "G1: Again"
reveiw: 2027-01-03
---
"""
    root = practice(tmp_path, broken)
    assert sorted(found(root, "notes/C-1042/plan.md")) == [
        ("notes/C-1042/plan.md", 1, "G001"),  # no start
        ("notes/C-1042/plan.md", 2, "G001"),  # client of another folder
        ("notes/C-1042/plan.md", 3, "I002"),  # a category is not a diagnosis code
        ("notes/C-1042/plan.md", 6, "G002"),  # not 'ID: text'
        ("notes/C-1042/plan.md", 7, "G002"),  # G1 twice
        ("notes/C-1042/plan.md", 8, "G003"),  # unknown field
    ]


def test_an_unreadable_plan_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    root = practice(tmp_path, "")
    (root / "notes" / "C-1042" / "plan.md").write_bytes(b"\x00\x01")
    assert found(root) == [("notes/C-1042/plan.md", 1, "R003")]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_any_plan_text_parses_without_raising(text: str) -> None:
    result = parse_plan(("---\n" + text + "\n---\n").encode("utf-8", "surrogatepass"),
                        "plan.md", "C-1")
    plan = result.plan
    assert plan is not None or result.problems
    if plan is not None:
        for goal in plan.goals:
            assert plan.source.text[goal.span.start:goal.span.end]


def test_the_hook_checks_a_staged_plan_as_a_plan(tmp_path: Path) -> None:
    """``check --staged`` reads the plan from the index, as it reads the notes."""
    import subprocess

    root = practice(tmp_path)
    git = ["git", "-c", "user.name=T", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    plan = root / "notes" / "C-1042" / "plan.md"
    plan.write_text(PLAN.replace('  - G2: Worry', '  - Worry'), "utf-8")
    subprocess.run([*git, "add", "notes/C-1042/plan.md"], cwd=root, check=True)
    plan.write_text(PLAN, "utf-8")  # fixed on disk, not staged: the commit holds the error
    code, report = cli(root, "check", "--staged", "--format", "json", "--now", NOW)
    assert code == 1
    assert (report["files"], report["plans"]) == ([], ["notes/C-1042/plan.md"])
    assert [(f["line"], f["code"]) for f in report["findings"]] == [(6, "G002")]
