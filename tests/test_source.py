"""SourceText: decoded note text and the way from an offset back to line:col."""

from __future__ import annotations

import pytest

from soapbuild.model.source import Position, SourceText, blank_out


def test_lf_text_is_kept_and_lines_are_indexed() -> None:
    source = SourceText.from_str("ab\ncd\n\nef")
    assert source.text == "ab\ncd\n\nef"
    assert not source.had_bom
    assert tuple(source.line_starts) == (0, 3, 6, 7)
    assert source.line_count == 4


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (0, Position(1, 1)),
        (1, Position(1, 2)),
        (2, Position(1, 3)),  # the \n itself is the end of line 1
        (3, Position(2, 1)),
        (5, Position(2, 3)),
        (6, Position(3, 1)),  # the empty line
        (7, Position(4, 1)),
        (9, Position(4, 3)),  # end of text
    ],
)
def test_position_on_lf_text(offset: int, expected: Position) -> None:
    assert SourceText.from_str("ab\ncd\n\nef").position(offset) == expected


def test_position_is_clamped_to_the_text() -> None:
    source = SourceText.from_str("ab\ncd")
    assert source.position(-5) == Position(1, 1)
    assert source.position(999) == Position(2, 3)


def test_a_bom_is_removed_and_remembered() -> None:
    source = SourceText.from_str("\ufeff---\nclient: C-1\n")
    assert source.had_bom
    assert source.text == "---\nclient: C-1\n"
    # Column 1 is the first character after the BOM, which no editor shows.
    assert source.position(0) == Position(1, 1)
    assert source.position(source.text.index("C-1")) == Position(2, 9)


def test_only_one_leading_bom_is_removed() -> None:
    source = SourceText.from_str("\ufeff\ufeffx")
    assert source.text == "\ufeffx"


def test_a_bom_elsewhere_is_text() -> None:
    source = SourceText.from_str("a\ufeffb")
    assert not source.had_bom
    assert source.text == "a\ufeffb"
    assert source.position(2) == Position(1, 3)


def test_crlf_is_kept_and_counts_as_one_line_break() -> None:
    source = SourceText.from_str("ab\r\ncd\r\n")
    assert source.text == "ab\r\ncd\r\n"
    assert tuple(source.line_starts) == (0, 4, 8)
    assert source.position(source.text.index("c")) == Position(2, 1)
    assert source.position(source.text.index("d")) == Position(2, 2)
    assert source.line_end(1) == 2  # before the \r
    assert source.line_end(2) == 6
    assert source.text[source.line_start(2):source.line_end(2)] == "cd"


def test_lone_cr_becomes_lf_of_the_same_length() -> None:
    source = SourceText.from_str("ab\rcd\r\ref")
    assert source.text == "ab\ncd\n\nef"
    assert len(source.text) == len("ab\rcd\r\ref")
    assert source.position(source.text.index("e")) == Position(4, 1)


def test_mixed_line_endings() -> None:
    source = SourceText.from_str("a\rb\r\nc\nd")
    assert source.text == "a\nb\r\nc\nd"
    assert [source.position(source.text.index(ch)).line for ch in "abcd"] == [1, 2, 3, 4]
    assert source.line_end(2) == source.text.index("\r")


@pytest.mark.parametrize(
    ("line", "target", "column"),
    [
        ("é x", "x", 3),
        ("😀x", "x", 2),  # one code point, one column
        ("中文字 x", "x", 5),
        ("Zoë 😀 中 \"q\"", '"', 9),
        ("e\u0301x", "x", 3),  # a combining accent is a code point of its own
    ],
)
def test_columns_count_code_points(line: str, target: str, column: int) -> None:
    source = SourceText.from_str("first\n" + line + "\n")
    offset = source.text.index(target, len("first\n"))
    assert source.position(offset) == Position(2, column)


def test_line_start_and_end_at_the_edges() -> None:
    source = SourceText.from_str("ab\ncd")
    assert source.line_start(0) == 0
    assert source.line_start(1) == 0
    assert source.line_start(2) == 3
    assert source.line_start(3) == 5  # past the last line: end of text
    assert source.line_end(2) == 5  # last line has no line break
    assert source.line_end(1) == 2


def test_empty_text_has_one_line() -> None:
    source = SourceText.from_str("")
    assert source.line_count == 1
    assert source.position(0) == Position(1, 1)
    assert source.line_end(1) == 0


def test_trailing_newline_opens_a_last_empty_line() -> None:
    source = SourceText.from_str("a\n")
    assert source.line_count == 2
    assert source.position(2) == Position(2, 1)


@pytest.mark.parametrize("text", ["", "abc", "a\nb", "a\r\nb\r\n", "é😀\t\n\r\n x", "\n\n"])
def test_blank_out_keeps_length_and_line_breaks(text: str) -> None:
    blank = blank_out(text)
    assert len(blank) == len(text)
    for original, masked in zip(text, blank, strict=True):
        assert masked == (original if original in "\r\n" else " ")
