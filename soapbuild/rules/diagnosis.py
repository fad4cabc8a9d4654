"""Diagnoses: ICD-10-CM codes that exist and are complete (codes I001–I003).

A claim names the diagnosis that makes the service medically necessary, as an
ICD-10-CM code. The ICD-10-CM Official Guidelines for Coding and Reporting
(Section I.B.2) ask for codes at their highest number of characters: a category
that has subcategories is not a code that can be reported, and a code is invalid
if it is not coded to the full number of characters it requires. The code set
comes from the ``simple-icd-10-cm`` package (:mod:`soapbuild.model.icd10cm`),
loaded only when a note names a diagnosis, so that ``check`` on notes without
one never pays for it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from soapbuild.model.findings import Hit
from soapbuild.model.icd10cm import code_set
from soapbuild.model.note import Listed, Note
from soapbuild.rules.context import Context
from soapbuild.settings import Settings

#: The rule codes this module reports (the rule pages are data/rules/*.toml).
CODES = frozenset({"I001", "I002", "I003"})


def code_hits(codes: Sequence[Listed]) -> Iterator[Hit]:
    """I001 for a code ICD-10-CM does not hold, I002 for one that is not billable; both
    name the closest billable codes."""
    if not codes:
        return
    codes_in_force = code_set()
    for listed in codes:
        verdict = codes_in_force.judge(listed.value)
        shown = ", ".join(verdict.closest)
        if verdict.state == "unknown":
            yield Hit("I001", listed.span,
                      f"'{listed.value}' is not an ICD-10-CM code (release of "
                      f"{codes_in_force.release}).",
                      f"Closest codes: {shown}." if shown else
                      "Check the code: a letter, two digits, then up to four characters after "
                      "the dot, such as F41.1.")
        elif verdict.state == "category":
            yield Hit("I002", listed.span,
                      f"{verdict.code} is a category that ICD-10-CM divides further; only a "
                      "complete code can be billed.",
                      f"Code to the highest specificity the record supports: {shown}.")


def missing_diagnosis(note: Note, settings: Settings) -> str | None:
    """Why a session lacks the diagnosis the practice requires for billing, or ``None``."""
    if settings.diagnosis_required and note.header.occurred and not note.header.diagnosis:
        return "no diagnosis"
    return None


def check(note: Note, context: Context) -> Iterator[Hit]:
    header = note.header
    yield from code_hits(header.diagnosis)
    if missing_diagnosis(note, context.settings) is not None:
        occurred = header.field("occurred")
        yield Hit("I003", occurred.key_span if occurred is not None else None,
                  "The session has no diagnosis; the practice bills only sessions that name "
                  "one.",
                  "Add the ICD-10-CM code(s), most relevant first: diagnosis: [\"F41.1\"].")
