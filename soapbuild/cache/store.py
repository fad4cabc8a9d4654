"""Files of the cache, written so that a crash, a second process or a planted link cannot
hurt: ``.soapbuild/cache/<kind>/<name>``.

- **Atomic.** An entry is written to a temporary file beside it (created with
  ``O_EXCL``) and put in place with one ``rename``; a reader sees the old entry, the
  new one or none, never half of one. Two processes writing the same entry write the
  same bytes, so whichever rename comes last changes nothing.
- **Checked on reading.** An entry starts with a magic word and the BLAKE2b hash of
  what follows; one cut short (a full disk, a power loss before the page cache reached
  the disk: entries are not ``fsync``-ed, a lost entry is only a slower run) or
  garbled fails the check and reads as absent, and the next write replaces it.
- **No links followed.** ``.soapbuild``, ``.soapbuild/cache`` and its folders are
  opened one by one with ``O_NOFOLLOW | O_DIRECTORY`` and entries are read and created
  relative to the folder's descriptor with ``O_NOFOLLOW``: a symlink anywhere below the
  workspace makes the cache refuse to open (:class:`CacheRefused`) rather than read or
  write where the link points. Where the platform cannot open files relative to a
  folder (Windows), there is no cache.
- **Disposable.** Nothing else refers to an entry: the whole folder may be deleted at
  any time, even during a run (that run's later writes fail quietly). Like pytest's
  cache, the folder holds a ``.gitignore`` of ``*`` (a workspace that never ran
  ``soapbuild init`` does not see it in ``git status``) and a ``CACHEDIR.TAG``
  (backup tools skip it).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from pathlib import Path

CACHE_DIR = Path(".soapbuild") / "cache"
MARKERS = {
    ".gitignore": b"# Made by soapbuild: the cache is never committed.\n*\n",
    "CACHEDIR.TAG": b"Signature: 8a477f597d28d172789f06886806bc55\n"
                    b"# This folder is soapbuild's cache; see https://bford.info/cachedir/\n",
}
MAGIC = b"soapbuild-cache\n"
_DIGEST = 32
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_WRITE_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
                | getattr(os, "O_CLOEXEC", 0))


class CacheRefused(Exception):
    """The cache folder cannot be used safely (a symlink on the way, or not a folder)."""


def supported() -> bool:
    """Whether this platform opens files relative to a folder without following links."""
    return (hasattr(os, "O_NOFOLLOW") and hasattr(os, "O_DIRECTORY")
            and os.open in os.supports_dir_fd and os.mkdir in os.supports_dir_fd)


class Store:
    """The entries of one kind (a folder under ``.soapbuild/cache``) of one workspace."""

    def __init__(self, folder: int) -> None:
        self._folder = folder  # descriptor of .soapbuild/cache/<kind>, opened link-free

    @classmethod
    def open(cls, root: Path, kind: str) -> Store:
        """The store of ``kind`` in the workspace at ``root``, creating its folders.

        Raises :class:`CacheRefused` when a folder on the way is a symlink or not a
        folder, and ``OSError`` when it cannot be created (a read-only workspace).
        """
        if not supported():
            raise CacheRefused("this platform cannot open the cache without following links")
        descriptor = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
        try:
            for name in (*CACHE_DIR.parts, kind):
                inner = _folder(descriptor, name)
                os.close(descriptor)
                descriptor = inner
                if name == CACHE_DIR.name:
                    _mark(descriptor)
        except BaseException:
            os.close(descriptor)
            raise
        return cls(descriptor)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._folder)

    def read(self, name: str) -> bytes | None:
        """The entry's content, or None when it is absent, a link, cut short or garbled."""
        try:
            handle = os.open(name, _READ_FLAGS, dir_fd=self._folder)
        except OSError:
            return None
        try:
            with os.fdopen(handle, "rb") as stream:
                data = stream.read()
        except OSError:
            return None
        head = len(MAGIC) + _DIGEST
        if len(data) < head or not data.startswith(MAGIC):
            return None
        body = memoryview(data)[head:]
        if hashlib.blake2b(body, digest_size=_DIGEST).digest() != data[len(MAGIC):head]:
            return None
        return bytes(body)

    def write(self, name: str, content: bytes) -> None:
        """Put ``content`` in place as entry ``name``, atomically; a failure (a full disk,
        the folder deleted meanwhile) only leaves the entry absent."""
        temporary = f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        digest = hashlib.blake2b(content, digest_size=_DIGEST).digest()
        try:
            handle = os.open(temporary, _WRITE_FLAGS, 0o600, dir_fd=self._folder)
        except OSError:
            return
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(MAGIC + digest)
                stream.write(content)
            os.replace(temporary, name, src_dir_fd=self._folder, dst_dir_fd=self._folder)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=self._folder)


def _mark(folder: int) -> None:
    """Write the cache folder's markers, once (never through a link)."""
    for name, content in MARKERS.items():
        try:
            handle = os.open(name, _WRITE_FLAGS, 0o644, dir_fd=folder)
        except OSError:  # there already (or not writable: the entries will fail too)
            continue
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)


def _folder(parent: int, name: str) -> int:
    """Open (creating it if need be) the folder ``name`` inside ``parent``, refusing links."""
    for _ in range(2):
        try:
            return os.open(name, _DIR_FLAGS, dir_fd=parent)
        except FileNotFoundError:
            with contextlib.suppress(FileExistsError):
                os.mkdir(name, 0o700, dir_fd=parent)
        except OSError as error:  # ELOOP or ENOTDIR: a link, or a file in the way
            raise CacheRefused(f"{name} in the cache's path is a symlink or not a folder "
                               f"({error.strerror})") from None
    raise CacheRefused(f"{name} in the cache's path keeps disappearing")
