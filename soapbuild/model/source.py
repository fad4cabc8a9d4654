"""Decoded note text and the way back from a character offset to ``line:col``.

Every position soapbuild reports is an offset into :attr:`SourceText.text`, the
file decoded from UTF-8 with a leading BOM removed and nothing else changed, so
that a column counts the characters the clinician sees in an editor. Lone
carriage returns (old Mac line endings) are turned into line feeds of the same
length so that markdown-it's line numbers and ours agree; CRLF stays as it is.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from soapbuild.model.packed import count, pack, unpack

BOM = "\ufeff"
_LONE_CR = re.compile(r"\r(?!\n)")
_NOT_LINE_BREAK = re.compile(r"[^\r\n]+")


@dataclass(frozen=True, slots=True)
class Position:
    """A 1-based line and a 1-based column counted in Unicode code points."""

    line: int
    column: int


@dataclass(frozen=True, slots=True)
class SourceText:
    """The text of one note and an index of where its lines start."""

    text: str
    had_bom: bool = False
    # Where each line starts, packed (soapbuild.model.packed): a whole practice's notes are
    # held at once, and a tuple of ints cost 36 bytes a line where this costs 4.
    lines: bytes = field(default=b"", repr=False)

    @classmethod
    def from_str(cls, raw: str) -> SourceText:
        had_bom = raw.startswith(BOM)
        text = raw[1:] if had_bom else raw
        text = _LONE_CR.sub("\n", text)
        starts = [0]
        starts.extend(m.end() for m in re.finditer("\n", text))
        return cls(text=text, had_bom=had_bom, lines=pack(starts))

    @property
    def line_starts(self) -> Sequence[int]:
        """The offset at which each line starts, the first line's (0) first."""
        return unpack(self.lines)

    @property
    def line_count(self) -> int:
        return count(self.lines)

    def position(self, offset: int) -> Position:
        """Map an offset into :attr:`text` to the line and column an editor shows."""
        offset = max(0, min(offset, len(self.text)))
        starts = self.line_starts
        line = bisect_right(starts, offset)
        return Position(line, offset - starts[line - 1] + 1)

    def line_start(self, line: int) -> int:
        """Offset of the first character of 1-based ``line`` (end of text past the last)."""
        if line < 1:
            return 0
        if line > self.line_count:
            return len(self.text)
        return self.line_starts[line - 1]

    def line_end(self, line: int) -> int:
        """Offset just past the visible content of ``line``, before its CR/LF."""
        end = self.line_start(line + 1)
        if line < self.line_count:
            end -= 1  # the \n
            if end > 0 and self.text[end - 1] == "\r":
                end -= 1
        return max(end, self.line_start(line))


def blank_out(text: str) -> str:
    """Replace everything but line breaks with spaces, keeping every offset valid."""
    if "\n" not in text and "\r" not in text:
        return " " * len(text)
    return _NOT_LINE_BREAK.sub(lambda run: " " * len(run.group()), text)
