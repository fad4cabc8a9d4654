"""The record of a note changed after it locked (issue 12): the original, the change marked.

What another provider receives must never be silently altered. A note with K001
is rendered from the text it locked with, the change set apart and labelled as
unauthorised, in the client's HTML record, the note's page and the PDF (read back
with pypdf), in a git repository and without one. The pages stay valid HTML (W3C
Nu checker) and accessible (axe-core in headless Chromium, in test_build_browser).
"""

from __future__ import annotations

import os
import re
import subprocess
from datetime import datetime
from html import unescape
from pathlib import Path
from zoneinfo import ZoneInfo

import pypdf
import pytest
from clean_note import note, workspace
from click.testing import CliRunner
from validators import validate_html

from soapbuild.cli import main

KEY = "notes/C-1042/2026-11-20.md"
LATER = "2026-11-27 12:00"
ORIGINAL = note()
CHANGED = "Client denies SI/HI; risk is low; sleep is improving."
EDITED = ORIGINAL.replace("Client denies SI/HI; risk is low.", CHANGED)
LOCKED_LINE = "Client denies SI/HI; risk is low."


def build(root: Path, *args: str) -> None:
    result = CliRunner().invoke(main, ["-C", str(root), "build", "--now", LATER, *args],
                                env={"SOAPBUILD_NOW": None})
    assert result.exit_code == 0, result.output


def check_codes(root: Path) -> list[str]:
    result = CliRunner().invoke(main, ["-C", str(root), "check", "--now", LATER])
    return re.findall(r": (?:error|warning|info) ([A-Z]\d{3}) ", result.output)


def without_git(tmp_path: Path) -> Path:
    root = workspace(tmp_path / "plain", notes="notes/C-1042")
    (root / KEY).write_text(ORIGINAL, "utf-8")
    assert check_codes(root) == []  # sealed, its original kept
    (root / KEY).write_text(EDITED, "utf-8")
    return root


def in_git(tmp_path: Path) -> Path:
    root = workspace(tmp_path / "repo", notes="notes/C-1042")
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

    def git(*args: str, at: str | None = None) -> None:
        when = {} if at is None else {
            name: datetime.fromisoformat(at).replace(tzinfo=ZoneInfo("America/New_York"))
            .isoformat() for name in ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE")}
        subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.org",
                        "-c", "commit.gpgsign=false", *args], cwd=root, check=True,
                       capture_output=True, env={**env, **when}, timeout=60)

    git("init", "-q", "-b", "main")
    (root / KEY).write_text(ORIGINAL, "utf-8")
    git("add", "-A")
    git("commit", "-q", "-m", "the note", at="2026-11-21 09:30")
    (root / KEY).write_text(EDITED, "utf-8")
    git("commit", "-q", "-am", "an edit after the lock", at="2026-11-25 10:00")
    return root


@pytest.fixture(params=["without-git", "in-git"])
def edited(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    root = without_git(tmp_path) if request.param == "without-git" else in_git(tmp_path)
    assert check_codes(root) == ["K001"]
    return root


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


@pytest.mark.needs("vnu")
def test_the_html_record_shows_the_original_and_marks_the_change(edited: Path) -> None:
    build(edited, "--no-pdf")
    output = edited / "output"
    [client] = (output / "clients").glob("*.html")
    html = client.read_text("utf-8")
    record, change = html.split('<section class="unauthorised-change">', 1)
    note_text = record.split('<p class="locked-notice"', 1)[1]
    assert "<strong>Shown as locked.</strong> This note locked on 2026-11-22 09:00" in note_text
    # the record is the locked text: the original line, never the changed one
    assert LOCKED_LINE in _text(note_text) and CHANGED not in _text(note_text)
    # the change is apart, labelled in words as well as by its markup
    assert "<h3>Unauthorised change (not part of the record)</h3>" in change
    assert ('<p class="change-locked"><span class="change-label">Locked text:</span> '
            f"<del>{LOCKED_LINE}</del></p>") in change
    assert ('<p class="change-made"><span class="change-label">Changed to:</span> '
            f"<ins>{CHANGED}</ins></p>") in change
    [page] = (output / "notes").glob("*.html")
    rendered = page.read_text("utf-8").split('id="rendered"', 1)[1]
    assert "Shown as locked." in rendered and f"<ins>{CHANGED}</ins>" in rendered
    assert validate_html([client, page]) == []


@pytest.mark.needs("pango")
def test_the_pdf_record_shows_the_original_and_marks_the_change(edited: Path) -> None:
    build(edited)
    [pdf] = (edited / "output" / "clients").glob("*.pdf")
    text = re.sub(r"\s+", " ", "\n".join(page.extract_text() or ""
                                        for page in pypdf.PdfReader(pdf).pages))
    before, change = text.split("Unauthorised change (not part of the record)", 1)
    assert "Shown as locked. This note locked on 2026-11-22 09:00" in before
    assert LOCKED_LINE in before and CHANGED not in before
    assert f"Locked text: {LOCKED_LINE}" in change
    assert f"Changed to: {CHANGED}" in change


def test_a_note_restored_and_amended_renders_as_an_addendum(edited: Path) -> None:
    result = CliRunner().invoke(main, ["-C", str(edited), "restore", KEY, "--now", LATER])
    assert result.exit_code == 0, result.output
    text = (edited / KEY).read_text("utf-8")
    (edited / KEY).write_text(text.replace(
        "## Addendum (draft: date this heading and sign it)", "## Addendum 2026-11-27 11:30")
        .replace("Author:\n", "Author: Jordan Rivera, LCSW\n")
        .replace("Reason:\n", "Reason: Sleep had improved.\n"), "utf-8")
    assert check_codes(edited) == []
    build(edited, "--no-pdf")
    [client] = (edited / "output" / "clients").glob("*.html")
    html = client.read_text("utf-8")
    assert "unauthorised-change" not in html and "locked-notice" not in html
    assert '<section class="addendum"><h3>Addendum 2026-11-27 11:30</h3>' in html
