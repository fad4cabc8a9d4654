"""``soapbuild settings`` (what is in force and where it came from), ``--config FILE``, and
shell completion, through the real command line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_cli import BROKEN, CLEAN

SETTINGS = """\
timezone = "America/Chicago"
deadline_hours = 48

[formats.GIRP]
sections = ["Goal", "Intervention", "Response", "Plan"]

[rules]
ignore = ["s005"]
[rules.severity]
T003 = "error"
"""


def soapbuild(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "soapbuild", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60, env={**os.environ, **env})


def _settings(cwd: Path, *args: str) -> dict[str, Any]:
    done = soapbuild(*args, "settings", "--format", "json", cwd=cwd)
    assert done.returncode == 0, done.stderr
    document: dict[str, Any] = json.loads(done.stdout)
    return document


def _by_key(document: dict[str, Any]) -> dict[str, tuple[Any, str]]:
    return {entry["key"]: (entry["value"], entry["origin"]) for entry in document["settings"]}


def test_settings_show_each_value_and_its_origin(tmp_path: Path) -> None:
    (tmp_path / "soapbuild.toml").write_text(SETTINGS, "utf-8")
    (tmp_path / "notes").mkdir()
    document = _settings(tmp_path, "-C", "notes")  # found from inside the workspace
    assert document["workspace"] == str(tmp_path) and document["file"] == "soapbuild.toml"
    found = _by_key(document)
    assert found["timezone"] == ("America/Chicago", "soapbuild.toml:timezone")
    assert found["deadline_hours"] == (48, "soapbuild.toml:deadline_hours")
    assert found["edit_window_hours"] == (24, "default")
    assert found["deadline_business_days"] == (None, "default")
    assert found["formats.soap.sections"] == (
        ["Subjective", "Objective", "Assessment", "Plan"], "default")
    assert found["formats.girp.sections"] == (["Goal", "Intervention", "Response", "Plan"],
                                              "soapbuild.toml:formats.girp.sections")
    assert found["formats.soap.roles"] == ({"Subjective": ["client-report"],
                                            "Objective": ["observation"],
                                            "Assessment": ["assessment"], "Plan": ["plan"]},
                                           "default")
    assert found["rules.ignore"] == (["S005"], "soapbuild.toml:rules.ignore")
    assert found["rules.severity.T003"] == ("error", "soapbuild.toml:rules.severity.T003")
    assert found["service_codes.90837.min"] == (53, "default")
    assert found["service_codes.90837.max"] == (None, "default")
    text = soapbuild("settings", cwd=tmp_path)
    assert text.returncode == 0
    lines = text.stdout.splitlines()
    assert lines[:3] == ["workspace: .", "settings file: soapbuild.toml", ""]
    assert lines[3].split() == ["setting", "from", "value"]
    row = next(line for line in lines if line.startswith("deadline_hours "))
    assert row.split() == ["deadline_hours", "soapbuild.toml:deadline_hours", "48"]
    roles = next(line for line in lines if line.startswith("formats.soap.roles "))
    assert roles.split()[1] == "default" and roles.endswith(
        '{ "Subjective" = ["client-report"], "Objective" = ["observation"], '
        '"Assessment" = ["assessment"], "Plan" = ["plan"] }')  # a table as TOML writes it
    columns = {line.index("default") for line in lines if " default " in line}
    assert len(columns) == 1  # the origin column is aligned


def test_settings_without_a_file_are_all_defaults(tmp_path: Path) -> None:
    document = _settings(tmp_path, "-C", str(tmp_path))
    assert document["file"] is None
    assert {origin for _, origin in _by_key(document).values()} == {"default"}
    assert _by_key(document)["timezone"][0].endswith("(the machine's)")


def test_settings_in_pyproject_name_their_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.soapbuild]\nnotes_dir = \"records\"\n",
                                             "utf-8")
    found = _by_key(_settings(tmp_path))
    assert found["notes_dir"] == ("records", "pyproject.toml:tool.soapbuild.notes_dir")


def test_config_file_replaces_discovery_and_its_folder_is_the_workspace(tmp_path: Path) -> None:
    practice = tmp_path / "practice"
    (practice / "notes").mkdir(parents=True)
    (practice / "notes" / "c.md").write_text(BROKEN, "utf-8")
    (practice / "soapbuild.toml").write_text('notes_dir = "elsewhere"\n', "utf-8")
    (practice / "ci.toml").write_text('timezone = "America/New_York"\n[rules]\n'
                                      'ignore = ["S001"]\n', "utf-8")
    now = ("--now", "2026-11-21 12:00")
    # Discovery finds soapbuild.toml, whose notes folder does not exist …
    assert soapbuild("check", *now, cwd=practice).returncode == 2
    # … --config reads ci.toml instead, from anywhere, and the workspace is its folder.
    done = soapbuild("--config", "practice/ci.toml", "check", *now, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == "Checked 1 note: no findings.\n"
    found = _by_key(_settings(tmp_path, "--config", str(practice / "ci.toml")))
    assert found["rules.ignore"] == (["S001"], "practice/ci.toml:rules.ignore")
    assert found["notes_dir"] == ("notes", "default")
    # -C first: the file is named from that folder.
    assert soapbuild("-C", "practice", "--config", "ci.toml", "check", *now,
                     cwd=tmp_path).returncode == 0


@pytest.mark.parametrize(("name", "text", "message"), [
    ("missing.toml", None, "missing.toml: no such file"),
    ("bad.toml", "deadline_hour = 3\n", "'deadline_hour' is not a setting; did you mean "
                                        "'deadline_hours'?"),
    ("pyproject.toml", "[tool.other]\n", "pyproject.toml: has no [tool.soapbuild] table"),
    ("pyproject.toml", "tool = 3\n", "pyproject.toml: has no [tool.soapbuild] table"),
    ("fixed.toml", '[rules]\nignore = ["K001"]\n', "fixed.toml: 'rules.ignore': K001 cannot be "
                                                  "ignored"),
])
def test_a_config_file_that_cannot_be_used_is_a_usage_error(
        tmp_path: Path, name: str, text: str | None, message: str) -> None:
    if text is not None:
        (tmp_path / name).write_text(text, "utf-8")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.md").write_text(CLEAN, "utf-8")
    for command in (["check"], ["settings"], ["report"]):
        done = soapbuild("--config", name, *command, cwd=tmp_path)
        assert done.returncode == 2 and message in done.stderr, done.stderr
        assert "Traceback" not in done.stderr


# --- shell completion (click's, documented in the README) -----------------------------


def _installed() -> str:
    script = shutil.which("soapbuild", path=str(Path(sys.executable).parent))
    assert script is not None, "the soapbuild console script is not installed beside python"
    return script


@pytest.mark.parametrize(("shell", "marker"), [
    ("bash", "complete -o nosort -F _soapbuild_completion soapbuild"),
    ("zsh", "compdef _soapbuild_completion soapbuild"),
    ("fish", "complete --no-files --command soapbuild"),
])
def test_completion_scripts_are_produced(tmp_path: Path, shell: str, marker: str) -> None:
    done = subprocess.run([_installed()], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path, env={**os.environ,
                                             "_SOAPBUILD_COMPLETE": f"{shell}_source"})
    assert done.returncode == 0 and marker in done.stdout, done.stdout + done.stderr


def test_completion_completes_commands_and_choices(tmp_path: Path) -> None:
    def complete(words: str) -> list[str]:
        line = words.split(" ")
        done = subprocess.run([_installed()], capture_output=True, text=True, timeout=60,
                              cwd=tmp_path, env={**os.environ, "_SOAPBUILD_COMPLETE":
                                                 "bash_complete", "COMP_WORDS": words,
                                                 "COMP_CWORD": str(len(line) - 1)})
        assert done.returncode == 0, done.stderr
        return [row.split(",", 1)[1] for row in done.stdout.splitlines()]

    assert complete("soapbuild se") == ["settings"]
    assert complete("soapbuild check --color ") == ["auto", "always", "never"]
    assert "--statistics" in complete("soapbuild check --st")
