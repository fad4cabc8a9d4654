"""Completeness hints (SPEC 4.5): what each section is for, as warnings.

Risk language is checked with a simple negation window (NegEx-style): "denies
SI" and "no suicidal intent" are screenings, "endorses passive SI" is risk.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from soapbuild.model.findings import Hit
from soapbuild.model.note import Note, Section, Span
from soapbuild.rules.context import Context
from soapbuild.rules.sections import is_empty
from soapbuild.rules.steps import next_step

#: The rule codes this module reports (the rule pages are data/rules/*.toml).
CODES = frozenset({"C001", "C002", "C003", "C004"})

_RISK_ADDRESSED = re.compile(
    r"\b(?:SI|HI|SIB|NSSI|C-?SSRS|suicid\w*|homicid\w*|self[- ]?harm\w*|self[- ]injur\w*|"
    r"harm(?:ing)?\s+(?:to\s+)?(?:self|others|himself|herself|themselves|themself)|"
    r"risk\w*|safety|safe|danger\w*|lethal\w*|thoughts\s+of\s+(?:death|dying))\b",
    re.IGNORECASE)
# A next step: the future, a schedule, an assignment or a referral
# (data/next_steps.toml); "Client tolerated the session well" names none.
_NEXT_STEP = next_step()
# Elevated risk is found from a few anchor words, then read from the words
# around each anchor: cheaper than one pattern tried at every position.
_RISK_ANCHOR = re.compile(
    r"\b(?:SI|HI|suicid\w*|homicid\w*|self[- ]?harm\w*|risk|cutting|thoughts|urges|plan)\b",
    re.IGNORECASE)
_ELEVATED_BEFORE = re.compile(
    r"(?:\b(?:passive|active|intermittent|recurrent|current)\s+(?:suicidal\s+|homicidal\s+)?"
    r"|\b(?:endors\w*|report\w*|express\w*|disclos\w*|acknowledg\w*|admit\w*|positive\s+for|"
    r"experiencing|having)\s+(?:\w+\s+){0,3}?"
    r"|\b(?:moderate|high|elevated|imminent|acute|significant|increased)\s+(?:\w+\s+){0,2}?"
    r"|\b(?:a|specific)\s+)$", re.IGNORECASE)
_RISK_LEVEL_AFTER = re.compile(
    r"\s*(?:level|rating)?\s*(?:is|was|:|-|–|assessed\s+as|rated)\s*(?:as\s+)?"
    r"(?:moderate|high|elevated|imminent|acute|significant|increased)\b", re.IGNORECASE)
# Risk of something other than harm (relapse, falls) is not what C003 is about.
_OTHER_RISK_AFTER = re.compile(
    r"\s+(?:of|for)\s+(?!(?:harm\w*|suicid\w*|self|violence|death|dying|hurting|killing|"
    r"overdos\w*|injur\w*)\b)\w+", re.IGNORECASE)
_DEATH_WISH = re.compile(
    r"\b(?:(?:passive|active)\s+death\s+wish\w*|death\s+wish\w*|wish\w*\s+(?:to\s+die|"
    r"(?:she|he|they)\s+(?:was|were)\s+dead|to\s+not\s+(?:wake|be\s+alive))|"
    r"thoughts?\s+of\s+(?:death|dying|being\s+(?:better\s+off\s+)?dead)|"
    r"better\s+off\s+dead)\b", re.IGNORECASE)
# Someone else's suicide (a relative's death, a friend's attempt) is history, not the
# client's current risk.
_SOMEONE_ELSE = re.compile(
    r"\b(?:uncle|aunt|brother|sister|mother|father|mom|dad|parent|friend|cousin|grand\w+|"
    r"partner|husband|wife|boyfriend|girlfriend|son|daughter|relative|peer|classmate|"
    r"co-?worker|colleague|neighbou?r|sibling|nephew|niece|stepfather|stepmother)(?:'s|’s)?\b"
    r"|\b(?:died|death|dies)\s+by\s+suicide|\bcommitted\s+suicide|\bcompleted\s+suicide"
    r"|\blost\s+\w+(?:\s+\w+)?\s+to\s+suicide", re.IGNORECASE)
_ELEVATED_AFTER = re.compile(
    r"\s+(?:ideation|thoughts|urges|plan|intent|attempt|gesture|preparat\w*|behaviou?r)\b"
    r"|\s+(?:to|of)\s+(?:suicide|kill|end|overdose|harm|hurt|cut|self[- ]harm)", re.IGNORECASE)
_NEGATION = re.compile(
    r"\b(?:den(?:y|ies|ied|ying)|no|not|never|without|negative\s+for|absence\s+of|absent|"
    r"rule[sd]?\s+out|free\s+of|nor|low)\b[^.;]{0,40}$", re.IGNORECASE)
_SAFETY_STEP = re.compile(
    r"\b(?:safety[- ]plan\w*|safety\s+(?:check|assessment|contract)|crisis|988|hotline|lifeline|"
    r"means\s+(?:restriction|safety)|lethal\s+means|emergenc\w*|hospital\w*|inpatient|"
    r"higher\s+level\s+of\s+care|reassess\w*\s+(?:risk|safety|SI)|monitor\w*\s+(?:risk|safety|SI)|"
    r"911|ER|ED|mobile\s+crisis|remov\w*\s+(?:firearms?|weapons?|guns?|medications?)|"
    r"lock\w*\s+(?:up|away)|psychiatr\w*\s+(?:evaluation|consult\w*))\b", re.IGNORECASE)
_CLIENT_REPORT = re.compile(
    r"[\"“]|\b(?:report\w*|stat\w*|said|says|describ\w*|shar\w*|express\w*|endors\w*|"
    r"den(?:y|ies|ied)|noted|notes|indicat\w*|complain\w*|explain\w*|mention\w*|told|"
    r"identif\w*|rated|rates|disclos\w*|acknowledg\w*|verbaliz\w*|discuss\w*)\b", re.IGNORECASE)


def check(note: Note, context: Context) -> Iterator[Hit]:
    if note.header.occurred is not True:
        return
    plan = note.section("Plan")
    risk_sections = _risk_sections(note)
    if risk_sections and not any(_search(_RISK_ADDRESSED, note, s) for s in risk_sections):
        where = risk_sections[-1]
        yield Hit("C001", where.heading.text_span,
                  f"The {where.name} does not address risk of harm to self or others.",
                  "Document the risk screening, e.g. 'Denies SI/HI.' or the assessed risk level.")
    if plan is not None and not is_empty(note, plan) and not _search(_NEXT_STEP, note, plan):
        yield Hit("C002", plan.heading.text_span,
                  "The Plan does not name a next step or the next session.",
                  "Say what happens next: the next session, homework, a referral.")
    risk = _elevated_risk(note)
    if risk is not None and plan is not None and not _search(_SAFETY_STEP, note, plan):
        words = " ".join(note.text_of(risk).split())
        yield Hit("C003", risk,
                  f"The note records elevated risk ('{words}') but the Plan does not address "
                  "safety.", "Add the safety step to the Plan: safety plan reviewed, crisis "
                  "line (988) given, means restriction, or a higher level of care.")
    subjective = note.section("Subjective")
    if subjective is not None and not is_empty(note, subjective) and not _search(
            _CLIENT_REPORT, note, subjective, prose=True):
        yield Hit("C004", subjective.heading.text_span,
                  "The Subjective section does not carry the client's own report.",
                  "Report what the client said (Client reported …), or quote them.")


def _risk_sections(note: Note) -> list[Section]:
    """Where a risk screening belongs: the Assessment, or, in a format without one
    (BIRP, GIRP), any section but the Plan. Empty sections are S002's business."""
    assessment = note.section("Assessment")
    if assessment is not None:
        return [] if is_empty(note, assessment) else [assessment]
    sections = [s for s in note.body.sections if s.name != "Plan"]
    return [] if any(is_empty(note, s) for s in sections) else sections


