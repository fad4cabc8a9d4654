"""The committed notes' section fingerprints, for ``check --staged`` (SPEC 4.6).

The hook checks only the staged notes, yet a note copied from last week's
committed note is cloned documentation all the same. So the staged notes are
compared with the fingerprints of the notes HEAD holds (those the commit does
not replace or delete): their texts come with the staged ones in the run's one
``git cat-file --batch``. Parsing every committed note would cost the hook as
much as a full check, so each committed text is first sketched unparsed (its
three-word sequences, :func:`~soapbuild.rules.copied.text_shingles`), and only
a note whose text holds at least three quarters of the sequences of a staged
section is parsed and fingerprinted: a copy (Dice 0.9) holds over four fifths
of them, and markup inside the copied text breaks only the few sequences around it.

Asking that of each committed note's sketch would cost a read and a comparison per
note on every commit, so the sketches are kept in one inverted index
(:mod:`soapbuild.cache.sketches`): the staged sections' sequences are looked up in it,
and the notes committed since it was made are sketched beside it until they are
enough to make it anew. A staged section is compared with at most ``CANDIDATES``
committed notes, those whose text holds the most of it: a copy holds nearly all of it,
and the copy rule itself compares a section with a bounded number of earlier ones.

With the cache (issue 15, :mod:`soapbuild.cache`) the index, and a candidate's
fingerprints as the last full check (or hook) made them, are read by blob id, which
``git ls-tree`` gives without reading any note. Only the notes the cache does not
hold are read (in one batch) and sketched or parsed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from soapbuild.cache.sketches import SketchIndex, worth_rebuilding
from soapbuild.discover import display_path
from soapbuild.history.git import Staged
from soapbuild.model.parse import parse_note
from soapbuild.rules.copied import SectionPrint, fingerprint, text_shingles
from soapbuild.settings import Settings

if TYPE_CHECKING:
    from soapbuild.cache.notes import NoteCache

CANDIDATE = 0.75  # share of a staged section's sequences a committed text must hold
CANDIDATES = 32  # committed notes compared per staged section, those holding the most first


class SectionPrints(Protocol):
    """Fingerprints of notes that are not being checked (the committed ones), for the
    sections of the notes that are: ``checked`` are the checked notes' fingerprints."""

    def __call__(self, checked: Sequence[SectionPrint]) -> Sequence[SectionPrint]: ...


@dataclass(frozen=True, slots=True)
class CommittedPrints:
    """HEAD's notes that the commit keeps, fingerprinted from their committed texts."""

    notes: Mapping[str, str]  # key -> blob id
    settings: Settings
    base: Path
    contents: Mapping[str, bytes] = field(default_factory=dict)  # blob id -> bytes, once read
    # How to read more blobs (one git cat-file --batch per call), and the cache with the
    # variant of the pieces a full check keeps there (None: no cache).
    read: Callable[[Sequence[str]], Mapping[str, bytes]] | None = None
    cache: NoteCache | None = None
    variant: str = ""

    @classmethod
    def of_head(cls, head: Mapping[str, str], staged: Staged, settings: Settings,
                base: Path) -> CommittedPrints:
        replaced = set(staged.notes) | staged.deleted | set(staged.renamed.values())
        return cls({k: b for k, b in head.items() if k not in replaced}, settings, base)

    @property
    def blobs(self) -> list[str]:
        """The blob ids to read (in the run's batch) before the check."""
        return sorted(set(self.notes.values()))

    def __call__(self, checked: Sequence[SectionPrint]) -> list[SectionPrint]:
        wanted = [frozenset(p.shingles) for p in checked if p.shingles]
        if not wanted:
            return []
        contents = dict(self.contents)
        index, beside = self._sketches(contents)
        keys: dict[str, list[str]] = {}
        for key, blob in sorted(self.notes.items()):
            keys.setdefault(blob, []).append(key)
        chosen: dict[str, None] = {}
        for shingles in wanted:
            least = CANDIDATE * len(shingles)
            counts = index.counts(shingles, least)
            counts.update({blob: len(shingles & sketch) for blob, sketch in beside.items()})
            held = sorted((blob for blob, count in counts.items()
                           if count >= least and blob in keys), key=lambda b: (-counts[b], b))
            chosen.update(dict.fromkeys(held[:CANDIDATES]))
        candidates = sorted((key, blob, display_path(self.settings.root / key, self.base))
                            for blob in chosen for key in keys[blob])
        kept = {blob: self.cache.prints(blob, shown, key, self.variant)
                for key, blob, shown in candidates} if self.cache is not None else {}
        self._read(contents, [blob for _, blob, _ in candidates if kept.get(blob) is None])
        formats = dict(self.settings.formats)
        found: list[SectionPrint] = []
        for key, blob, shown in candidates:
            prints = kept.get(blob)
            if prints is not None:
                found.extend(prints)
                continue
            data = contents.get(blob)
            note = parse_note(data, shown, formats, key).note if data is not None else None
            if note is None:
                continue
            # Psychotherapy notes are never compared (SPEC 3.1).
            made = [] if note.psychotherapy_notes else fingerprint(note, self.settings)
            if self.cache is not None:
                self.cache.keep_prints(blob, shown, key, self.variant, made)
            found.extend(made)
        return found

    def _sketches(self, contents: dict[str, bytes]
                  ) -> tuple[SketchIndex, dict[str, frozenset[int]]]:
        """The index of the committed notes' sketches, and the sketches of the notes it
        does not hold (new since it was made), unless it was worth making it anew."""
        blobs = set(self.notes.values())
        index = self.cache.sketch_index() if self.cache is not None else None
        held = set(index.blobs) if index is not None else set()
        new = sorted(blobs - held)
        if index is not None and not worth_rebuilding(len(new) + len(held - blobs), len(held)):
            return index, self._sketch_each(new, contents, keep=True)
        old = index.sketches(blobs & held) if index is not None else {}
        index = SketchIndex.build({**old, **self._sketch_each(new, contents, keep=False)})
        if self.cache is not None:
            self.cache.keep_sketch_index(index)
        return index, {}

    def _sketch_each(self, blobs: Sequence[str], contents: dict[str, bytes],
                     keep: bool) -> dict[str, frozenset[int]]:
        """The sketch of each blob: kept in the cache, or made from the text (and kept
        there when ``keep``: the few notes beside the index, sketched again next time)."""
        found = {}
        for blob in blobs:
            sketch = self.cache.sketch(blob) if self.cache is not None else None
            if sketch is not None:
                found[blob] = sketch
        self._read(contents, [blob for blob in blobs if blob not in found])
        for blob in blobs:
            data = contents.get(blob)
            if blob in found or data is None:
                continue
            found[blob] = text_shingles(data.decode("utf-8", "replace"))
            if keep and self.cache is not None:
                self.cache.keep_sketch(blob, found[blob])
        return found

    def _read(self, contents: dict[str, bytes], blobs: Sequence[str]) -> None:
        """Read the blobs not read yet, in one batch."""
        missing = [blob for blob in dict.fromkeys(blobs) if blob not in contents]
        if missing and self.read is not None:
            contents.update(self.read(missing))
