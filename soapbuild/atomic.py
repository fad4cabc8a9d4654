"""Writing files so that a crash, a full disk or a concurrent edit never costs a note.

SPEC 7 ("Nothing lost"): soapbuild writes inside ``notes/`` only through ``new``
and ``submit``. A rewrite goes to a temporary file beside the original, is
flushed to disk, takes the original's permission bits, and only then replaces it
with one ``os.replace`` (atomic on POSIX and Windows), so a reader sees either
the old file or the new one, never half of each. Just before the replace, the
original is compared with what was read: an editor that saved the note in the
meantime wins, and soapbuild refuses instead of overwriting that work. A new
file is created with ``O_EXCL``, so an existing file is never overwritten.
"""

from __future__ import annotations

import contextlib
import glob
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

TEMP_SUFFIX = ".soapbuild-tmp"


class ChangedOnDisk(Exception):
    """The file is no longer what was read, so writing would lose someone's change."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A file as it was read: its bytes and the stat fields that reveal a later change.

    ``path`` is the real file (symlinks resolved), so that a rewrite replaces the
    note a symlink points to rather than turning the symlink into a copy.
    """

    path: Path
    data: bytes
    mtime_ns: int
    size: int
    mode: int
    uid: int
    gid: int
    complete: bool = True  # False when reading stopped at the size limit


class NotRegularFile(OSError):
    """A named pipe, device or socket where a note was expected: reading it could block forever."""


def open_regular(path: Path) -> BinaryIO:
    """``path`` opened for reading in binary; raises OSError, NotRegularFile for anything but a
    regular file.

    Opened without blocking, then checked on the open descriptor (no race with a
    rename): a FIFO named ``*.md`` would otherwise hang ``check`` until something
    writes to it (issue 16, finding 5).
    """
    nonblocking = getattr(os, "O_NONBLOCK", 0)  # POSIX; Windows has no FIFOs to fear
    descriptor = os.open(path, os.O_RDONLY | nonblocking | getattr(os, "O_BINARY", 0))
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            kind = "folder" if stat.S_ISDIR(info.st_mode) else "named pipe, device or socket"
            raise NotRegularFile(f"it is a {kind}, not a file")
        if nonblocking:
            os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_snapshot(path: Path, limit: int | None = None) -> Snapshot:
    """Read ``path`` (at most ``limit + 1`` bytes when a limit is given); raises OSError."""
    real = Path(os.path.realpath(path))
    with open_regular(real) as handle:
        info = os.fstat(handle.fileno())
        data = handle.read() if limit is None else handle.read(limit + 1)
    complete = limit is None or len(data) <= limit
    return Snapshot(real, data, info.st_mtime_ns, info.st_size, stat.S_IMODE(info.st_mode),
                    info.st_uid, info.st_gid, complete)


def replace_file(snapshot: Snapshot, data: bytes) -> None:
    """Atomically replace the file read as ``snapshot`` with ``data``.

    Raises :class:`ChangedOnDisk` if the file changed since it was read, and
    OSError if it cannot be written; in both cases the original is untouched and
    no temporary file is left behind.
    """
    if not snapshot.complete:
        raise ChangedOnDisk(f"{snapshot.path}: only part of the file was read")
    target = snapshot.path
    temp = _write_temp(target.parent, target.name, data, snapshot)
    try:
        _ensure_unchanged(snapshot)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _sync_folder(target.parent)
    _remove_leftovers(target)


def _remove_leftovers(target: Path) -> None:
    """Remove the temporary files of ``target`` that a killed write left (a hidden
    ``.NAME.*.soapbuild-tmp`` beside it). The commands that write notes hold the
    workspace's note lock (:mod:`soapbuild.filelocks`), so no other write of this
    note is in progress; only soapbuild names files so."""
    for leftover in target.parent.glob(f".{glob.escape(target.name)}.*{TEMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            leftover.unlink()


def write_atomic(path: Path, data: bytes) -> None:
    """Atomically write ``path`` whole, creating it or replacing what is there.

    For files soapbuild owns (output, seals), where no one else's edit can be
    lost: an existing file keeps its owner and permission bits, a new one gets
    the permissions any new file gets (``0o666`` less the umask). Raises OSError;
    on failure the old file is untouched and no temporary file is left behind.
    """
    real = Path(os.path.realpath(path))
    try:
        info = os.stat(real)
        mode, uid, gid = stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid
    except FileNotFoundError:
        mode, uid, gid = 0o666 & ~_umask(), -1, -1  # -1: keep the new file's owner
    owner = Snapshot(real, b"", 0, 0, mode, uid, gid)
    temp = _write_temp(real.parent, real.name, data, owner)
    try:
        os.replace(temp, real)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _sync_folder(real.parent)


def _umask() -> int:
    # The only portable way to read the umask is to set it and put it back.
    current = os.umask(0o022)
    os.umask(current)
    return current


def create_new(path: Path, data: bytes) -> None:
    """Create ``path`` with ``data``; raise FileExistsError if anything is there already.

    ``O_EXCL`` makes the existence test and the creation one step, so two
    commands racing for the same name cannot overwrite each other. If writing
    fails the partial file (which this call created) is removed.
    """
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                         0o666)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    _sync_folder(path.parent)


def _write_temp(folder: Path, name: str, data: bytes, snapshot: Snapshot) -> str:
    # A leading dot keeps the temporary file out of note discovery while it exists.
    descriptor, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=TEMP_SUFFIX, dir=folder)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            _copy_owner_and_mode(handle.fileno(), temp, snapshot)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return temp


def _copy_owner_and_mode(descriptor: int, temp: str, snapshot: Snapshot) -> None:
    if hasattr(os, "fchown") and snapshot.uid >= 0:
        info = os.fstat(descriptor)
        if (info.st_uid, info.st_gid) != (snapshot.uid, snapshot.gid):
            # Only root may give a file away; otherwise the writer owns the new file.
            with contextlib.suppress(OSError):
                os.fchown(descriptor, snapshot.uid, snapshot.gid)
    if hasattr(os, "fchmod"):
        os.fchmod(descriptor, snapshot.mode)
    else:  # pragma: no cover - Windows keeps only the read-only bit
        os.chmod(temp, snapshot.mode)


def _ensure_unchanged(snapshot: Snapshot) -> None:
    try:
        current = read_snapshot(snapshot.path)
    except FileNotFoundError:
        raise ChangedOnDisk(f"{snapshot.path} was deleted or moved") from None
    if current.data != snapshot.data or current.mtime_ns != snapshot.mtime_ns:
        raise ChangedOnDisk(f"{snapshot.path} changed on disk after it was read")


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable; not every platform can open a folder, which is fine."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
