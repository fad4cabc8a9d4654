"""Copied documentation (SPEC 4.6): sections nearly identical to an earlier note's.

Payers treat text copied forward from earlier notes as cloned documentation.
Comparing every pair of notes would be quadratic; instead each section is cut
into overlapping three-word sequences (shingles), and its three smallest shingle
hashes (a bottom-k sketch) are keys that place it in buckets. Two nearly
identical sections agree on most of their smallest hashes, so they almost
always share a key, and only sections sharing a bucket are compared exactly, by
the Dice overlap of their shingles: a 50-word section with one word changed
scores 0.94, while sections built from the same stock sentences in another
order score well below that.

Phrases every note uses ("alert and oriented to person, place, time") would
put unrelated notes in one bucket, so keys are drawn from the shingles that few
sections share (a first pass counts them); and each section is compared with at
most ``BUCKET_LIMIT`` earlier sections per key, which keeps the work linear in
the number of notes whatever the text.

A check of a whole practice holds every section's shingles at once, so they are
packed (:class:`Shingles`): four bytes a hash, where a set of Python ints takes
about ninety; a section's become a set only when it is compared.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from zlib import crc32

from soapbuild.model.findings import Hit
from soapbuild.model.note import Note, Span
from soapbuild.model.packed import count, pack, unpack
from soapbuild.model.timeparse import resolve
from soapbuild.settings import Settings

#: The rule codes this module reports (the rule pages are data/rules/*.toml).
CODES = frozenset({"D001"})

SHINGLE_WORDS = 3
MIN_WORDS = 15  # shorter sections ("Next session in one week.") are alike by nature
SKETCH = 3  # smallest hashes kept, each a key
BUCKET_LIMIT = 16
RARE = 8  # a shingle in at most this many sections is distinctive enough to key on
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


@dataclass(frozen=True, slots=True)
class Shingles:
    """A section's shingle hashes, distinct and ascending, packed (:mod:`~soapbuild.model.packed`):
    a whole practice's sections are held at once, and a frozenset of ints costs about 95
    bytes a hash where this costs 4."""

    packed: bytes

    @classmethod
    def of(cls, values: Iterable[int]) -> Shingles:
        return cls(pack(sorted(set(values))))

    def values(self) -> Sequence[int]:
        """The hashes, ascending, read in place."""
        return unpack(self.packed)

    def __len__(self) -> int:
        return count(self.packed)

    def __iter__(self) -> Iterator[int]:
        return iter(self.values())


@dataclass(frozen=True, slots=True)
class SectionPrint:
    """The fingerprint of one section of one note."""

    path: str
    client: str | None
    when: datetime | None
    section: str
    shingles: Shingles  # hashes of the section's three-word sequences
    heading: Span
    position: tuple[int, int, int, int]  # line, column, end line, end column of the heading


@dataclass(frozen=True, slots=True)
class Copy:
    """``later``'s section nearly repeats ``earlier``'s."""

    later: SectionPrint
    earlier: SectionPrint
    similarity: float


@dataclass
class CopyStats:
    """How much work the search did: the test that it stays linear counts these."""

    sections: int = 0
    comparisons: int = 0


def fingerprint(note: Note, settings: Settings) -> list[SectionPrint]:
    """Fingerprints of the note's sections that are long enough to judge."""
    if note.header.occurred is False:
        return []
    when = (resolve(note.header.session_date, settings.timezone)
            if note.header.session_date is not None else None)
    prints = []
    for section in note.body.sections:
        words = _WORD.findall(note.prose[section.heading.span.end:section.span.end].lower())
        if len(words) < MIN_WORDS:
            continue
        shingles = Shingles.of(_shingles(words))
        span = section.heading.text_span
        start, end = note.source.position(span.start), note.source.position(span.end)
        prints.append(SectionPrint(note.path, note.header.client, when, section.name, shingles,
                                   span, (start.line, start.column, end.line, end.column)))
    return prints


