"""``soapbuild attest``: the author's signature on a note submitted without one.

A note submitted before the practice signed its notes is not edited to add a
signature: it may be locked, and the record keeps what it said. Medicare accepts
instead a signature attestation from the author of the entry, signed and dated
by them, naming the patient and the date of service (Program Integrity Manual
ch. 3 §3.3.2.4). ``attest`` appends one after the last line of the note::

    ## Signature attestation 2026-11-27 10:00
    Author: Jordan Rivera, LCSW
    Reason: The note was submitted on 2026-10-06 09:12 without its author's signature.
    I, Jordan Rivera, LCSW, attest that this note for client C-1042, …

It is a dated, attributed entry appended like an addendum, so the lock accepts
it, and it counts as the note's signature (:func:`soapbuild.rules.signatures.
signature_of`). Nothing else in the file changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from soapbuild.commands.submit import (
    Edit,
    Plan,
    Refusal,
    author_signer,
    run_on_notes,
    signer_option,
    stamp_moment,
    stamp_text,
)
from soapbuild.model.findings import Finding, Severity
from soapbuild.model.note import Note
from soapbuild.model.signers import Signer
from soapbuild.model.timeparse import resolve
from soapbuild.rules.context import Context
from soapbuild.rules.signatures import signature_of
from soapbuild.settings import Settings

# The lock: an attestation never covers a locked note whose text was changed.
LOCK_BROKEN = "K001"


def attestation(note: Note, signer: Signer, stamp: str, settings: Settings,
                ending: str) -> str:
    """The attestation's text: heading, author, reason and the statement, in the note's own
    line endings. The statement names what Medicare asks of one: the author's printed name
    and credential, the patient (the client ID) and the date of service."""
    header = note.header
    zone = settings.timezone
    session = (f"{resolve(header.session_date, zone):%Y-%m-%d %H:%M}"
               if header.session_date is not None and not header.session_date.date_only
               else header.session_date.text if header.session_date is not None
               else "date not recorded")
    entered = header.submitted.text if header.submitted is not None else "?"
    lines = [
        f"## Signature attestation {stamp}",
        f"Author: {signer.text}",
        f"Reason: The note was submitted on {entered} without its author's signature.",
        f"I, {signer.text}, attest that this note for client {header.client or '?'}, session "
        f"of {session}, is my record of the services I provided, entered by me on {entered}, "
        "and that this attestation is my signature on it.",
    ]
    return ending.join(lines) + ending


def attest_plan(given: Signer | None) -> Plan:
    """``attest``: a submitted, unsigned note gets its author's attestation appended."""

    def plan(note: Note, findings: Sequence[Finding], data: bytes,
             context: Context) -> Edit | Refusal:
        settings = context.settings
        header = note.header
        if header.submitted is None:
            return Refusal("the note is a draft; sign it as you submit it: soapbuild submit "
                           "--as \"NAME, CREDENTIAL\"")
        signed = signature_of(note, settings)
        if signed is not None:
            return Refusal(f"already {signed.how} by {signed.signer.text} on "
                           f"{signed.at.astimezone(settings.timezone):%Y-%m-%d %H:%M}")
        broken = tuple(f for f in findings if f.code == LOCK_BROKEN)
        if broken:
            return Refusal("its locked text has changed; restore it before attesting it",
                           broken)
        signer = author_signer(given, note, settings, "attests")
        if isinstance(signer, Refusal):
            return signer
        zone = settings.timezone
        stamp = stamp_text(context.now, zone)
        moment = stamp_moment(context.now, zone)
        text = data.decode("utf-8")
        ending = "\r\n" if "\r\n" in text else "\r" if "\r" in text and "\n" not in text \
            else "\n"
        lead = "" if text.endswith(("\n", "\r")) else ending
        new = data + (lead + ending + attestation(note, signer, stamp, settings,
                                                   ending)).encode("utf-8")
        before = {f.code for f in findings if f.severity is Severity.ERROR}

        def expect(after: Note) -> bool:
            found = signature_of(after, settings)
            return (found is not None and found.how == "attested" and found.signer == signer
                    and found.at.astimezone(UTC) == moment.astimezone(UTC))

        return Edit(new, f"{stamp} ({zone}) as {signer.text}", expect,
                    appended=True, allowed=frozenset(before),
                    by_hand="append the signature attestation by hand")

    return plan


def attest(directory: Path, settings: Settings, now: datetime, notes: Sequence[Path],
           signer: str | None = None) -> int:
    """Append the author's signature attestation to each note."""
    return run_on_notes(directory, settings, now, notes, attest_plan(signer_option(signer)),
                        "attested", "not attested")
