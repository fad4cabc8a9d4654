"""Quick fixes for a note's findings: pure edits of soapbuild's text of the note.

- a vocabulary finding (J, U, H codes): replace the flagged words with one of the
  entry's suggested wordings, where it has some (:func:`replacements`);
- Q001, the client's words without quotation marks: put them in quotation marks (the
  kind the note already uses); Q003, a scare quote: take the marks away;
- the mechanical fixes of ``soapbuild fix`` (S007, F007, F008, Q002) for the finding
  they resolve (:mod:`soapbuild.rules.fixes`, the same edits);
- any finding a comment may silence: ``<!-- soapbuild: ignore CODE -->`` on its line.

A locked note (SPEC 4.3) gets one action only: append a dated addendum. Its text is
never edited, whatever is flagged in it: the only change a locked note admits is an
addendum after it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources

from soapbuild.model.findings import Finding
from soapbuild.model.note import Note, Span
from soapbuild.rules import vocabulary
from soapbuild.rules.context import Context
from soapbuild.rules.fixes import FIXABLE, Edit, note_edits
from soapbuild.rules.registry import all_rules

_IGNORE_AT_END = re.compile(r"<!--\s*soapbuild:\s*ignore\b(?P<codes>[^<>]*?)\s*-->[ \t]*$")


@dataclass(frozen=True, slots=True)
class Action:
    """A quick fix: its title, the finding it resolves (None: not about one) and its edits."""

    title: str
    edits: tuple[Edit, ...]
    finding: Finding | None = None
    preferred: bool = False


@cache
def _words() -> tuple[frozenset[str], frozenset[str]]:
    data = tomllib.loads(resources.files("soapbuild").joinpath("data/replacements.toml")
                        .read_text("utf-8"))
    return frozenset(data["instructions"]), frozenset(data["remarks"])


def _alternatives(text: str) -> Iterator[str]:
    """``text`` split at the commas outside parentheses, a leading "or" dropped."""
    depth, start = 0, 0
    for at, character in enumerate(text + ","):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if character == "," and depth == 0:
            yield re.sub(r"^or\s+", "", text[start:at].strip())
            start = at + 1


def replacements(suggest: str) -> list[str]:
    """The wordings a vocabulary suggestion offers as replacements (data/replacements.toml)."""
    instructions, remarks = _words()
    found = []
    for part in _alternatives(suggest.split(";")[0]):
        remark = re.fullmatch(r"(?P<words>[^()]*?)\s*\((?P<remark>[^()]*)\)", part)
        first = remark["remark"].split()[:1] if remark else []
        if remark and first and first[0].strip(",;:").lower() in remarks:
            part = remark["words"]
        if not part or "(" in part or "…" in part or part.split()[0].lower() in instructions:
            continue
        found.append(part)
    return found


def note_actions(note: Note, findings: Sequence[Finding], context: Context,
                 locked: bool) -> list[Action]:
    """The quick fixes for ``findings`` (those at the cursor) in ``note``."""
    if locked:
        return [addendum(note, context.now)]
    fixes = note_edits(note, context.settings.rules_ignore)
    actions: list[Action] = []
    for finding in findings:
        actions += _for_finding(note, finding, context, fixes)
    return actions


def _for_finding(note: Note, finding: Finding, context: Context,
                 fixes: Sequence[Edit]) -> list[Action]:
    span = finding.span
    actions: list[Action] = []
    if span is not None and finding.code in vocabulary.CODES:
        written = note.text_of(span)
        for wording in _suggested(note, finding, span, context):
            wording = _cased_like(written, wording)
            actions.append(Action(f"Replace '{written}' with '{wording}'",
                                  (Edit(finding.code, span, wording),), finding))
    if span is not None and finding.code == "Q001":
        opening, closing = _marks(note)
        actions.append(Action("Put the client's words in quotation marks",
                              (Edit("Q001", Span(span.start, span.start), opening),
                               Edit("Q001", Span(span.end, span.end), closing)),
                              finding, preferred=True))
    if span is not None and finding.code == "Q003":
        inner = note.text_of(Span(span.start + 1, span.end - 1))
        actions.append(Action(f"Write {inner} without quotation marks",
                              (Edit("Q003", span, inner),), finding))
    if finding.code in FIXABLE and span is not None:
        edits = tuple(e for e in fixes if e.code == finding.code
                      and e.span.start < max(span.end, span.start + 1)
                      and span.start < max(e.span.end, e.span.start + 1))
        if edits:
            actions.append(Action(f"Fix {finding.code} as 'soapbuild fix' does", edits, finding,
                                  preferred=True))
    suppress = _suppression(note, finding)
    if suppress is not None:
        actions.append(suppress)
    return actions


def _suggested(note: Note, finding: Finding, span: Span, context: Context) -> list[str]:
    """The replacements of the vocabulary entry that flagged ``span``."""
    for match in context.lexicon.find(note.narrative, span.start, span.end, context=note.prose):
        if (match.start, match.end) == (span.start, span.end) and match.entry.code == finding.code:
            return replacements(match.entry.suggest)
    return []


def _cased_like(written: str, wording: str) -> str:
    """A replacement for a capitalised word (a sentence's first) is capitalised too."""
    if written[:1].isupper() and wording[:1].islower():
        return wording[:1].upper() + wording[1:]
    return wording


def _marks(note: Note) -> tuple[str, str]:
    """The quotation marks the note already uses most (straight ones in a note with none)."""
    curly = sum(1 for quote in note.body.quotes if quote.mark == "curly")
    straight = sum(1 for quote in note.body.quotes if quote.mark == "straight")
    return ("“", "”") if curly > straight else ('"', '"')


def _suppression(note: Note, finding: Finding) -> Action | None:
    """``<!-- soapbuild: ignore CODE -->`` on the finding's line (the body's lines only: a
    comment in the front matter would be part of a YAML value)."""
    if not all_rules()[finding.code].suppressible:
        return None
    source = note.source
    if finding.line < source.position(note.body.start).line:
        return None
    start, end = source.line_start(finding.line), source.line_end(finding.line)
    line = source.text[start:end]
    title = f"Ignore {finding.code} on this line (an inline suppression the report counts)"
    existing = _IGNORE_AT_END.search(line)
    if existing is not None:
        at = start + existing.end("codes")
        return Action(title, (Edit(finding.code, Span(at, at), f", {finding.code}"),), finding)
    comment = f"<!-- soapbuild: ignore {finding.code} -->"
    if not line.strip() or line.lstrip().startswith("#"):
        # on a line of its own it silences the line after it; a heading stays a heading
        newline = "\r\n" if source.text[end:end + 2] == "\r\n" else "\n"
        return Action(title, (Edit(finding.code, Span(start, start), comment + newline),),
                      finding)
    return Action(title, (Edit(finding.code, Span(end, end), " " + comment),), finding)


def addendum(note: Note, now: datetime) -> Action:
    """A dated addendum appended after the locked text, for the clinician to write."""
    text = note.source.text
    newline = "\r\n" if "\r\n" in text else "\n"
    ending = len(text) - len(text.rstrip("\r\n"))
    before = newline * max(0, 2 - text[len(text) - ending:].count("\n"))
    author = note.header.clinician or ""
    body = newline.join([f"## Addendum {now:%Y-%m-%d %H:%M}", f"Author: {author}", "Reason: ",
                         "", ""])
    at = len(text)
    return Action("Add an addendum (the note is locked: its text cannot change)",
                  (Edit("K001", Span(at, at), before + body),), None, preferred=True)
