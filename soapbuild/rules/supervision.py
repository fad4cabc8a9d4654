"""Supervision: a pre-licensed clinician's notes co-signed by their supervisor (V001–V005).

State boards put associates and other pre-licensed clinicians under a qualified
supervisor who reviews their notes (e.g. California Business and Professions
Code §4999.46.1; 21 N.C. Admin. Code 53.0702), and payers and agencies want the
supervisor's co-signature within a few business days (Los Angeles County DMH
Policy 401.02: 3 business days). The practice's settings say which credentials
need a co-signature (``supervision.credentials``) and who supervises whom
(``[clinicians."NAME"] supervisor``); ``soapbuild cosign`` writes ``cosigned_by``
and ``cosigned``.

:func:`cosign_status` is the one verdict on a note's co-signature, read by these
rules, by billability and by the supervisors' queues of the report and dashboard.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from soapbuild.model.findings import Hit
from soapbuild.model.note import Note, Span
from soapbuild.model.signers import Signer, find_clinician, needs_cosignature, parse_signer
from soapbuild.model.timeparse import resolve
from soapbuild.rules.context import Context
from soapbuild.rules.deadlines import cosignature_deadline
from soapbuild.rules.signatures import signature_of
from soapbuild.settings import Settings

#: The rule codes this module reports (the rule pages are data/rules/*.toml).
CODES = frozenset({"V001", "V002", "V003", "V004", "V005"})

CosignState = Literal["not_needed", "unsigned", "awaiting", "overdue", "cosigned"]


@dataclass(frozen=True, slots=True)
class CosignStatus:
    """Whether a note needs a co-signature, and where it stands.

    ``state``: ``not_needed``; ``unsigned`` (the author has not signed it yet, so it
    cannot be co-signed); ``awaiting`` / ``overdue`` (signed, not validly co-signed,
    before / after ``due``); ``cosigned``. ``supervisor`` is the clinician's supervisor
    as the settings name them (``None`` when they name none).
    """

    state: CosignState
    supervisor: str | None = None
    cosigner: Signer | None = None
    cosigned: datetime | None = None
    signed: datetime | None = None
    due: datetime | None = None

    @property
    def needed(self) -> bool:
        return self.state != "not_needed"

    @property
    def pending(self) -> bool:
        """In the supervisor's queue: signed and waiting for the co-signature."""
        return self.state in ("awaiting", "overdue")


def supervisor_of(note: Note, settings: Settings) -> str | None:
    entry = find_clinician(note.header.clinician, settings.clinicians)
    return entry.supervisor if entry is not None else None


def valid_cosigner(note: Note, settings: Settings) -> Signer | None:
    """The co-signer, when ``cosigned_by`` and ``cosigned`` are both there and name someone
    with a credential who is not the author and is the author's supervisor (when the
    settings name one)."""
    header = note.header
    if not header.cosigned_by or header.cosigned is None:
        return None
    cosigner = parse_signer(header.cosigned_by)
    supervisor = supervisor_of(note, settings)
    if not cosigner.credentials or (header.clinician and cosigner.same_person(header.clinician)):
        return None
    if supervisor is not None and not cosigner.same_person(supervisor):
        return None
    return cosigner


def cosign_status(note: Note, settings: Settings, now: datetime) -> CosignStatus:
    header = note.header
    if not needs_cosignature(header, settings.clinicians, settings.cosign_credentials):
        return CosignStatus("not_needed")
    supervisor = supervisor_of(note, settings)
    signature = signature_of(note, settings)
    cosigner = valid_cosigner(note, settings)
    if cosigner is not None and header.cosigned is not None:
        return CosignStatus("cosigned", supervisor, cosigner,
                            resolve(header.cosigned, settings.timezone),
                            signature.at if signature else None)
    if signature is None:
        return CosignStatus("unsigned", supervisor)
    due = cosignature_deadline(signature.at, settings)
    state: CosignState = ("overdue" if now.astimezone(UTC) > due.astimezone(UTC)
                          else "awaiting")
    return CosignStatus(state, supervisor, signed=signature.at, due=due)


def uncosigned_reason(note: Note, settings: Settings) -> str | None:
    """Why a note that needs a co-signature lacks a valid one (for billing), or ``None``."""
    if not needs_cosignature(note.header, settings.clinicians, settings.cosign_credentials):
        return None
    if valid_cosigner(note, settings) is not None:
        return None
    supervisor = supervisor_of(note, settings)
    who = f" by {supervisor}" if supervisor else ""
    if signature_of(note, settings) is None:
        return f"the note needs its author's signature, then a co-signature{who}"
    return f"the note awaits its co-signature{who}"


