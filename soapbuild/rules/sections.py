"""Sections of the note's format: present, non-empty, unique, ordered (codes S001–S007)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources

from soapbuild.model.body import addendum_label
from soapbuild.model.findings import Hit
from soapbuild.model.formats import normalize_heading
from soapbuild.model.note import BlockKind, Note, Section, Span
from soapbuild.rules.context import Context

#: The rule codes this module reports (the rule pages are data/rules/*.toml).
CODES = frozenset({"S001", "S002", "S003", "S004", "S005", "S006", "S007"})


@cache
def placeholders() -> frozenset[str]:
    """Words that fill a section without saying anything (data/placeholders.txt)."""
    text = resources.files("soapbuild").joinpath("data/placeholders.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def check(note: Note, context: Context) -> Iterator[Hit]:
    body = note.body
    if note.header.occurred is False:
        for section in body.sections:
            yield Hit("S006", section.heading.text_span,
                      f"The session did not occur, so the note must not hold clinical sections "
                      f"such as '{section.heading.text}'.",
                      "Keep a short remark on what happened (e.g. the outreach made) and remove "
                      "the clinical sections.")
        return
    note_format = context.note_format(note)
    order = {name: index for index, name in enumerate(note_format.sections)}
    if note.header.readable:  # unreadable front matter: the session may not have occurred
        yield from _missing(note, note_format.sections)
    seen: set[str] = set()
    furthest: Section | None = None
    first_addendum = body.addenda[0] if body.addenda else None
    if first_addendum is not None:
        later = [s for s in body.sections if s.heading.line > first_addendum.heading.line]
        if later:
            yield Hit("S004", first_addendum.heading.text_span,
                      f"The addendum comes before the '{later[0].name}' section; addenda "
                      "follow the last section.", "Move the addendum below the last section.")
    for section in body.sections:
        if section.name in seen:
            yield Hit("S003", section.heading.text_span,
                      f"'{section.name}' appears a second time; each section appears once.",
                      f"Merge the two '{section.name}' sections.")
            continue
        seen.add(section.name)
        if furthest is not None and order[section.name] < order[furthest.name]:
            yield Hit("S004", section.heading.text_span,
                      f"'{section.name}' comes after '{furthest.name}'; the order is "
                      f"{', '.join(note_format.sections)}.",
                      f"Move '{section.name}' above '{furthest.name}'.")
        if furthest is None or order[section.name] > order[furthest.name]:
            furthest = section
        if is_empty(note, section):
            yield Hit("S002", section.heading.text_span,
                      f"'{section.name}' is empty or holds only a placeholder.",
                      f"Write what the {section.name} section should document.")
    yield from _labels(note)
    # A block of comments only (a soapbuild suppression at the top) is no text.
    written = [b for b in body.preamble if note.prose[b.span.start:b.span.end].strip()]
    if written:
        first = written[0]
        yield Hit("S005", Span(first.span.start, note.source.line_end(first.first_line)),
                  f"Text before the first section ('{note_format.sections[0]}') belongs to no "
                  "section.", "Move it into the section it belongs to.")


def _labels(note: Note) -> Iterator[Hit]:
    """Once per note: sections opened by pasted labels (``**Subjective:**``), read as
    headings, with the headings to write instead."""
    labelled = [s for s in note.body.sections if s.label]
    if not labelled:
        return
    first = labelled[0]
    written = note.text_of(first.heading.span).strip()
    if len(labelled) == 1 and written.startswith("#"):
        message = (f"'{written}' is not a Markdown heading (a heading has a space after its "
                   f"'#'); soapbuild reads it as the {first.name} section.")
    elif len(labelled) == 1:
        message = (f"'{written}' is a label, not a Markdown heading; soapbuild reads it as the "
                   f"{first.name} section.")
    else:
        message = (f"'{written}' and {len(labelled) - 1} more section labels are not Markdown "
                   "headings; soapbuild reads them as sections.")
    yield Hit("S007", first.heading.span, message,
              "Write " + ", ".join(f"'## {s.name}'" for s in labelled)
              + " instead ('soapbuild fix' does this).")


def _missing(note: Note, names: tuple[str, ...]) -> Iterator[Hit]:
    present = {section.name for section in note.body.sections}
    section_lines = {section.heading.line for section in note.body.sections}
    stray = [h for h in note.body.headings if h.level <= 3 and h.line not in section_lines
             and addendum_label(h.text) is None]
    for index, name in enumerate(names):
        if name in present:
            continue
        typo = next((h for h in stray if difflib.SequenceMatcher(
            None, normalize_heading(h.text), name.lower()).ratio() >= 0.75), None)
        if typo is not None:
            yield Hit("S001", typo.text_span,
                      f"Section '{name}' is missing; the heading '{typo.text}' looks like a "
                      "misspelling of it.", f"Rename the heading to '{name}'.")
            continue
        later = [s for s in note.body.sections if s.name in names[index + 1:]]
        if later:
            where = later[0].heading.text_span
            message = f"Section '{name}' is missing; it belongs before '{later[0].name}'."
        else:
            end = len(note.source.text.rstrip())
            where = Span(note.source.line_start(note.source.position(end).line), end)
            message = f"Section '{name}' is missing; it belongs at the end of the note."
        yield Hit("S001", where, message, f"Add a '## {name}' heading and its text.")


_WORDS = re.compile(r"[^\w/]+")


def is_empty(note: Note, section: Section) -> bool:
    """True when nothing but sub-headings, whitespace or a placeholder is under the heading."""
    words = []
    for block in section.blocks:
        if block.kind is BlockKind.HEADING:
            continue
        if block.kind is BlockKind.CODE:
            return False
        words.append(note.prose[block.span.start:block.span.end])
    text = _WORDS.sub(" ", " ".join(words)).strip().lower()
    return not text or text in placeholders()
