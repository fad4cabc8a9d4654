"""Notes as FHIR document Bundles (``soapbuild export fhir``), built with fhir.resources.

Every resource is made with the model classes of the ``fhir.resources`` package,
which validate each value as it is set, and every Bundle is read back from its
JSON with the same classes before it is written: soapbuild writes no FHIR JSON
by hand. The classes are FHIR R4B (``fhir.resources.R4B``): for the resources
used here (Bundle, Composition, Encounter, Condition, Practitioner, Patient)
R4B is R4 on the wire, so an R4 system reads them (fhir.resources 8 has no R4
package; its top level is R5, whose Composition and Encounter differ).

A note is one Composition (LOINC 11506-3, progress note) with one section per
section of its format (LOINC-coded by role, data/fhir.toml), each section's text
word for word as a safe narrative (:mod:`.narrative`); its Encounter (date,
status, service codes, diagnoses as ICD-10-CM Conditions), its author with the
credential and the signature and co-signature as attesters. A session that did
not occur is a cancelled Encounter with no clinical section. Addenda stay after
the original sections as sections of their own, and make the Composition
``amended`` (FHIR: changed after it was final, the original kept). The client is
a Patient known by the client ID alone, unless ``[export.identifiers]`` in the
settings gives the identifier another system knows the client by.

One Bundle per note is that note's document; one Bundle per client is a document
whose first Composition lists the client's notes, one section per note, each
pointing to the note's own Composition in the same Bundle.
"""

from __future__ import annotations

import hashlib
import tomllib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from fhir.resources.R4B.bundle import Bundle, BundleEntry
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.composition import (
    Composition,
    CompositionAttester,
    CompositionSection,
)
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.duration import Duration
from fhir.resources.R4B.encounter import Encounter, EncounterDiagnosis, EncounterParticipant
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.narrative import Narrative
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.practitioner import Practitioner, PractitionerQualification
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.resource import Resource

from soapbuild.export.narrative import (
    addendum_texts,
    narrative_div,
    narrative_problems,
    remark_text,
    section_texts,
)
from soapbuild.export.selection import Entry
from soapbuild.model.signers import find_clinician, parse_signer
from soapbuild.render.signing import entry_marks, signature_lines
from soapbuild.settings import Settings

FHIR_VERSION = "4.0.1"  # what the Bundles declare themselves to be (meta is not needed)
_NAMESPACE = uuid.UUID("5b1f8a4e-3c6d-5e7f-9a0b-1c2d3e4f5a6b")  # soapbuild's export UUIDs
_TELEHEALTH_PLACES = frozenset({"02", "10"})


class ExportInvalid(Exception):
    """A Bundle that fhir.resources does not read back, or with an unsafe narrative: a
    defect of soapbuild, never written."""


@cache
def coding_data() -> dict[str, Any]:
    text = resources.files("soapbuild").joinpath("data/fhir.toml").read_text("utf-8")
    return tomllib.loads(text)


def _system(name: str) -> str:
    return str(coding_data()["systems"][name])


def _uuid(*parts: str) -> str:
    """A stable ``urn:uuid`` for a resource: the same note exports the same ids."""
    return uuid.uuid5(_NAMESPACE, "\x1f".join(parts)).urn


def _reference(url: str, display: str | None = None) -> Reference:
    return Reference(reference=url, display=display)


def _narrative(text: str) -> Narrative:
    return Narrative(status="generated", div=narrative_div(text))


def _loinc(code: str, display: str) -> CodeableConcept:
    return CodeableConcept(coding=[Coding(system=_system("loinc"), code=code, display=display)])


def _moment(value: datetime | None) -> datetime | None:
    """A moment as FHIR keeps it: to the second, with its UTC offset."""
    return value.replace(microsecond=0) if value is not None else None


