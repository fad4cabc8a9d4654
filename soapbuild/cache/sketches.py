"""One index of the committed notes' unparsed sketches, so that the hook reads one file.

``check --staged`` looks for the committed notes whose text holds most of a staged
section's three-word sequences (:mod:`soapbuild.history.committed`). Asking that of
every committed note's sketch costs a read and a set intersection per note: seconds
in a repository of 10,000 notes, on every commit. This index turns the question
around: for each sequence hash, the notes whose text holds it (an inverted index),
so a staged section's candidates are counted from the postings of its own hashes.

The index covers a set of blobs (note contents), not a commit: a commit changes a
few notes, so the index made for an earlier HEAD still answers for all the notes it
holds, the few new ones are sketched one by one beside it, and it is made again only
when those (with the ones it holds that HEAD no longer has) grow past
:func:`worth_rebuilding`. It lives in the cache as one entry, checked and written
atomically like every other (:mod:`.store`); laid out as flat arrays of unsigned
32-bit numbers, it is read back without building an object per posting.
"""

from __future__ import annotations

import struct
import sys
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from math import ceil

from soapbuild.model.packed import UINT32

_HEAD = struct.Struct("<8sIIII")  # magic, bytes of a blob id, blobs, keys, posting words
_MAGIC = b"sbsketc2"
REBUILD_FLOOR = 256  # notes outside the index always tolerated beside it
REBUILD_SHARE = 0.05  # ... and this share of the notes the index holds
NAME = f"sketch-index {sys.byteorder}"  # the arrays are in the machine's byte order


def worth_rebuilding(outside: int, held: int) -> bool:
    """Whether the notes sketched one by one beside an index holding ``held`` notes (those
    new since it was made, and those it holds that are gone) cost more than making it anew."""
    return outside > max(REBUILD_FLOOR, REBUILD_SHARE * held)


