"""Inline suppressions: soapbuild comments that silence named rules on some lines.

``<!-- soapbuild: ignore CODE -->`` silences one line,
``<!-- soapbuild: disable CODE -->`` … ``<!-- soapbuild: enable CODE -->`` a passage
(to the end of the file when not enabled again), and
``<!-- soapbuild: ignore-file CODE -->`` the whole note. The model finds and pairs
the comments (:mod:`soapbuild.model.body`); here they are applied.

Every comment must name its codes: a comment without codes silences nothing
(no blanket suppression in a medical record). A finding is credited to the
narrowest comment that covers it (line, then the innermost passage, then the
file). Every use is reported as an info finding (N001) so the report can count
it; a comment that silences nothing, names no rule or a rule that cannot be
silenced, or an ``enable`` that ends nothing, is a warning (N002), as Ruff
reports unused ``noqa`` comments (RUF100). Rules marked ``suppressible = false``
in their rule page (problems reading the file, K001, the N codes themselves)
are never silenced.
"""

from __future__ import annotations

import difflib
from collections import Counter

from soapbuild.model.findings import Finding, Hit
from soapbuild.model.note import Note, Suppression, SuppressionKind
from soapbuild.rules.registry import ALWAYS_REPORTED, all_rules

_RANK = {SuppressionKind.LINE: 0, SuppressionKind.BLOCK: 1, SuppressionKind.FILE: 2}
_WORDS = [kind.value for kind in _RANK] + [SuppressionKind.ENABLE.value]

#: The rule codes this module reports (the rule pages are data/rules/*.toml).
CODES = frozenset({"N001", "N002"})


def apply(note: Note, findings: list[Finding]) -> tuple[list[Finding], list[Hit], int]:
    """Drop suppressed findings; return the rest, the N-code hits and how many were dropped."""
    suppressions = note.body.suppressions
    if not suppressions:
        return findings, [], 0
    rules = all_rules()
    used: Counter[tuple[int, str]] = Counter()
    kept = []
    for finding in findings:
        index = _narrowest(suppressions, finding) if rules[finding.code].suppressible else None
        if index is None:
            kept.append(finding)
        else:
            used[(index, finding.code)] += 1
    hits = []
    for index, suppression in enumerate(suppressions):
        hits.extend(_report(suppression, {code: used[(index, code)]
                                          for code in suppression.codes}))
    return kept, hits, sum(used.values())


def _narrowest(suppressions: tuple[Suppression, ...], finding: Finding) -> int | None:
    covering = [(index, s) for index, s in enumerate(suppressions)
                if s.kind in _RANK and finding.code in s.codes and s.governs(finding.line)]
    if not covering:
        return None
    return min(covering, key=lambda pair: (_RANK[pair[1].kind], -pair[1].line))[0]


def _reach(suppression: Suppression) -> str:
    """Where a comment applies, for the messages."""
    if suppression.kind is SuppressionKind.FILE:
        return "in this note"
    if suppression.kind is SuppressionKind.BLOCK:
        if suppression.last_line is None:
            return f"from line {suppression.line} to the end of the note"
        return f"in lines {suppression.line}–{suppression.last_line}"
    return f"on line {suppression.line}"


def _report(suppression: Suppression, counts: dict[str, int]) -> list[Hit]:
    span = suppression.span
    if suppression.kind is SuppressionKind.UNKNOWN:
        close = difflib.get_close_matches(suppression.word, _WORDS, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return [Hit("N002", span, f"'soapbuild: {suppression.word}' is not a soapbuild "
                                  f"comment{hint} It suppresses nothing.",
                    "Write ignore, disable, enable or ignore-file, then the rule codes.")]
    if suppression.kind is SuppressionKind.ENABLE:
        if not suppression.codes:
            return [Hit("N002", span, "This 'enable' names no rule, so it ends nothing.",
                        "Name the codes it ends, as its 'disable' does.")]
        return [Hit("N002", span, f"'enable {code}' ends no 'disable {code}' above it.",
                    f"Remove it, or put <!-- soapbuild: disable {code} --> where the passage "
                    "begins.") for code in suppression.codes]
    if not suppression.codes:
        return [Hit("N002", span, f"This '{suppression.kind.value}' comment names no rule, so "
                                  "it suppresses nothing; soapbuild has no blanket "
                                  "suppression.",
                    f"Name the codes: <!-- soapbuild: {suppression.kind.value} J002 -->.")]
    rules = all_rules()
    where = _reach(suppression)
    hits = []
    for code, count in counts.items():
        if code not in rules:
            hits.append(Hit("N002", span,
                            f"'{code}' is not a rule code, so this comment suppresses nothing.",
                            "Check the code with 'soapbuild rules'."))
        elif not rules[code].suppressible:
            hits.append(Hit("N002", span, f"{code} cannot be suppressed: {ALWAYS_REPORTED}.",
                            "Remove the comment and resolve the finding."))
        elif count:
            plural = "finding" if count == 1 else "findings"
            hits.append(Hit("N001", span, f"Suppressed {count} {code} {plural} {where}."))
        else:
            hits.append(Hit("N002", span, f"Nothing {where} is flagged by {code}; the "
                                          "suppression is unused.", "Remove the comment."))
    return hits
