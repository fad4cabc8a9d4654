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
from typing import Literal

UINT32: Literal["I", "L"] = "I" if array("I").itemsize == 4 else "L"
_HEAD = struct.Struct("<8sIIII")  # magic, bytes of a blob id, blobs, keys, postings
_MAGIC = b"sbsketch"
REBUILD_FLOOR = 256  # notes outside the index always tolerated beside it
REBUILD_SHARE = 0.05  # ... and this share of the notes the index holds
NAME = f"sketch-index {sys.byteorder}"  # the arrays are in the machine's byte order


def worth_rebuilding(outside: int, held: int) -> bool:
    """Whether the notes sketched one by one beside an index holding ``held`` notes (those
    new since it was made, and those it holds that are gone) cost more than making it anew."""
    return outside > max(REBUILD_FLOOR, REBUILD_SHARE * held)


@dataclass(frozen=True, slots=True)
class SketchIndex:
    """For each sequence hash (sorted ``keys``), the positions in ``blobs`` of the notes
    holding it: ``postings[offsets[i]:offsets[i + 1]]``."""

    blobs: tuple[str, ...]
    keys: memoryview
    offsets: memoryview
    postings: memoryview

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
        keys = array(UINT32, sorted(holders))
        offsets, postings = array(UINT32, [0]), array(UINT32)
        for value in keys:
            postings.extend(holders[value])
            offsets.append(len(postings))
        return cls(blobs, memoryview(keys), memoryview(offsets), memoryview(postings))

    def sketches(self, blobs: Iterable[str]) -> dict[str, list[int]]:
        """The sketches of ``blobs`` as the index holds them (for making it again with
        other notes beside them, without reading those notes)."""
        position = self.positions()
        wanted = {position[blob]: blob for blob in blobs if blob in position}
        found: dict[str, list[int]] = {blob: [] for blob in wanted.values()}
        offsets, postings = self.offsets, self.postings
        for number, value in enumerate(self.keys):
            for held in postings[offsets[number]:offsets[number + 1]]:
                blob = wanted.get(held)
                if blob is not None:
                    found[blob].append(value)
        return found

    def positions(self) -> dict[str, int]:
        """Each indexed blob's position in the postings."""
        return {blob: number for number, blob in enumerate(self.blobs)}

    def counts(self, shingles: Iterable[int]) -> Counter[str]:
        """How many of ``shingles`` each indexed note's text holds, by blob id."""
        keys, offsets, postings = self.keys, self.offsets, self.postings
        tally: Counter[int] = Counter()
        for value in shingles:
            number = bisect_left(keys, value)
            if number < len(keys) and keys[number] == value:
                tally.update(postings[offsets[number]:offsets[number + 1]])
        size = len(self.blobs)
        return Counter({self.blobs[p]: n for p, n in tally.items() if p < size})

    def to_bytes(self) -> bytes:
        width = len(self.blobs[0]) // 2 if self.blobs else 0
        head = _HEAD.pack(_MAGIC, width, len(self.blobs), len(self.keys), len(self.postings))
        return b"".join([head, *(bytes.fromhex(blob) for blob in self.blobs),
                         self.keys.tobytes(), self.offsets.tobytes(), self.postings.tobytes()])

    @classmethod
    def from_bytes(cls, data: bytes) -> SketchIndex | None:
        """The index ``data`` holds, or None when it is not one (another layout, cut short)."""
        if len(data) < _HEAD.size:
            return None
        magic, width, blobs, keys, postings = _HEAD.unpack_from(data)
        sizes = (blobs * width, keys * 4, (keys + 1) * 4, postings * 4)
        if magic != _MAGIC or width % 4 or len(data) != _HEAD.size + sum(sizes):
            return None
        view, start = memoryview(data), _HEAD.size
        parts = []
        for size in sizes:
            parts.append(view[start:start + size])
            start += size
        names = bytes(parts[0])
        return cls(tuple(names[n:n + width].hex() for n in range(0, len(names), width or 1)),
                   *(part.cast(UINT32) for part in parts[1:]))
