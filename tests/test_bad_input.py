"""SPEC 7 "Bad input": malformed notes give findings, never a traceback, and never stop
the other notes from being checked. Run through the real CLI in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_frontmatter import BILLION_LAUGHS  # the classic alias bomb

NOW = "2026-11-27 12:00"

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06" + bytes(200)


def check(workspace: Path, *paths: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "soapbuild", "-C", str(workspace), "check", *paths,
               "--format", "json", "--now", NOW]
    env = {k: v for k, v in os.environ.items() if k != "SOAPBUILD_NOW"}
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env,
                          cwd=workspace)


def report(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def findings_for(data: dict[str, Any], path: str) -> list[dict[str, Any]]:
    return [f for f in data["findings"] if f["path"] == path]


def errors(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in findings if f["severity"] == "error"]


def write(workspace: Path, name: str, content: str | bytes) -> None:
    path = workspace / "notes" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, "utf-8")


# file name -> (content, the one input finding expected: code, line, column)
def bad_notes(make_note: Callable[..., str]) -> dict[str, tuple[str | bytes, str, int, int]]:
    good = make_note()
    return {
        "broken-yaml.md": ("---\nclient: [C-1\nclinician: x\n---\n## Subjective\nText.\n",
                           "R006", 3, 10),
        "list.md": ("---\n- client: C-1\n- clinician: x\n---\n## Subjective\nText.\n",
                    "R007", 2, 1),
        "binary.md": (PNG, "R003", 1, 1),
        "latin1.md": (good.replace("Jordan Rivera", "José Rivera").encode("latin-1"),
                      "R002", 3, 15),
        "utf16.md": (good.encode("utf-16"), "R002", 1, 1),
        "empty.md": (b"", "R004", 1, 1),
        "whitespace.md": (" \n\t\r\n   \n", "R004", 1, 1),
        "bomb.md": (BILLION_LAUGHS, "R009", 2, 4),  # at the anchor "&a"
        "huge.md": (good + "Client reported poor sleep. " * 110_000, "R008", 1, 1),
        "no-front-matter.md": ("## Subjective\nClient reported poor sleep.\n", "R005", 1, 1),
        "dashes.md": ("---", "R010", 1, 1),
        "unclosed.md": ("---\nclient: C-1\n\n## Subjective\nText.\n", "R010", 1, 1),
    }


def test_every_bad_note_gets_its_own_finding_and_the_good_one_is_checked(
    workspace: Path, make_note: Callable[..., str]
) -> None:
    write(workspace, "good.md", make_note())
    cases = bad_notes(make_note)
    for name, (content, *_) in cases.items():
        write(workspace, name, content)
    assert (workspace / "notes" / "huge.md").stat().st_size > 3_000_000
    (workspace / "notes" / "x.md").mkdir()  # a folder, however it is named
    write(workspace, "x.md/inside.md", make_note(client="C-2"))
    os.symlink(workspace / "notes" / "missing-target.md", workspace / "notes" / "dangling.md")
    write(workspace, "wrong-types.md", make_note(occurred="maybe", duration="long"))

    done = check(workspace)
    data = report(done)
    assert done.returncode == 1, done.stderr

    expected_files = {f"notes/{name}" for name in cases} | {
        "notes/good.md", "notes/x.md/inside.md", "notes/dangling.md", "notes/wrong-types.md"}
    assert set(data["files"]) == expected_files
    assert data["summary"]["files"] == len(expected_files)

    for name, (_, code, line, column) in cases.items():
        path = f"notes/{name}"
        inputs = [f for f in findings_for(data, path) if f["family"] == "input"]
        assert [(f["code"], f["line"], f["column"], f["severity"]) for f in inputs] == [
            (code, line, column, "error")], path

    dangling = [f for f in findings_for(data, "notes/dangling.md") if f["family"] == "input"]
    assert [(f["code"], f["line"], f["column"]) for f in dangling] == [("R001", 1, 1)]
    assert dangling[0]["message"] == "The file cannot be read: No such file or directory."

    wrong = findings_for(data, "notes/wrong-types.md")
    assert sorted((f["code"], f["line"], f["column"]) for f in wrong if f["code"] == "F002") == [
        ("F002", 5, 11), ("F002", 6, 11)]

    assert findings_for(data, "notes/x.md") == []
    for good in ("notes/good.md", "notes/x.md/inside.md"):
        assert errors(findings_for(data, good)) == [], good


def test_bad_notes_named_on_the_command_line(workspace: Path,
                                             make_note: Callable[..., str]) -> None:
    write(workspace, "good.md", make_note())
    write(workspace, "binary.md", PNG)
    write(workspace, "bomb.md", BILLION_LAUGHS)
    done = check(workspace, "notes/binary.md", "notes/good.md", "notes/bomb.md")
    data = report(done)
    assert done.returncode == 1
    assert data["files"] == ["notes/binary.md", "notes/bomb.md", "notes/good.md"]
    assert [f["code"] for f in findings_for(data, "notes/binary.md")] == ["R003"]
    assert "R009" in [f["code"] for f in findings_for(data, "notes/bomb.md")]
    assert errors(findings_for(data, "notes/good.md")) == []


def test_only_good_notes_exit_0(workspace: Path, make_note: Callable[..., str]) -> None:
    write(workspace, "good.md", make_note())
    write(workspace, "crlf.md", make_note(newline="\r\n", bom=True, client="C-2"))
    write(workspace, "cr.md", make_note(newline="\r", client="C-3"))
    done = check(workspace)
    data = report(done)
    assert done.returncode == 0, data["findings"]
    assert data["summary"]["errors"] == 0


@pytest.mark.parametrize("field", ["session_date: 9999-12-31", "session_date: 9999-12-31 23:00",
                                   "session_date: 0001-01-01T00:00+05:00"])
def test_an_out_of_range_date_is_a_finding(workspace: Path, make_note: Callable[..., str],
                                           field: str) -> None:
    write(workspace, "good.md", make_note())
    name, value = field.split(": ")
    write(workspace, "placeholder.md", make_note(submitted=None, **{name: value}))
    done = check(workspace)
    data = report(done)
    assert done.returncode in (0, 1)
    assert "notes/good.md" in data["files"]
    assert errors(findings_for(data, "notes/good.md")) == []


def test_deeply_nested_front_matter_does_not_stop_the_run(
    workspace: Path, make_note: Callable[..., str]
) -> None:
    write(workspace, "good.md", make_note())
    write(workspace, "deep.md", "---\nclient: " + "[" * 100_000 + "\n---\n## Subjective\nx\n")
    done = check(workspace)
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    data = report(done)
    assert [f["code"] for f in findings_for(data, "notes/deep.md")
            if f["family"] == "input"] in (["R006"], ["R009"])
    assert errors(findings_for(data, "notes/good.md")) == []


PARSE_ONLY = textwrap.dedent("""\
    import sys
    from soapbuild.model.formats import builtin_formats
    from soapbuild.model.parse import parse_note
    data = open(sys.argv[1], "rb").read()
    result = parse_note(data, "x.md", builtin_formats())
    print(len(result.note.body.sections) if result.note else "-")
    """)


def parse_in_subprocess(tmp_path: Path, text: str, timeout: float) -> str:
    """Parse one note in a child process that is killed after ``timeout`` seconds.

    The inputs below parse in well under a second when parsing is linear; the
    timeout only keeps a quadratic blow-up from hanging the suite.
    """
    path = tmp_path / "note.md"
    path.write_text(text, "utf-8")
    done = subprocess.run([sys.executable, "-c", PARSE_ONLY, str(path)], capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_many_unclosed_html_comments_parse_in_linear_time(tmp_path: Path) -> None:
    head = "---\nclient: C-1\n---\n"
    assert parse_in_subprocess(tmp_path, head + "<!--" * 75_000 + "\n", timeout=60) == "0"


def test_many_section_headings_parse_in_linear_time(tmp_path: Path) -> None:
    head = "---\nclient: C-1\n---\n"
    assert parse_in_subprocess(tmp_path, head + "## Plan\nx\n" * 30_000, timeout=60) == "30000"
