"""The language server's parts without an editor: positions, replacements, the copy seam.

Positions are checked against Python's own codecs and against pygls' position codec
(an implementation written by others), on any text hypothesis makes up, with line
breaks of every kind, curly quotes, accents, CJK and emoji.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types as lsp
from pygls.workspace.position_codec import PositionCodec

from soapbuild.lsp import workspace as lsp_workspace
from soapbuild.lsp.actions import _words, replacements
from soapbuild.lsp.positions import Encoding, LineIndex, to_column, to_units
from soapbuild.lsp.workspace import OtherNotes, Workspace, note_findings
from soapbuild.rules.lexicon import builtin_entries

REPO = Path(__file__).resolve().parents[1]
CODECS = {Encoding.UTF8: "utf-8", Encoding.UTF16: "utf-16-le", Encoding.UTF32: "utf-32-le"}
UNIT = {Encoding.UTF8: 1, Encoding.UTF16: 2, Encoding.UTF32: 4}

text_of_notes = st.lists(st.one_of(
    st.sampled_from(["a", " ", "’", "“", "”", "é", "—", "…", "漢", "😊", "👩‍⚕️", "\n", "\r\n",
                     "\r", "\ufeff"]),
    st.characters(blacklist_categories=("Cs",))), max_size=40).map("".join)
encodings = st.sampled_from(list(Encoding))


def _units(text: str, encoding: Encoding) -> int:
    return len(text.encode(CODECS[encoding])) // UNIT[encoding]


@settings(max_examples=200, deadline=None)
@given(text_of_notes, encodings)
def test_columns_and_code_units_convert_both_ways(line: str, encoding: Encoding) -> None:
    line = line.replace("\r", "").replace("\n", "")
    for column in range(len(line) + 1):
        count = to_units(line, column, encoding)
        assert count == _units(line[:column], encoding)
        assert to_column(line, count, encoding) == column
    # a count inside a character means that character; past the end, the line's end
    for column, character in enumerate(line):
        start = to_units(line, column, encoding)
        for inside in range(start, start + _units(character, encoding)):
            assert to_column(line, inside, encoding) == column
    assert to_column(line, _units(line, encoding) + 5, encoding) == len(line)


@settings(max_examples=200, deadline=None)
@given(text_of_notes, encodings)
def test_offsets_and_positions_agree_with_pygls(text: str, encoding: Encoding) -> None:
    index = LineIndex.of(text, encoding)
    codec = PositionCodec(encoding=encoding.value)
    # the protocol's lines: broken at CRLF, LF and CR only (str.splitlines breaks at more)
    lines = [*re.findall(r"[^\r\n]*(?:\r\n|\r|\n)", text), re.findall(r"[^\r\n]*\Z", text)[0]]
    assert len(lines) == len(index.starts)
    for offset in range(len(text) + 1):
        line, units = index.position(offset)
        column = min(offset - index.starts[line], len(index.line(line)))
        theirs = codec.position_to_client_units(lines, lsp.Position(line, column))
        assert (line, units) == (theirs.line, theirs.character)
        if offset - index.starts[line] <= len(index.line(line)):  # not inside a CRLF
            assert index.offset(line, units) == offset


@settings(max_examples=200, deadline=None)
@given(text_of_notes, encodings)
def test_soapbuild_positions_land_on_the_same_character_despite_a_bom(
        text: str, encoding: Encoding) -> None:
    """soapbuild strips a BOM and reads a lone CR as LF; the client keeps its text."""
    from soapbuild.model.source import SourceText

    source = SourceText.from_str(text)
    index = LineIndex.of(text, encoding)
    for offset in range(len(source.text) + 1):
        point = source.position(offset)
        at = index.from_finding(point.line, point.column)
        assert at == index.from_source(offset)
        if source.text[offset - 1:offset + 1] != "\r\n":  # not between the two of a CRLF
            assert index.to_source(*at) == offset
        if offset < len(source.text) and source.text[offset] not in "\r\n":
            assert text[index.offset(*at)] == source.text[offset]


def test_every_offered_replacement_is_words_to_write() -> None:
    instructions, _ = _words()
    offered = 0
    for entry in builtin_entries():
        for wording in replacements(entry.suggest):
            offered += 1
            assert wording and wording == wording.strip(), entry.term
            assert "(" not in wording and ")" not in wording and "…" not in wording, entry.term
            assert wording.split()[0].lower() not in instructions, entry.term
    assert offered > 100


@pytest.mark.parametrize(("suggest", "offered"), [
    ("reports, states", ["reports", "states"]),
    ("declined, or describe what was not accepted and the reason given", ["declined"]),
    ("person with a substance use disorder (name the substance, e.g. person with opioid "
     "use disorder)", ["person with a substance use disorder"]),
    ("person who has (the condition)", []),
    ("Roma, Romani (or, for the verb, cheated)", ["Roma", "Romani"]),
    ("did not (attend, complete, take…), and the reason if known", []),
    ("intoxicated; or person with alcohol use disorder", ["intoxicated"]),
    ("quantify (e.g. from 8/10 to 6/10)", []),
])
def test_replacements_are_read_from_the_suggestion(suggest: str, offered: list[str]) -> None:
    assert replacements(suggest) == offered


def _practice(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "notes", tmp_path / "notes")
    shutil.copy(REPO / "soapbuild.toml", tmp_path / "soapbuild.toml")
    return tmp_path


def _workspace(root: Path, now: str) -> Workspace:
    from soapbuild.commands.check import rule_context
    from soapbuild.commands.common import run_now, workspace_settings

    settings = workspace_settings(root)
    moment: datetime = run_now(now, settings)
    others = OtherNotes(settings)
    others.load()
    return Workspace(settings, rule_context(root, settings, moment), others, lambda: moment)


@pytest.mark.parametrize("every_note", [True, False], ids=["all notes", "sketch index"])
def test_a_copied_section_is_found_in_a_small_and_in_a_large_workspace(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, every_note: bool) -> None:
    """The other notes are all compared in a small workspace; in a large one only those
    the sketch index names (forced here): both find the copy ``check`` finds."""
    root = _practice(tmp_path)
    earlier = (root / "notes/C-1057/2026-11-17.md").read_text("utf-8")
    later = root / "notes/C-1057/2026-11-24.md"
    text = later.read_text("utf-8")
    section = earlier[earlier.index("## Subjective"):earlier.index("## Objective")]
    copied = text[:text.index("## Subjective")] + section + text[text.index("## Objective"):]
    later.write_text(copied, "utf-8")
    done = subprocess.run([sys.executable, "-m", "soapbuild", "check", "--now",
                           "2026-12-01 12:00", str(later.relative_to(root)), "notes"],
                          cwd=root, capture_output=True, text=True, timeout=120, check=False)
    expected = [line for line in done.stdout.splitlines()
                if line.startswith("notes/C-1057/2026-11-24.md") and " D001 " in line]
    assert len(expected) == 1, done.stdout
    if not every_note:
        monkeypatch.setattr(lsp_workspace, "ALL_BELOW", 1)
    workspace = _workspace(root, "2026-12-01 12:00")
    later.write_text(text, "utf-8")  # the copy is only in the editor now
    workspace.others.update(later)
    found = note_findings(workspace, later, copied, None).findings
    copies = [f for f in found if f.code == "D001"]
    assert len(copies) == 1
    assert f"{copies[0].line}:{copies[0].column}: warning D001 {copies[0].message}" in expected[0]
    assert not [f for f in note_findings(workspace, later, text, None).findings
                if f.code == "D001"]


def test_without_the_lsp_extra_the_command_says_what_to_install(tmp_path: Path) -> None:
    """pygls missing (as after a plain ``pip install soapbuild``): a clear message, exit 2."""
    code = ("import sys\nsys.modules['pygls'] = None\nfrom soapbuild.cli import main\n"
            "main(['lsp'])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "pip install 'soapbuild[lsp]'" in done.stderr and "Traceback" not in done.stderr


def test_headings_are_offered_on_a_heading_or_blank_line_only() -> None:
    from soapbuild.lsp.completion import complete
    from soapbuild.settings import Settings

    text = "---\nclient: C-1\nformat: dap\n---\n## Data\n\nClient reported \n\n## A"
    settings = Settings(root=Path("."))
    assert complete(text, text.index("Client reported ") + 16, settings) == []
    assert complete(text, text.index("Cli") + 3, settings) == []
    blank = [i.label for i in complete(text, text.index("\n\n## A") + 1, settings)]
    assert blank == ["## Assessment", "## Plan"]  # the dap format's, Data being there
    typed = complete(text, len(text), settings)
    assert [(i.label, i.span.start) for i in typed] == [
        ("## Assessment", text.index("## A")), ("## Plan", text.index("## A"))]


def test_a_value_typed_with_its_quote_is_filtered_quoted() -> None:
    from soapbuild.lsp.completion import complete
    from soapbuild.settings import Settings

    settings = Settings(root=Path("."))
    for typed, shown in (('"908', '"90837"'), ("908", "90837")):
        text = f"---\nclient: C-1\nservice_code: {typed}\n---\n"
        items = {i.label: i for i in complete(text, text.index(typed) + len(typed), settings)}
        assert items["90837"].text == '"90837"' and items["90837"].filter == shown
        assert text[items["90837"].span.start:items["90837"].span.end] == typed
