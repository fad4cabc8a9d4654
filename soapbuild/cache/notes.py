"""The cache of notes' pieces: each note's parse, note-only hits and fingerprints, kept in
``.soapbuild/cache/notes/`` under the hash of everything they depend on.

An entry's name hashes the note's bytes, its display path and workspace key (the
parsed note carries both), what the checker computes (the variant) and the run's
:func:`~soapbuild.cache.keys.config_key`; so an entry is never stale, only unused,
and a changed setting, vocabulary file or soapbuild simply finds other names.

Entries are pickles, read back with an unpickler that builds nothing but soapbuild's
own classes, dates and plain containers (:class:`_Unpickler`): an entry planted in the
workspace can make a run wrong but cannot run code, and anything that does not
unpickle to a :class:`~soapbuild.checker.Piece` is a miss.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import pickle
from collections.abc import Callable, Sequence
from enum import Enum
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from soapbuild.cache.store import Store
from soapbuild.checker import Piece
from soapbuild.rules.copied import Copy, SectionPrint

KIND = "notes"
_ALLOWED = {
    "builtins": {"frozenset", "set", "tuple", "list", "dict", "bytes", "str", "int", "float",
                 "complex", "bool"},
    "datetime": {"datetime", "date", "time", "timedelta", "timezone"},
    "zoneinfo": {"ZoneInfo"},
    "copyreg": {"_reconstructor"},
}


class _Unpickler(pickle.Unpickler):
    """Builds only soapbuild's classes, dates and containers (pickle's "restricting
    globals" recipe): no function of any other module can be reached from an entry."""

    def find_class(self, module: str, name: str) -> object:
        if (module, name) == ("builtins", "getattr"):
            return _member  # how enum members and time zones are pickled, and nothing else
        if module in _ALLOWED:
            if name in _ALLOWED[module]:
                return super().find_class(module, name)
        elif module.startswith("soapbuild.") and "." not in name:
            found = super().find_class(module, name)
            if (isinstance(found, type) and found.__module__ == module
                    and (dataclasses.is_dataclass(found) or issubclass(found, Enum))):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the cache")


def _member(kind: object, name: str) -> object:
    """``getattr`` as pickle uses it for an enum member and for a time zone's constructor."""
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind[name]
    if kind is ZoneInfo and name == "_unpickle":
        return ZoneInfo._unpickle  # type: ignore[attr-defined]
    raise pickle.UnpicklingError(f"{kind!r}.{name} is not allowed in the cache")


def load(content: bytes) -> object:
    """What an entry holds, or None when it cannot be read back safely."""
    try:
        return _Unpickler(io.BytesIO(content)).load()
    except Exception:  # a garbled entry can raise nearly anything; it is only a miss
        return None


class _Pickler(pickle.Pickler):
    """Pickles soapbuild's dataclasses as a call of the class with its fields: read back,
    that is one ``__init__`` per object, where pickle's default (a ``__setstate__`` that
    looks the fields up again for every object) makes loading twice as slow."""

    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        names = _init_fields(kind) if kind.__module__.startswith("soapbuild.") else None  # type: ignore[arg-type]
        if names is None:
            return NotImplemented
        return kind, tuple(getattr(obj, name) for name in names)


@cache
def _init_fields(kind: type) -> tuple[str, ...] | None:
    """The fields a dataclass is made from, or None when it is not made from them alone."""
    if not dataclasses.is_dataclass(kind):
        return None
    fields = dataclasses.fields(kind)
    if any(not field.init for field in fields) or hasattr(kind, "__post_init__"):
        return None
    return tuple(field.name for field in fields)


def dump(value: object) -> bytes:
    stream = io.BytesIO()
    _Pickler(stream, protocol=5).dump(value)
    return stream.getvalue()


class NoteCache:
    """Pieces by note, for :func:`soapbuild.checker.check_files` (its ``PieceCache`` seam)."""

    def __init__(self, store: Store, config: str) -> None:
        self.store = store
        self.config = config
        self.hits = 0
        self.misses = 0

    def close(self) -> None:
        self.store.close()

    def name(self, data: bytes, display: str, key: str | None, variant: str) -> str:
        """The entry's name: the hash of the bytes, the paths, the variant and the config."""
        digest = hashlib.sha256(data).hexdigest()
        return hashlib.sha256(f"{self.config}\0{variant}\0{display}\0{key}\0{digest}"
                              .encode()).hexdigest()

    def piece(self, data: bytes, display: str, key: str | None, variant: str,
              make: Callable[[], Piece]) -> Piece:
        name = self.name(data, display, key, variant)
        content = self.store.read(name)
        if content is not None:
            found = load(content)
            if isinstance(found, Piece):
                self.hits += 1
                return found
        self.misses += 1
        piece = make()
        self.store.write(name, dump(piece))
        return piece

    def copies(self, prints: Sequence[SectionPrint], identity: str,
               find: Callable[[], list[Copy]]) -> list[Copy]:
        """The copies found among the same notes last time, kept as places in ``prints``."""
        name = hashlib.sha256(f"{self.config}\0copies\0{identity}".encode()).hexdigest()
        content = self.store.read(name)
        kept = load(content) if content is not None else None
        if isinstance(kept, list) and _places(kept, len(prints)):
            return [Copy(prints[later], prints[earlier], similarity)
                    for later, earlier, similarity in kept]
        found = find()
        place = {id(item): number for number, item in enumerate(prints)}
        self.store.write(name, dump([(place[id(copy.later)], place[id(copy.earlier)],
                                      copy.similarity) for copy in found]))
        return found


def _places(kept: list[object], size: int) -> bool:
    """Whether ``kept`` holds (later, earlier, similarity) with places below ``size``."""
    return all(
        isinstance(item, tuple) and len(item) == 3
        and all(isinstance(n, int) and 0 <= n < size for n in item[:2])
        and isinstance(item[2], float) for item in kept)
