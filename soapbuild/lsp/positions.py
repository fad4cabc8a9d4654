"""Positions between soapbuild and an editor: code points to the client's code units.

soapbuild counts columns in code points (:mod:`soapbuild.model.source`); the Language
Server Protocol counts them in the code units of the encoding negotiated at start
(UTF-16 unless the client offers UTF-8 or UTF-32). A note holds curly quotes, accents
and the odd emoji, so the two differ on many lines: "’" is one UTF-16 unit but three
UTF-8 bytes, "😊" two UTF-16 units. Lines are split as the protocol splits them: at
CRLF, LF and a lone CR. A byte order mark that the client kept in the text is a
character of the first line for the client but not for soapbuild, which strips it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from enum import StrEnum

_BREAK = re.compile(r"\r\n|\n|\r")
BOM = "\ufeff"


class Encoding(StrEnum):
    """The position encodings of LSP 3.17 (``PositionEncodingKind``)."""

    UTF8 = "utf-8"
    UTF16 = "utf-16"
    UTF32 = "utf-32"


def width(character: str, encoding: Encoding) -> int:
    """How many code units one code point takes in ``encoding``."""
    point = ord(character)
    if encoding is Encoding.UTF32:
        return 1
    if encoding is Encoding.UTF16:
        return 2 if point > 0xFFFF else 1
    return 1 if point < 0x80 else 2 if point < 0x800 else 3 if point < 0x10000 else 4


def units(text: str, encoding: Encoding) -> int:
    """The length of ``text`` in code units (ASCII text, the usual case, in one step)."""
    if encoding is Encoding.UTF32 or text.isascii():
        return len(text)
    return sum(width(character, encoding) for character in text)


def to_units(line: str, column: int, encoding: Encoding) -> int:
    """A 0-based code-point ``column`` of ``line`` as code units from the line's start."""
    return units(line[:column], encoding)


def to_column(line: str, count: int, encoding: Encoding) -> int:
    """``count`` code units into ``line`` as a code-point column.

    A count inside a character (between the two halves of a surrogate pair, inside a
    UTF-8 sequence) means that character's start; past the end, the line's end, as the
    protocol says.
    """
    if encoding is Encoding.UTF32 or line.isascii():
        return max(0, min(count, len(line)))
    seen = 0
    for column, character in enumerate(line):
        seen += width(character, encoding)
        if seen > count:
            return column
    return len(line)


@dataclass(frozen=True, slots=True)
class LineIndex:
    """The client's text of a document, with where each line starts (code points)."""

    text: str
    encoding: Encoding = Encoding.UTF16
    starts: tuple[int, ...] = field(default=(), repr=False)

    @classmethod
    def of(cls, text: str, encoding: Encoding = Encoding.UTF16) -> LineIndex:
        return cls(text, encoding, (0, *(m.end() for m in _BREAK.finditer(text))))

    @property
    def bom(self) -> int:
        """1 when the client's text begins with a byte order mark that soapbuild strips."""
        return 1 if self.text.startswith(BOM) else 0

    def line(self, number: int) -> str:
        """The 0-based line ``number`` without its line break ("" past the end)."""
        if not 0 <= number < len(self.starts):
            return ""
        end = self.starts[number + 1] if number + 1 < len(self.starts) else len(self.text)
        return self.text[self.starts[number]:end].rstrip("\r\n")

    def position(self, offset: int) -> tuple[int, int]:
        """A code-point offset into the client's text as (line, code units), both 0-based."""
        offset = max(0, min(offset, len(self.text)))
        number = bisect_right(self.starts, offset) - 1
        line = self.line(number)
        return number, to_units(line, min(offset - self.starts[number], len(line)),
                                self.encoding)

    def offset(self, line: int, character: int) -> int:
        """The code-point offset of an LSP position (a line past the end: the text's end)."""
        if line >= len(self.starts):
            return len(self.text)
        return self.starts[max(line, 0)] + to_column(self.line(max(line, 0)), character,
                                                     self.encoding)

    def from_source(self, offset: int) -> tuple[int, int]:
        """An offset into soapbuild's text of the note (no BOM) as an LSP position."""
        return self.position(offset + self.bom)

    def from_finding(self, line: int, column: int) -> tuple[int, int]:
        """soapbuild's 1-based line and code-point column as an LSP position."""
        shift = self.bom if line == 1 else 0
        start = self.starts[line - 1] if 0 < line <= len(self.starts) else len(self.text)
        return self.position(start + column - 1 + shift)

    def to_source(self, line: int, character: int) -> int:
        """An LSP position as an offset into soapbuild's text of the note."""
        return max(0, self.offset(line, character) - self.bom)
