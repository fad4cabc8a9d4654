"""Completion while a note is typed: front-matter fields and values, section headings.

Everything offered comes from what the checks accept: the fields of SPEC 3
(:data:`soapbuild.model.header.FIELDS`), the workspace's note formats, service codes
and clinicians (its settings), the place-of-service and modifier tables
(``data/*.toml``), the clients (the folders under the notes folder), and the section
headings of the note's format. Codes are offered quoted (``"90834"``), as
``soapbuild fix`` writes them (F008): YAML would read ``02`` as the number 2.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from soapbuild.model.formats import DEFAULT_FORMAT
from soapbuild.model.header import FIELDS, KNOWN_FIELDS
from soapbuild.model.note import Span
from soapbuild.model.service_codes import known_modifiers, places_of_service
from soapbuild.model.services import MODALITIES
from soapbuild.settings import Settings

_KEY_LINE = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_]*)[ \t]*:[ \t]*(?P<value>.*)$")
_FORMAT = re.compile(r"^format[ \t]*:[ \t]*[\"']?(?P<name>[A-Za-z0-9_-]+)", re.MULTILINE)
_SIGNERS = ("clinician", "signed_by", "cosigned_by")


class Kind(StrEnum):
    FIELD = "field"
    VALUE = "value"
    HEADING = "heading"


@dataclass(frozen=True, slots=True)
class Item:
    """One completion: ``text`` replaces ``span`` of the note (offsets in soapbuild's text)."""

    label: str
    text: str
    span: Span
    kind: Kind
    detail: str = ""
    typed: str = ""  # what the span holds now: the editor filters the items by it

    @property
    def filter(self) -> str:
        """What the editor matches the typed text against: a value typed with its opening
        quote is matched quoted."""
        return self.text if self.typed[:1] in ('"', "'") else self.label


def complete(text: str, offset: int, settings: Settings) -> list[Item]:
    """What may be typed at ``offset`` of the note ``text`` (soapbuild's text, no BOM)."""
    line_start = text.rfind("\n", 0, offset) + 1
    before = text[line_start:offset]
    front_end = _front_matter_end(text)
    if front_end is not None and line_start > 0 and offset <= front_end:
        return list(_front_matter(text, line_start, before, offset, settings))
    if front_end is None or offset > front_end:
        return list(_headings(text, line_start, before, offset, settings))
    return []


def _front_matter_end(text: str) -> int | None:
    """Where the front matter's closing line starts (the text's end while it is unclosed);
    None without front matter."""
    if not re.match(r"---[ \t]*\r?\n", text):
        return None
    closing = re.search(r"^(?:---|\.\.\.)[ \t]*\r?$", text[4:], re.MULTILINE)
    return 4 + closing.start() if closing else len(text)


def _front_matter(text: str, line_start: int, before: str, offset: int,
                  settings: Settings) -> Iterator[Item]:
    found = _KEY_LINE.match(before)
    if found is None:  # a field name being typed
        if before != before.lstrip() or not re.fullmatch(r"[A-Za-z_]*", before):
            return
        header = text[:line_start]
        present = {m["key"] for line in header.splitlines() if (m := _KEY_LINE.match(line))}
        span = Span(line_start, offset)
        for spec in FIELDS:
            if spec.name not in present:
                yield Item(spec.name, f"{spec.name}: ", span, Kind.FIELD,
                           ("required: " if spec.required else "") + spec.expected)
        return
    key, value = found["key"], found["value"]
    typed = re.search(r"[^\s\[,]*$", value)  # the value being typed, an opening quote too
    span = Span(offset - (len(typed.group()) if typed else 0), offset)
    in_list = "[" in value
    for label, written, detail in _values(key, settings):
        if key == "modifiers" and not in_list:
            written = f"[{written}]"
        yield Item(label, written, span, Kind.VALUE, detail, text[span.start:span.end])


def _values(key: str, settings: Settings) -> Iterator[tuple[str, str, str]]:
    """(label, text written, detail) for each value ``key`` takes."""
    if key == "format":
        for name, note_format in sorted(settings.formats.items()):
            yield name, name, ", ".join(note_format.sections)
    elif key == "service_code":
        for code, service in sorted(settings.service_codes.items()):
            yield code, json.dumps(code), f"{service.description} ({service.band})"
    elif key == "modifiers":
        for code, modifier in sorted(known_modifiers().items()):
            yield code, json.dumps(code), modifier.description
    elif key == "place_of_service":
        for code, place in sorted(places_of_service().items()):
            yield code, json.dumps(code), place.name
    elif key in _SIGNERS:
        for name, clinician in sorted(settings.clinicians.items()):
            signed = f"{name}, {clinician.credential}" if clinician.credential else name
            yield signed, signed, clinician.license or ""
    elif key == "client":
        notes = settings.notes_path
        if notes.is_dir():
            for folder in sorted(p.name for p in notes.iterdir()
                                 if p.is_dir() and not p.name.startswith(".")):
                yield folder, folder, "a client of the workspace (a folder under notes/)"
    elif key == "occurred":
        yield from (("true", "true", "the session took place"),
                    ("false", "false", "it did not: give a 'reason'"))
    elif key == "modality":
        for modality in MODALITIES:
            yield modality, modality, KNOWN_FIELDS["modality"].expected


def _headings(text: str, line_start: int, before: str, offset: int,
              settings: Settings) -> Iterator[Item]:
    """The note format's section headings, at the start of a line (``#`` typed or not)."""
    if not re.fullmatch(r"(?:#{1,6}[ \t]*[A-Za-z]*)?", before):  # a heading, or a blank line
        return
    chosen = _FORMAT.search(text[:_front_matter_end(text) or 0])
    formats = settings.formats
    note_format = formats.get(chosen["name"].lower() if chosen else DEFAULT_FORMAT) or formats[
        DEFAULT_FORMAT]
    hashes = len(before) - len(before.lstrip("#"))
    level = "#" * (hashes or 2)
    written = set(re.findall(r"^#{1,6}[ \t]+(.+?)[ \t]*$", text, re.MULTILINE))
    span = Span(line_start, offset)
    for name in note_format.sections:
        if name not in written:
            yield Item(f"{level} {name}", f"{level} {name}", span, Kind.HEADING,
                       f"a section of the {note_format.name} format")
