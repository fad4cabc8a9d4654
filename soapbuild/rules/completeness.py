"""Completeness hints (SPEC 4.5): what each section is for, as warnings.

Sections are found by role (data/formats.toml), so the hints read SOAP, DAP,
BIRP, GIRP and a workspace's own formats alike. Risk is read by
:mod:`soapbuild.rules.risk`: a stated level, a screening result or the
client's status on a risk phrase addresses risk (C001); risk present now asks
for a safety step in the plan (C003).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from soapbuild.model.findings import Hit
from soapbuild.model.note import Note, Section, Span
from soapbuild.rules.context import Context
from soapbuild.rules.risk import RiskReader, RiskStatement, risk_reader
from soapbuild.rules.sections import is_empty
from soapbuild.rules.steps import next_step

#: The rule codes this module reports (the rule pages are data/rules/*.toml).
CODES = frozenset({"C001", "C002", "C003", "C004"})

# A next step: the future, a schedule, an assignment or a referral
# (data/next_steps.toml); "Client tolerated the session well" names none.
_NEXT_STEP = next_step()
_CLIENT_REPORT = re.compile(
    r"[\"“]|\b(?:report\w*|stat\w*|said|says|describ\w*|shar\w*|express\w*|endors\w*|"
    r"den(?:y|ies|ied)|noted|notes|indicat\w*|complain\w*|explain\w*|mention\w*|told|"
    r"identif\w*|rated|rates|disclos\w*|acknowledg\w*|verbaliz\w*|discuss\w*)\b", re.IGNORECASE)


def check(note: Note, context: Context) -> Iterator[Hit]:
    if note.header.occurred is not True:
        return
    reader = risk_reader()
    plans = note.sections_with("plan")
    plan = plans[0] if plans else None
    statements = _risk_statements(note, reader)
    risk_sections = _risk_sections(note)
    if risk_sections and not any(
            s.addresses_risk and any(s.start in section.span for section in risk_sections)
            for s in statements):
        where = risk_sections[-1]
        yield Hit("C001", where.heading.text_span,
                  f"The {where.name} does not state a risk level or the result of a risk "
                  "screening.",
                  "Document the screening and its result, e.g. 'Denies SI/HI; risk is low.', "
                  "'C-SSRS screen negative.' or the assessed risk level.")
    if plan is not None and not is_empty(note, plan) and not _search(_NEXT_STEP, note, plan):
        yield Hit("C002", plan.heading.text_span,
                  "The Plan does not name a next step or the next session.",
                  "Say what happens next: the next session, homework, a referral.")
    risk = next((s for s in statements if s.raises_risk), None)
    if risk is not None and plan is not None and not reader.has_safety_step(
            note.narrative, plan.heading.span.end, plan.span.end):
        words = " ".join(note.text_of(Span(risk.start, risk.end)).split())
        yield Hit("C003", Span(risk.start, risk.end),
                  f"The note records risk of harm ('{words}') but the Plan does not address "
                  "safety.", "Add the safety step to the Plan: safety plan reviewed, crisis "
                  "line (988) given, lethal means counselling (firearms, stored medication), "
                  "or a higher level of care.")
    for section in note.sections_with("client-report"):
        if not is_empty(note, section) and not _search(_CLIENT_REPORT, note, section,
                                                       prose=True):
            yield Hit("C004", section.heading.text_span,
                      f"The {section.name} section does not carry the client's own report.",
                      "Report what the client said (Client reported …), or quote them.")


def _risk_statements(note: Note, reader: RiskReader) -> list[RiskStatement]:
    """What the note says about risk outside its Plan, the client's quoted words
    included: one reading, used by C001 and C003."""
    statements: list[RiskStatement] = []
    lowered = note.prose.lower()
    for section in note.body.sections:
        if "plan" not in section.roles:
            statements += reader.read(note.prose, section.heading.span.end, section.span.end,
                                      lowered)
    return statements


def _risk_sections(note: Note) -> list[Section]:
    """Where a risk screening belongs: the assessment, or, in a format without
    one (BIRP, GIRP), any section but the plan. Empty sections are S002's business."""
    assessments = note.sections_with("assessment")
    if assessments:
        return [s for s in assessments if not is_empty(note, s)]
    sections = [s for s in note.body.sections if "plan" not in s.roles]
    return [] if any(is_empty(note, s) for s in sections) else sections


def _search(pattern: re.Pattern[str], note: Note, section: Section, prose: bool = False) -> bool:
    text = note.prose if prose else note.narrative
    return pattern.search(text, section.heading.span.end, section.span.end) is not None
