"""One row per session: what the compliance report, the billing CSV and the record show.

A session's timeliness is one of ``on_time``, ``late``, ``overdue``, ``due_soon``,
``draft`` or ``n/a`` (no readable session date), judged against the deadline
(SPEC 4.3) by :func:`soapbuild.rules.deadlines.judge_timeliness`; whether it is
billable comes from :func:`soapbuild.rules.minutes.billing_status`. The rules read
the same two verdicts, so the report and the findings cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from soapbuild.model.findings import Finding
from soapbuild.model.icd10cm import dotted
from soapbuild.model.note import Note
from soapbuild.model.schedule import ScheduledSession, missing_sessions
from soapbuild.model.timeparse import resolve
from soapbuild.rules.claim import ClaimLine, claim_lines
from soapbuild.rules.context import Context
from soapbuild.rules.deadlines import judge_timeliness
from soapbuild.rules.minutes import billing_status, session_minutes
from soapbuild.rules.signatures import signature_of
from soapbuild.rules.supervision import cosign_status


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A note seen as a session of the practice, and as the claim a biller keys from it.

    ``service_code`` is the first billed code and ``minutes`` the time the codes are
    judged on (the clock's where known, else ``duration``); ``services`` are the
    claim lines with their units and modifiers, ``start``/``end`` the clock times.
    """

    path: str
    key: str | None
    client: str | None
    clinician: str | None
    session_date: datetime | None
    occurred: bool | None
    reason: str | None
    submitted: datetime | None
    deadline: datetime | None
    timeliness: str
    hours_late: float | None
    service_code: str | None
    minutes: int | None
    billable: bool
    not_billable_because: str | None
    findings: tuple[Finding, ...]
    services: tuple[ClaimLine, ...] = ()
    modifiers: tuple[str, ...] = ()
    place_of_service: str | None = None
    modality: str | None = None
    client_location: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    duration: int | None = None
    clock_minutes: int | None = None
    # In git: when the submitted note entered the repository, and how many hours earlier
    # the stamp claims it was submitted when that is beyond the tolerance (T008).
    committed: datetime | None = None
    stamp_gap_hours: float | None = None
    # Signed, co-signed, diagnosed (issue 11): the signature and how it was given
    # ("signed" or "attested"), the co-signature and its state (see
    # supervision.CosignStatus), the diagnosis codes and the plan's goals worked on.
    signed_by: str | None = None
    signed: datetime | None = None
    signature: str | None = None
    cosignature: str = "not_needed"
    supervisor: str | None = None
    cosigned_by: str | None = None
    cosigned: datetime | None = None
    cosign_due: datetime | None = None
    diagnosis: tuple[str, ...] = ()
    goals: tuple[str, ...] = ()
    late_entry: bool = False


def session_record(path: str, note: Note | None, findings: Sequence[Finding],
                   context: Context) -> SessionRecord:
    """The session row of one note file (an unreadable file is a row too: not billable)."""
    settings = context.settings
    billing = billing_status(note, findings, settings)
    if note is None:
        return SessionRecord(path, None, None, None, None, None, None, None, None, "n/a", None,
                             None, None, False, billing.reason, tuple(findings))
    header = note.header
    timeliness = judge_timeliness(note, settings, context.now, context.ledger.history(note.key))
    time = session_minutes(note, settings)
    signature = signature_of(note, settings)
    cosign = cosign_status(note, settings, context.now)
    return SessionRecord(
        path=path, key=note.key, client=header.client, clinician=header.clinician,
        session_date=timeliness.start, occurred=header.occurred, reason=header.reason,
        submitted=(resolve(header.submitted, settings.timezone)
                   if header.submitted is not None else None),
        deadline=timeliness.due, timeliness=timeliness.state,
        hours_late=timeliness.hours_late,
        service_code=header.services[0].code if header.services else None,
        minutes=time.minutes, billable=billing.billable, not_billable_because=billing.reason,
        findings=tuple(findings), services=claim_lines(header), modifiers=header.modifiers,
        place_of_service=header.place_of_service, modality=header.modality,
        client_location=header.client_location, start=time.start, end=time.end,
        duration=time.duration, clock_minutes=time.clock, committed=timeliness.committed,
        stamp_gap_hours=(round(timeliness.stamp_gap.total_seconds() / 3600, 2)
                         if timeliness.stamp_gap is not None else None),
        signed_by=signature.signer.text if signature else None,
        signed=signature.at if signature else None,
        signature=signature.how if signature else None,
        cosignature=cosign.state, supervisor=cosign.supervisor,
        cosigned_by=cosign.cosigner.text if cosign.cosigner else None,
        cosigned=cosign.cosigned, cosign_due=cosign.due,
        diagnosis=tuple(dotted(d.value) for d in header.diagnosis),
        goals=tuple(g.value.upper() for g in header.goals),
        late_entry=timeliness.state == "late")


def unmatched_sessions(scheduled: Sequence[ScheduledSession],
                       sessions: Sequence[SessionRecord]) -> tuple[ScheduledSession, ...]:
    """The scheduled sessions that no note's session covers (see :func:`missing_sessions`)."""
    noted = [(s.client, s.session_date) for s in sessions
             if s.client is not None and s.session_date is not None]
    return tuple(missing_sessions(scheduled, noted))