@dataclass
class _Resources:
    """The resources of one Bundle, each once, in the order first needed."""

    settings: Settings
    entries: dict[str, Resource] = field(default_factory=dict)  # fullUrl -> resource

    def add(self, url: str, resource: Resource) -> str:
        self.entries.setdefault(url, resource)
        return url

    def patient(self, client: str) -> str:
        url = _uuid("patient", client)
        if url in self.entries:
            return url
        identifiers = [Identifier(value=client)]
        mapped = self.settings.export_identifiers.get(client)
        if mapped is not None:
            system, _, value = mapped.rpartition("|")
            identifiers.append(Identifier(system=system or None, value=value))
        return self.add(url, Patient(id=url[9:], identifier=identifiers,
                                     text=_narrative(f"Client {client}")))

    def practitioner(self, signature: str) -> str:
        """A clinician as written ("Jordan Rivera, LCSW"): the name, the credential."""
        signer = parse_signer(signature)
        url = _uuid("practitioner", signer.key)
        if url in self.entries:
            return url
        known = find_clinician(signer.name, self.settings.clinicians)
        credentials = signer.credentials or ((known.credential,) if known and known.credential
                                             else ())
        qualifications = [PractitionerQualification(
            code=CodeableConcept(text=credential),
            identifier=[Identifier(value=known.license)] if known and known.license else None)
            for credential in credentials]
        return self.add(url, Practitioner(
            id=url[9:], name=[HumanName(text=signer.name, suffix=list(credentials) or None)],
            qualification=qualifications or None,
            text=_narrative(", ".join((signer.name, *credentials)))))


def _note_id(entry: Entry) -> str:
    digest = hashlib.sha256(entry.note.source.text.encode("utf-8", "surrogatepass")).hexdigest()
    return _uuid("note", entry.note.key or entry.session.path, digest)


def _encounter(entry: Entry, found: _Resources, patient: str, author: str | None) -> str:
    session = entry.session
    url = _uuid("encounter", _note_id(entry))
    status = {True: "finished", False: "cancelled"}.get(session.occurred, "unknown")  # type: ignore[arg-type]
    virtual = (session.modality in ("video", "audio")
               or session.place_of_service in _TELEHEALTH_PLACES)
    kind = coding_data()["encounter_class"]["virtual" if virtual else "ambulatory"]
    # A session that did not occur rendered no service and diagnosed nothing.
    held = session.occurred is True
    types = [CodeableConcept(coding=[Coding(system=_system("cpt"), code=line.code)],
                             text=line.shorthand) for line in session.services if held]
    diagnoses = []
    for rank, code in enumerate(session.diagnosis if held else (), start=1):
        condition = _uuid("condition", _note_id(entry), code)
        found.add(condition, Condition(
            id=condition[9:], subject=_reference(patient),
            category=[CodeableConcept(coding=[Coding(system=_system("condition_category"),
                                                     code="encounter-diagnosis")])],
            code=CodeableConcept(coding=[Coding(system=_system("icd10cm"), code=code,
                                                display=_icd_title(code))]),
            encounter=_reference(url)))
        diagnoses.append(EncounterDiagnosis(condition=_reference(condition), rank=rank))
    start = session.start or session.session_date
    # Encounter.class is a Python keyword; the model takes it by its JSON name.
    visit: dict[str, Any] = {"class": Coding(system=_system("act_code"), code=kind["code"],
                                             display=kind["display"])}
    found.add(url, Encounter(
        **visit, id=url[9:], status=status, type=types or None, subject=_reference(patient),
        participant=[EncounterParticipant(
            type=[CodeableConcept(coding=[Coding(system=_system("participation"),
                                                 code="PPRF")])],
            individual=_reference(author))] if author else None,
        period=Period(start=_moment(start), end=_moment(session.end)) if start else None,
        length=(Duration(value=Decimal(session.minutes), unit="min", system=_system("ucum"),
                         code="min") if session.minutes is not None and session.occurred
                else None),
        diagnosis=diagnoses or None,
        text=_narrative(_encounter_words(entry))))
    return url


