"""Front-matter fields: required, well typed, known, not repeated (codes F001–F008)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from soapbuild.model.findings import Hit
from soapbuild.model.frontmatter import yaml_reading
from soapbuild.model.header import FIELDS, KNOWN_FIELDS, holds_text
from soapbuild.model.note import Note, Span
from soapbuild.rules.context import Context

#: The rule codes this module reports (the rule pages are data/rules/*.toml).
CODES = frozenset({"F001", "F002", "F003", "F004", "F005", "F006", "F007", "F008", "F009"})

#: What a psychotherapy note may carry: who, about whom, which session, and its kind.
#: Everything else (times, services, diagnosis, signatures) is the record's, which
#: 45 CFR 164.501 leaves out of psychotherapy notes.
PSYCHOTHERAPY_FIELDS = frozenset({"kind", "client", "clinician", "session_date"})

_EXAMPLES = {
    "client": "client: C-1042",
    "clinician": "clinician: Jordan Rivera, LCSW",
    "session_date": "session_date: 2026-11-20 15:00",
    "occurred": "occurred: true",
}


def check(note: Note, context: Context) -> Iterator[Hit]:
    header = note.header
    if not header.readable:
        return
    top = Span(0, min(3, len(note.source.text)))
    present = {raw.name for raw in header.fields
               if raw.kind != "null" and (raw.kind != "scalar" or (raw.text or "").strip())}
    unknown = [raw for raw in header.fields if raw.name not in KNOWN_FIELDS]
    # Psychotherapy notes are not session records: they need no 'occurred'.
    needed = ("client", "clinician", "session_date") if note.psychotherapy_notes else None
    for spec in FIELDS:
        if not spec.required or spec.name in present or (needed and spec.name not in needed):
            continue
        raw = header.field(spec.name)
        typo = next((u for u in unknown if _close(u.name, [spec.name])), None)
        if raw is not None:
            yield Hit("F001", raw.key_span, f"Required field '{spec.name}' has no value.",
                      f"Write {_EXAMPLES[spec.name]!r}.")
        elif typo is not None:
            yield Hit("F001", typo.key_span,
                      f"Required field '{spec.name}' is missing; '{typo.name}' looks like a "
                      "misspelling of it.", f"Rename '{typo.name}' to '{spec.name}'.")
        else:
            yield Hit("F001", top, f"Required field '{spec.name}' is missing.",
                      f"Add {_EXAMPLES[spec.name]!r} to the front matter.")
    for problem in header.problems:
        yield Hit("F003" if problem.unknown_key else "F002", problem.span, problem.message,
                  problem.suggestion)
    for loose in header.loose:
        yield Hit("F007", loose.span, loose.message,
                  f"Write the number alone: '{loose.name}: {getattr(header, loose.name)}' "
                  "('soapbuild fix' does this).")
    for raw in unknown:
        close = _close(raw.name, list(KNOWN_FIELDS))
        hint = f"; did you mean '{close}'?" if close else "."
        yield Hit("F003", raw.key_span, f"Unknown field '{raw.name}'{hint}",
                  f"Rename it to '{close}'." if close else
                  "Remove it, or move the information into the note's text.")
    if header.occurred is False and not header.reason:
        occurred = header.field("occurred")
        yield Hit("F004", occurred.key_span if occurred else top,
                  "The session did not occur, but no 'reason' says why.",
                  "Add a reason, e.g. 'reason: no-show' or 'reason: late-cancel'.")
    if header.format is not None and header.format not in context.settings.formats:
        raw_format = header.field("format")
        known = ", ".join(sorted(context.settings.formats))
        close = _close(header.format, list(context.settings.formats))
        hint = f"; did you mean '{close}'?" if close else f"; known formats: {known}."
        yield Hit("F005", raw_format.value_span if raw_format else top,
                  f"Unknown note format '{header.format}'{hint}",
                  "Use a built-in format or define it under [formats] in soapbuild.toml.")
    for raw in header.fields:
        reading = (yaml_reading(raw.text) if raw.kind == "scalar" and not raw.quoted
                   and raw.text and holds_text(raw.name) else None)
        if reading is not None:
            yield Hit("F008", raw.value_span,
                      f"soapbuild reads '{raw.name}: {raw.text}' as text, but other YAML "
                      f"readers read {raw.text} as {reading}.",
                      f"Quote it: '{raw.name}: \"{raw.text}\"' ('soapbuild fix' does this).")
    if note.psychotherapy_notes:
        for raw in header.fields:
            if raw.name in KNOWN_FIELDS and raw.name not in PSYCHOTHERAPY_FIELDS:
                yield Hit("F009", raw.key_span,
                          f"'{raw.name}' belongs to the session's progress note; psychotherapy "
                          "notes are kept apart from the record and never bill.",
                          f"Move '{raw.name}' to the progress note of the session and remove "
                          "it here.")
    seen: set[str] = set()
    for raw in header.fields:
        if raw.name in seen:
            yield Hit("F006", raw.key_span,
                      f"Field '{raw.name}' is given more than once; only one value can count.",
                      "Keep one line for it and delete the other.")
        seen.add(raw.name)


def _close(name: str, candidates: list[str]) -> str | None:
    found = difflib.get_close_matches(name.lower(), candidates, n=1, cutoff=0.75)
    return found[0] if found else None
