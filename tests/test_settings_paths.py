"""Where settings may point: nothing outside the workspace is read, nothing of the notes
is ever replaced by a build (issue 16, findings 1 and 2).

Run through the real command line in a subprocess, with a secret in the
environment, so a leak through ``/proc/self/environ`` would show in the output.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SECRET = "s3cr3t-token-4e1f"
NOTE = """---
client: C-1
clinician: Jordan Rivera, LCSW
session_date: 2026-11-20 15:00
occurred: true
---
## Subjective
Client reported sleeping 6 hours.

## Objective
Calm.

## Assessment
Denies SI/HI.

## Plan
Next session in a week.
"""


def soapbuild(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "SOAPBUILD_TEST_SECRET": SECRET, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "soapbuild", "-C", str(workspace), *args,
                           "--now", "2026-11-27 12:00"], capture_output=True, text=True,
                          env=environment, timeout=120, check=False)


def practice(root: Path, settings: str) -> Path:
    root.mkdir(exist_ok=True)
    (root / "soapbuild.toml").write_text('timezone = "America/New_York"\n' + settings, "utf-8")
    for folder in ("notes/clients", "notes/notes", "notes/C-1"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    for folder in ("notes/clients", "notes/notes", "notes/C-1"):
        (root / folder / "2026-11-20.md").write_text(NOTE, "utf-8")
    return root


def snapshot(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.mark.parametrize(("setting", "names"), [
    ('output_dir = "notes"', "overlaps 'notes_dir'"),
    ('output_dir = "notes/clients"', "overlaps 'notes_dir'"),
    ('output_dir = "site"\nnotes_dir = "site/notes"', "overlaps 'notes_dir'"),
    ('output_dir = "templates"', "overlaps 'templates_dir'"),
    ('output_dir = ".soapbuild"', "overlaps soapbuild's own folder"),
    ('output_dir = ".soapbuild/cache/site"', "overlaps soapbuild's own folder"),
    ('output_dir = "."', "not the workspace itself"),
    ('output_dir = "notes/.."', "not the workspace itself"),
])
def test_an_output_folder_that_overlaps_what_soapbuild_reads_is_refused_before_any_work(
        tmp_path: Path, setting: str, names: str) -> None:
    root = practice(tmp_path / "practice", setting + "\n")
    (root / "templates").mkdir()
    (root / "templates" / "style.css").write_text("body { color: black; }\n", "utf-8")
    before = snapshot(root)
    for command in (["build", "--no-pdf"], ["check"], ["report"]):
        done = soapbuild(root, *command)
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert names in done.stderr and "Traceback" not in done.stderr
    assert snapshot(root) == before  # not one file of the notes or templates changed


def test_a_separate_output_folder_still_builds(tmp_path: Path) -> None:
    root = practice(tmp_path / "practice", 'output_dir = "site"\n')
    done = soapbuild(root, "build", "--no-pdf")
    assert done.returncode == 0, done.stderr
    assert (root / "site" / "index.html").is_file()
    assert (root / "notes" / "clients" / "2026-11-20.md").read_text("utf-8") == NOTE


@pytest.mark.parametrize("setting", [
    'schedule = "/proc/self/environ"',
    'schedule = "../outside.csv"',
    '[vocabulary]\nextend = ["/proc/self/environ"]',
    '[vocabulary]\nextend = ["../outside.csv"]',
])
def test_files_outside_the_workspace_are_not_read_and_nothing_is_echoed(
        tmp_path: Path, setting: str) -> None:
    (tmp_path / "outside.csv").write_text(f"{SECRET},x\n1,2\n", "utf-8")
    root = practice(tmp_path / "practice", setting + "\n")
    done = soapbuild(root, "check")
    assert done.returncode == 2
    assert "is outside the workspace" in done.stderr and "allow_outside" in done.stderr
    assert SECRET not in done.stdout + done.stderr


def test_a_schedule_error_does_not_echo_the_file(tmp_path: Path) -> None:
    root = practice(tmp_path / "practice", 'schedule = "schedule.csv"\n')
    (root / "schedule.csv").write_text(f"password={SECRET},x\n1,2\n", "utf-8")
    done = soapbuild(root, "check")
    assert done.returncode == 2 and "schedule.csv:1: the header names no" in done.stderr
    assert "2 cells" in done.stderr and SECRET not in done.stdout + done.stderr


def test_allow_outside_lets_the_practice_name_a_shared_file(tmp_path: Path) -> None:
    shared = tmp_path / "shared.csv"
    shared.write_text("client,clinician,session_date\nC-1,Jordan Rivera,2026-11-20 15:00\n"
                      "C-9,Jordan Rivera,2026-11-21 10:00\n", "utf-8")
    root = practice(tmp_path / "practice",
                    'schedule = "../shared.csv"\nallow_outside = ["../shared.csv"]\n')
    done = soapbuild(root, "check", "--format", "json")
    assert '"T007"' in done.stdout and "C-9" in done.stdout, done.stderr