def _encounter_words(entry: Entry) -> str:
    session = entry.session
    when = f"{session.session_date:%Y-%m-%d %H:%M}" if session.session_date else "date unknown"
    if session.occurred is False:
        return f"Session of {when}: did not occur ({session.reason or 'no reason given'})."
    codes = "; ".join(line.shorthand for line in session.services) or "no service code"
    return f"Session of {when}: {codes}."


def _icd_title(code: str) -> str | None:
    from soapbuild.model.icd10cm import description

    return description(code)


def _attesters(session: Any, found: _Resources) -> list[CompositionAttester]:
    attesters = []
    if session.signed_by and session.signed is not None:
        attesters.append(CompositionAttester(mode="legal", time=_moment(session.signed),
                                             party=_reference(found.practitioner(
                                                 session.signed_by))))
    if session.cosignature == "cosigned" and session.cosigned_by and session.cosigned:
        attesters.append(CompositionAttester(mode="professional",
                                             time=_moment(session.cosigned),
                                             party=_reference(found.practitioner(
                                                 session.cosigned_by))))
    return attesters


def _sections(entry: Entry, found: _Resources) -> list[CompositionSection]:
    note = entry.note
    codes = coding_data()["sections"]
    sections = []
    if entry.session.occurred is False:
        reason = entry.session.reason or "no reason given"
        remark = remark_text(note)
        sections.append(CompositionSection(
            title="Session did not occur",
            text=_narrative(f"Reason: {reason}" + (f"\n\n{remark}" if remark else ""))))
    else:
        roles = {section.name: section.roles for section in note.body.sections}
        for name, text in section_texts(note):
            role = next(iter(roles[name])) if len(roles[name]) == 1 else None
            code = codes.get(role) if role else None
            sections.append(CompositionSection(
                title=name, code=_loinc(code["code"], code["display"]) if code else None,
                text=_narrative(text)))
    for addendum, (heading, text) in zip(note.body.addenda, addendum_texts(note), strict=True):
        author = addendum.author.value if addendum.author else None
        sections.append(CompositionSection(
            title=heading,
            author=[_reference(found.practitioner(author))] if author else None,
            text=_narrative(text)))
    return sections


def _composition(entry: Entry, found: _Resources) -> str:
    session, note = entry.session, entry.note
    url = _note_id(entry)
    client = session.client or ""
    patient = found.patient(client)
    author = found.practitioner(session.clinician) if session.clinician else None
    encounter = _encounter(entry, found, patient, author)
    status = ("preliminary" if session.submitted is None
              else "amended" if note.body.addenda else "final")
    dated = [a.date.value for a in note.body.addenda if a.date is not None]
    edited = session.submitted
    if dated and edited is not None:
        from soapbuild.model.timeparse import resolve

        edited = max([edited, *(resolve(a.date, found.settings.timezone)
                                for a in note.body.addenda if a.date is not None)])
    when = f"{session.session_date:%Y-%m-%d %H:%M}" if session.session_date else "date unknown"
    summary = [f"Progress note of client {client}, session of {when}, by "
               f"{session.clinician or 'an unnamed clinician'}."]
    summary += [words for _kind, words in entry_marks(session)]
    summary += signature_lines(session)
    document = coding_data()["document"]
    found.add(url, Composition(
        id=url[9:], status=status, type=_loinc(document["code"], document["display"]),
        subject=_reference(patient), encounter=_reference(encounter),
        date=_moment(edited or session.session_date),
        author=[_reference(author, session.clinician)] if author else [
            _reference(patient, "author not recorded")],
        title=f"Progress note {when}", confidentiality="R",
        attester=_attesters(session, found) or None,
        section=_sections(entry, found),
        text=_narrative("\n".join(summary))))
    return url


