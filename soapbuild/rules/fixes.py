"""Mechanical fixes: for a few rules, the edit that resolves their finding.

A fix changes how something is written, never what it says, so it is safe to
apply without reading it first (``soapbuild fix``; ``--diff`` shows it):

- S007: a pasted section label (``**Subjective:**``, ``S:``, ``#Subjective``)
  becomes the section's heading (``## Subjective``, at the level the note's
  other section headings use);
- F007: ``duration: 50 min`` becomes ``duration: 50``;
- F008: a text value that other YAML readers would mistype is quoted
  (``service_code: 90837`` becomes ``"90837"``);
- Q002: a quotation opened with one kind of mark and closed with the other
  (``“I can't sleep"``) gets the kind the clinician uses elsewhere in the note,
  only where the pairing is certain: exactly two unpaired marks in the
  paragraph.

Like the rules, fixes are pure: a parsed note in, :class:`Edit` values out.
Applying them, checking the result and writing the file are
:mod:`soapbuild.commands.fix`'s job. A fix whose rule the settings switch off,
or whose line carries an inline suppression of that rule, is not made.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from soapbuild.model.body import quotation_marks
from soapbuild.model.frontmatter import yaml_reading
from soapbuild.model.header import holds_text
from soapbuild.model.note import BlockKind, Note, Span

FIXABLE = ("S007", "F007", "F008", "Q002")
_CURLY = ("“", "”")
_STRAIGHT = ('"', '"')


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``span`` of the note's text with ``text``, resolving a finding of ``code``."""

    code: str
    span: Span
    text: str


def note_edits(note: Note, ignore: Iterable[str] = ()) -> list[Edit]:
    """Every fix the note admits, in file order; none for rules in ``ignore``."""
    skipped = set(ignore)
    silenced = {(s.line, code) for s in note.body.suppressions for code in s.codes}
    edits = [*_labels(note), *_duration(note), *_quoting(note), *_quotation_pairs(note)]
    return sorted((e for e in edits if e.code not in skipped
                   and (note.source.position(e.span.start).line, e.code) not in silenced),
                  key=lambda e: (e.span.start, e.span.end))


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """``text`` with the edits made; they must not overlap (fixes never produce that)."""
    pieces: list[str] = []
    position = 0
    for edit in sorted(edits, key=lambda e: e.span.start):
        if edit.span.start < position:
            raise ValueError(f"overlapping edits at offset {edit.span.start}")
        pieces += [text[position:edit.span.start], edit.text]
        position = edit.span.end
    pieces.append(text[position:])
    return "".join(pieces)


def _labels(note: Note) -> Iterator[Edit]:
    sections = note.body.sections
    levels = {s.heading.level for s in sections if not s.label}
    level = levels.pop() if len(levels) == 1 else 2
    for section in sections:
        if not section.label:
            continue
        written = note.text_of(section.heading.span).strip()
        hashes = len(written) - len(written.lstrip("#"))
        yield Edit("S007", section.heading.span, f"{'#' * (hashes or level)} {section.name}")


def _duration(note: Note) -> Iterator[Edit]:
    header = note.header
    for loose in header.loose:
        if loose.name == "duration" and header.duration is not None:
            yield Edit("F007", loose.span, str(header.duration))


def _quoting(note: Note) -> Iterator[Edit]:
    for raw in note.header.fields:
        if (raw.kind == "scalar" and not raw.quoted and raw.text and holds_text(raw.name)
                and yaml_reading(raw.text) is not None
                and note.text_of(raw.value_span) == raw.text):
            yield Edit("F008", raw.value_span, json.dumps(raw.text, ensure_ascii=False))


def _quotation_pairs(note: Note) -> Iterator[Edit]:
    """Q002: a quotation whose two marks do not match, where nothing else could pair."""
    body = note.body
    if not body.unbalanced_quotes:
        return
    curly = sum(1 for q in body.quotes if q.mark == "curly")
    straight = sum(1 for q in body.quotes if q.mark == "straight")  # single quotes aside
    for block in body.blocks:
        if block.kind is BlockKind.CODE or not any(
                span.start in block.span for span in body.unbalanced_quotes):
            continue
        unpaired = [(at, mark) for at, mark in quotation_marks(note.prose, block.span)
                    if not any(at in q.span for q in body.quotes)]
        if len(unpaired) != 2:
            continue  # one mark, or three: which ones belong together is a guess
        (opening, first), (closing, _) = unpaired
        if curly != straight:
            marks = _CURLY if curly > straight else _STRAIGHT
        else:  # no other quotation to go by: the opening mark says what was meant
            marks = _STRAIGHT if first == '"' else _CURLY
        for at, mark in ((opening, marks[0]), (closing, marks[1])):
            if note.source.text[at] != mark:
                yield Edit("Q002", Span(at, at + 1), mark)