def _shingles(words: list[str]) -> frozenset[int]:
    # crc32, not hash(): Python salts str hashes per process, and the candidates
    # (smallest hashes, bucket limits) must be the same on every run.
    return frozenset(crc32(" ".join(words[i:i + SHINGLE_WORDS]).encode())
                     for i in range(len(words) - SHINGLE_WORDS + 1))


def text_shingles(text: str) -> frozenset[int]:
    """The shingles of a whole text, unparsed: a cheap superset-like sketch of its sections'
    shingles, for finding which notes may hold a copy before parsing any."""
    return _shingles(_WORD.findall(text.lower()))


Key = tuple[str, int]


def _keys(section: str, values: Sequence[int], counts: Counter[int]) -> list[Key]:
    """The smallest of a section's hashes (``values``, ascending) among its distinctive
    shingles (all, if none is)."""
    rare = [h for h in values if counts[h] <= RARE]
    return [(section, value) for value in (rare or values)[:SKETCH]]


def find_copies(prints: Iterable[SectionPrint], threshold: float,
                stats: CopyStats | None = None,
                judged: Container[str] | None = None) -> list[Copy]:
    """Each section that nearly repeats an earlier one (by session date), with the best match.

    A match with the same client is preferred to a closer match with another client.
    ``judged`` (default: all) are the paths whose sections are looked for copies; the
    others' sections only fill the buckets, exactly as they would if judged, so a judged
    section finds the very match it would find otherwise. The hook judges the staged
    notes among thousands of committed ones, which costs their comparisons only.
    """
    stats = stats if stats is not None else CopyStats()
    ordered = sorted(prints, key=_chronological)
    counts: Counter[int] = Counter()
    for item in ordered:
        counts.update(item.shingles.values())
    buckets: dict[Key, list[SectionPrint]] = {}
    copies = []
    for current in ordered:
        stats.sections += 1
        best: Copy | None = None
        seen: set[int] = set()
        values = current.shingles.values()
        # Sizes in bytes, four a hash: the ratio below is the same, exactly (a power of two).
        size = len(current.shingles.packed)
        # Dice >= t needs the smaller set to hold at least t / (2 - t) of the larger.
        least = threshold / (2 - threshold)
        skip = judged is not None and current.path not in judged
        mine: frozenset[int] | None = None  # the section's hashes as a set, once compared
        for key in _keys(current.section, values, counts):
            bucket = buckets.setdefault(key, [])
            for earlier in ([] if skip else bucket[-BUCKET_LIMIT:]):
                if id(earlier) in seen or earlier.path == current.path:
                    continue
                seen.add(id(earlier))
                other = len(earlier.shingles.packed)
                if min(size, other) < least * max(size, other):
                    continue  # too different in length to reach the threshold
                stats.comparisons += 1
                if mine is None:
                    mine = frozenset(values)
                similarity = _dice(mine, earlier.shingles.values())
                if similarity >= threshold and _better(current, earlier, similarity, best):
                    best = Copy(current, earlier, similarity)
            bucket.append(current)
        if best is not None:
            copies.append(best)
    return copies


def copy_hit(copy: Copy) -> Hit:
    earlier = copy.earlier
    whose = "the same client's" if copy.later.client == earlier.client else (
        f"another client's ({earlier.client})")
    date = f" of {earlier.when:%Y-%m-%d}" if earlier.when else ""
    return Hit("D001", copy.later.heading,
               f"This {copy.later.section} is {copy.similarity:.0%} the same as the "
               f"{earlier.section} of {whose} note{date} ({earlier.path}).",
               "Write what happened in this session; payers treat copied-forward text as "
               "cloned documentation.")


def _better(current: SectionPrint, earlier: SectionPrint, similarity: float,
            best: Copy | None) -> bool:
    if best is None:
        return True
    same_now = earlier.client == current.client
    same_best = best.earlier.client == current.client
    if same_now != same_best:
        return same_now
    return similarity > best.similarity


def _dice(first: frozenset[int], second: Sequence[int]) -> float:
    return 2 * len(first.intersection(second)) / (len(first) + len(second))


def _chronological(item: SectionPrint) -> tuple[bool, float, str]:
    return (item.when is None, item.when.timestamp() if item.when else 0.0, item.path)
