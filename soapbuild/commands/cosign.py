"""``soapbuild cosign``: the supervisor's co-signature on a pre-licensed clinician's note.

A note whose author holds a credential that needs a co-signature (setting
``supervision.credentials``) is complete only once the author's supervisor
(``[clinicians."NAME"] supervisor``) has reviewed and co-signed it. ``cosign``
writes ``cosigned_by: "NAME, CREDENTIAL"`` and ``cosigned: <now>`` into the front
matter, the way ``submit`` writes its stamps, and changes nothing else. It refuses
a note that needs no co-signature, one its author has not signed, one with
errors, one already co-signed, and a co-signer who is not the author's
supervisor. The note locks once its edit window after the co-signature ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from soapbuild.commands.submit import (
    Edit,
    Plan,
    Refusal,
    run_on_notes,
    signature_edit,
    signer_for,
    signer_option,
)
from soapbuild.model.findings import Finding, Severity
from soapbuild.model.note import Note
from soapbuild.model.signers import Signer, needs_cosignature, parse_signer
from soapbuild.rules.context import Context
from soapbuild.rules.signatures import signature_of
from soapbuild.rules.supervision import supervisor_of
from soapbuild.settings import Settings


def cosign_plan(given: Signer | None) -> Plan:
    """``cosign``: a signed note without errors gets its supervisor's co-signature."""

    def plan(note: Note, findings: Sequence[Finding], data: bytes,
             context: Context) -> Edit | Refusal:
        settings = context.settings
        header = note.header
        author = parse_signer(header.clinician or "").name or "its author"
        if not needs_cosignature(header, settings.clinicians, settings.cosign_credentials):
            return Refusal(f"{author}'s notes need no co-signature (the credentials in "
                           "supervision.credentials do)")
        if header.cosigned_by or header.cosigned is not None:
            return Refusal(f"already co-signed by {header.cosigned_by or '?'}")
        if signature_of(note, settings) is None:
            return Refusal(f"the note is not signed yet; {author} signs it first "
                           "(soapbuild submit --as)")
        errors = tuple(f for f in findings if f.severity is Severity.ERROR)
        if errors:
            count = len(errors)
            return Refusal(f"{count} error{'' if count == 1 else 's'}; a supervisor co-signs a "
                           "complete note", errors)
        supervisor = supervisor_of(note, settings)
        if supervisor is None:
            return Refusal(f"the settings name no supervisor for {author}; add "
                           f"[clinicians.\"{author}\"] supervisor = \"NAME\"")
        signer = signer_for(given, supervisor, settings, "supervisor")
        if isinstance(signer, Refusal):
            return signer
        if not signer.same_person(supervisor):
            return Refusal(f"{signer.name} is not {author}'s supervisor ({supervisor}); only "
                           "the supervisor co-signs")
        return signature_edit(data, note, context, signer, ("cosigned_by", "cosigned"),
                              "{stamp} ({zone}) as {signer}")

    return plan


def cosign(directory: Path, settings: Settings, now: datetime, notes: Sequence[Path],
           signer: str | None = None) -> int:
    """Co-sign each note as its author's supervisor."""
    return run_on_notes(directory, settings, now, notes, cosign_plan(signer_option(signer)),
                        "co-signed", "not co-signed")
