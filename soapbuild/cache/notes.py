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
from soapbuild.cache.sketches import NAME as INDEX_NAME
from soapbuild.cache.sketches import SketchIndex
from soapbuild.cache.store import Store
from soapbuild.checker import Piece
from soapbuild.history.git import blob_id
from soapbuild.model.packed import pack, unpack
from soapbuild.rules.copied import Copy, SectionPrint

KIND = "notes"


# Pieces kept in memory too, by entry name, in a process that checks again and again
# (``watch``, a language server): a save then re-reads one note, not every entry.
_MEMORY: dict[str, Piece] | None = None


def remember() -> None:
    """Keep every piece read or made in memory as well, for the life of the process."""
    global _MEMORY
    if _MEMORY is None:
        _MEMORY = {}


class NoteCache:
    """Pieces by note, for :func:`soapbuild.checker.check_files` (its ``PieceCache`` seam)."""

    def __init__(self, store: Store, config: str, code: str) -> None:
        self.store = store
        self.config = config
        self.code = code  # soapbuild's fingerprint: a sketch depends on nothing else
        self.hits = 0
        self.misses = 0

    def close(self) -> None:
        self.store.close()

    def name(self, blob: str, display: str, key: str | None, variant: str) -> str:
        """The entry's name: the hash of the note's git blob id, its paths, the variant and
        the config. By blob id, so that the hook finds a committed note's piece from
        ``git ls-tree`` alone, without reading the note."""
        return hashlib.sha256(f"{self.config}\0{variant}\0{display}\0{key}\0{blob}"
                              .encode()).hexdigest()

    def get(self, data: bytes, display: str, key: str | None, variant: str) -> Piece | None:
        piece = self.get_blob(blob_id(data), display, key, variant)
        # The piece records the SHA-256 of the bytes it was made from: a SHA-1 collision
        # (the blob id) between two notes' bytes is a miss, not a wrong piece.
        if piece is not None and piece.result.digest != hashlib.sha256(data).hexdigest():
            return None
        return piece

    def get_blob(self, blob: str, display: str, key: str | None, variant: str) -> Piece | None:
        """The piece of the note git knows as ``blob`` (git has checked the object's id)."""
        name = self.name(blob, display, key, variant)
        if _MEMORY is not None and name in _MEMORY:
            self.hits += 1
            return _MEMORY[name]
        content = self.store.read(name)
        found = load(content) if content is not None else None
        if isinstance(found, Piece):
            self.hits += 1
            if _MEMORY is not None:
                _MEMORY[name] = found
            return found
        self.misses += 1
        return None

    def prints(self, blob: str, display: str, key: str | None,
               variant: str) -> tuple[SectionPrint, ...] | None:
        """Only the fingerprints of the note git knows as ``blob``: what the hook needs of
        a committed note, kept apart from its piece the first time it is asked for (a
        tenth of the piece to read back)."""
        content = self.store.read(self.name(blob, display, key, f"{variant} prints"))
        found = load(content) if content is not None else None
        if isinstance(found, tuple) and all(isinstance(p, SectionPrint) for p in found):
            return found
        piece = self.get_blob(blob, display, key, variant)
        if piece is None:
            return None
        self.keep_prints(blob, display, key, variant, piece.prints)
        return piece.prints

    def keep_prints(self, blob: str, display: str, key: str | None, variant: str,
                    prints: Sequence[SectionPrint]) -> None:
        """Keep the fingerprints of a note the hook parsed for them (no full check kept its
        piece): the next commit compares its staged notes with the same ones."""
        name = self.name(blob, display, key, f"{variant} prints")
        self.store.write(name, dump(tuple(prints)))

    def put(self, data: bytes, display: str, key: str | None, variant: str,
            piece: Piece) -> bytes:
        name = self.name(blob_id(data), display, key, variant)
        content = dump(piece)
        self.store.write(name, content)
        if _MEMORY is not None:
            _MEMORY[name] = piece
        return content

    def sketch(self, blob: str) -> frozenset[int] | None:
        """The unparsed sketch (:func:`~soapbuild.rules.copied.text_shingles`) of the note
        git knows as ``blob``, if kept: the hook compares every committed note's with the
        staged notes' sections."""
        content = self.store.read(self._sketch_name(blob))
        if content is None or len(content) % 4:
            return None
        return frozenset(unpack(content))

    def keep_sketch(self, blob: str, shingles: frozenset[int]) -> None:
        self.store.write(self._sketch_name(blob), pack(sorted(shingles)))

    def _sketch_name(self, blob: str) -> str:
        return hashlib.sha256(f"{self.code}\0sketch\0{blob}".encode()).hexdigest()

    def sketch_index(self) -> SketchIndex | None:
        """The index of many notes' sketches (:mod:`.sketches`), if one was kept."""
        content = self.store.read(self._index_name())
        return SketchIndex.from_bytes(content) if content is not None else None

    def keep_sketch_index(self, index: SketchIndex) -> None:
        self.store.write(self._index_name(), index.to_bytes())

    def _index_name(self) -> str:
        return hashlib.sha256(f"{self.code}\0{INDEX_NAME}".encode()).hexdigest()

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