@dataclass(frozen=True, slots=True)
class SketchIndex:
    """For each sequence hash (sorted ``keys``), the notes (by position in ``blobs``)
    whose text holds it: ``postings[offsets[i]:offsets[i + 1]]``, either their positions
    or, where that is no shorter (``dense[i]``), a bitmap of them (bit p of the
    little-endian number those words hold is the note at position p).

    Stock phrases are in nearly every note: as bitmaps, their notes are counted a
    whole bitmap at a time (:meth:`counts`), where a list of positions is counted one
    position at a time, and they take no more room than that list would.
    """

    blobs: tuple[str, ...]
    keys: memoryview
    offsets: memoryview
    postings: memoryview
    dense: bytes

    @classmethod
    def build(cls, sketches: Mapping[str, Iterable[int]]) -> SketchIndex:
        """The index of the sketches by blob id (the blobs in sorted order)."""
        blobs = tuple(sorted(sketches))
        holders: dict[int, array[int]] = {}
        for position, blob in enumerate(blobs):
            for value in sketches[blob]:
                found = holders.get(value)
                if found is None:
                    holders[value] = array(UINT32, (position,))
                else:
                    found.append(position)
        words = (len(blobs) + 31) // 32
        keys = array(UINT32, sorted(holders))
        offsets, postings, dense = array(UINT32, [0]), array(UINT32), bytearray()
        for value in keys:
            held = holders[value]
            if len(held) >= words:
                postings.frombytes(_bitmap_bytes(held, words * 4))
            else:
                postings.extend(held)
            dense.append(len(held) >= words)
            offsets.append(len(postings))
        return cls(blobs, memoryview(keys), memoryview(offsets), memoryview(postings),
                   bytes(dense))

    def holders(self, number: int) -> list[int]:
        """The positions of the notes holding the ``number``-th key."""
        low, high = self.offsets[number], self.offsets[number + 1]
        if not self.dense[number]:
            return list(self.postings[low:high])
        return list(_positions(int.from_bytes(self.postings[low:high].tobytes(), "little")))

    def _bitmap(self, number: int) -> int:
        """The notes holding the ``number``-th key, as the bits of a number."""
        low, high = self.offsets[number], self.offsets[number + 1]
        if self.dense[number]:
            return int.from_bytes(self.postings[low:high].tobytes(), "little")
        size = len(self.blobs)
        held = [position for position in self.postings[low:high] if position < size]
        return int.from_bytes(_bitmap_bytes(held, (size + 7) // 8), "little")

    def sketches(self, blobs: Iterable[str]) -> dict[str, list[int]]:
        """The sketches of ``blobs`` as the index holds them (for making it again with
        other notes beside them, without reading those notes)."""
        position = self.positions()
        wanted = {position[blob]: blob for blob in blobs if blob in position}
        found: dict[str, list[int]] = {blob: [] for blob in wanted.values()}
        for number, value in enumerate(self.keys):
            for held in self.holders(number):
                blob = wanted.get(held)
                if blob is not None:
                    found[blob].append(value)
        return found

    def positions(self) -> dict[str, int]:
        """Each indexed blob's position in the postings."""
        return {blob: number for number, blob in enumerate(self.blobs)}

    def counts(self, shingles: Iterable[int], least: float = 0) -> Counter[str]:
        """How many of ``shingles`` each indexed note's text holds, by blob id, for the notes
        holding at least ``least`` of them (every note holding one, by default).

        Counted for all notes at once, as binary numbers held bit-sliced across big
        integers (bit p of ``slices[i]`` is bit i of note p's count): adding a
        shingle's bitmap is a ripple-carry addition of a few whole-index operations,
        and the notes reaching ``least`` come out of one comparison. Counting posting
        by posting cost the hook tens of milliseconds per staged section, since stock
        phrases are held by thousands of notes.
        """
        keys = self.keys
        slices: list[int] = []
        for value in set(shingles):
            number = bisect_left(keys, value)
            if number < len(keys) and keys[number] == value:
                _add(slices, self._bitmap(number))
        need = max(1, ceil(least))
        reached = _at_least(slices, need, len(self.blobs))
        return Counter({self.blobs[position]: sum(((bits >> position) & 1) << place
                                                  for place, bits in enumerate(slices))
                        for position in _positions(reached)})

    def to_bytes(self) -> bytes:
        width = len(self.blobs[0]) // 2 if self.blobs else 0
        head = _HEAD.pack(_MAGIC, width, len(self.blobs), len(self.keys), len(self.postings))
        return b"".join([head, *(bytes.fromhex(blob) for blob in self.blobs),
                         self.keys.tobytes(), self.offsets.tobytes(), self.postings.tobytes(),
                         self.dense])

    @classmethod
    def from_bytes(cls, data: bytes) -> SketchIndex | None:
        """The index ``data`` holds, or None when it is not one (another layout, cut short,
        offsets out of order or past the postings)."""
        if len(data) < _HEAD.size:
            return None
        magic, width, blobs, keys, postings = _HEAD.unpack_from(data)
        sizes = (blobs * width, keys * 4, (keys + 1) * 4, postings * 4, keys)
        if magic != _MAGIC or width % 4 or len(data) != _HEAD.size + sum(sizes):
            return None
        view, start = memoryview(data), _HEAD.size
        parts = []
        for size in sizes:
            parts.append(view[start:start + size])
            start += size
        names = bytes(parts[0])
        offsets = parts[2].cast(UINT32)
        if any(low > high for low, high in pairwise(offsets)) or offsets[-1] > postings:
            return None
        return cls(tuple(names[n:n + width].hex() for n in range(0, len(names), width or 1)),
                   parts[1].cast(UINT32), offsets, parts[3].cast(UINT32), bytes(parts[4]))


def _bitmap_bytes(positions: Iterable[int], size: int) -> bytes:
    """``size`` bytes whose little-endian number has bit p set for each of ``positions``."""
    bitmap = bytearray(size)
    for position in positions:
        bitmap[position >> 3] |= 1 << (position & 7)
    return bytes(bitmap)


def _positions(bitmap: int) -> Iterable[int]:
    """The bits set in ``bitmap``, lowest first."""
    while bitmap:
        lowest = bitmap & -bitmap
        yield lowest.bit_length() - 1
        bitmap ^= lowest


def _add(slices: list[int], bitmap: int) -> None:
    """Add one to the count of every note whose bit ``bitmap`` sets (ripple carry)."""
    carry = bitmap
    for place, bits in enumerate(slices):
        if not carry:
            return
        slices[place], carry = bits ^ carry, bits & carry
    if carry:
        slices.append(carry)


def _at_least(slices: list[int], need: int, size: int) -> int:
    """The bits of the notes whose count (bit-sliced in ``slices``) is at least ``need``."""
    if need >= 1 << len(slices):
        return 0
    greater, equal = 0, (1 << size) - 1
    for place in reversed(range(len(slices))):
        bits = slices[place]
        if (need >> place) & 1:
            equal &= bits
        else:
            greater |= equal & bits
            equal &= ~bits
    return greater | equal
