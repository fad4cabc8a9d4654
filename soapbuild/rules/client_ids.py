"""Client IDs that look alike but differ (F010): one client filed as two, or more.

A client ID is compared as the characters it holds: ``C-1042``, ``c-1042``,
``C-1042`` with a zero-width space typed after it, and ``С-1042`` with a Cyrillic
``С`` are four clients to soapbuild (four pages in the record, four rows of the
report's per-client counts), and one to anyone who reads them (issue 16,
finding 7). Comparing IDs by a *skeleton* (Unicode TR39: NFKC, invisible
characters removed, look-alike letters replaced by the Latin letters of
``data/confusables.txt``, case folded) finds them: two IDs with one skeleton and
different spellings are flagged on every note that spells the ID the less common
way, naming the other spelling. An ID with an invisible character is flagged on
its own too, even when no other note spells it otherwise yet.

This is a cross-note rule: it runs once over the notes of a check, after each
note's own rules, like copied documentation.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources

from soapbuild.model.findings import Hit
from soapbuild.model.note import Note, Span

#: The rule codes this module reports (the rule page is data/rules/fields.toml).
CODES = frozenset({"F010"})


@cache
def confusables() -> dict[str, str]:
    """Look-alike letter -> the Latin letter it is taken for (data/confusables.txt)."""
    text = resources.files("soapbuild").joinpath("data/confusables.txt").read_text("utf-8")
    pairs = (line.split() for line in text.splitlines()
             if line.strip() and not line.startswith("#"))
    return {pair[0]: pair[1] for pair in pairs}


def invisible(character: str) -> bool:
    """A character that shows as nothing: format characters (zero-width space and joiners,
    bidirectional marks, the BOM) and controls."""
    return unicodedata.category(character) in ("Cf", "Cc")


@cache  # a workspace has few clients and many notes, and watch asks again on every save
def skeleton(client: str) -> str:
    """What a reader sees of a client ID, as text to compare."""
    normal = unicodedata.normalize("NFKC", client)
    table = confusables()
    return "".join(table.get(c, c) for c in normal if not invisible(c)).strip().casefold()


def hits(notes: Iterable[tuple[str, Note]]) -> Iterator[tuple[str, Hit]]:
    """(note path, F010 hit) for each note whose client ID is spelled unlike another note's
    for the same skeleton, or holds an invisible character."""
    spelled: dict[str, Counter[str]] = {}
    first: dict[str, str] = {}  # spelling -> its earliest session date as written
    with_client = [(path, note, note.header.client) for path, note in notes
                   if note.header.client]
    for _path, note, client in with_client:
        if client is not None:
            spelled.setdefault(skeleton(client), Counter())[client] += 1
            raw = note.header.field("session_date")
            when = (raw.text or "") if raw is not None else ""
            first[client] = min(first.get(client, when), when)
    for path, note, client in with_client:
        if client is None:
            continue
        spellings = spelled[skeleton(client)]
        # the most common spelling; on a tie a plain one, then the one used first
        common = min(spellings, key=lambda s: (-spellings[s], not _plain(s), first[s], s))
        hidden = [c for c in client if invisible(c)]
        if client == common and not hidden:
            continue
        raw = note.header.field("client")
        span = raw.value_span if raw is not None and raw.value_span is not None else Span(0, 0)
        if client != common:
            others = spellings[common]
            what = (f"The client ID {_shown(client)} looks the same as {_shown(common)} "
                    f"(the ID of {others} other note{'s' if others != 1 else ''}), but is not: "
                    f"{_difference(client, common)}. They are filed as two clients.")
        else:
            what = (f"The client ID {_shown(client)} holds an invisible character "
                    f"(U+{ord(hidden[0]):04X} {unicodedata.name(hidden[0], 'control')}); it "
                    "names another client than the same ID typed without it.")
        yield path, Hit("F010", span, what,
                        f"Spell the ID as {_shown(_cleaned(common))} in every note of this "
                        "client.")


def _plain(client: str) -> bool:
    """An ID of visible ASCII only: the likelier intended spelling when counts tie."""
    return client.isascii() and client.isprintable()


def _cleaned(client: str) -> str:
    return "".join(c for c in client if not invisible(c))


def _shown(client: str) -> str:
    """The ID quoted, with invisible and non-ASCII characters made visible."""
    return "'" + "".join(c if c.isascii() and c.isprintable() else f"<U+{ord(c):04X}>"
                         for c in client) + "'"


def _difference(client: str, other: str) -> str:
    if any(invisible(c) for c in client):
        return "it holds an invisible character"
    if any(c in confusables() for c in client):
        letter = next(c for c in client if c in confusables())
        return (f"its {unicodedata.name(letter, 'letter').title()} looks like the Latin "
                f"letter {confusables()[letter]}")
    if client.casefold() == other.casefold():
        return "the letters differ in case"
    return "it differs in characters that look alike"
