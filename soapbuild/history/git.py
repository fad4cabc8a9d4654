"""Git, through the ``git`` command: the repository of a workspace, staged notes, committed text.

soapbuild never needs more of git than a few plumbing commands, so it runs
``git`` itself (no library). Paths travel NUL-separated (``-z``) and as bytes,
so names with spaces, quotes or non-ASCII letters arrive intact. Inside a
pre-commit hook git exports ``GIT_INDEX_FILE`` (a temporary index for
``git commit -a`` or ``git commit PATH``); the commands inherit the
environment, so "staged" means what is being committed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from soapbuild.discover import NOTE_SUFFIXES
from soapbuild.history.seals import Baseline, Seal, compare, locked_since, seal_text
from soapbuild.model.formats import NoteFormat
from soapbuild.model.parse import ParseResult
from soapbuild.settings import Settings

TIMEOUT = 60


class GitError(Exception):
    """A git command failed where soapbuild needed its answer; the message says which."""


def run_git(top: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    try:
        done = subprocess.run(["git", "-C", str(top), *args], capture_output=True,
                              timeout=TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError) as error:
        raise GitError(f"git {' '.join(args[:2])}: {error}") from None
    if check and done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise GitError(f"git {' '.join(args[:2])} failed: {message}")
    return done


def toplevel(folder: Path) -> Path | None:
    """The top folder of the git work tree holding ``folder``, or None outside git.

    None too when git is not installed: soapbuild then works as outside git.
    """
    try:
        done = run_git(folder, "rev-parse", "--show-toplevel", check=False)
    except GitError:
        return None
    if done.returncode != 0:
        return None
    line = os.fsdecode(done.stdout).rstrip("\n")
    return Path(line) if line else None


def _relative(path: Path, top: Path) -> str | None:
    """``path`` relative to the work tree top (how git names it), or None outside it."""
    try:
        return path.resolve().relative_to(top.resolve()).as_posix()
    except (ValueError, OSError):
        return None


def _blob(top: Path, spec: str) -> bytes | None:
    """The content of ``spec`` (``HEAD:path``, ``:path``), or None when there is none."""
    done = run_git(top, "cat-file", "blob", spec, check=False)
    return done.stdout if done.returncode == 0 else None


def _text(data: bytes | None) -> str | None:
    try:
        return None if data is None else data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _blob_id(data: bytes) -> str:
    """The id git gives a blob of these bytes (SHA-1 object ids)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _head_blobs(top: Path, names: Sequence[str]) -> dict[str, str]:
    """Blob ids in HEAD of the given paths (relative to ``top``); absent ones are left out."""
    if not names:
        return {}
    done = run_git(top, "ls-tree", "-z", "--full-tree", "HEAD", "--", *names, check=False)
    if done.returncode != 0:  # no commit yet
        return {}
    found = {}
    for entry in done.stdout.split(b"\0"):
        meta, _, name = entry.partition(b"\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == b"blob":
            found[os.fsdecode(name)] = parts[2].decode("ascii")
    return found


def _batch_blobs(top: Path, blobs: Sequence[str]) -> dict[str, bytes]:
    """The contents of the given blob ids, read by one ``git cat-file --batch``."""
    if not blobs:
        return {}
    try:
        done = subprocess.run(["git", "-C", str(top), "cat-file", "--batch"],
                              input="".join(f"{blob}\n" for blob in blobs).encode("ascii"),
                              capture_output=True, timeout=TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError) as error:
        raise GitError(f"git cat-file: {error}") from None
    if done.returncode != 0:
        raise GitError("git cat-file failed: " + done.stderr.decode("utf-8", "replace").strip())
    out, position, found = done.stdout, 0, {}
    for blob in blobs:
        end = out.index(b"\n", position)
        header = out[position:end].split()
        position = end + 1
        if len(header) != 3:  # "<id> missing"
            continue
        size = int(header[2])
        found[blob] = out[position:position + size]
        position += size + 1
    return found


def staged_notes(top: Path, notes: Path, limits: Sequence[Path] = ()) -> list[Path]:
    """The notes staged for the next commit (added, copied, modified or renamed).

    Only notes (``.md``, ``.markdown``) below the ``notes`` folder count; given
    ``limits`` (files or folders), only those at or below one of them. Sorted.
    """
    done = run_git(top, "diff", "--cached", "--name-only", "--diff-filter=ACMR", "-z",
                "--no-renames")
    folder = _relative(notes, top)
    bounds = [_relative(limit, top) for limit in limits]
    found = []
    for raw in done.stdout.split(b"\0"):
        if not raw:
            continue
        name = os.fsdecode(raw)
        if not name.lower().endswith(NOTE_SUFFIXES) or folder is None:
            continue
        if not _within(name, folder):
            continue
        if limits and not any(bound is not None and _within(name, bound) for bound in bounds):
            continue
        found.append(top / name)
    return sorted(found)


def _within(name: str, folder: str) -> bool:
    return folder == "." or name == folder or name.startswith(folder.rstrip("/") + "/")


def staged_text(top: Path, path: Path) -> bytes | None:
    """The staged (index) content of ``path``, or None when it is not in the index."""
    name = _relative(path, top)
    return None if name is None else _blob(top, f":{name}")


@dataclass
class GitBaseline:
    """The locked version of a note from git: its last committed text, as a :class:`Seal`.

    ``seal_for(key)`` (``key`` relative to the workspace root) reads
    ``HEAD:path`` and seals it, so :func:`soapbuild.history.seals.compare` and rule K001
    work as with a seal file. A note that is not in HEAD (new, or no commit
    yet) has no baseline, and neither has one whose committed version was not
    locked yet — judged on the committed header, at ``now``.
    """

    top: Path
    settings: Settings
    now: datetime
    _texts: dict[str, str | None] = field(default_factory=dict)
    _seals: dict[str, Seal | None] = field(default_factory=dict)

    def prefetch(self, texts: Mapping[str, str]) -> None:
        """Load the committed text of every note in ``texts`` (key -> text now), at once.

        Called before the rules run, so that rule K001 reads memory and never
        starts a process. One ``git ls-tree`` lists the committed blobs; a note
        whose text now hashes to its committed blob *is* its committed text, and
        only the others are read, all through one ``git cat-file --batch``.
        """
        names = {key: name for key in texts
                 if key not in self._texts
                 and (name := _relative(self.settings.root / key, self.top)) is not None}
        if not names:
            return
        committed = _head_blobs(self.top, sorted(set(names.values())))
        wanted: dict[str, str] = {}
        for key, name in names.items():
            blob = committed.get(name)
            if blob is None:
                self._texts[key] = None  # not in HEAD
            elif _blob_id(texts[key].encode("utf-8", "surrogatepass")) == blob:
                self._texts[key] = texts[key]
            else:
                wanted[key] = blob
        contents = _batch_blobs(self.top, sorted(set(wanted.values())))
        for key, blob in wanted.items():
            self._texts[key] = _text(contents.get(blob))

    def committed_text(self, key: str) -> str | None:
        """The note's text in HEAD, or None (not committed, or not UTF-8 text)."""
        if key not in self._texts:
            name = _relative(self.settings.root / key, self.top)
            self._texts[key] = None if name is None else _text(_blob(self.top, f"HEAD:{name}"))
        return self._texts[key]

    def seal_for(self, key: str) -> Seal | None:
        if key not in self._seals:
            self._seals[key] = self._committed_seal(key)
        return self._seals[key]

    def _committed_seal(self, key: str) -> Seal | None:
        from soapbuild.model.parse import parse_note

        text = self.committed_text(key)
        if text is None:
            return None
        note = parse_note(text.encode("utf-8"), key, dict(self.settings.formats), key).note
        if note is None:  # the committed file was not a readable note
            return None
        since = locked_since(note, self.settings)
        if since is None or self.now < since:
            return None
        return seal_text(note.source.text, self.now)


@dataclass
class LayeredBaseline:
    """In git: a seal from ``.soapbuild/seals.json`` when there is one, else HEAD.

    A seal records the text as first seen locked, so it also catches an edit
    that was committed since (git alone would take the edited commit as the
    baseline). When the committed version is the sealed text, or extends it by
    addenda only, the committed version is the stricter baseline (it also
    covers the addenda) and is used instead.
    """

    seals: Baseline
    git: GitBaseline

    def prefetch(self, texts: Mapping[str, str]) -> None:
        self.git.prefetch(texts)

    def seal_for(self, key: str) -> Seal | None:
        seal = self.seals.seal_for(key)
        committed = self.git.seal_for(key)
        if seal is None:
            return committed
        if committed is None:
            return seal
        text = self.git.committed_text(key)
        if text is not None and not compare(text, seal, self.git.now).changed:
            return committed
        return seal


def staged_reader(top: Path) -> Callable[[Path, str, dict[str, NoteFormat], str | None],
                                         ParseResult]:
    """A note reader for :func:`soapbuild.checker.check_files` that reads the index."""
    from soapbuild.model.parse import parse_note, unreadable

    def read(file: Path, display: str, formats: dict[str, NoteFormat],
             key: str | None) -> ParseResult:
        data = staged_text(top, file)
        if data is None:
            return unreadable(display, "it is not staged any more")
        return parse_note(data, display, formats, key)

    return read
