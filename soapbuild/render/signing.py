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


def entry_marks(session: SessionRecord) -> list[tuple[str, str]]:
    """What an entry of the record is, when it is not a complete, signed, timely note:
    ``(kind, words)`` for a draft, an unsigned note, a note awaiting its co-signature,
    a note with errors and a late entry, in that order. The record shows them on the
    entry itself, so that a recipient never takes one for a complete, timely entry."""
    from soapbuild.model.findings import Severity

    marks: list[tuple[str, str]] = []
    if session.submitted is None:
        marks.append(("draft", "Draft: not submitted, not part of the signed record"))
    elif session.signature is None:
        marks.append(("unsigned", "Unsigned: submitted without its author's electronic "
                                  "signature"))
    if session.cosignature in ("awaiting", "overdue", "unsigned"):
        marks.append(("cosign", "Not co-signed: final once the supervisor co-signs"))
    errors = sum(1 for f in session.findings if f.severity is Severity.ERROR)
    if errors:
        marks.append(("errors", f"Has {errors} error{'' if errors == 1 else 's'}: not a "
                                "complete record"))
    late = late_entry_line(session)
    if late is not None:
        marks.append(("late", late))
    return marks


def diagnosis_facts(session: SessionRecord) -> list[tuple[str, str]]:
    """Each diagnosis code with its ICD-10-CM title (the code alone when it has none)."""
    from soapbuild.model.icd10cm import description

    return [(code, description(code) or "not an ICD-10-CM code") for code in session.diagnosis]
