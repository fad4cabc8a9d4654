"""Privacy: identifiers the note does not need (HIPAA minimum necessary).

A progress note identifies its client by the ID in the front matter. Other
identifiers in the body (P001 numbers, P002 a date of birth, P003 contact
details), a client field that holds a name (P004) and other members' full
names in a group note (P005) disclose more than the record needs each time it
is shared. The client's quoted words are read too: a phone number inside a
quote is still a phone number.
"""

from __future__ import annotations

from collections.abc import Iterator

from soapbuild.model.findings import Hit
from soapbuild.model.note import Note, Span
from soapbuild.rules.context import Context
from soapbuild.rules.identifiers import full_names, identifiers, is_group_note, looks_like_name

#: The rule codes this module reports (the rule pages are data/rules/*.toml).
CODES = frozenset({"P001", "P002", "P003", "P004", "P005"})


def check(note: Note, context: Context) -> Iterator[Hit]:
    text = note.source.text
    start, end = note.body.start, len(text)
    for found in identifiers(text, start, end):
        words = " ".join(text[found.start:found.end].split())
        yield Hit(found.code, Span(found.start, found.end),
                  f"'{words}' is {found.kind}; the note does not need it to identify the client.",
                  f"{found.suggest}.")
    client = note.header.field("client")
    if client is not None and note.header.client and looks_like_name(note.header.client):
        yield Hit("P004", client.value_span,
                  f"The client field holds what looks like a name ('{note.header.client}'); "
                  "it travels with every copy of the note and report.",
                  "Use the client's ID from the practice system (e.g. C-1042); soapbuild "
                  "gives a name-like client no readable file name.")
    if is_group_note(note.header.service_code, note.prose, start, end):
        own = frozenset(n.casefold() for n in (note.header.clinician or "").split(",")[:1])
        for name_start, name_end in full_names(note.prose, start, end, own):
            name = " ".join(text[name_start:name_end].split())
            yield Hit("P005", Span(name_start, name_end),
                      f"'{name}' is another person's full name in a group note; the note is "
                      "part of this client's record and is disclosed with it.",
                      "Refer to other members without identifying them (another member, "
                      "a peer).")
