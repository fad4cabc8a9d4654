"""Which checks run, in which order, and which depend on the note alone.

Kept apart from the package's ``__init__`` so that importing one module of
``soapbuild.rules`` (the registry every command reads for the settings) does not
import every check: a build whose output is up to date checks nothing.
"""


from __future__ import annotations

from collections.abc import Callable, Iterable

from soapbuild.model.findings import Hit
from soapbuild.model.note import Note
from soapbuild.rules import (
    addenda,
    billing,
    codes,
    completeness,
    diagnosis,
    fields,
    locking,
    plans,
    privacy,
    quotation,
    sections,
    signatures,
    supervision,
    telehealth,
    timeliness,
    vocabulary,
)
from soapbuild.rules.context import Context

NoteCheck = Callable[[Note, Context], Iterable[Hit]]

STRUCTURE_CHECKS: tuple[NoteCheck, ...] = (
    fields.check,
    sections.check,
    addenda.check,
    timeliness.check,
    billing.check,
    codes.check,
    telehealth.check,
    locking.check,
    signatures.check,
    supervision.check,
    diagnosis.check,
    plans.check,
)
LANGUAGE_CHECKS: tuple[NoteCheck, ...] = (
    vocabulary.check,
    quotation.check,
    completeness.check,
    privacy.check,
)
CHECKS = STRUCTURE_CHECKS + LANGUAGE_CHECKS
#: Psychotherapy notes (SPEC 3.1) are checked for their front matter, language and
#: privacy only: they have no sections of a format, no deadline, no claim, no lock.
PSYCHOTHERAPY_CHECKS: tuple[NoteCheck, ...] = (
    fields.check,
    vocabulary.check,
    quotation.check,
    privacy.check,
)

# The checks whose hits depend on nothing but the note, the settings and the vocabulary:
# not on "now", the notes' past (the ledger) or the clients' plans. Their hits are part
# of a note's cached piece (soapbuild.cache); the others run on every check.
# tests/test_cache.py holds each of them to that on the rule pages' examples.
NOTE_ONLY: frozenset[NoteCheck] = frozenset({
    fields.check,
    sections.check,
    billing.check,
    codes.check,
    telehealth.check,
    signatures.check,
    diagnosis.check,
    vocabulary.check,
    quotation.check,
    completeness.check,
    privacy.check,
})
