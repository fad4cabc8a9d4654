"""Regression tests for the probe's findings 3-8 of issue 16 that tests/test_hostile.py's
table does not already hold (the table covers the symlinks of finding 3, the
tracebacks and hangs of finding 5, and the messages it can name).

Through the real command line: in process with click's runner where nothing can
hang, in a subprocess otherwise.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from soapbuild.cli import main

NOW = "2026-11-27 12:00"


def cli(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-C", str(root), *args], env={"SOAPBUILD_NOW": None})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


# --- finding 4: CSV formula injection through a list separator -----------------------------

def test_a_semicolon_in_a_field_cannot_make_a_formula_cell(
        workspace: Path, make_note: Callable[..., str]) -> None:
    (workspace / "notes" / "a.md").write_text(make_note(
        clinician='"Sam Lee;=2+5;LCSW"', reason='"late\t=HYPERLINK(1)"'), "utf-8")
    code, _ = cli(workspace, "build", "--no-pdf", "--now", NOW)
    assert code == 0
    text = (workspace / "output" / "report.csv").read_text("utf-8")
    assert '"Sam Lee;\'=2+5;LCSW"' in text  # quoted, and the formula start escaped
    for delimiter in (",", ";", "\t"):  # as spreadsheets of each locale split it
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@")), (delimiter, cell)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert rows[0]["clinician"] == "Sam Lee;'=2+5;LCSW"  # shown as text, otherwise as written


# --- finding 7: a manifest that cannot be written, look-alike client IDs ----------------------

def test_a_manifest_that_cannot_be_written_is_not_called_unchanged_output(
        workspace: Path, make_note: Callable[..., str]) -> None:
    (workspace / "notes" / "a.md").write_text(make_note(), "utf-8")
    manifest = workspace / ".soapbuild" / "cache" / "build.json"
    manifest.mkdir(parents=True)  # a folder where the file goes: the write fails
    code, output = cli(workspace, "build", "--no-pdf", "--now", NOW)
    assert code == 2
    assert "the record of them" in output and "next build makes every page again" in output
    assert "previous output is unchanged" not in output
    assert (workspace / "output" / "index.html").is_file()  # the pages did move in
    manifest.rmdir()
    code, output = cli(workspace, "build", "--no-pdf", "--now", NOW)
    assert code == 0 and "rendered" in output
    assert cli(workspace, "build", "--no-pdf", "--now", NOW)[1].count("up to date") == 1


def test_look_alike_client_ids_are_named(workspace: Path, make_note: Callable[..., str]) -> None:
    spellings = ["C-1042", "c-1042", "C-1042\u200b", "\u0421-1042", "C-1042"]
    for number, client in enumerate(spellings):
        (workspace / "notes" / f"{number}.md").write_text(make_note(
            client=json.dumps(client), session_date=f"2026-11-2{number} 15:00"), "utf-8")
    code, output = cli(workspace, "check", "--format", "json", "--now", NOW)
    assert code in (0, 1)  # F010 is a warning; the notes may hold other findings
    found = [f for f in json.loads(output)["findings"] if f["code"] == "F010"]
    assert sorted(f["path"] for f in found) == ["notes/1.md", "notes/2.md", "notes/3.md"]
    messages = " ".join(f["message"] for f in found)
    assert "'C-1042'" in messages and "'c-1042'" in messages
    assert "<U+200B>" in messages and "<U+0421>" in messages  # shown, not invisible


# --- finding 8: the five messages -------------------------------------------------------------

def test_a_stamp_that_makes_a_note_too_large_says_so(workspace: Path,
                                                     make_note: Callable[..., str]) -> None:
    text = make_note(submitted=None)
    padding = 1_000_000 - len(text.encode("utf-8")) - 2
    path = workspace / "notes" / "big.md"
    path.write_text(text + "\n" * padding, "utf-8")
    before = path.read_bytes()
    code, output = cli(workspace, "submit", "notes/big.md", "--as", "Jordan Rivera, LCSW",
                       "--now", NOW)
    assert code == 1
    assert "R008" in output and "nothing was written" in output
    assert "cannot edit this front matter safely" not in output
    assert path.read_bytes() == before


def test_a_utf32_note_is_called_utf32(workspace: Path, make_note: Callable[..., str]) -> None:
    (workspace / "notes" / "a.md").write_bytes(make_note().encode("utf-32"))
    code, output = cli(workspace, "check", "--now", NOW)
    assert code == 1 and "UTF-32 text, not UTF-8" in output and "UTF-16" not in output


def test_a_missing_folder_after_dash_c_is_named(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "soapbuild", "-C", str(tmp_path / "nowhere"),
                           "check"], capture_output=True, text=True, timeout=120, check=False,
                          cwd=tmp_path)
    assert done.returncode == 2
    assert "no such folder (given with -C)" in done.stderr and "notes folder" not in done.stderr


def test_a_symlink_loop_as_output_folder_is_a_message(workspace: Path) -> None:
    os.symlink("output", workspace / "output")
    code, output = cli(workspace, "build", "--no-pdf", "--now", NOW)
    assert code == 2 and "'output_dir'" in output