def note_bundle(entry: Entry, settings: Settings, now: datetime) -> Bundle:
    """One note as its own FHIR document."""
    found = _Resources(settings)
    first = _composition(entry, found)
    return _bundle(first, found, _note_id(entry), now)


def client_bundle(client: str, entries: Sequence[Entry], settings: Settings,
                  now: datetime) -> Bundle:
    """A client's notes as one FHIR document: a first Composition that lists them, then
    each note's Composition with its resources."""
    found = _Resources(settings)
    patient = found.patient(client)
    notes = [(entry, _composition(entry, found)) for entry in entries]
    ids = [_note_id(entry) for entry in entries]
    url = _uuid("record", client, *ids)
    days = [e.session.session_date for e in entries if e.session.session_date is not None]
    span = f", {min(days):%Y-%m-%d} to {max(days):%Y-%m-%d}" if days else ""
    authors = list(dict.fromkeys(found.practitioner(e.session.clinician) for e in entries
                                 if e.session.clinician))
    document = coding_data()["document"]
    record = Composition(
        id=url[9:], status="final", type=_loinc(document["code"], document["display"]),
        subject=_reference(patient), date=_moment(now),
        author=[_reference(a) for a in authors] or [_reference(patient, "author not recorded")],
        title=f"Progress notes of client {client}{span}", confidentiality="R",
        section=[CompositionSection(
            title=f"Session {entry.session.session_date:%Y-%m-%d %H:%M}"
            if entry.session.session_date else "Session",
            code=_loinc(document["code"], document["display"]),
            entry=[_reference(note)],
            text=_narrative("\n".join([
                f"Progress note by {entry.session.clinician or 'an unnamed clinician'}.",
                *(words for _kind, words in entry_marks(entry.session))])))
            for entry, note in notes],
        text=_narrative(f"{len(notes)} progress note{'' if len(notes) == 1 else 's'} of "
                        f"client {client}{span}."))
    found.entries = {url: record, **found.entries}
    return _bundle(url, found, url, now)


#: The order of a Bundle's entries after its first Composition: the notes, then what they
#: point to. Within a type, resources keep the order they were first needed in.
_ORDER = ("Composition", "Encounter", "Condition", "Patient", "Practitioner")


def _bundle(first: str, found: _Resources, identity: str, now: datetime) -> Bundle:
    rest = sorted((url for url in found.entries if url != first),
                  key=lambda url: _ORDER.index(found.entries[url].get_resource_type()))
    ordered = [first, *rest]
    return Bundle(
        id=_uuid("bundle", identity)[9:], type="document",
        identifier=Identifier(system=_system("document_id"), value=_uuid("document", identity)),
        timestamp=_moment(now),
        entry=[BundleEntry(fullUrl=url, resource=found.entries[url]) for url in ordered])


def bundle_json(bundle: Bundle) -> str:
    """The Bundle as JSON, after reading it back with fhir.resources and checking every
    narrative in it; :class:`ExportInvalid` when either fails."""
    text = bundle.model_dump_json(indent=2, exclude_none=True)
    try:
        again = Bundle.model_validate_json(text)
    except ValueError as error:
        raise ExportInvalid(f"fhir.resources does not read the Bundle back: {error}") from None
    for where, div in narratives(again):
        problems = narrative_problems(div)
        if problems:
            raise ExportInvalid(f"unsafe narrative in {where}: {'; '.join(problems)}")
    return text + "\n"


def narratives(bundle: Bundle) -> Iterable[tuple[str, str]]:
    """Every narrative ``div`` in the Bundle, with where it is."""
    for entry in bundle.entry or []:
        resource = entry.resource
        if resource is None:
            continue
        name = f"{resource.get_resource_type()} {entry.fullUrl}"
        text = getattr(resource, "text", None)
        if text is not None:
            yield name, text.div
        for number, section in enumerate(getattr(resource, "section", None) or [], start=1):
            if section.text is not None:
                yield f"{name} section {number}", section.text.div
