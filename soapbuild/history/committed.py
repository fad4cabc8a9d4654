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

:class:`SectionPrints` is the seam for the cache of issue 15: a cache that keeps
fingerprints by blob id answers the same question without parsing anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from soapbuild.discover import display_path
from soapbuild.history.git import Staged
from soapbuild.model.parse import parse_note
from soapbuild.rules.copied import SectionPrint, fingerprint, text_shingles
from soapbuild.settings import Settings

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
        formats = dict(self.settings.formats)
        wanted = [p.shingles for p in checked if p.shingles]
        found: list[SectionPrint] = []
        for key, blob in sorted(self.notes.items()):
            data = self.contents.get(blob)
            if data is None or not wanted:
                continue
            sketch = text_shingles(data.decode("utf-8", "replace"))
            if not any(len(s & sketch) >= CANDIDATE * len(s) for s in wanted):
                continue
            shown = display_path(self.settings.root / key, self.base)
            note = parse_note(data, shown, formats, key).note
            if note is not None:
                found.extend(fingerprint(note, self.settings))
        return found
