"""A session's claim in words, for the pages and the PDF record: codes, place, clock."""

from __future__ import annotations

from soapbuild.model.service_codes import places_of_service
from soapbuild.rules.sessions import SessionRecord


def codes_text(session: SessionRecord) -> str:
    """The claim lines as billers write them: ``90839-95, 90840-95 ×2`` ("" without codes)."""
    return ", ".join("-".join((line.code, *line.modifiers))
                     + (f" ×{line.units}" if line.units > 1 else "")
                     for line in session.services)


def claim_facts(session: SessionRecord) -> list[tuple[str, str]]:
    """The billing facts a session's page shows, as (label, value) pairs, absent ones left out.

    Codes are written as billers write them (``90839-95``, ``90840-95 ×2``).
    """
    facts: list[tuple[str, str]] = []
    if session.services:
        facts.append(("Service codes" if len(session.services) > 1 else "Service code",
                      codes_text(session)))
    if session.place_of_service is not None:
        place = places_of_service().get(session.place_of_service)
        facts.append(("Place of service", session.place_of_service
                      + (f" ({place.name})" if place is not None else "")))
    if session.modality is not None:
        facts.append(("Modality", session.modality))
    if session.client_location is not None:
        facts.append(("Client location", session.client_location))
    if session.start is not None and session.end is not None:
        facts.append(("Clock", f"{session.start:%H:%M}–{session.end:%H:%M} "
                               f"({session.clock_minutes} min)"))
    if session.duration is not None and session.duration != session.clock_minutes:
        facts.append(("Duration", f"{session.duration} min"))
    return facts
