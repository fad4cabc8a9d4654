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

With the cache (issue 15, :mod:`soapbuild.cache`), both steps are read by blob id,
which ``git ls-tree`` gives without reading any note: each committed note's sketch,
and a candidate's piece (its fingerprints) as the last full check made it. Only the
notes the cache does not hold are read (in one batch) and sketched or parsed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from soapbuild.discover import display_path
from soapbuild.history.git import Staged
from soapbuild.model.parse import parse_note
from soapbuild.rules.copied import SectionPrint, fingerprint, text_shingles
from soapbuild.settings import Settings

if TYPE_CHECKING:
    from soapbuild.cache.notes import NoteCache

CANDIDATE = 0.75  # share of a staged section's sequences a committed text must hold


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
        wanted = [p.shingles for p in checked if p.shingles]
        if not wanted:
            return []
        contents = dict(self.contents)
        notes = sorted(self.notes.items())
        sketches = {blob: self.cache.sketch(blob) for _, blob in notes} if self.cache else {}
        self._read(contents, [blob for _, blob in notes if sketches.get(blob) is None])
        candidates = []
        for key, blob in notes:
            sketch = sketches.get(blob)
            if sketch is None:
                data = contents.get(blob)
                if data is None:
                    continue
                sketch = sketches[blob] = text_shingles(data.decode("utf-8", "replace"))
                if self.cache is not None:
                    self.cache.keep_sketch(blob, sketch)
            if any(len(s & sketch) >= CANDIDATE * len(s) for s in wanted):
                candidates.append((key, blob, display_path(self.settings.root / key, self.base)))
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
            if note is not None and not note.psychotherapy_notes:  # never compared (SPEC 3.1)
                found.extend(fingerprint(note, self.settings))
        return found

    def _read(self, contents: dict[str, bytes], blobs: Sequence[str]) -> None:
        """Read the blobs not read yet, in one batch."""
        missing = [blob for blob in dict.fromkeys(blobs) if blob not in contents]
        if missing and self.read is not None:
            contents.update(self.read(missing))
