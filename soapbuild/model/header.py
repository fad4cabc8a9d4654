"""Typing the front matter: from raw ``name: value`` pairs to a :class:`Header`.

The table :data:`FIELDS` is the contract of SPEC section 3; every known field is
read by one small reader that returns the value or says what it expected.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from soapbuild.model.note import FieldProblem, Header, Listed, Moment, RawField, Service, Span
from soapbuild.model.service_codes import places_of_service
from soapbuild.model.services import (
    CODE_EXPECTED,
    MODALITIES,
    read_code_text,
    read_modality,
    read_modifiers,
    read_place,
    read_services,
)
from soapbuild.model.timeparse import parse_moment

_TRUE = {"true", "yes"}
#: What a file is (SPEC 3.1): a progress note of the record (the default), or the
#: clinician's psychotherapy notes (45 CFR 164.501), which are kept apart from it.
PROGRESS_NOTE = "progress-note"
PSYCHOTHERAPY_NOTES = "psychotherapy-notes"
KINDS = (PROGRESS_NOTE, PSYCHOTHERAPY_NOTES)
_FALSE = {"false", "no"}


Structured = Callable[[RawField], tuple[Any, list[FieldProblem]]]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """A known front-matter field: whether it is required and how to read it.

    ``read`` types a scalar (``None``: not readable, reported with ``expected``);
    ``structured`` reads the raw value itself (a list, or shorthand) and says
    what is wrong with each part.
    """

    name: str
    required: bool
    expected: str
    read: Callable[[str], Any] | None = None
    structured: Structured | None = None


def _text(value: str) -> str | None:
    return value.strip() or None


def _moment(value: str) -> Moment | None:
    return parse_moment(value)


def _boolean(value: str) -> bool | None:
    word = value.strip().lower()
    return True if word in _TRUE else False if word in _FALSE else None


# Minutes with a unit, as other systems export them: "50 min", "50 mins", "50m",
# "50 minutes". Read as the number, and reported (F007) so the file says it plainly.
_MINUTES = re.compile(r"([0-9]{1,4})(?:[ \t]*(?:m|mins?\.?|minutes?))?", re.IGNORECASE)


def _minutes(value: str) -> int | None:
    found = _MINUTES.fullmatch(value.strip())
    return int(found.group(1)) if found else None


def _clock(value: str) -> str | None:
    word = value.strip()
    if re.fullmatch(r"[0-9]{1,2}:[0-9]{2}", word) or parse_moment(word) is not None:
        return word
    return None


def _kind(value: str) -> str | None:
    word = value.strip().lower()
    return word if word in KINDS else None


def _place(value: str) -> str | None:
    code = read_place(value)
    return code if code in places_of_service() else None


def _service_code(raw: RawField) -> tuple[Any, list[FieldProblem]]:
    if raw.kind != "scalar":
        return None, [FieldProblem(raw.name, f"'service_code' should be {CODE_EXPECTED}, not a "
                                   f"{raw.kind}; several codes go under 'services'.",
                                   raw.value_span)]
    return read_code_text(raw, "'service_code'", "service_code")


_SEPARATORS = re.compile(r"[^,;\s]+")


def read_listed(raw: RawField, what: str) -> tuple[tuple[Listed, ...], list[FieldProblem]]:
    """A list of short values (codes, goal names): a YAML list, or one string with the
    values separated by commas or spaces (``F41.1, Z63.0``), each kept with its place."""
    if raw.kind == "scalar" and raw.text is not None:
        return _split(raw.text, raw.value_span, raw.quoted), []
    if raw.kind != "sequence":
        return (), [FieldProblem(raw.name, f"'{raw.name}' should be {what}, not a {raw.kind}.",
                                 raw.value_span)]
    found: list[Listed] = []
    problems = []
    for item in raw.items:
        if item.kind == "scalar" and item.text is not None and item.text.strip():
            found.extend(_split(item.text, item.value_span, item.quoted))
        elif item.kind != "null":
            problems.append(FieldProblem(raw.name, f"'{raw.name}' should be {what}; item "
                                         f"{item.name} is a {item.kind}.", item.value_span))
    return tuple(found), problems


def _split(text: str, span: Span, quoted: bool) -> tuple[Listed, ...]:
    """The values of one string; each keeps its offset when the string is written plain
    or quoted on one line (else the whole value's place)."""
    inside = span.start + (1 if quoted else 0)
    exact = span.end - span.start == len(text) + (2 if quoted else 0)
    return tuple(Listed(match.group(), Span(inside + match.start(), inside + match.end())
                        if exact else span)
                 for match in _SEPARATORS.finditer(text))


def _diagnosis(raw: RawField) -> tuple[Any, list[FieldProblem]]:
    return read_listed(raw, "a list of ICD-10-CM codes such as [\"F41.1\", \"Z63.0\"]")


def _goals(raw: RawField) -> tuple[Any, list[FieldProblem]]:
    return read_listed(raw, "a list of treatment-plan goals such as [\"G1\", \"G2\"]")


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("client", True, "a client identifier such as C-1042", _text),
    FieldSpec("clinician", True, "the name of the note's author", _text),
    FieldSpec("session_date", True,
              "a date or date-time such as 2026-11-20 or 2026-11-20 15:00", _moment),
    FieldSpec("occurred", True, "true or false (yes or no)", _boolean),
    FieldSpec("reason", False, "a short reason such as no-show or late-cancel", _text),
    FieldSpec("submitted", False, "a date-time such as 2026-11-21 09:12", _moment),
    FieldSpec("duration", False, "a whole number of minutes such as 53", _minutes),
    FieldSpec("start", False, "a time such as 15:00 or a date-time", _clock),
    FieldSpec("end", False, "a time such as 15:53 or a date-time", _clock),
    FieldSpec("service_code", False, CODE_EXPECTED, structured=_service_code),
    FieldSpec("services", False, "a list of services", structured=read_services),
    FieldSpec("modifiers", False, "a list of modifiers", structured=read_modifiers),
    FieldSpec("place_of_service", False,
              "a CMS place-of-service code such as 11 (office), 02 or 10 (telehealth)", _place),
    FieldSpec("modality", False, " or ".join(MODALITIES), read_modality),
    FieldSpec("client_location", False,
              "where the client was during a telehealth session, such as OH", _text),
    FieldSpec("extended_reason", False, "why the session ran past its usual length", _text),
    FieldSpec("format", False, "the name of a note format such as soap or dap", _text),
    FieldSpec("diagnosis", False, "a list of ICD-10-CM codes", structured=_diagnosis),
    FieldSpec("goals", False, "a list of treatment-plan goals", structured=_goals),
    FieldSpec("signed_by", False, "the signer as 'NAME, CREDENTIAL'", _text),
    FieldSpec("cosigned_by", False, "the co-signer as 'NAME, CREDENTIAL'", _text),
    FieldSpec("cosigned", False, "a date-time such as 2026-11-22 10:05", _moment),
    FieldSpec("kind", False, " or ".join(KINDS), _kind),
)
#: Stamps that record an act at a moment: a date alone does not say when it happened.
STAMPS = ("submitted", "cosigned")
KNOWN_FIELDS: dict[str, FieldSpec] = {spec.name: spec for spec in FIELDS}


