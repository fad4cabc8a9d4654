"""A saved note's pages at once, before the rebuild (issue 15, deliverable 5).

``watch`` rebuilds the whole output on every change (a build, incremental and
atomic), which in a workspace of a thousand notes takes seconds: it checks every
note again for what crosses notes (copied text, the ledger, every session row,
the report). The person who saved a note looks at that note's page. So before
the rebuild, :class:`QuickPages` makes the pages that show the saved note itself
(its own page and its client's) from what the last build knew, and writes them
into ``output/``; the browser reloads and shows the save, and the rebuild that
follows brings every other page (the dashboard, the report, a note that copies
the saved one) up to date and records the output's manifest, as ``soapbuild
build`` would.

Nothing here is a second checker or renderer. The saved note is checked by the
checker's own :func:`~soapbuild.checker.check_files`, alone, as the language
server checks a note being typed (:func:`soapbuild.lsp.workspace.note_findings`):
with the rule context and the notes' past (the ledger, with the seals the last build
recorded) loaded once after each build, as the next build loads them, and copied
text looked for among the other notes that share its rarer phrases
(:class:`~soapbuild.lsp.workspace.OtherNotes`, kept up to date with every change the
watcher sees). The cross-note rule on client IDs (F010) runs over the last build's
notes with the saved one in its place. Its session row replaces the old one among
the last build's rows, and the record's own :class:`~soapbuild.render.pages.Planner`
makes the two pages, with the last build's page names.

So the pages are the rebuild's whenever what the saved note's findings depend on
is what the last build saw; where the search among candidates finds another copy
than the whole search would (a workspace of 50 notes or more), the rebuild right
after shows the whole search's. A change this cannot show alone (a new, moved or
deleted note, a treatment plan, settings, templates, vocabulary, a psychotherapy
note, two notes at once) writes nothing here: the rebuild does it all.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from soapbuild.checker import CheckRun, HistoryLoader, check_files, client_id_findings
from soapbuild.discover import display_path, is_plan
from soapbuild.lsp.workspace import OtherNotes
from soapbuild.model.history import Ledger
from soapbuild.render import MANIFEST, PdfMode, kept_pdf, locked_views, output_folder
from soapbuild.render.pages import LockedView, Page, Site
from soapbuild.rules.context import Context
from soapbuild.rules.sessions import SessionRecord, session_record
from soapbuild.settings import Settings

NOTE_SUFFIXES = (".md", ".markdown")


@dataclass(frozen=True, slots=True)
class Loaders:
    """How a build loads what it checks the notes with, handed in by the ``watch`` command
    (the preview does not reach back into the commands): the settings, "now", the rules'
    context and the notes' past, each loaded as the build loads it."""

    settings: Callable[[], Settings]
    now: Callable[[Settings], datetime]
    context: Callable[[Settings, datetime], Context]
    history: Callable[[Settings, datetime], HistoryLoader]


