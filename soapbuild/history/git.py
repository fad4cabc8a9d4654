"""Git, through the ``git`` command: the repository of a workspace, its history, the index.

soapbuild never needs more of git than a few plumbing commands, so it runs
``git`` itself (no library), and a run starts a fixed handful of them, never
one per note: ``git log`` over the notes folder (once for the branch, once for
the reflog), ``git ls-tree`` for what HEAD holds, ``git diff --cached`` for what
the next commit holds, and one ``git cat-file --batch`` for every text needed.
Paths travel NUL-separated (``-z``) and as bytes, so names with spaces, quotes
or non-ASCII letters arrive intact. Inside a pre-commit hook git exports
``GIT_INDEX_FILE`` (a temporary index for ``git commit -a`` or ``git commit
PATH``); the commands inherit the environment, so "staged" means what is being
committed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from soapbuild.discover import NOTE_SUFFIXES

if TYPE_CHECKING:
    from soapbuild.model.formats import NoteFormat
    from soapbuild.model.parse import ParseResult
    from soapbuild.model.plan import PlanResult

TIMEOUT = 60
_LOG_FORMAT = "--format=%x01%H %ct"


@dataclass(frozen=True, slots=True)
class FileChange:
    """One file a commit added, changed, renamed or deleted (paths are workspace keys)."""

    status: str  # A, M, D, R, C, T
    path: str
    blob: str | None  # the new content; None when deleted
    old_path: str | None = None  # renames and copies


@dataclass(frozen=True, slots=True)
class Commit:
    """A commit that touched the notes folder."""

    id: str
    when: datetime
    reachable: bool  # on the branch (HEAD); False: only in the reflog
    files: tuple[FileChange, ...]


class GitError(Exception):
    """A git command failed where soapbuild needed its answer; the message says which."""


def run_git(top: Path, *args: str, check: bool = True,
            stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        done = subprocess.run(["git", "-C", str(top), *args], capture_output=True, input=stdin,
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


def head_state(folder: Path) -> str:
    """HEAD's commit id (what the notes' history is as of now), or "" outside git.

    A build keys its output on it: a commit changes when notes entered the
    repository without changing a byte of them."""
    try:
        done = run_git(folder, "rev-parse", "-q", "--verify", "HEAD", check=False)
    except GitError:
        return ""
    return done.stdout.decode("ascii", "replace").strip()


def relative(path: Path, top: Path) -> str | None:
    """``path`` relative to the work tree top (how git names it), or None outside it."""
    try:
        return path.resolve().relative_to(top.resolve()).as_posix()
    except (ValueError, OSError):
        return None


def blob_id(data: bytes) -> str:
    """The id git gives a blob of these bytes (SHA-1 object ids)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def is_note(name: str) -> bool:
    return name.lower().endswith(NOTE_SUFFIXES)


@dataclass(frozen=True, slots=True)
class Paths:
    """How git names the workspace's files: the top, the workspace root and the notes folder."""

    top: Path
    root: str  # the workspace root relative to the top ("." at the top)
    notes: str  # the notes folder relative to the top

    @classmethod
    def of(cls, top: Path, root: Path, notes: Path) -> Paths | None:
        root_name, notes_name = relative(root, top), relative(notes, top)
        if root_name is None or notes_name is None:
            return None
        return cls(top, root_name, notes_name)

    def key(self, name: str) -> str | None:
        """A git path as a workspace key (relative to the workspace root), or None outside it."""
        if self.root == ".":
            return name
        prefix = self.root.rstrip("/") + "/"
        return name[len(prefix):] if name.startswith(prefix) else None

    def git_name(self, key: str) -> str:
        return key if self.root == "." else f"{self.root.rstrip('/')}/{key}"

    def holds_note(self, name: str) -> bool:
        return is_note(name) and within(name, self.notes)


def within(name: str, folder: str) -> bool:
    return folder == "." or name == folder or name.startswith(folder.rstrip("/") + "/")


# --- the history --------------------------------------------------------------------------


