"""Signatures: each submitted note authenticated by its author (codes E001–E006).

Medicare requires every entry of the record to be authenticated by its author,
by a handwritten or electronic signature with the author's name and credential
(Program Integrity Manual ch. 3 §3.3.2.4). ``soapbuild submit`` writes
``signed_by: "NAME, CREDENTIAL"`` beside ``submitted``, so a note's signature is
its ``signed_by`` at its ``submitted`` time. A note submitted before the practice
signed its notes (setting ``signatures_required_from``) is not edited to add one:
``soapbuild attest`` appends a dated ``## Signature attestation`` by its author,
which Medicare accepts for a missing signature, and which counts as signed.

:func:`signature_of` is the one reading of whether and how a note is signed: the
rules here, billability (:mod:`soapbuild.rules.minutes`) and the session rows
of the report and the record all read it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from soapbuild.model.findings import Hit
from soapbuild.model.note import Note, Span
from soapbuild.model.signers import Signer, parse_signer
from soapbuild.model.timeparse import resolve
from soapbuild.rules.context import Context
from soapbuild.settings import Settings

#: The rule codes this module reports (the rule pages are data/rules/*.toml).
CODES = frozenset({"E001", "E002", "E003", "E004", "E005", "E006"})


@dataclass(frozen=True, slots=True)
class Signature:
    """The author's signature on a note: who, when, and whether signed or attested."""

    signer: Signer
    at: datetime
    how: Literal["signed", "attested"]


def signature_of(note: Note, settings: Settings) -> Signature | None:
    """The valid signature of a submitted note: ``signed_by`` naming the author with a
    credential, else a dated signature attestation by the author."""
    header = note.header
    if header.submitted is None or not header.clinician:
        return None
    author = parse_signer(header.clinician)
    zone = settings.timezone
    if header.signed_by:
        signer = parse_signer(header.signed_by)
        if signer.credentials and signer.same_person(author):
            return Signature(signer, resolve(header.submitted, zone), "signed")
    for addendum in note.body.addenda:
        if addendum.kind != "attestation" or addendum.author is None or addendum.date is None:
            continue
        signer = parse_signer(addendum.author.value)
        if signer.credentials and signer.same_person(author):
            return Signature(signer, resolve(addendum.date, zone), "attested")
    return None


def signing_era(note: Note, settings: Settings) -> Literal["required", "before", "off"]:
    """Whether the note had to be signed when submitted: ``required`` on or after
    ``signatures_required_from``, ``before`` it, ``off`` without that setting (or a draft)."""
    since = settings.signatures_required_from
    submitted = note.header.submitted
    if since is None or submitted is None:
        return "off"
    day = resolve(submitted, settings.timezone).astimezone(settings.timezone).date()
    return "before" if day < since else "required"


def unsigned_reason(note: Note, settings: Settings) -> str | None:
    """Why a submitted note does not count as signed (for billing), or ``None``."""
    if signing_era(note, settings) == "off" or signature_of(note, settings) is not None:
        return None
    if signing_era(note, settings) == "before":
        return "the note is not signed (submitted before the practice signed its notes: attest it)"
    return "the note is not signed"


def check(note: Note, context: Context) -> Iterator[Hit]:
    header, settings = note.header, context.settings
    author = parse_signer(header.clinician) if header.clinician else None
    signed = header.field("signed_by")
    if header.signed_by and signed is not None:
        signer = parse_signer(header.signed_by)
        where = signed.value_span
        if author is not None and not signer.same_person(author):
            yield Hit("E003", where,
                      f"The note is signed by {signer.name}, but its author is {author.name}; "
                      "only the author signs a note.",
                      f"The author signs it: soapbuild submit --as \"{author.text}\".")
        if not signer.credentials:
            yield Hit("E004", where,
                      f"The signature '{header.signed_by}' has no credential.",
                      "Sign with name and credential: 'NAME, CREDENTIAL' such as "
                      "'Jordan Rivera, LCSW'.")
        if header.submitted is None:
            yield Hit("E006", where, "The note carries a signature but no 'submitted' time, so "
                                     "it is still a draft.",
                      "Remove 'signed_by' and sign the finished note with soapbuild submit.")
    for addendum in note.body.addenda:
        if addendum.kind != "attestation" or addendum.author is None or author is None:
            continue
        attester = parse_signer(addendum.author.value)
        if not attester.same_person(author) or not attester.credentials:
            yield Hit("E005", addendum.author.span,
                      f"The signature attestation is by {addendum.author.value}; only the "
                      f"note's author ({author.name}) can attest their signature, with name "
                      "and credential.",
                      f"Remove it; the author attests: soapbuild attest NOTE --as "
                      f"\"{author.text}\".")
    era = signing_era(note, settings)
    if era == "off" or signature_of(note, settings) is not None:
        return
    stamp = header.field("submitted")
    where = stamp.value_span if stamp is not None else Span(0, 3)
    if era == "required":
        yield Hit("E001", where, "The note is submitted but not signed by its author.",
                  "Sign it when you submit: soapbuild submit --as \"NAME, CREDENTIAL\" (or add "
                  "'signed_by' if you submitted it by hand just now).")
    else:
        yield Hit("E002", where,
                  "The note was submitted before the practice signed its notes "
                  f"({settings.signatures_required_from}) and carries no signature.",
                  "Its author attests it, which appends a dated signature attestation and "
                  "changes nothing else: soapbuild attest NOTE --as \"NAME, CREDENTIAL\".")
