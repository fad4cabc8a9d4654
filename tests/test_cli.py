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
                                "fix_first": False, "diff": False, "colour": "auto",
                                "quiet": 0, "silent": False, "statistics": False,
                                "exit_zero": False, "select": (), "ignore": ()}
    assert next(p for p in check.params if p.name == "now_text").envvar == "SOAPBUILD_NOW"
    assert _defaults(main.commands["rules"]) == {"output_format": "text"}
    assert _defaults(main.commands["settings"]) == {"output_format": "text"}
    with main.make_context("soapbuild", ["check"]) as ctx:
        assert ctx.params == {"directory": Path("."), "config": None}


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
    assert "notes/c.md:12:4: error S001 Section 'Objective' is missing" in result.output


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


def _piped(workspace: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m soapbuild check`` with its output in a pipe (not a terminal)."""
    return subprocess.run([sys.executable, "-m", "soapbuild", "-C", str(workspace), "check",
                           *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **env})


def _on_a_terminal(workspace: Path, *args: str, **env: str) -> str:
    """What ``soapbuild check`` shows on a (pseudo-)terminal (a colour one unless ``TERM``
    is given)."""
    import pty

    env = {"TERM": "xterm-256color", **env}

    output = bytearray()

    def read(fd: int) -> bytes:
        data = os.read(fd, 1024)
        output.extend(data)
        return data

    saved = {name: os.environ.get(name) for name in env}
    cwd = os.getcwd()
    try:
        os.chdir(workspace)
        os.environ.update(env)
        pty.spawn([sys.executable, "-m", "soapbuild", "check", *args], read)
    finally:
        os.chdir(cwd)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return output.decode()


PIPED_LINES = ["notes/c.md:12:4: error S001 Section 'Objective' is missing; it belongs "
               "before 'Assessment'.",
               "    → Add a '## Objective' heading and its text.",
               "Checked 1 note: 1 error in 1 file."]


def test_colour_only_on_a_terminal_and_the_same_words_everywhere(workspace: Path) -> None:
    _write(workspace, "c.md", BROKEN)
    piped = _piped(workspace)
    assert piped.stdout.splitlines() == PIPED_LINES  # the severity and the suggestion kept
    # Under a pseudo-terminal the same run is coloured and says the same words.
    shown = _on_a_terminal(workspace)
    assert "\x1b[31m" in shown and "\x1b[1m" in shown
    plain = click.unstyle(shown).replace("\r\n", "\n")
    assert [line for line in plain.splitlines() if line] == PIPED_LINES


@pytest.mark.parametrize(("env", "args", "coloured"), [
    ({"NO_COLOR": "1"}, (), False),
    ({"NO_COLOR": ""}, (), True),  # set but empty: does not count (no-color.org)
    ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, (), False),  # NO_COLOR wins, as in pytest
    ({"TERM": "dumb"}, (), False),
    ({"NO_COLOR": "1"}, ("--color", "always"), True),  # the option decides
    ({}, ("--color", "never"), False),
])
def test_colour_on_a_terminal_follows_no_color_and_the_option(
        workspace: Path, env: dict[str, str], args: tuple[str, ...], coloured: bool) -> None:
    _write(workspace, "c.md", BROKEN)
    shown = _on_a_terminal(workspace, *args, **env)
    assert ("\x1b[" in shown) is coloured
    assert "error S001" in click.unstyle(shown) and "→ Add a '## Objective'" in shown


@pytest.mark.parametrize(("env", "args", "coloured"), [
    ({}, (), False),
    ({"FORCE_COLOR": "1"}, (), True),
    ({"FORCE_COLOR": ""}, (), False),  # empty: does not count (force-color.org)
    ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, (), False),
    ({}, ("--color", "always"), True),
    ({"FORCE_COLOR": "1"}, ("--color", "never"), False),
    ({}, ("--color=auto",), False),
])
def test_colour_in_a_pipe_follows_force_color_and_the_option(
        workspace: Path, env: dict[str, str], args: tuple[str, ...], coloured: bool) -> None:
    _write(workspace, "c.md", BROKEN)
    done = _piped(workspace, *args, **env)
    assert done.returncode == 1
    if coloured:  # bold location, red severity and code, dim suggestion
        assert "\x1b[1mnotes/c.md:12:4:\x1b[0m \x1b[31merror\x1b[0m \x1b[31m\x1b[1mS001" \
            in done.stdout
        assert "\x1b[2m    → Add a '## Objective' heading" in done.stdout
        assert [line for line in click.unstyle(done.stdout).splitlines() if line] == PIPED_LINES
    else:
        assert done.stdout.splitlines() == PIPED_LINES


def test_a_file_is_plain_unless_colour_is_asked_for(workspace: Path) -> None:
    _write(workspace, "c.md", BROKEN)
    target = workspace / "findings.txt"
    assert _piped(workspace, "-o", str(target), FORCE_COLOR="1").returncode == 1
    assert target.read_text("utf-8").splitlines() == PIPED_LINES
    assert _piped(workspace, "-o", str(target), "--color", "always").returncode == 1
    assert "\x1b[31merror" in target.read_text("utf-8")


def test_quiet_silent_and_exit_zero(workspace: Path) -> None:
    _write(workspace, "c.md", BROKEN)
    _write(workspace, "w.md", WARNING_ONLY)
    now = ["--now", "2026-11-21 12:00"]
    full = _piped(workspace, *now)
    quiet = _piped(workspace, "-q", *now)
    assert quiet.returncode == full.returncode == 1
    assert quiet.stdout.splitlines() == full.stdout.splitlines()[:-1]  # no summary line
    assert full.stdout.splitlines()[-1].startswith("Checked 2 notes")
    for silent in (["-qq"], ["--silent"], ["-q", "--quiet", "--quiet"]):
        done = _piped(workspace, *silent, *now)
        assert (done.returncode, done.stdout, done.stderr) == (1, "", "")
    assert _piped(workspace, "--silent", "--strict", "notes/w.md", *now).returncode == 1
    assert _piped(workspace, "--silent", "notes/w.md", *now).returncode == 0
    zero = _piped(workspace, "--exit-zero", *now)
    assert zero.returncode == 0 and zero.stdout == full.stdout
    assert _piped(workspace, "--exit-zero", "--strict", *now).returncode == 0
    # --exit-zero is about findings; soapbuild failing to do its job is still 2.
    assert _piped(workspace, "--exit-zero", "notes/nope.md").returncode == 2
    # -q with a data format: the document, whole (it carries its own summary).
    assert json.loads(_piped(workspace, "-q", "--format", "json", *now).stdout)["summary"]
    assert _piped(workspace, "-q", "--format", "github", *now).stdout.count("\n") == 2


def test_statistics_count_findings_per_rule(workspace: Path) -> None:
    _write(workspace, "c.md", BROKEN)
    _write(workspace, "d.md", BROKEN.replace("## Plan\nNext session in a week.\n", ""))
    _write(workspace, "w.md", WARNING_ONLY)
    now = ["--now", "2026-11-21 12:00"]
    done = _piped(workspace, "--statistics", *now)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "3  S001  error    A section of the note's format is missing.",
        "1  F003  warning  The front matter has a field soapbuild does not know."]
    data = json.loads(_piped(workspace, "--statistics", "--format", "json", *now).stdout)
    assert [(row["code"], row["severity"], row["count"]) for row in data] == [
        ("S001", "error", 3), ("F003", "warning", 1)]
    assert data[0]["name"] == "missing-section"
    assert _piped(workspace, "--statistics", "--silent", *now).stdout == ""
    bad = _piped(workspace, "--statistics", "--format", "sarif")
    assert bad.returncode == 2 and "--statistics is printed as text or JSON" in bad.stderr


def test_select_and_ignore_codes_families_and_prefixes(workspace: Path) -> None:
    _write(workspace, "c.md", BROKEN)
    _write(workspace, "w.md", WARNING_ONLY.replace("Calm.", "Client is always calm."))
    now = ["--now", "2026-11-21 12:00", "--format", "json"]

    def codes(*args: str) -> list[str]:
        done = _piped(workspace, *args, *now)
        assert done.returncode in (0, 1), done.stderr
        return [f["code"] for f in json.loads(done.stdout)["findings"]]

    assert codes() == ["S001", "F003", "U001"]
    assert codes("--select", "S001") == ["S001"]
    assert codes("--select", "sections,absolutes") == ["S001", "U001"]
    assert codes("--select", "F", "--select", "u") == ["F003", "U001"]
    assert codes("--ignore", "S") == ["F003", "U001"]
    assert codes("--ignore", "fields", "--ignore", "U001") == ["S001"]
    assert codes("--select", "S,F", "--ignore", "F003") == ["S001"]
    assert _piped(workspace, "--ignore", "S001", "notes/c.md").returncode == 0


@pytest.mark.parametrize(("args", "message"), [
    (("--select", "S01"), "--select S01: not a rule code, family or code prefix; did you mean"),
    (("--ignore", "judgement"), "--ignore judgement: not a rule code, family or code prefix; "
                                "did you mean judgment?"),
    (("--select", "X"), "--select X: not a rule code, family or code prefix; 'soapbuild rules'"),
    (("--ignore", "K001"), "--ignore K001: K001 cannot be ignored"),
    (("--ignore", "input"), "--ignore input: R001, R002"),
])
def test_unknown_or_fixed_selection_is_a_usage_error(
        workspace: Path, args: tuple[str, ...], message: str) -> None:
    _write(workspace, "c.md", BROKEN)
    done = _piped(workspace, *args)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_selection_never_hides_what_cannot_be_silenced(workspace: Path) -> None:
    _write(workspace, "c.md", BROKEN)
    (workspace / "notes" / "empty.md").write_text("", "utf-8")
    done = _piped(workspace, "--select", "J", "--format", "json")
    assert [f["code"] for f in json.loads(done.stdout)["findings"]] == ["R004"]
    assert done.returncode == 1


def test_check_output_into_a_missing_folder_is_a_usage_error(workspace: Path) -> None:
    _write(workspace, "c.md", BROKEN)
    target = workspace / "no" / "such" / "report.json"
    done = _piped(workspace, "--format", "json", "-o", str(target))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"cannot write {target}: No such file or directory" in done.stderr
    assert not target.parent.exists()


def test_version_and_module_entry_point() -> None:
    result = subprocess.run([sys.executable, "-m", "soapbuild", "--version"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and __version__ in result.stdout


def test_unknown_option_is_a_usage_error(workspace: Path) -> None:
    result = _run(workspace, "check", "--format", "xml")
    assert result.exit_code == 2 and "xml" in result.output


def test_the_readme_documents_every_command_and_option() -> None:
    """Every command and every option appears in README.md (by its long name, or its short
    one where the README uses that), so a new option cannot ship undocumented."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    missing = []

    def walk(command: click.Command, path: str) -> None:
        if f"`{path}" not in readme:
            missing.append(path)
        for param in command.params:
            if not isinstance(param, click.Option) or param.name in ("version", "help"):
                continue
            if not any(name in readme for name in param.opts):
                missing.append(f"{path} {param.opts[0]}")
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, f"{path} {name}")

    walk(main, "soapbuild")
    assert missing == []
