"""The command line: defaults of every option, exit codes, --now, --strict, paths."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from soapbuild import __version__
from soapbuild.cli import main

CLEAN = """---
client: C-1
clinician: Jordan Rivera, LCSW
session_date: 2026-11-20 15:00
occurred: true
submitted: 2026-11-21 09:00
service_code: "90791"
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
WARNING_ONLY = CLEAN.replace("occurred: true", "occurred: true\nmood: fine")
BROKEN = CLEAN.replace("## Objective\nCalm.\n\n", "")


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "soapbuild.toml").write_text('timezone = "America/New_York"\n', "utf-8")
    (tmp_path / "notes").mkdir()
    return tmp_path


def _write(workspace: Path, name: str, text: str) -> Path:
    path = workspace / "notes" / name
    path.write_text(text, "utf-8")
    return path


def _run(workspace: Path, *args: str, env: dict[str, str] | None = None) -> click.testing.Result:
    return CliRunner().invoke(main, ["-C", str(workspace), *args], env=env)


def _defaults(command: click.Command) -> dict[str, object]:
    """The values a command receives when no option is given (click resolves them)."""
    with command.make_context(command.name or "", [], resilient_parsing=False) as ctx:
        return dict(ctx.params)


def test_check_option_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    # click 8.3 changed how defaults resolve (mkdocs #4032): pin what each command receives.
    monkeypatch.delenv("SOAPBUILD_NOW", raising=False)
    check = main.commands["check"]
    assert _defaults(check) == {"paths": (), "output_format": "text", "strict": False,
                                "now_text": None, "output": None, "staged": False,
                                "fix_first": False, "diff": False}
    assert next(p for p in check.params if p.name == "now_text").envvar == "SOAPBUILD_NOW"
    assert _defaults(main.commands["rules"]) == {"output_format": "text"}
    with main.make_context("soapbuild", ["check"]) as ctx:
        assert ctx.params == {"directory": Path(".")}


def test_exit_codes_and_strict(workspace: Path) -> None:
    _write(workspace, "a.md", CLEAN)
    now = ["--now", "2026-11-21 12:00"]
    assert _run(workspace, "check", *now).exit_code == 0
    _write(workspace, "b.md", WARNING_ONLY)
    assert _run(workspace, "check", *now).exit_code == 0
    assert _run(workspace, "check", "--strict", *now).exit_code == 1
    assert _run(workspace, "check", "--no-strict", *now).exit_code == 0
    _write(workspace, "c.md", BROKEN)
    result = _run(workspace, "check", *now)
    assert result.exit_code == 1
    assert "notes/c.md:12:4: S001 Section 'Objective' is missing" in result.output


def test_default_path_is_the_notes_folder_and_paths_can_be_named(workspace: Path) -> None:
    _write(workspace, "a.md", CLEAN)
    _write(workspace, "c.md", BROKEN)
    (workspace / "other.md").write_text(BROKEN, "utf-8")  # outside notes/: not checked
    report = json.loads(_run(workspace, "check", "--format", "json", "--now",
                             "2026-11-21 12:00").output)
    assert report["files"] == ["notes/a.md", "notes/c.md"]
    report = json.loads(_run(workspace, "check", "--format", "json", "--now",
                             "2026-11-21 12:00", "notes/a.md").output)
    assert report["files"] == ["notes/a.md"] and report["findings"] == []


def test_missing_path_and_missing_notes_folder_exit_2(
        tmp_path_factory: pytest.TempPathFactory, workspace: Path) -> None:
    result = _run(workspace, "check", "notes/nope.md")
    assert result.exit_code == 2 and "notes/nope.md: no such file or folder" in result.output
    empty = tmp_path_factory.mktemp("empty")
    result = _run(empty, "check")
    assert result.exit_code == 2 and "no notes folder" in result.output


def test_now_option_and_environment_variable(workspace: Path) -> None:
    draft = CLEAN.replace("submitted: 2026-11-21 09:00\n", "")
    _write(workspace, "d.md", draft)
    # Deadline: 2026-11-23 15:00 New York time.
    assert "T005" in _run(workspace, "check", "--now", "2026-11-23 10:00").output
    assert "T004" in _run(workspace, "check", "--now", "2026-11-23 15:00:01").output
    on_time = _run(workspace, "check", "--now", "2026-11-23 15:00:00")
    assert "T004" not in on_time.output and "T005" in on_time.output
    by_env = _run(workspace, "check", env={"SOAPBUILD_NOW": "2026-11-23T20:00:01Z"})
    assert "T004" in by_env.output
    bad = _run(workspace, "check", "--now", "yesterday")
    assert bad.exit_code == 2 and "'yesterday' is not a date-time" in bad.output


def test_output_file(workspace: Path) -> None:
    _write(workspace, "c.md", BROKEN)
    target = workspace / "report.json"
    result = _run(workspace, "check", "--format", "json", "-o", str(target))
    assert result.exit_code == 1 and result.output == ""
    assert json.loads(target.read_text("utf-8"))["summary"]["errors"] == 1


def test_colour_only_on_a_terminal(workspace: Path) -> None:
    _write(workspace, "c.md", BROKEN)
    piped = subprocess.run([sys.executable, "-m", "soapbuild", "-C", str(workspace), "check"],
                           capture_output=True, text=True, timeout=60)
    assert "\x1b[" not in piped.stdout
    assert piped.stdout.splitlines()[0].startswith("notes/c.md:12:4: S001 ")
    assert piped.stdout.splitlines()[-1] == "Checked 1 note: 1 error in 1 file."
    # Under a pseudo-terminal the same run is coloured and shows the suggestion.
    import pty

    output = bytearray()

    def read(fd: int) -> bytes:
        data = os.read(fd, 1024)
        output.extend(data)
        return data

    cwd = os.getcwd()
    try:
        os.chdir(workspace)
        pty.spawn([sys.executable, "-m", "soapbuild", "check"], read)
    finally:
        os.chdir(cwd)
    shown = output.decode()
    assert "\x1b[" in shown and "→ Add a '## Objective' heading" in shown


def test_version_and_module_entry_point() -> None:
    result = subprocess.run([sys.executable, "-m", "soapbuild", "--version"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and __version__ in result.stdout


def test_unknown_option_is_a_usage_error(workspace: Path) -> None:
    result = _run(workspace, "check", "--format", "xml")
    assert result.exit_code == 2 and "xml" in result.output
