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
from dataclasses import dataclass, field

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
    line_starts: tuple[int, ...] = field(default=(), repr=False)

    @classmethod
    def from_str(cls, raw: str) -> SourceText:
        had_bom = raw.startswith(BOM)
        text = raw[1:] if had_bom else raw
        text = _LONE_CR.sub("\n", text)
        starts = [0]
        starts.extend(m.end() for m in re.finditer("\n", text))
        return cls(text=text, had_bom=had_bom, line_starts=tuple(starts))

    @property
    def line_count(self) -> int:
        return len(self.line_starts)

    def position(self, offset: int) -> Position:
        """Map an offset into :attr:`text` to the line and column an editor shows."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect_right(self.line_starts, offset)
        return Position(line, offset - self.line_starts[line - 1] + 1)

    def line_start(self, line: int) -> int:
        """Offset of the first character of 1-based ``line`` (end of text past the last)."""
        if line < 1:
            return 0
        if line > len(self.line_starts):
            return len(self.text)
        return self.line_starts[line - 1]

    def line_end(self, line: int) -> int:
        """Offset just past the visible content of ``line``, before its CR/LF."""
        end = self.line_start(line + 1)
        if line < len(self.line_starts):
            end -= 1  # the \n
            if end > 0 and self.text[end - 1] == "\r":
                end -= 1
        return max(end, self.line_start(line))


def blank_out(text: str) -> str:
    """Replace everything but line breaks with spaces, keeping every offset valid."""
    if "\n" not in text and "\r" not in text:
        return " " * len(text)
    return _NOT_LINE_BREAK.sub(lambda run: " " * len(run.group()), text)
