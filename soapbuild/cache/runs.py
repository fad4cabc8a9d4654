"""A whole ``soapbuild check``'s outcome, kept so that checking unchanged notes does nothing.

The findings of a check are a function of what the run reads: the notes and plans
(their bytes), the settings (the rules selected too), the vocabulary and schedule
files, soapbuild itself, the notes' history (HEAD in git, the seal file and the
locked originals beside it), the paths asked for and the folder they are shown from,
and the time the notes are judged at (:func:`~soapbuild.cache.keys.input_parts`, the
inputs a build's key hashes too).
When all of them are as a kept run found them, that run's findings are the findings:
:meth:`RunInputs.recall` gives them back after hashing the inputs, without parsing a note.

Only a run judged at a fixed time (``--now``) is kept, as ``build`` does: at the
clock's time deadlines pass between two runs, and each run must judge them again.
The notes are hashed before the run, and the run is kept only if every file it read
had those bytes (a note saved during the run makes the next run check again), under
a key that takes the seal file as the run left it (a seal it recorded is part of what
the next run reads).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from soapbuild.cache.keys import (
    digest,
    disk_digests,
    file_digest,
    input_parts,
    package_fingerprint,
)
from soapbuild.cache.pickles import dump, load
from soapbuild.cache.store import CacheRefused, Store
from soapbuild.checker import CheckRun
from soapbuild.history.seals import ORIGINALS, SEALS_FILE
from soapbuild.settings import Settings

KIND = "runs"


@dataclass(frozen=True, slots=True)
class RunInputs:
    """What a check of ``paths`` (none: the notes folder) shown from ``base`` reads,
    hashed before it runs."""

    settings: Settings
    entry: str  # the cache entry: one per base, paths and rule selection, its last run
    parts: tuple[str, ...]
    read: Mapping[str, str]  # the notes' and plans' hashes on disk

    @classmethod
    def of(cls, settings: Settings, base: Path, paths: Sequence[Path],
           now_key: str) -> RunInputs:
        asked = [str(path.resolve()) for path in paths]
        entry = hashlib.sha256("\0".join(["check", str(base.resolve()), *asked,
                                          *sorted(settings.rules_ignore)]).encode())
        read = disk_digests(settings, paths)
        parts = ("check", package_fingerprint(), str(base.resolve()), *asked,
                 *input_parts(settings, now_key, read))
        return cls(settings, entry.hexdigest(), parts, read)

    def key(self) -> str:
        """The key with the seal file and the locked originals as they are now."""
        root = self.settings.root
        return digest(*self.parts, f"seals {file_digest(root / SEALS_FILE)}",
                      f"originals {_listing(root / ORIGINALS)}")

    def recall(self) -> CheckRun | None:
        """The kept run, if it read exactly these inputs."""
        store = _open(self.settings)
        if store is None:
            return None
        try:
            content = store.read(self.entry)
        finally:
            store.close()
        kept = load(content) if content is not None else None
        if (isinstance(kept, tuple) and len(kept) == 2 and kept[0] == self.key()
                and isinstance(kept[1], CheckRun)):
            return kept[1]
        return None

    def keep(self, run: CheckRun) -> None:
        """Keep what ``check`` prints of ``run`` (findings, files and plans checked), if
        every file it read is as hashed before it ran."""
        if any(self.read.get(name) != value for name, value in run.read.items()):
            return
        store = _open(self.settings)
        if store is None:
            return
        try:
            store.write(self.entry, dump((self.key(), run.printed())))
        finally:
            store.close()


def _listing(folder: Path) -> str:
    """The files of ``folder`` by name, size and modification time (the originals are
    named by their hash; one rewritten, or removed, changes this)."""
    try:
        with os.scandir(folder) as entries:
            found = sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in entries)
    except OSError:
        return "-"
    return repr(found)


def _open(settings: Settings) -> Store | None:
    try:
        return Store.open(settings.root, KIND)
    except (CacheRefused, OSError):
        return None
