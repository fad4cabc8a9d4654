"""Locks between soapbuild processes on one workspace, on every platform Python runs on.

Three things must not run twice at once in a workspace (issue 16, deliverable 4):

* ``build``: two builds (``watch`` and one by hand) would remove each other's
  staging folder; the second waits for the first, then finds the output up to
  date or builds on it;
* writing a note (``submit``, ``attest``, ``cosign``, ``fix``, ``restore``): each
  reads the note, decides, then replaces it if it is still what it read; two
  commands on one note must not both pass that test before either writes, so
  the read-decide-write of one note is done under the lock and the second
  command reads what the first wrote (and, for a second ``submit``, finds the
  note submitted already);
* appending to the seal log (``check`` outside git): two checks that each read
  the log, add a seal and write it back would lose one seal; under the lock the
  log is read again and the new entries are appended to what is there.

The locks are files in ``.soapbuild/cache/`` (ignored by git, safe to delete)
held with the ``filelock`` package: ``fcntl.flock`` on POSIX, ``msvcrt.locking``
on Windows, released by the operating system when a process dies (a killed
build never leaves a stale lock). A command that finds a lock held says so on
standard error and waits, up to :data:`WAIT` seconds, then gives up with a
message naming the lock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import filelock

from soapbuild.confined import own_folder

FOLDER = Path(".soapbuild") / "cache"
WAIT = 600.0
"""Seconds a command waits for a lock before it gives up (a build of 10,000 notes with
PDFs takes a few minutes; a note's edit milliseconds)."""


class LockHeld(Exception):
    """The lock stayed held for :data:`WAIT` seconds; the message names it and its holder."""


@contextmanager
def workspace_lock(root: Path, name: str, what: str,
                   waiting: Callable[[str], None] | None = None,
                   wait: float = WAIT) -> Iterator[None]:
    """Hold the lock ``name`` of the workspace at ``root`` (``what`` names it for people).

    ``waiting`` is told, once, when another process holds the lock, before this one
    waits. Raises :class:`LockHeld` after ``wait`` seconds, OSError (with its
    reason) when the lock file cannot be made, e.g. ``.soapbuild`` is a file.
    """
    path = own_folder(root, FOLDER) / f"{name}.lock"
    lock = filelock.FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        if waiting is not None:
            waiting(f"another soapbuild command is {what} in this workspace (it holds {path}); "
                    "waiting for it to finish")
        try:
            lock.acquire(timeout=wait)
        except filelock.Timeout:
            raise LockHeld(f"another soapbuild command has been {what} in this workspace for "
                           f"{wait:.0f} s (it holds {path}); try again when it has finished, "
                           "or stop it") from None
    try:
        yield
    finally:
        lock.release()
