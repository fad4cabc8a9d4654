"""parse_note / read_note: bytes in, a Note and the read problems (R001–R010) out."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from soapbuild.checker import check_result
from soapbuild.model.formats import NoteFormat
from soapbuild.model.note import Note, Span
from soapbuild.model.parse import ParseResult, parse_note, read_note
from soapbuild.model.raw import MAX_NOTE_BYTES
from soapbuild.rules.context import Context

Parse = Callable[[str | bytes], ParseResult]

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + b"\x00" * 64


def codes(result: ParseResult) -> list[str]:
    return [hit.code for hit in result.problems]


def test_a_good_note(parse: Parse, make_note: Callable[..., str], context: Context) -> None:
    result = parse(make_note())
    assert result.problems == ()
    assert result.path == "notes/x.md"
    note = result.note
    assert note is not None
    assert result.source is note.source
    assert note.path == "notes/x.md"
    assert note.key is None
    assert note.header.client == "C-1042"
    assert [s.name for s in note.body.sections] == ["Subjective", "Objective", "Assessment",
                                                    "Plan"]
    assert note.front_matter is not None
    assert note.body.start == note.front_matter.end
    assert note.body.first_line == 10
    assert [q.mark for q in note.body.quotes] == ["straight"]
    assert check_result(result, context).findings == []


def test_the_key_is_passed_through(formats: dict[str, NoteFormat],
                                   make_note: Callable[..., str]) -> None:
    result = parse_note(make_note().encode(), "shown.md", formats, "notes/C-1/a.md")
    assert result.note is not None and result.note.key == "notes/C-1/a.md"
    assert result.note.path == "shown.md"


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_line_endings_give_the_same_model(parse: Parse, make_note: Callable[..., str],
                                          newline: str) -> None:
    lf = parse(make_note()).note
    other = parse(make_note(newline=newline)).note
    assert lf is not None and other is not None
    assert other.header.problems == lf.header.problems == ()
    assert [(f.name, f.text) for f in other.header.fields] == [
        (f.name, f.text) for f in lf.header.fields]
    assert [(s.name, s.heading.line, s.last_line) for s in other.body.sections] == [
        (s.name, s.heading.line, s.last_line) for s in lf.body.sections]
    assert [other.text_of(q.span).replace("\r", "") for q in other.body.quotes] == [
        lf.text_of(q.span) for q in lf.body.quotes]


def test_a_bom_is_tolerated(parse: Parse, make_note: Callable[..., str]) -> None:
    result = parse(make_note(bom=True))
    assert result.problems == ()
    assert result.note is not None
    assert result.note.source.had_bom
    assert result.note.header.client == "C-1042"


# --- files that are not notes ---------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "R004"),
        (b"   \n\t\r\n  ", "R004"),
        (b"\xef\xbb\xbf", "R004"),
        (b"\xef\xbb\xbf\r\n \n", "R004"),
        (PNG, "R003"),
        (b"---\nclient: a\x00b\n---\n", "R003"),
        (b"\xff\xfe-\x00-\x00-\x00\n\x00", "R002"),  # UTF-16 LE
        (b"\xfe\xff\x00-\x00-\x00-", "R002"),  # UTF-16 BE
        (b"x" * (MAX_NOTE_BYTES + 1), "R008"),
    ],
    ids=["empty", "whitespace", "bom-only", "bom-whitespace", "png", "nul", "utf16le",
         "utf16be", "too-large"],
)
def test_unreadable_bytes_are_one_finding_and_no_note(parse: Parse, data: bytes,
                                                      code: str) -> None:
    result = parse(data)
    assert codes(result) == [code]
    assert result.note is None


def test_exactly_the_size_limit_is_still_read(parse: Parse, make_note: Callable[..., str]) -> None:
    text = make_note()
    data = text.encode() + b"x" * (MAX_NOTE_BYTES - len(text.encode()))
    assert len(data) == MAX_NOTE_BYTES
    result = parse(data)
    assert "R008" not in codes(result)
    assert result.note is not None


@pytest.mark.parametrize(
    ("data", "line", "column"),
    [
        ("---\nclient: José\n---\n".encode("latin-1"), 2, 12),
        (b"\xef\xbb\xbf---\r\nclient: \xc3\xa9\xf0\x9f\x98\x80 Jos\xe9\r\n", 2, 15),
        (b"\xe9", 1, 1),
        (b"ok\rline \x80", 2, 6),
    ],
)
def test_not_utf8_points_at_the_first_bad_byte(
    parse: Parse, context: Context, data: bytes, line: int, column: int
) -> None:
    result = parse(data)
    assert codes(result) == ["R002"]
    assert result.note is None
    assert result.source is not None
    (finding,) = check_result(result, context).findings
    assert (finding.code, finding.line, finding.column) == ("R002", line, column)
    assert "cannot be read" in finding.message


def test_not_utf8_message_names_the_byte(parse: Parse) -> None:
    result = parse(b"---\nclient: Jos\xe9\n")
    assert result.problems[0].message == "The file is not UTF-8 text: byte 0xe9 cannot be read."


def test_nul_far_into_a_text_file_is_not_binary(parse: Parse) -> None:
    result = parse(b"---\nclient: a\n---\n" + b"a" * 9000 + b"\x00 end\n")
    assert "R003" not in codes(result)
    assert result.note is not None
    assert len(result.note.prose) == len(result.note.source.text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("## Subjective\nText.\n", ["R005"]),
        ("---\n", ["R010"]),
        ("---\nclient: C-1\n## Subjective\n", ["R010"]),
        ("---\nclient: [C-1\n---\n## Subjective\nText.\n", ["R006"]),
        ("---\n- client\n---\n## Subjective\nText.\n", ["R007"]),
        ("---\nclient: &a x\nclinician: *a\n---\n## Subjective\nText.\n", ["R009"]),
    ],
)
def test_front_matter_problems_still_give_a_note(parse: Parse, text: str,
                                                 expected: list[str]) -> None:
    result = parse(text)
    assert codes(result) == expected
    assert result.note is not None
    assert result.note.header.readable is False
    assert result.note.header.fields == ()


def test_a_broken_front_matter_does_not_stop_the_body(parse: Parse) -> None:
    result = parse('---\nclient: [C-1\n---\n## Subjective\nClient said "hi".\n## Plan\nNext.\n')
    assert codes(result) == ["R006"]
    note = result.note
    assert note is not None
    assert [s.name for s in note.body.sections] == ["Subjective", "Plan"]
    assert [note.text_of(q.span) for q in note.body.quotes] == ['"hi"']
    assert note.body.first_line == 4


def test_without_front_matter_the_body_starts_at_line_1(parse: Parse) -> None:
    note = parse("## Subjective\nText.\n").note
    assert note is not None
    assert note.front_matter is None
    assert note.body.start == 0
    assert note.body.first_line == 1
    assert [s.heading.line for s in note.body.sections] == [1]


def test_an_unclosed_front_matter_swallows_the_file(parse: Parse) -> None:
    note = parse("---\nclient: C-1\n## Subjective\nText.\n").note
    assert note is not None
    assert note.front_matter == Span(0, len(note.source.text))
    assert note.body.sections == ()
    assert note.prose.strip() == ""


def test_format_picks_the_sections(parse: Parse, make_note: Callable[..., str]) -> None:
    note = parse(make_note("## Data\nd\n## Assessment\na\n## Plan\np\n", format="DAP")).note
    assert note is not None
    assert note.header.format == "dap"
    assert [s.name for s in note.body.sections] == ["Data", "Assessment", "Plan"]


# --- read_note ---------------------------------------------------------------------------


def test_read_note_reads_the_file(tmp_path: Path, formats: dict[str, NoteFormat],
                                  make_note: Callable[..., str]) -> None:
    path = tmp_path / "a.md"
    path.write_bytes(make_note(newline="\r\n", bom=True).encode())
    result = read_note(path, "a.md", formats, "notes/a.md")
    assert result.problems == ()
    assert result.note is not None
    assert result.note.key == "notes/a.md"
    assert result.note.header.client == "C-1042"


def test_read_note_on_a_folder_is_R001(tmp_path: Path, formats: dict[str, NoteFormat]) -> None:
    folder = tmp_path / "x.md"
    folder.mkdir()
    result = read_note(folder, "x.md", formats)
    assert codes(result) == ["R001"]
    assert result.note is None
    assert result.problems[0].message.startswith("The file cannot be read: ")


def test_read_note_on_a_missing_file_is_R001(tmp_path: Path,
                                             formats: dict[str, NoteFormat]) -> None:
    link = tmp_path / "gone.md"
    os.symlink(tmp_path / "nowhere.md", link)
    result = read_note(link, "gone.md", formats)
    assert codes(result) == ["R001"]
    assert result.problems[0].message == "The file cannot be read: No such file or directory."


def test_read_note_reads_no_more_than_the_limit(tmp_path: Path,
                                                formats: dict[str, NoteFormat]) -> None:
    path = tmp_path / "huge.md"
    path.write_bytes(b"---\n" + b"a" * (3 * MAX_NOTE_BYTES))
    result = read_note(path, "huge.md", formats)
    assert codes(result) == ["R008"]
    assert result.note is None


# --- findings from read problems ---------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "code", "line", "column"),
    [
        (b"", "R004", 1, 1),
        (PNG, "R003", 1, 1),
        (b"## Subjective\n", "R005", 1, 1),
        (b"---\nclient: x\nclinician: a: b\n---\n", "R006", 3, 13),
        (b"\n---\n", "R005", 1, 1),
        (b"---\n\n\n- a\n---\n", "R007", 4, 1),
        (b"---\r\nclient: &a x\r\nclinician: *a\r\n---\r\n", "R009", 2, 9),
        (b"---\nclient: C-1\n", "R010", 1, 1),
    ],
)
def test_read_problems_become_placed_error_findings(
    parse: Parse, context: Context, data: bytes, code: str, line: int, column: int
) -> None:
    findings = check_result(parse(data), context).findings
    placed = [f for f in findings if f.code == code]
    assert len(placed) == 1
    assert (placed[0].line, placed[0].column) == (line, column)
    assert placed[0].severity.value == "error"
    assert placed[0].family == "input"
    assert placed[0].path == "notes/x.md"


def test_the_note_model_is_immutable(parse: Parse, make_note: Callable[..., str]) -> None:
    note = parse(make_note()).note
    assert isinstance(note, Note)
    with pytest.raises(AttributeError):
        note.key = ""  # type: ignore[misc]
    with pytest.raises(AttributeError):
        note.body = note.body  # type: ignore[misc]
    # The prose is made from the text, never set (Python 3.11's frozen dataclasses with
    # slots refuse a name that is not a field with a TypeError, not an AttributeError).
    prose = note.prose
    with pytest.raises((AttributeError, TypeError)):
        note.prose = ""  # type: ignore[misc]
    assert note.prose == prose and note.prose.strip()