def _search(pattern: re.Pattern[str], note: Note, section: Section, prose: bool = False) -> bool:
    text = note.prose if prose else note.narrative
    return pattern.search(text, section.heading.span.end, section.span.end) is not None


def _elevated_risk(note: Note) -> Span | None:
    """The first statement of elevated risk outside a negation, in the clinician's words."""
    text = note.narrative
    for section in note.body.sections:
        if section.name == "Plan":
            continue
        for anchor in _RISK_ANCHOR.finditer(text, section.heading.span.end, section.span.end):
            span = _elevated(text, anchor, section.span.start)
            if span is not None:
                return span
        for wish in _DEATH_WISH.finditer(text, section.heading.span.end, section.span.end):
            span = _unless_negated_or_other(text, wish.start(), wish.end(), section.span.start)
            if span is not None:
                return span
    return None


def _elevated(text: str, anchor: re.Match[str], floor: int) -> Span | None:
    """The phrase around ``anchor`` when it states elevated risk, not negated.

    "SI", "HI" and "risk" need a qualifier before them (passive SI, high risk);
    "suicidal", "self-harm" need one before or an object after (suicidal intent);
    "thoughts", "urges", "plan" need both (reports thoughts of suicide).
    """
    word = anchor.group().lower()
    before = _ELEVATED_BEFORE.search(text, max(floor, anchor.start() - 60), anchor.start())
    after = _ELEVATED_AFTER.match(text, anchor.end())
    if word == "risk":
        if _OTHER_RISK_AFTER.match(text, anchor.end()):
            return None
        level = _RISK_LEVEL_AFTER.match(text, anchor.end())
        elevated = before is not None or level is not None
        after = after or level
    elif word in ("si", "hi"):
        elevated = before is not None
    elif word in ("thoughts", "urges", "plan"):
        elevated = before is not None and after is not None
    else:
        elevated = word == "cutting" or before is not None or after is not None
    if not elevated:
        return None
    start = before.start() if before is not None else anchor.start()
    end = after.end() if after is not None else anchor.end()
    return _unless_negated_or_other(text, start, end, floor)


def _unless_negated_or_other(text: str, start: int, end: int, floor: int) -> Span | None:
    """The span, unless its sentence negates it or it is about someone else."""
    sentence_start = max(text.rfind(".", 0, start), text.rfind("\n\n", 0, start), floor)
    sentence_end = min(i for i in (text.find(".", end), text.find("\n\n", end), len(text))
                       if i >= 0)
    if _NEGATION.search(text[sentence_start:start]):
        return None
    if _SOMEONE_ELSE.search(text, sentence_start, sentence_end):
        return None
    return Span(start, end)
