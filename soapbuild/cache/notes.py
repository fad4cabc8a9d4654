"""The cache of notes' pieces: each note's parse, note-only hits and fingerprints, kept in
``.soapbuild/cache/notes/`` under the hash of everything they depend on.

An entry's name hashes the note's bytes, its display path and workspace key (the
parsed note carries both), what the checker computes (the variant) and the run's
:func:`~soapbuild.cache.keys.config_key`; so an entry is never stale, only unused,
and a changed setting, vocabulary file or soapbuild simply finds other names.

Entries are pickles (:mod:`.pickles`), read back with an unpickler that builds nothing
but soapbuild's own classes, dates and plain containers: an entry planted in the
workspace can make a run wrong but cannot run code, and anything that does not
unpickle to a :class:`~soapbuild.checker.Piece` is a miss.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from soapbuild.cache.pickles import dump, load
from soapbuild.cache.store import Store
from soapbuild.checker import Piece
from soapbuild.rules.copied import Copy, SectionPrint

KIND = "notes"


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

    def get(self, data: bytes, display: str, key: str | None, variant: str) -> Piece | None:
        content = self.store.read(self.name(data, display, key, variant))
        found = load(content) if content is not None else None
        if isinstance(found, Piece):
            self.hits += 1
            return found
        self.misses += 1
        return None

    def put(self, data: bytes, display: str, key: str | None, variant: str,
            piece: Piece) -> None:
        self.store.write(self.name(data, display, key, variant), dump(piece))

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
