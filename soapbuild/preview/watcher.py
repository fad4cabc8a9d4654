"""``soapbuild watch``: rebuild when an input changes, and tell the preview to reload.

The shape is MkDocs' ``serve`` (research/peer-tools.md 1b): a watchdog observer
notes that something changed; one build thread waits until the changes have
stopped for a quiet period (:data:`QUIET`), then builds once; a build that
changed the output bumps the :class:`~soapbuild.preview.server.Epoch` that the pages
in the browser wait on. Before the build, ``quick`` (when given) hears which paths
changed and may write the pages of a saved note at once
(:mod:`soapbuild.preview.quick`); when it wrote any, the epoch is bumped for them
first, and the build brings the rest up to date. The build itself is the caller's
(the CLI's ``build``), so a rebuild is exactly ``soapbuild build``: incremental and
atomic, and a failed one leaves the last good output in place.

Watched: what a build reads (:class:`soapbuild.render.inputs.BuildInputs`,
the same definition the build key hashes). Ignored too: events that change
nothing, a file opened or closed unwritten (the build reads every note, which
would trigger the next build), a folder's time changing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from soapbuild.render.inputs import BuildInputs
from soapbuild.settings import Settings

# Seconds without a change before a rebuild starts. An editor's save is a burst of
# events within a few milliseconds (write, or write a copy and rename it; Vim's
# 4913 test file first); this coalesces a burst, and a build that read a note
# mid-burst builds again (BuildResult.stale).
QUIET = 0.05
POLL_INTERVAL = 0.5  # seconds between scans of --poll (MkDocs' value)
CHANGES = frozenset({"created", "deleted", "modified", "moved"})
class _Changes(FileSystemEventHandler):
    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in CHANGES:
            return
        if event.is_directory and event.event_type == "modified":
            return  # a file inside changed (reported itself) or only its time did
        if event.is_directory and event.event_type == "created":
            self.watcher.arrived(Path(str(event.src_path)))
        paths = [Path(str(p)) for p in (event.src_path, getattr(event, "dest_path", "")) if p]
        mattering = [path for path in paths if self.watcher.inputs.matter(path)]
        if mattering:
            self.watcher.changed(mattering)


class Watcher:
    """Watches a workspace's inputs and runs ``rebuild`` (in one thread) after changes.

    ``rebuild`` returns whether the output changed; it reports its own problems.
    ``quick`` is handed the paths changed since the last build, before it, and
    returns whether it changed the output. ``on_error`` hears of anything either
    raises, and watching goes on.
    """

    def __init__(self, settings: Settings, rebuild: Callable[[], bool],
                 on_change: Callable[[], object], on_error: Callable[[str], None], *,
                 poll: bool = False, quiet: float = QUIET,
                 quick: Callable[[set[Path]], bool] | None = None) -> None:
        self.inputs = BuildInputs(settings)
        self.rebuild = rebuild
        self.quick = quick
        self.on_change = on_change
        self.on_error = on_error
        self.quiet = quiet
        self.observer: BaseObserver = (PollingObserver(timeout=POLL_INTERVAL) if poll
                                       else Observer())
        self._wake = threading.Condition()
        self._pending = False
        self._paths: set[Path] = set()  # changed since the last build began
        self._stopping = False
        self._handler = _Changes(self)
        self._watched: set[Path] = set()
        self._thread = threading.Thread(target=self._loop, name="soapbuild-build", daemon=True)

    def start(self) -> None:
        for folder, recursive in self.inputs.folders():
            if recursive:
                self._watched.add(folder)
            self.observer.schedule(self._handler, str(folder), recursive=recursive)
        self.observer.start()
        self._thread.start()

    def arrived(self, folder: Path) -> None:
        """A notes or templates folder made while watching: watch it too."""
        if folder in self.inputs.trees and folder not in self._watched:
            self._watched.add(folder)
            self.observer.schedule(self._handler, str(folder), recursive=True)

    def changed(self, paths: Iterable[Path] = ()) -> None:
        """Build again (after the quiet period); ``paths`` are what changed, if known."""
        with self._wake:
            self._pending = True
            self._paths.update(paths)
            self._wake.notify_all()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop watching; a build in progress gets ``timeout`` seconds to finish (an
        unfinished one leaves the output as it was: the build is atomic)."""
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        self.observer.stop()
        self.observer.join(timeout)
        self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            with self._wake:
                self._wake.wait_for(lambda: self._pending or self._stopping)
                # the quiet period: wait until no change came for self.quiet seconds
                while self._pending and not self._stopping:
                    self._pending = False
                    self._wake.wait_for(lambda: self._pending or self._stopping, self.quiet)
                if self._stopping:
                    return
                paths, self._paths = self._paths, set()
            if self.quick is not None:
                self._step(partial(self.quick, paths))
            self._step(self.rebuild)

    def _step(self, step: Callable[[], bool]) -> None:
        try:
            if step():
                self.on_change()
        except Exception as error:  # watching outlives one bad build
            self.on_error(f"{type(error).__name__}: {error}")
