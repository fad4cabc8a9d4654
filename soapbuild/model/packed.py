"""Runs of unsigned 32-bit numbers packed four bytes each, little-endian.

A check of a whole practice holds every note's model at once: a tuple or a set of
Python ints costs 36 to 95 bytes a number, these cost 4. Notes' line starts
(:class:`~soapbuild.model.source.SourceText`) and their sections' shingle hashes
(:class:`~soapbuild.rules.copied.Shingles`) are kept so, as ``bytes`` (which the
cache's unpickler reads back as they are), and read in place.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable, Sequence
from typing import Literal

UINT32: Literal["I", "L"] = "I" if array("I").itemsize == 4 else "L"
_SWAPPED = sys.byteorder != "little"  # little-endian whatever the machine: the cache's bytes


def pack(values: Iterable[int]) -> bytes:
    """``values`` (each below 2**32) packed, in their order."""
    numbers = array(UINT32, values)
    if _SWAPPED:
        numbers.byteswap()
    return numbers.tobytes()


def unpack(packed: bytes) -> Sequence[int]:
    """The numbers :func:`pack` packed, read in place (no copy on a little-endian machine)."""
    if not _SWAPPED:
        return memoryview(packed).cast(UINT32)
    numbers = array(UINT32)
    numbers.frombytes(packed)
    numbers.byteswap()
    return numbers


def count(packed: bytes) -> int:
    """How many numbers ``packed`` holds."""
    return len(packed) // 4
