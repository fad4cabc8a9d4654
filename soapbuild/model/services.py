"""Typing the billing fields of the front matter: the services, their modifiers, the place.

``service_code`` (one code) and ``services`` (a list) both become :class:`Service`
entries with the position of each code, so every billing rule can point at the
code it is about. Shorthand a biller would type is read for what it says and
kept visible: ``"90837-95"`` is code 90837 with modifier 95 and ``"90839, 90840"``
two codes; the service remembers the shorthand so a rule can ask for the plain
form. A modifier therefore never hides a code from the time checks.
"""

from __future__ import annotations

import difflib
import re

from soapbuild.model.note import FieldProblem, RawField, Service

MODALITIES = ("in-person", "video", "audio")
_MODALITY_WORDS = {"in-person": "in-person", "in person": "in-person", "inperson": "in-person",
                   "in_person": "in-person", "video": "video", "audio": "audio"}
SERVICE_KEYS = ("code", "units", "minutes", "modifiers")

_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.]{0,15}")
_MODIFIER = re.compile(r"[A-Za-z0-9]{2}")
_SEPARATOR = re.compile(r"\s*[,;]\s*")
_WHOLE = re.compile(r"[0-9]{1,4}")

CODE_EXPECTED = 'a billing code such as "90837"'


def read_code_text(raw: RawField, what: str, field: str
                   ) -> tuple[tuple[Service, ...], list[FieldProblem]]:
    """A scalar holding one code, or shorthand: codes with ``-MOD`` suffixes, commas between.

    ``what`` names the value in messages (``'service_code'``, ``'services' item 2``);
    ``field`` is the front-matter field it belongs to.
    """
    text = (raw.text or "").strip()
    parts = [part for part in _SEPARATOR.split(text) if part]
    services: list[Service] = []
    for part in parts:
        code, *modifiers = [piece.strip() for piece in part.split("-")]
        if not _CODE.fullmatch(code) or not all(_MODIFIER.fullmatch(m) for m in modifiers):
            return (), [FieldProblem(field, f"{what} should be {CODE_EXPECTED}, a modifier "
                                     f"after a hyphen if any (\"90837-95\"), not {raw.text!r}.",
                                     raw.value_span)]
        services.append(Service(code.upper(), raw.value_span,
                                modifiers=tuple(m.upper() for m in modifiers)))
    if not services:
        return (), [FieldProblem(field, f"{what} should be {CODE_EXPECTED}, not {raw.text!r}.",
                                 raw.value_span)]
    if len(services) > 1 or services[0].modifiers:
        services = [Service(s.code, s.span, modifiers=s.modifiers, shorthand=text)
                    for s in services]
    return tuple(services), []


def read_services(raw: RawField) -> tuple[tuple[Service, ...], list[FieldProblem]]:
    """``services``: a list of codes or of ``{code, units, minutes, modifiers}`` entries.

    A single string is read like ``service_code``. Each entry is read on its own, so
    one bad entry does not hide the others from the checks.
    """
    if raw.kind == "scalar":
        return read_code_text(raw, "'services'", "services")
    if raw.kind != "sequence":
        return (), [FieldProblem("services", "'services' should be a list of services such as "
                                 "[\"90839\", \"90840\"], not a map.", raw.value_span)]
    services: list[Service] = []
    problems: list[FieldProblem] = []
    for item in raw.items:
        what = f"'services' item {item.name}"
        if item.kind == "scalar":
            found, wrong = read_code_text(item, what, "services")
        elif item.kind == "mapping":
            found, wrong = _read_entry(item, what)
        else:
            found, wrong = (), [FieldProblem("services", f"{what} should be {CODE_EXPECTED} or a "
                                             "map with 'code' (and 'units', 'minutes').",
                                             item.value_span)]
        services.extend(found)
        problems.extend(wrong)
    return tuple(services), problems


