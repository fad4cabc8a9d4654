"""A note's words as a FHIR narrative: XHTML that holds the text and can do nothing else.

A FHIR narrative (``Narrative.div``) is an XHTML ``<div>`` in the XHTML namespace,
limited to basic formatting: no scripts, no forms, no event attributes, and no
reference to anything outside the resource (FHIR R4 Narrative, rules txt-1 and
txt-2). The receiving system shows it to a clinician, so it is the one place where
a note's text could run or fetch something there.

soapbuild never lets the note's Markdown become markup here: each section's text
goes in word for word, escaped, one ``<p>`` per paragraph with ``<br/>`` at its line
breaks. A ``<script>`` typed in a note is then the text "<script>", and the words
in the Bundle are exactly the words the clinician signed (emphasis written as
``**word**`` shows as written). :func:`narrative_problems` checks a ``div`` against
the FHIR rules all the same, so that no Bundle leaves ``export`` unchecked.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from xml.sax.saxutils import escape

from soapbuild.model.note import Note, Span

XHTML = "http://www.w3.org/1999/xhtml"
#: The elements a narrative here may hold: what :func:`narrative_div` writes, and the
#: plain structure a template override could reasonably add.
ALLOWED_ELEMENTS = frozenset({"div", "p", "br", "span", "b", "strong", "i", "em", "ul", "ol",
                              "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead",
                              "tbody", "tr", "th", "td", "caption", "dl", "dt", "dd"})
ALLOWED_ATTRIBUTES = frozenset({"class", "lang", "title"})
_BLANK_LINES = re.compile(r"\n[ \t]*\n+")
# What XML 1.0 cannot hold (control characters, lone surrogates, U+FFFE/U+FFFF): a
# character pasted from elsewhere must not make a narrative unreadable.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SOAPBUILD_COMMENT = re.compile(r"<!--\s*soapbuild:.*?-->", re.DOTALL)


def paragraphs(text: str) -> list[list[str]]:
    """``text`` as paragraphs of lines: blank lines part paragraphs, trailing spaces go,
    and a character XML cannot hold becomes U+FFFD (the replacement character)."""
    text = _NOT_XML.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))
    found = []
    for block in _BLANK_LINES.split(text.strip("\n")):
        lines = [line.rstrip() for line in block.split("\n")]
        if any(line.strip() for line in lines):
            found.append(lines)
    return found


def narrative_div(text: str) -> str:
    """``text`` as a narrative ``<div>``: escaped, a ``<p>`` per paragraph."""
    body = "".join("<p>" + "<br/>".join(escape(line) for line in lines) + "</p>"
                   for lines in paragraphs(text))
    return f'<div xmlns="{XHTML}">{body or "<p></p>"}</div>'


def narrative_text(div: str) -> str:
    """The text a narrative made by :func:`narrative_div` holds, paragraphs parted by a
    blank line: what a reader of the Bundle sees, for comparing with the note."""
    root = ET.fromstring(div)
    parts = []
    for paragraph in root.iter(f"{{{XHTML}}}p"):
        lines = [paragraph.text or ""]
        for child in paragraph:
            lines.append(child.tail or "")  # each child is a <br/>
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def narrative_problems(div: str) -> list[str]:
    """What makes ``div`` an unsafe or invalid FHIR narrative (empty when none).

    Well-formed XML, a ``<div>`` root in the XHTML namespace, only the elements and
    attributes above (so no script, style, form, image, link or event handler), and
    no processing instruction or DOCTYPE (an entity could fetch).
    """
    if re.search(r"<!DOCTYPE|<!ENTITY|<\?", div, re.IGNORECASE):
        return ["a DOCTYPE, entity or processing instruction"]
    try:
        root = ET.fromstring(div)
    except ET.ParseError as error:
        return [f"not well-formed XML: {error}"]
    problems = []
    if root.tag != f"{{{XHTML}}}div":
        problems.append(f"the root is {root.tag}, not an XHTML div")
    for element in root.iter():
        namespace, _, name = element.tag.partition("}")
        if namespace != "{" + XHTML or name not in ALLOWED_ELEMENTS:
            problems.append(f"element {element.tag} is not allowed")
        for attribute in element.attrib:
            if attribute not in ALLOWED_ATTRIBUTES:
                problems.append(f"attribute {attribute} on {name} is not allowed")
    return problems


def section_texts(note: Note) -> Iterator[tuple[str, str]]:
    """Each section of the note's format with its text (the heading line left out)."""
    for section in note.body.sections:
        yield section.name, _below_heading(note, section.heading.span, section.span)


def addendum_texts(note: Note) -> Iterator[tuple[str, str]]:
    """Each addendum's heading with its text (its Author and Reason lines included)."""
    for addendum in note.body.addenda:
        yield addendum.heading.text, _below_heading(note, addendum.heading.span, addendum.span)


def remark_text(note: Note) -> str:
    """The text of a note without sections (a session that did not occur)."""
    end = note.body.addenda[0].span.start if note.body.addenda else len(note.source.text)
    return _clean(note.source.text[note.body.start:end])


def _below_heading(note: Note, heading: Span, whole: Span) -> str:
    source = note.source
    last_line = source.position(max(heading.start, heading.end - 1)).line
    start = min(source.line_start(last_line + 1), whole.end)
    return _clean(source.text[start:whole.end])


def _clean(text: str) -> str:
    """The text as the record holds it: soapbuild's own comments (suppressions) are
    instructions to the checker, not words of the note."""
    return _SOAPBUILD_COMMENT.sub("", text).replace("\r\n", "\n").strip()
