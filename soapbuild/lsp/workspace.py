"""One note's findings as ``soapbuild check`` would give them, while the note is typed.

There is no second rule engine here: :func:`note_findings` runs the checker's own
:func:`~soapbuild.checker.check_files` on the one note, read from the editor's text
instead of the disk, with what ``check`` would have loaded once for the whole run:

- the workspace's settings, vocabulary and clients' treatment plans (the rule
  context, built by ``check``'s own :func:`~soapbuild.commands.check.rule_context`);
- the note's past (its lock, from git or the seal file), loaded by ``check``'s own
  loader when the note is opened or saved and kept while it is typed: what the
  rules compare a locked note with does not change with each keystroke;
- the other notes' section fingerprints, for copied documentation (D001), from
  :class:`OtherNotes`.

:class:`OtherNotes` is the seam for the cache of issue 15 (``.soapbuild/cache/``): it
answers :class:`~soapbuild.history.committed.SectionPrints`, "which sections of the
notes not being checked may match these?", as ``check --staged`` asks it of the
committed notes. Here each other note is sketched once, unparsed (the smallest
hashes of its three-word sequences), and only the notes that share several of
those hashes with a section being typed are parsed and fingerprinted; in a small
workspace every note is a candidate, so the result is exactly ``check``'s. A cache
that keeps each note's fingerprints by content hash replaces :meth:`OtherNotes.load`
and :meth:`OtherNotes.prints_of` without anything else changing.
"""

from __future__ import annotations

import heapq
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from soapbuild.checker import check_files
from soapbuild.discover import display_path, is_plan, note_files, workspace_key
from soapbuild.model.findings import Finding
from soapbuild.model.formats import NoteFormat
from soapbuild.model.history import Ledger
from soapbuild.model.note import Note
from soapbuild.model.parse import ParseResult, parse_note
from soapbuild.model.plan import PlanResult, load_plans, parse_plan
from soapbuild.model.raw import read_note_bytes
from soapbuild.rules.context import Context
from soapbuild.rules.copied import SectionPrint, fingerprint, text_shingles
from soapbuild.settings import Settings

SKETCH = 32  # smallest shingle hashes kept per note; a copied section shares about 8 of them
SHARED = 3  # a candidate shares at least this many of a section's smallest hashes
CANDIDATES = 4  # notes compared per section being typed, those sharing the most hashes first
COMMON = 64  # a hash in more notes than this is a stock phrase: it names no candidate
# In a workspace with fewer notes every note is a candidate, so the result is exactly check's;
# beyond that, comparing every section on every keystroke costs more than typing allows.
ALL_BELOW = 50


@dataclass(frozen=True, slots=True)
class Checked:
    """One note checked from the editor's text: its findings and the note as parsed."""

    findings: tuple[Finding, ...]
    note: Note | None