def _read_entry(entry: RawField, what: str) -> tuple[tuple[Service, ...], list[FieldProblem]]:
    problems: list[FieldProblem] = []
    values: dict[str, RawField] = {}
    for key in entry.items:
        if key.name in values:
            problems.append(FieldProblem("services", f"{what} gives '{key.name}' twice.",
                                         key.key_span))
        elif key.name not in SERVICE_KEYS:
            close = difflib.get_close_matches(key.name.lower(), SERVICE_KEYS, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else "."
            problems.append(FieldProblem(
                "services", f"Unknown key '{key.name}' in {what}{hint}", key.key_span,
                f"Rename it to '{close[0]}'." if close else
                f"A service has {', '.join(SERVICE_KEYS)}.", unknown_key=True))
        else:
            values[key.name] = key
    code = values.get("code")
    if code is None or code.kind != "scalar" or not (code.text or "").strip():
        problems.append(FieldProblem("services", f"{what} has no 'code'.",
                                     code.value_span if code else entry.value_span,
                                     "Write the billing code, e.g. 'code: \"90840\"'."))
        return (), problems
    found, wrong = read_code_text(code, f"{what} 'code'", "services")
    problems.extend(wrong)
    if not found:
        return (), problems
    units = _whole(values.get("units"), f"{what} 'units'", 1, 99, problems)
    minutes = _whole(values.get("minutes"), f"{what} 'minutes'", 1, 9999, problems)
    extra, wrong = (read_modifiers(values["modifiers"], f"{what} 'modifiers'")
                    if "modifiers" in values else ((), []))
    problems.extend(wrong)
    services = tuple(Service(s.code, s.span, units, minutes, s.modifiers + extra, s.shorthand)
                     for s in found)
    if len(services) > 1 and (units is not None or minutes is not None):
        problems.append(FieldProblem("services", f"{what} names {len(services)} codes but "
                                     "gives one 'units'/'minutes'; give each code its own "
                                     "entry.", code.value_span))
    return services, problems


def _whole(raw: RawField | None, what: str, least: int, most: int,
           problems: list[FieldProblem]) -> int | None:
    if raw is None or raw.kind == "null":
        return None
    text = (raw.text or "").strip() if raw.kind == "scalar" else ""
    if _WHOLE.fullmatch(text) and least <= int(text) <= most:
        return int(text)
    shown = repr(raw.text) if raw.kind == "scalar" else f"a {raw.kind}"
    problems.append(FieldProblem("services", f"{what} should be a whole number from {least} "
                                 f"to {most}, not {shown}.", raw.value_span))
    return None


def read_modifiers(raw: RawField, what: str = "'modifiers'"
                   ) -> tuple[tuple[str, ...], list[FieldProblem]]:
    """``modifiers``: a list of two-character modifiers, or one string of them ("95, HO")."""
    if raw.kind == "scalar":
        items = [(word, raw) for word in re.split(r"[\s,;]+", (raw.text or "").strip()) if word]
    elif raw.kind == "sequence":
        items = [((item.text or "").strip() if item.kind == "scalar" else "", item)
                 for item in raw.items]
    else:
        return (), [FieldProblem("modifiers", f"{what} should be a list of modifiers such as "
                                 "[\"95\"], not a map.", raw.value_span)]
    found: list[str] = []
    problems: list[FieldProblem] = []
    for word, where in items:
        if _MODIFIER.fullmatch(word):
            found.append(word.upper())
        else:
            shown = repr(word) if where.kind == "scalar" else f"a {where.kind}"
            problems.append(FieldProblem("modifiers", f"{what} should hold two-character "
                                         f"modifiers such as 95, 93 or HO, not {shown}.",
                                         where.value_span))
    return tuple(dict.fromkeys(found)), problems


def read_place(value: str) -> str | None:
    """A two-digit CMS place-of-service code (``2`` is read as ``02``)."""
    word = value.strip()
    return word.zfill(2) if re.fullmatch(r"[0-9]{1,2}", word) else None


def read_modality(value: str) -> str | None:
    return _MODALITY_WORDS.get(" ".join(value.strip().lower().split()))
