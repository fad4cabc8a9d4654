"""Reading one note file into the model: bytes in, a :class:`Note` and read problems out.

Bad input never raises: a file that cannot be read, is binary, is not UTF-8,
is empty or is far too large becomes a finding of its own (``R0xx``), and a
note whose front matter is broken is still parsed for its body so the other
checks run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from soapbuild.model.body import parse_body
from soapbuild.model.findings import Hit
from soapbuild.model.formats import DEFAULT_FORMAT, NoteFormat
from soapbuild.model.frontmatter import read_front_matter
from soapbuild.model.header import type_header
from soapbuild.model.note import Note, Span
from soapbuild.model.raw import MAX_NOTE_BYTES, read_note_bytes
from soapbuild.model.source import SourceText

#: The rule codes this module reports: files that cannot be read as a note.
CODES = frozenset({"R001", "R002", "R003", "R004", "R008"})

@dataclass(frozen=True, slots=True)
class ParseResult:
    """A parsed note (``None`` when the file could not be read as text) and its problems."""

    path: str
    note: Note | None
    problems: tuple[Hit, ...]
    source: SourceText | None = None  # set when problems point into text with no note
    digest: str | None = None  # of the bytes read from disk (see :func:`digest_of`)


def read_note(path: Path, display: str, formats: dict[str, NoteFormat],
              key: str | None = None) -> ParseResult:
    """Read ``path`` from disk; never raises for anything the file holds.

    The result carries the hash of the bytes read, which is what a build records:
    the page and the manifest then come from the same bytes, whatever an editor
    saves while the build runs.
    """
    try:
        data = read_note_bytes(path)
    except OSError as error:
        return replace(unreadable(display, error.strerror or str(error) or type(error).__name__),
                       digest="-")
    digest = hashlib.sha256(data).hexdigest()
    return replace(parse_note(data, display, formats, key), digest=digest)


def unreadable(display: str, reason: str) -> ParseResult:
    """A file that could not be read at all (R001); ``reason`` says why."""
    return ParseResult(display, None, (Hit("R001", None, f"The file cannot be read: {reason}."),))


def parse_note(data: bytes, display: str, formats: dict[str, NoteFormat],
               key: str | None = None) -> ParseResult:
    """Parse the bytes of one note. ``formats`` are the known note formats by name.

    ``key`` is the note's path relative to the workspace root (how seals and
    the report name it), ``None`` for a file outside the workspace.
    """
    problem = unreadable_bytes(data)
    if problem is not None:
        lossy = SourceText.from_str(data.decode("utf-8", "replace")) if problem.span else None
        return ParseResult(display, None, (problem,), lossy)
    source = SourceText.from_str(data.decode("utf-8"))
    front = read_front_matter(source)
    header = type_header(front.fields, readable=not front.problems)
    note_format = formats.get(header.format or DEFAULT_FORMAT) or formats[DEFAULT_FORMAT]
    body, prose, narrative = parse_body(source, front.body_start, note_format,
                                        labels=header.occurred is not False)
    note = Note(display, source, front.span, header, body, key, (prose, narrative))
    return ParseResult(display, note, front.problems, source)


def unreadable_bytes(data: bytes) -> Hit | None:
    """Why ``data`` cannot be read as a text file (R002–R004, R008), or ``None``."""
    if len(data) > MAX_NOTE_BYTES:
        return Hit("R008", None,
                   f"The file is larger than {MAX_NOTE_BYTES // 1_000_000} MB; a note is a few "
                   "kilobytes, so this is probably not a note.",
                   "Move the file out of the notes folder or split it into one note per session.")
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return Hit("R002", None, "The file is UTF-32 text, not UTF-8.",
                   "Save the file as UTF-8 in your editor (File > Save with Encoding > UTF-8).")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Hit("R002", None, "The file is UTF-16 text, not UTF-8.",
                   "Save the file as UTF-8 in your editor (File > Save with Encoding > UTF-8).")
    if not data.removeprefix(b"\xef\xbb\xbf").strip(b" \t\r\n"):
        return Hit("R004", None, "The file is empty.",
                   "Write the note, or delete the file if it was created by mistake.")
    if b"\x00" in data[:8192]:
        return Hit("R003", None, "The file is binary, not a text note.",
                   "Notes are Markdown text files; move other files out of the notes folder.")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        at = len(data[: error.start].decode("utf-8", "replace").lstrip("\ufeff"))
        return Hit("R002", Span(at, at + 1),
                   f"The file is not UTF-8 text: byte 0x{data[error.start]:02x} cannot be read.",
                   "Save the file as UTF-8 in your editor (File > Save with Encoding > UTF-8).")
    return None
