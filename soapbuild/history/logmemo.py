"""The branch's note commits as the last run read them, so that a run reads only the new ones.

Every check in git reads the history of the notes folder (``git log --raw`` over it) to
know when each note locked; in a repository of 10,000 notes that is ~0.07 s of a
commit's hook, for commits that the last hook read already. The branch's commits (those
reachable from HEAD) are kept in the cache with the HEAD they were read at; a later run
whose HEAD descends from it reads ``KEPT..HEAD`` only (git decides the descent:
``merge-base --is-ancestor``), and one whose HEAD does not (an amended or rebased
branch) reads the whole log again. The reflog's commits are read every time: they are
few, and what they are changes with every amend.

The commits are the same whichever way they were read (each one's changes are its own
diff against its parent); :func:`soapbuild.history.timeline.timelines` orders them by
time, not by the order they come in. The entry is named by soapbuild's fingerprint, the
repository and the notes folder; a damaged or foreign entry reads as absent.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from soapbuild.cache.keys import package_fingerprint
from soapbuild.cache.pickles import dump, load
from soapbuild.cache.store import CacheRefused, Store
from soapbuild.history import git

KIND = "git-log"


def read_commits(paths: git.Paths, root: Path) -> list[git.Commit]:
    """:func:`soapbuild.history.git.read_commits`, reading only the branch's commits that
    the cache of the workspace at ``root`` does not hold yet."""
    head = git.head_id(paths.top)
    if head is None:  # no commit yet
        return []
    try:
        store = Store.open(root, KIND)
    except (CacheRefused, OSError):
        return git.read_commits(paths)
    try:
        name = hashlib.sha256("\0".join([package_fingerprint(), str(paths.top), paths.root,
                                         paths.notes]).encode()).hexdigest()
        branch, current = _branch(paths, head, load(store.read(name) or b""))
        if not current:
            store.write(name, dump((head, tuple(branch))))
    finally:
        store.close()
    return branch + git.reflog_commits(paths, head)


def _branch(paths: git.Paths, head: str, kept: object) -> tuple[list[git.Commit], bool]:
    """The commits reachable from ``head`` (the kept ones and those made since, or all), and
    whether the kept entry was read at ``head`` already (then it need not be written)."""
    if (isinstance(kept, tuple) and len(kept) == 2 and isinstance(kept[0], str)
            and isinstance(kept[1], tuple)
            and all(isinstance(commit, git.Commit) for commit in kept[1])):
        old, commits = kept
        if old == head:
            return list(commits), True
        if git.is_ancestor(paths.top, old, head):
            return git.branch_commits(paths, f"{old}..{head}") + list(commits), False
    return git.branch_commits(paths, head), False