class QuickPages:
    """The last build's check run, kept by ``watch`` to show the next save at once."""

    def __init__(self, directory: Path, pdf: PdfMode, load: Loaders) -> None:
        self.directory = directory
        self.pdf = pdf
        self.load = load
        self.run: CheckRun | None = None
        self.fresh = False  # a build has handed in a run that ready() has not taken up
        self.settings: Settings | None = None
        self.context: Context | None = None
        self.ledger = Ledger()
        self.locked: dict[str, LockedView] = {}
        self.others: OtherNotes | None = None
        self.site: Site | None = None  # the kept run's, for the pages' names
        self._lock = threading.Lock()  # the first build runs beside the watcher's thread

    def keep(self, run: CheckRun) -> None:
        """The check run a build made its pages from (``build_once``'s ``seen``)."""
        self.run = run
        self.fresh = True

    def ready(self) -> None:
        """After a build: the settings and rule context of the kept run, and the other notes
        sketched (the first time), so that the next save costs one note's work."""
        with self._lock:
            if self.fresh:
                self.fresh = False
                self._take_up()

    def _take_up(self) -> None:
        settings = self.load.settings()
        now = self.load.now(settings)
        self.context = self.load.context(settings, now)
        assert self.run is not None
        # The notes' past as the next build loads it: this build may have sealed some.
        self.ledger = self.load.history(settings, now)(
            {note.key: note for note in self.run.notes.values() if note.key is not None})
        if self.others is None or self.others.settings != settings:
            self.others = OtherNotes(settings)
            self.others.load()
        self.settings = settings
        self.locked = locked_views(self.run, settings)
        self.site = Site.create(self.run.sessions, self.run.notes, self.context.now, self.pdf)
        from soapbuild.render.templates import Templates

        templates = Templates(settings)  # compiled here: the build compiled them in its workers
        for name in ("note.html", "client.html"):
            with contextlib.suppress(Exception):  # a broken template: the build says so
                templates.env.get_template(name)

    def saved(self, paths: Iterable[Path]) -> list[str]:
        """Write the pages that show the note saved at ``paths`` (what the watcher saw
        change); the names written, none when the rebuild alone can show the change."""
        with self._lock:
            return self._saved(paths)

    def _saved(self, paths: Iterable[Path]) -> list[str]:
        found = [self._note(path) for path in paths]
        notes = {note for note in found if note is not None}
        if self.others is not None:
            for note in notes:
                self.others.update(note)  # sketched again, whatever comes next
        run = self.run
        if run is None or self.fresh or None in found:  # not only notes: the rebuild
            return []
        # An editor that writes a copy and renames it over the note: the copy is gone.
        touched = [note for note in notes if note.exists()
                   or display_path(note, self.directory) in run.notes]
        return self._show(touched[0]) if len(touched) == 1 else []

    def _note(self, path: Path) -> Path | None:
        """``path`` as the check names it (under the notes folder), if it is a session note."""
        if self.settings is None:
            return None
        folder = self.settings.notes_path
        try:
            inside = Path(os.path.abspath(path)).relative_to(folder.resolve())
        except ValueError:
            return None
        if path.suffix.lower() not in NOTE_SUFFIXES or is_plan(path):
            return None
        return (folder / inside).absolute()

    def _show(self, file: Path) -> list[str]:
        from soapbuild import render
        from soapbuild.cache import open_note_cache

        run, settings, others = self.run, self.settings, self.others
        assert run is not None and settings is not None and others is not None
        shown = display_path(file, self.directory)
        if shown not in run.notes or not file.is_file():
            return []
        now = self.load.now(settings)
        assert self.context is not None
        context = replace(self.context, now=now)
        cache = open_note_cache(settings)
        try:
            ledger = self.ledger
            one = check_files([file], context, base=self.directory,
                              history=lambda notes: ledger,
                              others=others.sections_for(file), cache=cache)
        finally:
            if cache is not None:
                cache.close()
        note = one.notes.get(shown)
        if note is None:  # unreadable now, or a psychotherapy note: not in the record
            return []
        notes = {**run.notes, shown: note}  # in the check's order, for F010's first spelling
        findings = sorted([*(f for f in one.findings if f.path == shown),
                           *(f for f in client_id_findings(list(notes.items()), context)
                             if f.path == shown)], key=lambda f: f.sort_key)
        session = session_record(shown, note, findings, context.with_ledger(one.ledger))
        before = next(s for s in run.sessions if s.path == shown)
        sessions = tuple(session if s.path == shown else s for s in run.sessions)
        # The notes changed after they locked, as the record shows them: the others' as the
        # last build showed them, the saved one's from its past.
        locked = {path: view for path, view in self.locked.items() if path != shown}
        locked.update(locked_views(replace(one, sessions=(session,)), settings))
        with render.lock(settings):
            return self._write(replace(run, sessions=sessions, notes=notes), session, locked,
                               session.client == before.client, settings, now)

    def _write(self, run: CheckRun, session: SessionRecord, locked: dict[str, LockedView],
               same_client: bool, settings: Settings, now: datetime) -> list[str]:
        """The note's page and its client's, made as the build makes them, into ``output/``.

        The pages' names are the last build's when the note's client is the same: the
        same notes of the same clients get the same names (:meth:`Site.create`)."""
        from soapbuild.render.markdown import MarkdownRenderer
        from soapbuild.render.output import Output
        from soapbuild.render.pages import Planner, plan_summaries
        from soapbuild.render.templates import Templates

        folder = output_folder(settings)
        templates = Templates(settings)
        kept: list[Callable[[Page], bool | None]] = []

        def keep(page: Page) -> bool | None:  # the manifest is read only for a client's PDF
            if not kept:
                kept.append(kept_pdf(Output(folder, settings.root / MANIFEST), templates))
            return kept[0](page)

        plans = plan_summaries(run.plans, run.sessions, settings, now, run.findings)
        if self.site is not None and same_client:
            site = replace(self.site, sessions=run.sessions, notes=run.notes, now=now,
                           locked=locked, plans=plans)
        else:
            site = Site.create(run.sessions, run.notes, now, self.pdf, locked, plans)
        planner = Planner(site, templates, MarkdownRenderer.create(), keep)

        def pages() -> Iterator[Page]:
            yield planner.note_page(session)  # first: it is the page the browser shows
            yield from planner.client_pages([session.client])

        written = []
        for page in pages():
            target = folder / page.name
            if target.is_symlink() or not target.parent.is_dir() or target.parent.is_symlink():
                continue  # the rebuild refuses it, or makes the folder
            descriptor, temp = tempfile.mkstemp(prefix=".quick-", dir=target.parent)
            os.close(descriptor)
            try:
                page.write(Path(temp))
                os.replace(temp, target)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temp)
            written.append(page.name)
        return written
