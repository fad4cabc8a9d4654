"""Judgment, absolutes and hedges: vocabulary entries found in the clinician's own words.

The text searched is the note's narrative: prose with code, markup and the
client's quoted words blanked out, so a match is never inside quotation marks
and its offsets are offsets in the file. A match covered by a phrase of the
clinical allowlist (``treatment-resistant``, ``Alcoholics Anonymous``) or inside a
named framework or spelled-out acronym (``HALT (Hungry, Angry, Lonely, Tired)``)
is dropped.
"""

from __future__ import annotations

from collections.abc import Iterator

from soapbuild.model.findings import Hit
from soapbuild.model.note import Note, Span
from soapbuild.rules.context import Context
from soapbuild.rules.frameworks import framework_spans
from soapbuild.rules.lexicon import Match, builtin_allowlist
from soapbuild.rules.registry import all_rules

#: The rule codes this module reports: the codes vocabulary entries carry (data/vocabulary/).
CODES = frozenset({"J001", "J002", "J003", "J004", "J005", "J006", "J007", "U001", "H001", "H002"})


def check(note: Note, context: Context) -> Iterator[Hit]:
    text = note.narrative
    start = note.body.start
    # Terms are searched in the clinician's words; their context patterns read the
    # prose with quotations, so a quote never looks like the words around a term.
    matches = list(context.lexicon.find(text, start, context=note.prose))
    if not matches:
        return
    allowed = [(m.start, m.end) for m in builtin_allowlist().find(text, start)]
    allowed += framework_spans(note.prose, start, len(text))
    taken_until = -1
    for match in matches:
        if match.start < taken_until or _allowed(match, allowed):
            continue
        if not match.entry.applies_in(note.section_holding(match.start)):
            continue
        taken_until = match.end
        yield _hit(note, match)


def _allowed(match: Match, allowed: list[tuple[int, int]]) -> bool:
    return any(start <= match.start and match.end <= end for start, end in allowed)


def _hit(note: Note, match: Match) -> Hit:
    entry = match.entry
    words = " ".join(note.source.text[match.start:match.end].split())
    rule = all_rules()[entry.code]
    message = rule.message.format(text=words, term=entry.term) if rule.message else (
        f"'{words}': {rule.summary}")
    suggestion = f"Instead: {entry.suggest}." if entry.suggest else None
    return Hit(entry.code, Span(match.start, match.end), message, suggestion)