def read_commits(paths: Paths) -> list[Commit]:
    """Every commit that touched a note: those on the branch, then those only in the reflog
    (a commit replaced by ``--amend`` or dropped by a reset), each with its notes' changes.
    (:func:`soapbuild.history.logmemo.read_commits` reads the same, from the cache.)"""
    commits = _log(paths, ["HEAD"], reachable=True)
    if commits is None:  # no commit yet
        return []
    return commits + reflog_commits(paths, "HEAD")


def branch_commits(paths: Paths, revisions: str) -> list[Commit]:
    """The commits of ``revisions`` (``HEAD``, ``OLD..NEW``) that touched a note."""
    return _log(paths, [revisions], reachable=True) or []


def reflog_commits(paths: Paths, head: str) -> list[Commit]:
    """The commits only in the reflog (not reachable from ``head``) that touched a note."""
    return _log(paths, ["--reflog", "--not", head], reachable=False) or []


def head_id(top: Path) -> str | None:
    """The commit HEAD names, or None before the first commit."""
    done = run_git(top, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
    name = done.stdout.decode("ascii", "replace").strip()
    return name if done.returncode == 0 and name else None


def is_ancestor(top: Path, older: str, newer: str) -> bool:
    """Whether commit ``older`` is reachable from ``newer`` (False for an unknown commit)."""
    done = run_git(top, "merge-base", "--is-ancestor", older, newer, check=False)
    return done.returncode == 0


def _log(paths: Paths, revisions: list[str], reachable: bool) -> list[Commit] | None:
    done = run_git(paths.top, "-c", "core.quotepath=false", "log", *revisions, "--raw", "-z",
                   "--no-abbrev", "-M", "--root", "--no-color", "--no-show-signature",
                   "--no-ext-diff", _LOG_FORMAT, "--", paths.notes, check=False)
    if done.returncode != 0:
        return None
    return parse_log(done.stdout, paths, reachable)


def parse_log(output: bytes, paths: Paths, reachable: bool) -> list[Commit]:
    """Read ``git log --raw -z`` output: a ``\\x01<id> <time>`` header, then raw entries
    (``:<modes> <old> <new> <status>``, NUL, the path, NUL, and a second path for renames)."""
    tokens = output.split(b"\0")
    commits: list[Commit] = []
    header: tuple[str, datetime] | None = None
    files: list[FileChange] = []
    index = 0

    def close() -> None:
        if header is not None:
            commits.append(Commit(header[0], header[1], reachable, tuple(files)))

    while index < len(tokens):
        token = tokens[index].lstrip(b"\n")
        index += 1
        if token.startswith(b"\x01"):
            close()
            ident, _, stamp = token[1:].decode("ascii").partition(" ")
            header, files = (ident, datetime.fromtimestamp(int(stamp), UTC)), []
        elif token.startswith(b":"):
            meta = token.decode("ascii").split()
            status = meta[4][0]
            names = [os.fsdecode(tokens[index])]
            index += 1
            if status in ("R", "C"):
                names.append(os.fsdecode(tokens[index]))
                index += 1
            change = _change(status, meta[3], names, paths)
            if change is not None:
                files.append(change)
    close()
    return commits


def _change(status: str, blob: str, names: list[str], paths: Paths) -> FileChange | None:
    """One raw entry as a change of a note (keys, not git paths); None when no note is in it.

    A note renamed out of the notes folder (or to another suffix) is deleted from
    it, and one renamed into it is new to it.
    """
    new, old = names[-1], (names[0] if len(names) == 2 else None)
    new_key = paths.key(new) if paths.holds_note(new) else None
    old_key = paths.key(old) if old is not None and paths.holds_note(old) else None
    if status == "R":
        if new_key is not None and old_key is not None:
            return FileChange("R", new_key, blob, old_key)
        if old_key is not None:
            return FileChange("D", old_key, None)
        status = "A"
    if new_key is None:
        return None
    status = "A" if status == "C" else status
    return FileChange(status, new_key, None if status == "D" else blob)


def head_notes(paths: Paths) -> dict[str, str]:
    """The notes HEAD holds: workspace key -> blob id (empty before the first commit)."""
    done = run_git(paths.top, "ls-tree", "-r", "-z", "--full-tree", "HEAD", "--", paths.notes,
                   check=False)
    if done.returncode != 0:
        return {}
    found = {}
    for entry in done.stdout.split(b"\0"):
        meta, _, raw = entry.partition(b"\t")
        parts = meta.split()
        name = os.fsdecode(raw)
        if len(parts) == 3 and parts[1] == b"blob" and paths.holds_note(name):
            key = paths.key(name)
            if key is not None:
                found[key] = parts[2].decode("ascii")
    return found


def read_objects(top: Path, names: Sequence[str]) -> dict[str, bytes]:
    """The contents of the given objects (blob ids, ``HEAD:path``, ``:path``), read by one
    ``git cat-file --batch``; an object that does not exist is left out."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return {}
    done = run_git(top, "cat-file", "--batch",
                   stdin="".join(f"{name}\n" for name in wanted).encode("utf-8"))
    out, position, found = done.stdout, 0, {}
    for name in wanted:
        end = out.index(b"\n", position)
        header = out[position:end].split()
        position = end + 1
        if len(header) != 3 or header[1] == b"missing":  # "<name> missing", "ambiguous"
            continue
        size = int(header[2])
        if header[1] == b"blob":
            found[name] = out[position:position + size]
        position += size + 1
    return found


def decoded(data: bytes | None) -> str | None:
    """A blob as text (None when absent or not UTF-8)."""
    try:
        from soapbuild.model.source import SourceText

        return None if data is None else SourceText.from_str(data.decode("utf-8")).text
    except UnicodeDecodeError:
        return None


# --- the index ------------------------------------------------------------------------------


@dataclass
class Staged:
    """What the next commit changes among the notes: staged notes, deletions, renames."""

    notes: dict[str, str] = field(default_factory=dict)  # key -> blob of the staged text
    deleted: set[str] = field(default_factory=set)
    renamed: dict[str, str] = field(default_factory=dict)  # new key -> old key


def staged_changes(paths: Paths) -> Staged:
    """One ``git diff --cached`` (renames detected) of the notes folder against HEAD."""
    done = run_git(paths.top, "diff", "--cached", "--raw", "-z", "--no-abbrev", "-M",
                   "--no-color", "--no-ext-diff", "--", paths.notes)
    staged = Staged()
    # The same entries as 'git log --raw', without the commit header.
    for change in parse_log(b"\x01staged 0\0" + done.stdout, paths, True)[0].files:
        if change.status == "D":
            staged.deleted.add(change.path)
            continue
        staged.notes[change.path] = change.blob or ""
        if change.old_path is not None:
            staged.renamed[change.path] = change.old_path
    return staged


def staged_notes(staged: Staged, root: Path, limits: Sequence[Path] = ()) -> list[Path]:
    """The staged notes (added, copied, modified or renamed) as files under ``root``;
    given ``limits`` (files or folders), only those at or below one of them. Sorted."""
    files = [root / key for key in staged.notes]
    if limits:
        bounds = [limit.resolve() for limit in limits]
        files = [f for f in files if any(f.resolve().is_relative_to(b) for b in bounds)]
    return sorted(files)


def staged_plan_reader(texts: Mapping[str, bytes]) -> Callable[
        [Path, str, str | None], PlanResult]:
    """A treatment-plan reader for :func:`soapbuild.checker.check_files` over the staged
    texts, as :func:`staged_reader` is for the notes."""
    from soapbuild.model.parse import unreadable
    from soapbuild.model.plan import PlanResult, parse_plan

    def read(file: Path, display: str, key: str | None) -> PlanResult:
        data = texts.get(key or "")
        if data is None:
            return PlanResult(display, None,
                              unreadable(display, "it is not staged any more").problems)
        return parse_plan(data, display, file.parent.name, key)

    return read


def staged_reader(texts: Mapping[str, bytes]) -> Callable[
        [Path, str, dict[str, NoteFormat], str | None], ParseResult]:
    """A note reader for :func:`soapbuild.checker.check_files` over the staged texts
    (workspace key -> bytes, read by :func:`read_objects`)."""
    from soapbuild.model.parse import parse_note, unreadable

    def read(file: Path, display: str, formats: dict[str, NoteFormat],
             key: str | None) -> ParseResult:
        data = texts.get(key or "")
        if data is None:
            return unreadable(display, "it is not staged any more")
        return parse_note(data, display, formats, key)

    return read
