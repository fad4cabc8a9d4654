"""Which codes a session bills, and whether they go together (codes B007, B008, B013,
B014, B018).

The combinations are data (``needs`` and ``excludes`` in ``data/service_codes.toml``
and the settings); this module only reads them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from soapbuild.model.findings import Hit
from soapbuild.model.note import Note, Service, Span
from soapbuild.model.service_codes import ServiceCode
from soapbuild.rules.claim import describe, known, matches
from soapbuild.rules.context import Context

#: The rule codes this module reports (the rule pages are data/rules/billing.toml).
CODES = frozenset({"B007", "B008", "B013", "B014", "B018"})


def check(note: Note, context: Context) -> Iterator[Hit]:
    header = note.header
    if header.occurred is not True:
        return
    table = context.settings.service_codes
    if not header.services:
        raw = header.field("service_code") or header.field("services")
        yield Hit("B018", raw.key_span if raw else Span(0, min(3, len(note.source.text))),
                  "The session occurred but the note names no service code, so it cannot be "
                  "billed.", "Add the code of the service, e.g. 'service_code: \"90834\"' "
                  "(several codes go under 'services').")
        return
    yield from _shorthand(header.services)
    for service in header.services:
        if not known(service.code, table):
            yield Hit("B014", service.span,
                      f"{service.code} is not a service code soapbuild knows, so its time and "
                      "the codes it goes with are not checked.",
                      f"Check the code; a practice's own codes go under "
                      f"[service_codes.\"{service.code}\"] in soapbuild.toml.")
    others = {s.code for s in header.services}
    for service in header.services:
        code = table.get(service.code)
        if code is None or not code.addon:
            continue
        if not any(matches(other, need) for other in others - {code.code}
                   for need in code.needs):
            wanted = _either([describe(need, table) for need in code.needs])
            yield Hit("B007", service.span,
                      f"{code.name} is an add-on code: it is billed only beside {wanted}, and "
                      "the note has none.",
                      "List the code it goes with under 'services', or bill a code that stands "
                      "on its own.")
    yield from _exclusions(note, context)


def _exclusions(note: Note, context: Context) -> Iterator[Hit]:
    """Each code that clashes with codes listed before it, once, naming them all."""
    table = context.settings.service_codes
    services = note.header.services
    for index, later in enumerate(services):
        clashes = dict.fromkeys(
            earlier.code for earlier in services[:index] if earlier.code != later.code
            and (_excludes(earlier.code, later.code, context)
                 or _excludes(later.code, earlier.code, context)))
        if clashes:
            yield Hit("B008", later.span,
                      f"{_name(later.code, table)} is not billed in the same session as "
                      f"{_either([_name(code, table) for code in clashes])}.",
                      "Keep the code that describes the service; the other is included in it "
                      "or excludes it.")


def _name(code: str, table: Mapping[str, ServiceCode]) -> str:
    entry = table.get(code)
    return entry.name if entry is not None else code


def _either(choices: list[str]) -> str:
    return choices[0] if len(choices) == 1 else ", ".join(choices[:-1]) + " or " + choices[-1]


def _excludes(code: str, other: str, context: Context) -> bool:
    entry = context.settings.service_codes.get(code)
    return entry is not None and any(matches(other, ref) for ref in entry.excludes)


def _shorthand(services: tuple[Service, ...]) -> Iterator[Hit]:
    seen: set[int] = set()
    for service in services:
        if service.shorthand is None or service.span.start in seen:
            continue
        seen.add(service.span.start)
        same = [s for s in services if s.span == service.span]
        if len(same) > 1:
            codes = ", ".join(f'"{s.code}"' for s in same)
            yield Hit("B013", service.span,
                      f"{service.shorthand!r} is read as {len(same)} codes: "
                      f"{' and '.join(s.code for s in same)}.",
                      f"List several codes under 'services': services: [{codes}].")
        else:
            modifiers = ", ".join(f'"{m}"' for m in service.modifiers)
            yield Hit("B013", service.span,
                      f"{service.shorthand!r} is read as code {service.code} with modifier"
                      f"{'s' * (len(service.modifiers) > 1)} {', '.join(service.modifiers)}; "
                      "the time checks apply to the code.",
                      f"Write the code alone and the modifier apart: '{service.code}' and "
                      f"'modifiers: [{modifiers}]'.")
