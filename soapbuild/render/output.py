"""Writing ``output/``: staged, then committed by renames; a manifest for the next build.

SPEC 6.3 and 7: a rebuild re-renders only what changed, output files are
replaced atomically, and a build interrupted half-way leaves the previous
output intact. So a build never writes a page in place:

1. every page that must be (re)made is written into a staging folder inside
   the output folder (``output/.staging-…``, the same file system, so a rename
   is atomic); nothing in ``output/`` changes while pages render, which is
   where a build spends its time and where it fails (a broken template, a
   full disk, Ctrl-C). On any failure the staging folder is removed and the
   previous output is exactly as it was;
2. only when every page has rendered, the new output goes into place. Where the
   system can exchange two folders in one step (Linux, :mod:`.swap`), the staging
   folder sits beside the manifest (same file system), every file of the output
   that stays is hard-linked into it, and it takes the output's place in one
   exchange: a reader, or a build killed at any moment, finds the whole old output
   or the whole new one (issue 16, finding 7), and the old one is then removed.
   Elsewhere each staged file replaces its page with one ``os.replace`` (a reader
   sees the old page or the new one, never half), pages of deleted notes are
   removed, and the manifest is written (atomically) last.

On the second path, step 2 begins by writing a journal (``.soapbuild/cache/build.commit.json``,
atomically): the staging folder, the files it moves, and the manifest to
record. A crash inside step 2 (renames only: milliseconds) leaves every file
whole, old or new, the staged files not yet moved, and the journal; the next
build (under the build lock, before anything else) finishes the renames and
records the manifest, so the output is then the whole new build.
Staged files are not flushed to disk one by one (a thousand fsyncs would cost
more than the build); a page that a power cut left short no longer matches the
manifest either, and is made again.

The manifest (``.soapbuild/cache/build.json``, safe to delete) records, for each
output file, the hash of the inputs it was made from and the size and
modification time it had when written. A page is made again when its input
hash differs, or when its file is missing or no longer what was written.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from soapbuild.atomic import write_atomic
from soapbuild.render import swap

MANIFEST_VERSION = 1
STAGING_PREFIX = ".staging-"
# Folders of the output that hold only soapbuild's pages: a page there that this
# build did not make is stale (a deleted note's), even without a manifest.
OWNED_FOLDERS = ("notes", "clients", "rules")


class OutputError(Exception):
    """The output folder cannot be written safely; the message says why."""


class ManifestNotWritten(OutputError):
    """The pages are in place but the manifest could not be recorded: the output folder
    changed, and the next build makes every page again (nothing matches the old record)."""


@dataclass(frozen=True, slots=True)
class Written:
    """What the manifest knows about one output file."""

    inputs: str
    size: int
    mtime_ns: int


@dataclass
class Manifest:
    """The last complete build: its key (for the up-to-date check) and its files."""

    key: str = ""
    files: dict[str, Written] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Manifest:
        """The manifest at ``path``; an absent or unreadable one is empty (a full build)."""
        try:
            return cls.from_data(json.loads(path.read_text("utf-8")))
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError,
                RecursionError):
            return cls()

    @classmethod
    def from_data(cls, data: Any) -> Manifest:
        """The manifest from its JSON; raises ValueError, KeyError, TypeError… when malformed."""
        if data.get("version") != MANIFEST_VERSION:
            return cls()
        files = {name: Written(str(entry[0]), int(entry[1]), int(entry[2]))
                 for name, entry in data["files"].items()}
        return cls(str(data["key"]), files, dict(data.get("summary", {})))

    def data(self) -> dict[str, Any]:
        return {"version": MANIFEST_VERSION, "key": self.key, "summary": self.summary,
                "files": {name: [w.inputs, w.size, w.mtime_ns]
                          for name, w in sorted(self.files.items())}}

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(self.data(), separators=(",", ":")).encode("utf-8"))


def check_name(name: str) -> PurePosixPath:
    """An output file name as a relative path that stays inside the output folder."""
    path = PurePosixPath(name)
    if (not name or path.is_absolute() or "\\" in name
            or any(part in ("", ".", "..") for part in name.split("/"))):
        raise OutputError(f"refusing to write {name!r}: not a plain path inside the output folder")
    return path


class Output:
    """The output folder of one build, with its staging folder and manifest."""

    def __init__(self, folder: Path, manifest_path: Path) -> None:
        self.folder = folder
        self.manifest_path = manifest_path
        # the commit in progress (see commit): a build killed during it is finished here
        self.journal_path = manifest_path.with_name(manifest_path.stem + ".commit.json")
        self.previous = Manifest.load(manifest_path)
        if self.folder.is_dir() and not self.folder.is_symlink():
            self._recover()
        self.staging: Path | None = None
        self.swapping = False  # the commit is one exchange of folders (see start)
        self.staged: dict[str, str] = {}  # name -> input hash, for files written this build

    # --- deciding ---------------------------------------------------------------

    def intact(self, name: str) -> bool:
        """Whether the file is still as the last build wrote it (exists, same size and time)."""
        record = self.previous.files.get(name)
        if record is None:
            return False
        try:
            info = os.stat(self.folder / name)
        except OSError:
            return False
        return info.st_size == record.size and info.st_mtime_ns == record.mtime_ns

    def current(self, name: str, inputs: str) -> bool:
        """Whether ``name`` was made from exactly ``inputs`` and is still there unchanged."""
        record = self.previous.files.get(name)
        return record is not None and record.inputs == inputs and self.intact(name)

    def up_to_date(self, key: str) -> bool:
        """The fast path: the last build had this key and every file it wrote is intact."""
        return (bool(key) and self.previous.key == key
                and all(self.intact(name) for name in self.previous.files))

    # --- writing ------------------------------------------------------------------

    def clean(self) -> None:
        """Remove staging folders that a killed build left behind (and the old output a
        build killed right after its swap left there)."""
        for where in (self.folder, self.manifest_path.parent):
            if where.is_dir() and not where.is_symlink():
                for leftover in where.glob(STAGING_PREFIX + "*"):
                    shutil.rmtree(leftover, ignore_errors=True)

    def start(self) -> None:
        """Make the staging folder (and remove any a killed build left behind).

        Where the output can be swapped in one step (:mod:`.swap`), the staging folder
        is beside the manifest, on the same file system as the output, and becomes the
        whole new output; elsewhere it is inside the output, and only the pages made
        now move out of it."""
        if self.folder.is_symlink() or (self.folder.exists() and not self.folder.is_dir()):
            raise OutputError(f"{self.folder}: the output folder is not a plain folder")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.clean()
        cache = self.manifest_path.parent
        cache.mkdir(parents=True, exist_ok=True)
        self.swapping = swap.available() and _same_device(self.folder, cache)
        if self.swapping:  # an output folder that cannot be written fails now, not at the end
            os.rmdir(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.folder))
        where = cache if self.swapping else self.folder
        self.staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=where))

    def target(self, name: str, inputs: str) -> Path:
        """The staging path to write ``name`` to; the caller writes the file there."""
        if self.staging is None:
            raise OutputError("the build has not started")
        path = self.staging / check_name(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.staged[name] = inputs
        return path

    def write(self, name: str, inputs: str, data: bytes) -> None:
        self.target(name, inputs).write_bytes(data)

    def abort(self) -> None:
        """Forget the staged files; the output folder is left as it was."""
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None
        self.staged.clear()

    def commit(self, names: set[str], key: str, summary: dict[str, Any]) -> list[str]:
        """Move staged files into place, remove stale ones, record the manifest.

        ``names`` is every file of this build (made now or kept from the last);
        returns the names of the files removed.
        """
        if self.staging is None:
            raise OutputError("the build has not started")
        files: dict[str, Written] = {}
        for name in sorted(self.staged):
            self._final_path(name)  # refuses a link before anything moves
            info = os.stat(self.staging / name)  # a rename keeps the size and the time
            files[name] = Written(self.staged[name], info.st_size, info.st_mtime_ns)
        for name in names - set(files):
            record = self.previous.files.get(name)
            if record is not None:
                files[name] = record
        manifest = Manifest(key, files, summary)
        if self.swapping:
            swapped = self._swap_in(names, manifest)
            if swapped is not None:
                self.abort()
                return swapped
        self.journal_path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.journal_path, json.dumps(
            {"version": MANIFEST_VERSION, "staging": self.staging.name,
             "beside": self.swapping, "moved": sorted(self.staged), "names": sorted(names),
             "manifest": manifest.data()}).encode("utf-8"))
        removed = self._finish(self.staging, sorted(self.staged), names, manifest)
        self.abort()
        return removed

    def _swap_in(self, names: set[str], manifest: Manifest) -> list[str] | None:
        """Commit by one exchange of folders: every file of the output that stays is
        linked into the staging folder beside the pages made now (hard links: no copy,
        the same size and time the manifest holds), and the staging folder then takes the
        output's place in one step. None when the file system refuses the exchange (the
        caller then moves the pages one by one)."""
        staging = self.staging
        assert staging is not None
        stale = self._stale(names)
        removed = sorted(name for name in stale if os.path.lexists(self.folder / name))
        try:
            for name, path in _files(self.folder):
                if name in self.staged or name in stale:
                    continue
                target = staging / name
                target.parent.mkdir(parents=True, exist_ok=True)
                if path.is_symlink():
                    os.symlink(os.readlink(path), target)
                else:
                    os.link(path, target)
        except OSError as error:
            if error.errno in _NO_LINKS:  # a file system without hard links: the renames
                return None
            raise
        os.chmod(staging, os.stat(self.folder).st_mode & 0o7777)
        if not swap.exchange(staging, self.folder):
            return None
        shutil.rmtree(staging, ignore_errors=True)  # the old output, now
        self._record(manifest)
        return removed

    def _finish(self, staging: Path, moved: list[str], names: set[str],
                manifest: Manifest) -> list[str]:
        """Step 2 once the journal is written: the renames, the stale pages, the manifest,
        then the journal goes. Run again by :meth:`_recover` after a crash, so each step
        may find its work done."""
        for name in moved:
            if (staging / name).exists():
                final = self._final_path(name)
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staging / name, final)
        removed = self._remove_stale(names)
        self._record(manifest)
        return removed

    def _record(self, manifest: Manifest) -> None:
        """The manifest of the output now in place; the journal goes."""
        try:
            manifest.save(self.manifest_path)
        except OSError as error:
            raise ManifestNotWritten(
                f"the new pages are in {self.folder}, but the record of them "
                f"({self.manifest_path}) cannot be written ({error.strerror or error}); the "
                "next build makes every page again") from None
        with contextlib.suppress(FileNotFoundError):
            self.journal_path.unlink()
        self.previous = manifest

    def _recover(self) -> None:
        """Finish the commit of a build that was killed between its first rename and its
        manifest (the journal says what it was moving), so that the output is the whole
        new build and no page is left old beside new ones (issue 16, finding 7). A
        journal that cannot be read, or whose staging folder is gone, is dropped: the
        manifest no longer matches the files, and the next build makes them again."""
        try:
            data = json.loads(self.journal_path.read_text("utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError, RecursionError):
            data = None
        try:
            where = self.manifest_path.parent if data.get("beside") else self.folder
            staging = where / check_name(str(data["staging"]))
            if data["version"] != MANIFEST_VERSION or not staging.is_dir():
                raise ValueError("nothing to finish")
            moved = [str(check_name(str(name))) for name in data["moved"]]
            names = {str(check_name(str(name))) for name in data["names"]}
            manifest = Manifest.from_data(data["manifest"])
        except (OutputError, ValueError, KeyError, TypeError, IndexError, AttributeError):
            with contextlib.suppress(OSError):
                self.journal_path.unlink()
            return
        self._finish(staging, moved, names, manifest)
        shutil.rmtree(staging, ignore_errors=True)

    def _final_path(self, name: str) -> Path:
        """Where ``name`` goes, refusing a path that a symlink would lead out of the folder."""
        path = check_name(name)
        current = self.folder
        for part in path.parts[:-1]:
            current = current / part
            if current.is_symlink() or (current.exists() and not current.is_dir()):
                raise OutputError(f"{current}: expected a folder of the output, found "
                                  "a link or a file")
        final = current / path.name
        if final.is_symlink():
            final.unlink()  # replace the link itself, never the file it points to
        return final

    def _stale(self, names: set[str]) -> set[str]:
        """The files of the output that this build does not keep: the last build's files
        it did not make, and anything else in the folders that hold only soapbuild's pages."""
        stale = set(self.previous.files) - names
        for folder in OWNED_FOLDERS:
            base = self.folder / folder
            if base.is_dir() and not base.is_symlink():
                for path in base.rglob("*"):
                    if path.is_file() or path.is_symlink():
                        stale.add(path.relative_to(self.folder).as_posix())
        return stale - names

    def _remove_stale(self, names: set[str]) -> list[str]:
        stale = self._stale(names)
        removed = []
        for name in sorted(stale):
            try:
                check_name(name)
            except OutputError:
                continue
            with contextlib.suppress(FileNotFoundError):
                (self.folder / name).unlink()
                removed.append(name)
        for folder in OWNED_FOLDERS:
            base = self.folder / folder
            if base.is_dir() and not base.is_symlink():
                for path in sorted(base.rglob("*"), reverse=True):
                    if path.is_dir() and not path.is_symlink():
                        with contextlib.suppress(OSError):
                            path.rmdir()  # only empty folders go
        return removed


_NO_LINKS = {errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOSYS,
             getattr(errno, "ENOTSUP", errno.EPERM), getattr(errno, "EOPNOTSUPP", errno.EPERM)}


def _same_device(folder: Path, other: Path) -> bool:
    """Whether two folders are on one file system (a rename between them is atomic)."""
    try:
        return os.stat(folder).st_dev == os.stat(other).st_dev
    except OSError:
        return False


def _files(folder: Path) -> list[tuple[str, Path]]:
    """Every file and link in ``folder`` by its name in the output, without following links
    and without a staging folder a killed build left inside it."""
    found = []
    for current, folders, names in os.walk(folder):
        here = Path(current)
        links = [name for name in folders if (here / name).is_symlink()]
        folders[:] = sorted(name for name in folders if name not in links
                            and not (here == folder and name.startswith(STAGING_PREFIX)))
        for name in sorted([*names, *links]):
            path = here / name
            found.append((path.relative_to(folder).as_posix(), path))
    return found
