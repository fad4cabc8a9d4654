"""The branch's note commits kept between runs (soapbuild/history/logmemo.py, issue 15).

In real git repositories: after every kind of history change (a new commit, a rename, a
merge of a side branch, an amend, a reset, a rebase) the kept-and-extended commits give
exactly the timelines that reading the whole log gives, and a run whose HEAD did not
move reads nothing but the reflog.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from clean_note import note
from test_git import _plain_git, commit, git, repository  # noqa: F401 (autouse fixture)

from soapbuild.commands.common import workspace_settings
from soapbuild.history import git as gitlib
from soapbuild.history import logmemo
from soapbuild.history.ledger import ledger_paths
from soapbuild.history.timeline import timelines

KEY = "notes/C-1042/2026-11-20.md"
OTHER = "notes/C-1042/2026-11-13.md"


def _paths(repo: Path) -> gitlib.Paths:
    settings = workspace_settings(repo)
    top = gitlib.toplevel(repo)
    assert top is not None
    return ledger_paths(settings, top)


def _agree(repo: Path) -> list[gitlib.Commit]:
    """Read through the cache, and assert it is what the whole log says."""
    paths = _paths(repo)
    kept = logmemo.read_commits(paths, repo)
    whole = gitlib.read_commits(paths)
    assert sorted(c.id for c in kept) == sorted(c.id for c in whole)
    assert {c.id: c for c in kept} == {c.id: c for c in whole}
    assert timelines(kept) == timelines(whole)
    return kept


def test_every_kind_of_history_change_reads_what_the_whole_log_reads(tmp_path: Path) -> None:
    repo = repository(tmp_path / "practice")
    assert logmemo.read_commits(_paths(repo), repo) == []  # no note committed yet
    commit(repo, KEY, note(), at="2026-11-21 09:30")
    first = _agree(repo)
    commit(repo, OTHER, note(session_date="2026-11-13"), at="2026-11-21 10:00")
    assert len(_agree(repo)) == len(first) + 1  # one commit read beside the kept ones
    git(repo, "mv", OTHER, "notes/C-1042/2026-11-14.md")
    git(repo, "commit", "-q", "-m", "rename", at="2026-11-21 11:00")
    _agree(repo)
    git(repo, "switch", "-q", "-c", "side", "HEAD~1")
    commit(repo, "notes/C-1042/2026-11-06.md", note(session_date="2026-11-06"),
           at="2026-11-21 10:30")
    git(repo, "switch", "-q", "main")
    git(repo, "merge", "-q", "--no-edit", "side", at="2026-11-21 12:00")
    _agree(repo)
    commit(repo, KEY, note().replace("risk is low.", "risk is low; sleeping better."),
           at="2026-11-21 13:00")
    _agree(repo)
    git(repo, "commit", "-q", "--amend", "-m", "amended", at="2026-11-21 13:05")
    _agree(repo)  # HEAD no longer descends from the kept one: the whole log again
    git(repo, "reset", "-q", "--hard", "HEAD~2")
    _agree(repo)
    git(repo, "rebase", "-q", "--onto", "HEAD~1", "HEAD~1", "side")
    _agree(repo)


def _logs_run(trace: Path) -> list[str]:
    """The ``git log`` commands git traced (GIT_TRACE), one line each."""
    lines = trace.read_text("utf-8").splitlines() if trace.exists() else []
    return [line for line in lines if "built-in: git log" in line]


def test_an_unmoved_head_reads_only_the_reflog(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    repo = repository(tmp_path / "practice")
    commit(repo, KEY, note(), at="2026-11-21 09:30")
    first = _agree(repo)
    trace = tmp_path / "trace"
    monkeypatch.setenv("GIT_TRACE", str(trace))
    assert logmemo.read_commits(_paths(repo), repo) == first
    logs = _logs_run(trace)
    assert len(logs) == 1 and "--reflog" in logs[0]  # nothing of the branch read again
    trace.unlink()
    commit(repo, OTHER, note(session_date="2026-11-13"), at="2026-11-21 10:00")
    logmemo.read_commits(_paths(repo), repo)
    ranges = [line for line in _logs_run(trace) if ".." in line]
    assert len(ranges) == 1  # the new commit only: KEPT..HEAD


def test_a_damaged_entry_reads_the_whole_log(tmp_path: Path) -> None:
    repo = repository(tmp_path / "practice")
    commit(repo, KEY, note(), at="2026-11-21 09:30")
    _agree(repo)
    folder = repo / ".soapbuild" / "cache" / logmemo.KIND
    [entry] = [p for p in folder.iterdir() if not p.name.startswith(".")]
    entry.write_bytes(entry.read_bytes()[:-7])
    _agree(repo)
