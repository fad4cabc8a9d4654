"""What the record says under and beside each note: signatures, late entries, diagnoses.

The record is what a payer or another provider reads, so each note shows who
authenticated it and when ("Electronically signed by NAME, CREDENTIAL on DATE",
CMS Program Integrity Manual ch. 3 §3.3.2.4), the supervisor's co-signature, and,
for a note entered after its deadline, that it is a late entry with both dates
(the session's and the entry's, §3.3.2.5). The HTML pages and the PDF record
both take these lines from here.
"""

from __future__ import annotations

from datetime import datetime

from soapbuild.rules.sessions import SessionRecord


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment is not None else "date unknown"


def signature_lines(session: SessionRecord) -> list[str]:
    """The signature and co-signature of a note, as the record states them."""
    lines: list[str] = []
    if session.signature == "signed":
        lines.append(f"Electronically signed by {session.signed_by} on {_when(session.signed)}")
    elif session.signature == "attested":
        lines.append(f"Signature attested by {session.signed_by} on {_when(session.signed)} "
                     f"(submitted {_when(session.submitted)} without a signature)")
    elif session.submitted is not None:
        lines.append("No electronic signature")
    supervisor = session.supervisor or "the clinician's supervisor"
    if session.cosignature == "cosigned":
        lines.append(f"Co-signed by {session.cosigned_by} on {_when(session.cosigned)}")
    elif session.cosignature == "awaiting":
        lines.append(f"Awaiting co-signature by {supervisor} (due {_when(session.cosign_due)})")
    elif session.cosignature == "overdue":
        lines.append(f"Co-signature by {supervisor} overdue since {_when(session.cosign_due)}")
    elif session.cosignature == "unsigned":
        lines.append(f"Needs its author's signature, then a co-signature by {supervisor}")
    return lines


def late_entry_line(session: SessionRecord) -> str | None:
    """A note submitted after its deadline is a late entry: labelled, with both dates."""
    if not session.late_entry:
        return None
    return (f"Late entry: entered {_when(session.submitted)} for the session of "
            f"{_when(session.session_date)} (due {_when(session.deadline)})")


def diagnosis_facts(session: SessionRecord) -> list[tuple[str, str]]:
    """Each diagnosis code with its ICD-10-CM title (the code alone when it has none)."""
    from soapbuild.model.icd10cm import description

    return [(code, description(code) or "not an ICD-10-CM code") for code in session.diagnosis]