@dataclass
class OtherNotes:
    """The notes of a workspace, sketched for finding which may hold a copied section.

    ``load`` reads every note once (in the server's background thread in a large
    workspace); ``update`` reads one again when it changes on disk. Fingerprints of
    the notes found as candidates are kept by the file's size and modification time.
    """

    settings: Settings
    sketches: dict[Path, tuple[int, ...]] = field(default_factory=dict)
    _index: dict[int, set[Path]] = field(default_factory=dict)
    _prints: dict[Path, tuple[tuple[int, int], list[SectionPrint]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    ready: bool = False

    def files(self) -> list[Path]:
        """The workspace's session notes (treatment plans hold no sections to copy)."""
        notes = self.settings.notes_path
        return [f for f in (note_files([notes]) if notes.is_dir() else []) if not is_plan(f)]

    def load(self, files: Sequence[Path] | None = None) -> None:
        for file in self.files() if files is None else files:
            self.update(file)
        self.ready = True

    def update(self, file: Path) -> None:
        """Sketch ``file`` again (it changed, appeared or went away)."""
        file = file.absolute()
        try:
            text = read_note_bytes(file).decode("utf-8", "replace")
        except OSError:
            text = None
        sketch = () if text is None else tuple(heapq.nsmallest(SKETCH, text_shingles(text)))
        with self._lock:
            for value in self.sketches.pop(file, ()):
                self._index.get(value, set()).discard(file)
            self._prints.pop(file, None)
            if text is not None:
                self.sketches[file] = sketch
                for value in sketch:
                    self._index.setdefault(value, set()).add(file)

    def candidates(self, checked: Sequence[SectionPrint], exclude: Path) -> list[Path]:
        """The other notes that may hold a copy of one of the ``checked`` sections.

        A hash that many notes share is a stock phrase ("alert and oriented to person,
        place and time"), which says nothing about a copy: only the distinctive ones
        (in at most ``COMMON`` notes) count, as the copy rule keys on rare shingles.
        """
        with self._lock:
            if not self.ready:  # still reading the workspace: no copies yet
                return []
            if len(self.sketches) < ALL_BELOW:
                return sorted(f for f in self.sketches if f != exclude)
            found: dict[Path, None] = {}
            for section in checked:
                hits: Counter[Path] = Counter()
                for value in heapq.nsmallest(SKETCH, section.shingles):
                    holders = self._index.get(value, ())
                    if len(holders) <= COMMON:
                        hits.update(holders)
                hits.pop(exclude, None)
                for file, count in hits.most_common(CANDIDATES):
                    if count >= SHARED:
                        found.setdefault(file, None)
            return list(found)

    def prints_of(self, file: Path) -> list[SectionPrint]:
        """The section fingerprints of one other note, as the checker computes them."""
        try:
            stat = file.stat()
        except OSError:
            return []
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            kept = self._prints.get(file)
        if kept is not None and kept[0] == stamp:
            return kept[1]
        try:
            data = read_note_bytes(file)
        except OSError:
            return []
        root = self.settings.root
        note = parse_note(data, display_path(file, root), dict(self.settings.formats),
                          workspace_key(file, root)).note
        prints = fingerprint(note, self.settings) if note is not None else []
        with self._lock:
            self._prints[file] = (stamp, prints)
        return prints

    def sections_for(self, exclude: Path) -> Callable[[Sequence[SectionPrint]], list[SectionPrint]]:
        """The checker's ``others``: fingerprints of candidate notes, ``exclude`` aside."""
        def others(checked: Sequence[SectionPrint]) -> list[SectionPrint]:
            return [p for file in self.candidates(checked, exclude) for p in self.prints_of(file)]

        return others


@dataclass
class Workspace:
    """A workspace as the server keeps it: settings, rule context and the other notes."""

    settings: Settings
    context: Context
    others: OtherNotes
    clock: Callable[[], datetime]  # "now" for each check (--now / SOAPBUILD_NOW, or the clock)

    def holds(self, file: Path) -> bool:
        """Whether ``file`` is a note or plan of this workspace (``check`` would check it)."""
        notes = self.settings.notes_path.resolve()
        return file.resolve().is_relative_to(notes) and file.suffix.lower() in (".md",
                                                                                ".markdown")

    def reload_plans(self) -> None:
        """Read the clients' treatment plans again (one changed on disk)."""
        settings = self.settings
        self.context = self.context.with_plans(load_plans(settings.notes_path, settings.root,
                                                          settings.root))


def note_findings(workspace: Workspace, file: Path, text: str,
                  ledger: Ledger | None) -> Checked:
    """The findings ``check`` gives ``file`` were its text ``text``: the seam every editor
    event goes through. ``ledger`` is the note's past, loaded when it was opened or saved.
    """
    settings = workspace.settings
    file = file.absolute()
    data = text.encode("utf-8", "surrogatepass")
    context = replace(workspace.context, now=workspace.clock())

    def reader(path: Path, display: str, formats: dict[str, NoteFormat],
               key: str | None) -> ParseResult:
        return parse_note(data, display, formats, key)

    def plan_reader(path: Path, display: str, key: str | None) -> PlanResult:
        return parse_plan(data, display, path.parent.name, key)

    run = check_files([file], context, base=settings.root, reader=reader,
                      plan_reader=plan_reader,
                      history=(lambda notes: ledger) if ledger is not None else None,
                      others=workspace.others.sections_for(file))
    shown = display_path(file, settings.root)
    return Checked(tuple(f for f in run.findings if f.path == shown), run.notes.get(shown))


def parsed(workspace: Workspace, file: Path, text: str) -> Note | None:
    """The note as the checker parses it, for the loader of its past (git or the seals)."""
    root = workspace.settings.root
    return parse_note(text.encode("utf-8", "surrogatepass"), display_path(file, root),
                      dict(workspace.settings.formats), workspace_key(file, root)).note