def check(note: Note, context: Context) -> Iterator[Hit]:
    header, settings = note.header, context.settings
    yield from _written_cosignature(note, context)
    status = cosign_status(note, settings, context.now)
    if not status.needed:
        return
    clinician = header.field("clinician")
    if status.supervisor is None and clinician is not None:
        name = parse_signer(header.clinician or "").name
        yield Hit("V004", clinician.value_span,
                  f"{name}'s notes need a supervisor's co-signature, but the settings name no "
                  "supervisor for them.",
                  f"Add [clinicians.\"{name}\"] with supervisor = \"NAME\" to soapbuild.toml.")
    if not status.pending or status.due is None:
        return
    stamp = header.field("signed_by") or header.field("submitted")
    where = stamp.value_span if stamp is not None else Span(0, 3)
    who = status.supervisor or "the clinician's supervisor"
    due = f"{status.due.astimezone(settings.timezone):%Y-%m-%d}"
    then = (f"{who[0].upper()}{who[1:]} reviews it and runs: soapbuild cosign NOTE --as "
            "\"NAME, CREDENTIAL\".")
    if status.state == "awaiting":
        yield Hit("V001", where, f"The note awaits its co-signature by {who} (due by the end "
                                 f"of {due}).", then)
    else:
        yield Hit("V002", where, f"The note's co-signature by {who} was due by the end of "
                                 f"{due} and is still missing.", then)


def _written_cosignature(note: Note, context: Context) -> Iterator[Hit]:
    """V003 and V005: what ``cosigned_by``/``cosigned`` say, checked as written."""
    header, settings = note.header, context.settings
    by, when = header.field("cosigned_by"), header.field("cosigned")
    if by is None and when is None:
        return
    if header.cosigned_by is None or header.cosigned is None:
        missing, there = ("cosigned", by) if header.cosigned is None else ("cosigned_by", when)
        if there is not None and "cosigned" not in {p.name for p in header.problems}:
            yield Hit("V005", there.value_span,
                      f"The co-signature lacks '{missing}': a co-signature names its signer and "
                      "its time.", "Co-sign with soapbuild cosign, which writes both.")
        return
    assert by is not None and when is not None
    cosigner = parse_signer(header.cosigned_by)
    supervisor = supervisor_of(note, settings)
    if header.clinician and cosigner.same_person(header.clinician):
        yield Hit("V003", by.value_span, f"{cosigner.name} co-signs their own note; the "
                                         "co-signature is their supervisor's.",
                  "The supervisor co-signs it: soapbuild cosign NOTE --as \"NAME, CREDENTIAL\".")
    elif supervisor is not None and not cosigner.same_person(supervisor):
        author = parse_signer(header.clinician or "").name or "the author"
        yield Hit("V003", by.value_span,
                  f"The note is co-signed by {cosigner.name}, but {author}'s supervisor is "
                  f"{supervisor}.",
                  f"{supervisor} co-signs it, or correct the supervisor in soapbuild.toml.")
    if not cosigner.credentials:
        yield Hit("V005", by.value_span,
                  f"The co-signature '{header.cosigned_by}' has no credential.",
                  "Co-sign with name and credential: 'NAME, CREDENTIAL'.")
    zone = settings.timezone
    cosigned = resolve(header.cosigned, zone)
    signature = signature_of(note, settings)
    if signature is None:
        yield Hit("V005", when.value_span, "The note is co-signed but not signed by its author; "
                                          "a supervisor co-signs a signed note.",
                  "The author signs it first (soapbuild submit --as), then the supervisor "
                  "co-signs.")
    elif cosigned.astimezone(UTC) < signature.at.astimezone(UTC):
        yield Hit("V005", when.value_span,
                  f"The co-signature ({header.cosigned.text}) is dated before the author "
                  f"signed the note ({signature.at.astimezone(zone):%Y-%m-%d %H:%M}).",
                  "Date it when the supervisor co-signed; soapbuild cosign stamps the time.")
    if cosigned.astimezone(UTC) > context.now.astimezone(UTC):
        yield Hit("V005", when.value_span,
                  f"The co-signature is dated {header.cosigned.text}, in the future.",
                  "Date it when the supervisor co-signed; soapbuild cosign stamps the time.")
