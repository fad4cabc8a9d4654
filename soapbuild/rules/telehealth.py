"""Telehealth consistency: place of service, modality and modifiers agree (codes B015–B017).

Three fields say how a session was delivered: ``place_of_service`` (02 and 10 are
telehealth), ``modality`` (video and audio are) and the telehealth modifiers
(95 and GT video, 93 and FQ audio only; ``data/modifiers.toml``). They must not
contradict each other; a telehealth session carries the modifier the practice's
payers require (settings ``[billing] video_modifier`` / ``audio_modifier``) and
says where the client was (``client_location``): the clinician must be licensed
there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from soapbuild.model.findings import Hit
from soapbuild.model.note import Note, Span
from soapbuild.model.service_codes import known_modifiers, places_of_service
from soapbuild.rules.claim import claim_lines
from soapbuild.rules.context import Context

#: The rule codes this module reports (the rule pages are data/rules/billing.toml).
CODES = frozenset({"B015", "B016", "B017"})


@dataclass(frozen=True, slots=True)
class Delivery:
    """How the session was delivered, by each field that says so (``None``: not said)."""

    place: bool | None  # telehealth by place_of_service
    modality: str | None
    modifiers: tuple[tuple[str, str], ...]  # (modifier, "video" | "audio") present

    @property
    def telehealth(self) -> bool:
        return bool(self.place or self.modality in ("video", "audio") or self.modifiers)

    @property
    def in_person(self) -> bool:
        return self.place is False or self.modality == "in-person"


def delivery(note: Note) -> Delivery:
    header = note.header
    place = places_of_service().get(header.place_of_service or "")
    used = {m for line in claim_lines(header) for m in line.modifiers} | set(header.modifiers)
    modifiers = tuple((code, entry.telehealth) for code, entry in known_modifiers().items()
                      if code in used and entry.telehealth is not None)
    return Delivery(place.telehealth if place is not None else None, header.modality, modifiers)


def check(note: Note, context: Context) -> Iterator[Hit]:
    header = note.header
    if header.occurred is not True:
        return
    how = delivery(note)
    yield from _contradictions(note, how, context)
    if how.in_person:
        return
    yield from _missing_modifier(note, how, context)
    if how.telehealth and not header.client_location:
        raw = header.field("client_location")
        yield Hit("B017", raw.key_span if raw else _where(note),
                  "A telehealth session without 'client_location': where the client was "
                  "decides which state's licence and rules apply.",
                  "Add 'client_location:' with the state (or place) the client was in, "
                  "e.g. 'client_location: OH'.")


def _contradictions(note: Note, how: Delivery, context: Context) -> Iterator[Hit]:
    header = note.header
    place = places_of_service().get(header.place_of_service or "")
    shown = f"place of service {place.code} ({place.name})" if place else ""
    if place is not None and how.modality is not None and (
            place.telehealth != (how.modality in ("video", "audio"))):
        yield Hit("B016", _value(note, "modality"),
                  f"'modality: {how.modality}' contradicts {shown}.",
                  "Correct one of them: 02 and 10 are telehealth places, the others in person.")
    if how.in_person:
        said = shown or "'modality: in-person'"
        for modifier, _ in how.modifiers:
            yield Hit("B016", _modifier_span(note, modifier),
                      f"Modifier {modifier} marks a telehealth service, but the session was in "
                      f"person ({said}).", "Remove the modifier, or correct the place of service "
                      "or the modality.")
        return
    for modifier, kind in how.modifiers:
        if how.modality in ("video", "audio") and kind != how.modality:
            yield Hit("B016", _modifier_span(note, modifier),
                      f"Modifier {modifier} means {_kind_words(kind)}, but 'modality' says "
                      f"{_kind_words(how.modality)}.",
                      f"Use {_right_modifier(how.modality, context)} for "
                      f"{_kind_words(how.modality)}.")


def _missing_modifier(note: Note, how: Delivery, context: Context) -> Iterator[Hit]:
    settings = context.settings
    if how.modality == "video":
        wanted = {settings.video_modifier} - {""}
    elif how.modality == "audio":
        wanted = {settings.audio_modifier} - {""}
    elif how.place:
        wanted = {settings.video_modifier, settings.audio_modifier} - {""}
    else:
        return
    if not wanted:
        return
    said = (f"'modality: {how.modality}'" if how.modality else
            f"place of service {note.header.place_of_service}")
    needed = " or ".join(sorted(wanted))
    for line, service in zip(claim_lines(note.header), note.header.services, strict=True):
        if not wanted & set(line.modifiers):
            yield Hit("B015", service.span,
                      f"{line.code} is a telehealth service ({said}) without modifier {needed}, "
                      "which this practice's payers require.",
                      f"Add 'modifiers: [\"{sorted(wanted)[0]}\"]' to the front matter "
                      "(it applies to every code).")


def _kind_words(kind: str | None) -> str:
    return "audio only" if kind == "audio" else "audio and video"


def _right_modifier(kind: str | None, context: Context) -> str:
    settings = context.settings
    chosen = settings.audio_modifier if kind == "audio" else settings.video_modifier
    return f"modifier {chosen}" if chosen else "no telehealth modifier"


def _modifier_span(note: Note, modifier: str) -> Span:
    for service in note.header.services:
        if modifier in service.modifiers:
            return service.span
    return _value(note, "modifiers")


def _value(note: Note, name: str) -> Span:
    raw = note.header.field(name)
    return raw.value_span if raw is not None else _where(note)


def _where(note: Note) -> Span:
    raw = note.header.field("place_of_service") or note.header.field("modality")
    return raw.key_span if raw is not None else Span(0, min(3, len(note.source.text)))