def holds_text(name: str) -> bool:
    """Whether a known field's value is text (an ID, a name, a code), which other YAML
    readers must not take for a number or a boolean. (A clock time such as
    ``end: 15:53`` is soapbuild's documented way to write it and is left alone.)"""
    spec = KNOWN_FIELDS.get(name)
    return spec is not None and (spec.read in (_text, _place) or name == "service_code")


def type_header(fields: tuple[RawField, ...], readable: bool = True) -> Header:
    """Read every known field once; unknown and repeated fields are left to the rules."""
    values: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    loose: list[FieldProblem] = []
    for raw in fields:
        spec = KNOWN_FIELDS.get(raw.name)
        if spec is None or raw.name in values:
            continue
        if raw.kind == "null" or (raw.kind == "scalar" and not (raw.text or "").strip()):
            values[raw.name] = None
            continue
        if spec.structured is not None:
            values[raw.name], wrong = spec.structured(raw)
            problems.extend(wrong)
            continue
        value = (spec.read(raw.text) if spec.read is not None and raw.kind == "scalar"
                 and raw.text is not None else None)
        if value is None:
            shown = raw.text if raw.kind == "scalar" else f"a {raw.kind}"
            problems.append(FieldProblem(
                raw.name, f"'{raw.name}' should be {spec.expected}, not {shown!r}.",
                raw.value_span))
        if spec.name in STAMPS and isinstance(value, Moment) and value.date_only:
            problems.append(FieldProblem(
                raw.name, f"'{spec.name}' should include the time, not only the date "
                          f"{raw.text!r}.", raw.value_span))
            value = None
        written = (raw.text or "").strip()
        if spec.name == "duration" and value is not None and not written.isdigit():
            loose.append(FieldProblem(
                raw.name, f"'duration' is written {written!r}; soapbuild reads it as "
                f"{value} minutes.", raw.value_span))
        values[raw.name] = value
    if isinstance(values.get("format"), str):
        values["format"] = values["format"].lower()
    values.update(_billed(values.pop("service_code", None), values.pop("services", None)))
    values["modifiers"] = values.get("modifiers") or ()
    return Header(fields=fields, problems=tuple(problems), loose=tuple(loose),
                  readable=readable, **values)


def _billed(one: tuple[Service, ...] | None, listed: tuple[Service, ...] | None
            ) -> dict[str, Any]:
    """``service_code`` and ``services`` as one list of services, in the order written."""
    services = sorted((*(one or ()), *(listed or ())), key=lambda s: s.span.start)
    return {"service_code": one[0].code if one else None, "services": tuple(services)}
