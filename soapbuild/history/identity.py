"""A locked note keeps its identity when its file is renamed or moved (SPEC 4.3).

Git follows a rename it was told about (``git mv``, or a commit that its rename
detection pairs up). Outside git, and for a rename not committed yet, soapbuild
pairs each locked note that disappeared with a note that appeared, by content:
first a note that still begins with the locked text (renamed only); then one
for the same client and session (renamed and edited); then one whose text is
mostly the same and that shares the client or the session (its header was
edited too): notes of one practice look alike, so likeness alone pairs nothing.
A renamed note is then judged against its lock as if it had kept its name, and
the lock follows it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from soapbuild.history.lock import begins_with
from soapbuild.model.note import Note
from soapbuild.model.timeparse import parse_moment

SIMILAR = 0.6  # share of three-word sequences two texts have in common
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Missing:
    """A locked note whose file is gone."""

    key: str
    sha256: str
    length: int
    text: str | None
    client: str | None
    session_date: str | None


def pair_renames(missing: Sequence[Missing], appeared: Mapping[str, Note]) -> dict[str, str]:
    """Pair notes that appeared (key -> note, none with a lock of its own) with missing ones.

    Returns appeared key -> missing key; each is paired at most once, the
    strongest evidence first.
    """
    pairs: dict[str, str] = {}
    taken: set[str] = set()
    tests = (_same_text, _same_session, _similar)
    for test in tests:
        for gone in missing:
            if gone.key in taken:
                continue
            for key, note in sorted(appeared.items()):
                if key not in pairs and test(gone, note):
                    pairs[key] = gone.key
                    taken.add(gone.key)
                    break
    return pairs


def _same_text(gone: Missing, note: Note) -> bool:
    return begins_with(note.source.text, gone.sha256, gone.length)


def _same_session(gone: Missing, note: Note) -> bool:
    return _client(gone, note) and _date(gone, note)


def _client(gone: Missing, note: Note) -> bool:
    return gone.client is not None and note.header.client == gone.client


def _date(gone: Missing, note: Note) -> bool:
    moment = parse_moment(gone.session_date or "")
    session = note.header.session_date
    return moment is not None and session is not None and moment.value == session.value


def _similar(gone: Missing, note: Note) -> bool:
    if gone.text is None or not (_client(gone, note) or _date(gone, note)):
        return False
    return similarity(gone.text, note.source.text) >= SIMILAR


def similarity(first: str, second: str) -> float:
    """The Dice overlap of the two texts' three-word sequences (1.0: the same words)."""
    one, two = _shingles(first), _shingles(second)
    if not one or not two:
        return 0.0
    return 2 * len(one & two) / (len(one) + len(two))


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i:i + 3]) for i in range(max(len(words) - 2, 0))}
