"""Finding the note files to check, and telling a treatment plan from a session note.

A client's treatment plan lives beside the notes as ``notes/<client>/plan.md``
(SPEC 3.1). It is Markdown too, so discovery finds it with the notes; the
pipeline then keeps it apart (:func:`split_plans`): it is checked as a plan,
never as a session (no session row, no timeliness, no billing).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

NOTE_SUFFIXES = (".md", ".markdown")
PLAN_FILE = "plan.md"


class PathError(Exception):
    """A path given on the command line that does not exist."""


def note_files(paths: Iterable[Path]) -> list[Path]:
    """Every note below the given folders, plus files named explicitly, sorted, each once.

    Hidden folders (``.git``, ``.soapbuild``) are skipped; a file named on the
    command line is checked whatever its suffix, because the user asked for it,
    and so is a folder named like a note, which then cannot be read (R001).
    """
    found: dict[Path, None] = {}
    for path in paths:
        if path.is_dir() and not path.name.lower().endswith(NOTE_SUFFIXES):
            for file in _walk(path):
                found.setdefault(file, None)
        elif path.exists() or path.is_symlink():
            found.setdefault(path, None)
        else:
            raise PathError(f"{path}: no such file or folder")
    return sorted(found)


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.lower().endswith(NOTE_SUFFIXES) and not name.startswith("."):
                yield Path(root) / name


def workspace_key(path: Path, root: Path,
                  folders: dict[str, str] | None = None) -> str | None:
    """The note's path relative to the workspace root (how seals name it), or None outside.

    Resolved, so '..' and symlinked folders give the note one key; with strings, not
    pathlib, and the root resolved once: a check asks this of every note. realpath, not
    Path.resolve, which raises RuntimeError on a symlink loop (the read then says R001).
    ``folders`` (the real path of each folder, by its path) lets a caller that asks this
    of every file of a few folders resolve each folder once: a file that is not itself a
    link then only costs one ``lstat``.
    """
    try:
        real, base = _real_file(os.fspath(path), folders), _real(os.fspath(root))
    except (ValueError, OSError):
        return None
    if real == base:
        return "."
    prefix = base if base.endswith(os.sep) else base + os.sep
    if not real.startswith(prefix):
        return None
    return real[len(prefix):].replace(os.sep, "/")


@lru_cache(maxsize=16)
def _real(root: str) -> str:
    return os.path.realpath(root)


def _real_file(path: str, folders: dict[str, str] | None) -> str:
    """``os.path.realpath(path)``, resolving its folder through ``folders`` when given."""
    folder, name = os.path.split(path)
    if folders is None or name in ("", ".", "..") or os.path.islink(path):
        return os.path.realpath(path)
    if folder not in folders:
        folders[folder] = os.path.realpath(folder or ".")
    return os.path.join(folders[folder], name)


def file_identity(path: Path, root: Path) -> str:
    """One name per note file for a build's records: its workspace key, or its real path
    when it lies outside the workspace."""
    return identity_and_key(path, root)[0]


def identity_and_key(path: Path, root: Path,
                     folders: dict[str, str] | None = None) -> tuple[str, str | None]:
    """:func:`file_identity` and :func:`workspace_key` at once (the path resolved once;
    ``folders`` as :func:`workspace_key` takes it)."""
    key = workspace_key(path, root, folders)
    return (key if key is not None else Path(os.path.realpath(path)).as_posix()), key


def display_path(path: Path, base: Path) -> str:
    """A path as the user should see it: relative to ``base`` when inside it, POSIX-style.

    A byte of a file name that is not UTF-8 shows as U+FFFD, so the path can be
    printed, written to JSON or SARIF and put into a page (issue 16, finding 5).
    """
    try:
        shown = path.absolute().relative_to(base.absolute()).as_posix()
    except ValueError:
        shown = path.as_posix()
    return shown if utf8_name(shown) else printable(shown)


def utf8_name(name: str | Path) -> bool:
    """Whether a path's name is UTF-8 text (Python keeps other bytes as lone surrogates)."""
    try:
        str(name).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable(name: str) -> str:
    """``name`` with the bytes that are not UTF-8 shown as U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def is_plan(path: Path) -> bool:
    """Whether ``path`` is a treatment plan (``plan.md``) rather than a session note."""
    return path.name.lower() == PLAN_FILE


def split_plans(files: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """The session notes and the treatment plans among ``files``, each in order."""
    notes: list[Path] = []
    plans: list[Path] = []
    for file in files:
        (plans if is_plan(file) else notes).append(file)
    return notes, plans
