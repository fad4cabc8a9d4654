"""Inline suppressions: ``<!-- soapbuild: ignore CODE -->`` silences one rule on one line.

Every suppression that silences something is reported as an info finding
(N001) so the report can count it; one that silences nothing, or names no
rule, is a warning (N002), as Ruff reports unused ``noqa`` comments (RUF100).
Problems reading the file (R codes) cannot be suppressed, and neither can the
locking rules (K codes): a comment added to a locked note is itself a change, and
a note whose front matter was broken must not be able to hide that it changed.
"""

from __future__ import annotations

from collections import Counter

from soapbuild.model.findings import Finding, Hit
from soapbuild.model.note import Note
from soapbuild.rules.registry import all_rules

#: The rule codes this module reports (the rule pages are data/rules/*.toml).
CODES = frozenset({"N001", "N002"})

# NOTE: issue 8 gives rule pages a 'suppressible' property; until it lands, the
# rules that can never be silenced are named here.
NOT_SUPPRESSIBLE = frozenset({"K001", "K002", "K003"})


def apply(note: Note, findings: list[Finding]) -> tuple[list[Finding], list[Hit], int]:
    """Drop suppressed findings; return the rest, the N-code hits and how many were dropped."""
    suppressions = note.body.suppressions
    if not suppressions:
        return findings, [], 0
    used: Counter[tuple[int, str]] = Counter()
    kept = []
    for finding in findings:
        index = next((i for i, s in enumerate(suppressions)
                      if s.line == finding.line and finding.code in s.codes), None)
        if (index is None or finding.family in ("input", "suppression")
                or finding.code in NOT_SUPPRESSIBLE):
            kept.append(finding)
        else:
            used[(index, finding.code)] += 1
    hits = []
    rules = all_rules()
    for index, suppression in enumerate(suppressions):
        for code in suppression.codes:
            count = used[(index, code)]
            if code not in rules:
                hits.append(Hit("N002", suppression.span,
                                f"'{code}' is not a rule code, so this comment suppresses nothing.",
                                "Check the code with 'soapbuild rules'."))
            elif code in NOT_SUPPRESSIBLE:
                hits.append(Hit("N002", suppression.span,
                                f"{code} cannot be suppressed: a locked note is corrected only "
                                "by a dated, attributed addendum.", "Remove the comment."))
            elif count:
                plural = "finding" if count == 1 else "findings"
                hits.append(Hit("N001", suppression.span,
                                f"Suppressed {count} {code} {plural} on line {suppression.line}."))
            else:
                hits.append(Hit("N002", suppression.span,
                                f"Nothing on line {suppression.line} is flagged by {code}; "
                                "the suppression is unused.", "Remove the comment."))
    return kept, hits, sum(used.values())
