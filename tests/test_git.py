"""Git integration (SPEC 4.3 and 5): ``check --staged`` and the git lock baseline.

Every test works in a real git repository in a temporary folder, with real
commits, through the real CLI. ``check --staged`` reads the index, not the
working tree; in a git repository a locked note is compared with its last
committed version, and a seal already recorded in ``.soapbuild/seals.json``
still wins where the committed text breaks it.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from clean_note import note
from click.testing import CliRunner

from soapbuild.cli import main

KEY = "notes/C-1042/2026-11-20.md"
WITHIN = "2026-11-21 20:00"  # inside the edit window (submitted 11-21 09:00, locks 11-22 09:00)
LATER = "2026-11-27 12:00"
ORIGINAL = note()
EDITED = ORIGINAL.replace("risk is low.", "risk is low; sleep is improving.")
BROKEN = note(clinician=None)  # F001: the required field 'clinician' is missing
ADDENDUM = """
## Addendum 2026-11-26 10:00
Author: Jordan Rivera, LCSW
Reason: Client called to report a medication change.
Client started sertraline 50 mg on 2026-11-19, prescribed by the primary care physician.
"""


@pytest.fixture(autouse=True)
def _plain_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Git as on a fresh machine: no user or system configuration, no hook environment."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE", "SOAPBUILD_NOW"):
        monkeypatch.delenv(name, raising=False)


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=Test Clinician",
                           "-c", "user.email=clinician@example.org",
                           "-c", "commit.gpgsign=false", *args],
                          cwd=repo, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def repository(root: Path) -> Path:
    """A git repository holding a workspace with an empty C-1042 folder."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    (root / "soapbuild.toml").write_text('timezone = "America/New_York"\n', "utf-8")
    (root / "notes" / "C-1042").mkdir(parents=True)
    git(root, "add", "soapbuild.toml")
    git(root, "commit", "-q", "-m", "workspace")
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return repository(tmp_path / "practice")


def write(repo: Path, key: str, text: str) -> Path:
    path = repo / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def commit(repo: Path, key: str, text: str, message: str = "note") -> None:
    write(repo, key, text)
    git(repo, "add", "--", key)
    git(repo, "commit", "-q", "-m", message)


def check(repo: Path, now: str, *args: str) -> tuple[int, list[tuple[str, str]], str]:
    """Run ``check --format json``: the exit code, (path, code) of each finding, the output."""
    result = CliRunner().invoke(main, ["-C", str(repo), "check", "--format", "json",
                                       "--now", now, *args])
    if result.exit_code == 2:
        return 2, [], result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    data = json.loads(result.output)
    return result.exit_code, [(f["path"], f["code"]) for f in data["findings"]], result.output


# --- check --staged -------------------------------------------------------------------------

def test_staged_clean_note_passes_whatever_the_working_tree_holds(repo: Path) -> None:
    write(repo, KEY, ORIGINAL)
    git(repo, "add", KEY)
    write(repo, KEY, BROKEN)  # an unstaged edit: not what is being committed
    assert check(repo, WITHIN, "--staged")[:2] == (0, [])
    assert check(repo, WITHIN)[:2] == (1, [(KEY, "F001")])  # the working tree is broken


def test_staged_broken_note_fails_though_the_working_tree_is_clean(repo: Path) -> None:
    write(repo, KEY, BROKEN)
    git(repo, "add", KEY)
    write(repo, KEY, ORIGINAL)
    code, found, output = check(repo, WITHIN, "--staged")
    assert (code, found) == (1, [(KEY, "F001")])
    assert json.loads(output)["files"] == [KEY]
    assert check(repo, WITHIN)[:2] == (0, [])


def test_staged_checks_only_staged_notes(repo: Path) -> None:
    commit(repo, "notes/C-1042/2026-11-13.md",
           note(clinician=None, session_date="2026-11-13 15:00"))
    write(repo, "notes/C-1042/2026-11-27.md", BROKEN)  # untracked, not staged
    write(repo, KEY, ORIGINAL)
    write(repo, "README.md", "# Practice\n")  # staged, but not a note
    write(repo, "notes/C-1042/scan.txt", "not a note\n")  # staged, not Markdown
    git(repo, "add", KEY, "README.md", "notes/C-1042/scan.txt")
    code, found, output = check(repo, WITHIN, "--staged")
    assert (code, found) == (0, [])
    assert json.loads(output)["files"] == [KEY]


def test_staged_with_nothing_staged_checks_nothing(repo: Path) -> None:
    code, found, output = check(repo, WITHIN, "--staged")
    assert (code, found, json.loads(output)["files"]) == (0, [], [])


def test_staged_names_with_spaces_and_accents(repo: Path) -> None:
    key = "notes/C-1042 Zoë/séance du 20.md"
    write(repo, key, BROKEN)
    git(repo, "add", "--", key)
    assert check(repo, WITHIN, "--staged")[:2] == (1, [(key, "F001")])


def test_paths_limit_the_staged_notes(repo: Path) -> None:
    other = "notes/C-2000/2026-11-20.md"
    write(repo, KEY, BROKEN)
    write(repo, other, note(client="C-2000", clinician=None))
    git(repo, "add", "notes")
    assert check(repo, WITHIN, "--staged", "notes/C-2000")[:2] == (1, [(other, "F001")])
    assert check(repo, WITHIN, "--staged", KEY)[:2] == (1, [(KEY, "F001")])
    code, found, _ = check(repo, WITHIN, "--staged")
    assert (code, sorted(found)) == (1, sorted([(KEY, "F001"), (other, "F001")]))


def test_staged_from_a_workspace_below_the_repository_top(tmp_path: Path) -> None:
    top = tmp_path / "office"
    top.mkdir()
    git(top, "init", "-q", "-b", "main")
    ws = top / "practice"
    (ws / "notes" / "C-1042").mkdir(parents=True)
    (ws / "soapbuild.toml").write_text('timezone = "America/New_York"\n', "utf-8")
    write(ws, KEY, BROKEN)
    write(top, "notes/C-1042/elsewhere.md", BROKEN)  # outside the workspace's notes folder
    git(top, "add", "-A")
    assert check(ws, WITHIN, "--staged")[:2] == (1, [(KEY, "F001")])


def test_staged_outside_git_is_a_usage_error(tmp_path: Path) -> None:
    ws = tmp_path / "plain"
    (ws / "notes").mkdir(parents=True)
    (ws / "soapbuild.toml").write_text('timezone = "America/New_York"\n', "utf-8")
    code, _, output = check(ws, WITHIN, "--staged")
    assert code == 2
    assert "--staged" in output and "not in a git repository" in output


# --- the git lock baseline -------------------------------------------------------------------

def test_locked_note_edited_after_its_commit_is_K001(repo: Path) -> None:
    commit(repo, KEY, ORIGINAL)
    write(repo, KEY, EDITED)
    code, found, output = check(repo, LATER)
    assert (code, found) == (1, [(KEY, "K001")])
    assert "locked on 2026-11-22 09:00" in output
    assert not (repo / ".soapbuild").exists()  # in git, the history is the record


def test_unchanged_locked_note_passes(repo: Path) -> None:
    commit(repo, KEY, ORIGINAL)
    assert check(repo, LATER)[:2] == (0, [])
    assert check(repo, LATER, "--staged")[:2] == (0, [])


def test_staged_edit_of_a_locked_note_is_K001_against_HEAD(repo: Path) -> None:
    commit(repo, KEY, ORIGINAL)
    write(repo, KEY, EDITED)
    git(repo, "add", KEY)
    write(repo, KEY, ORIGINAL)  # the working tree was restored, the index was not
    assert check(repo, LATER, "--staged")[:2] == (1, [(KEY, "K001")])
    assert check(repo, LATER)[:2] == (0, [])


def test_appended_addendum_is_accepted_and_then_protected(repo: Path) -> None:
    commit(repo, KEY, ORIGINAL)
    write(repo, KEY, ORIGINAL + ADDENDUM)
    git(repo, "add", KEY)
    assert check(repo, LATER)[:2] == (0, [])
    assert check(repo, LATER, "--staged")[:2] == (0, [])
    git(repo, "commit", "-q", "-m", "addendum")
    write(repo, KEY, ORIGINAL + ADDENDUM.replace("50 mg", "100 mg"))
    assert check(repo, LATER)[:2] == (1, [(KEY, "K001")])


def test_edits_within_the_edit_window_are_allowed(repo: Path) -> None:
    commit(repo, KEY, ORIGINAL)
    write(repo, KEY, EDITED)
    assert check(repo, WITHIN)[:2] == (0, [])


def test_a_committed_draft_is_no_baseline(repo: Path) -> None:
    """Submitting and editing a note whose committed version is a draft is no lock breach,
    even once the new 'submitted' puts it past its window: the committed header decides."""
    commit(repo, KEY, note(submitted=None))
    write(repo, KEY, EDITED)
    assert check(repo, LATER)[:2] == (0, [])


def test_a_note_committed_only_after_it_locked_is_protected_from_then(repo: Path) -> None:
    write(repo, KEY, EDITED)  # edited freely before the first commit: nothing to compare
    assert check(repo, LATER)[:2] == (0, [])
    git(repo, "add", KEY)
    git(repo, "commit", "-q", "-m", "late first commit")
    write(repo, KEY, ORIGINAL)
    assert check(repo, LATER)[:2] == (1, [(KEY, "K001")])


def test_a_new_note_has_no_baseline_before_the_first_commit(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    (root / "notes" / "C-1042").mkdir(parents=True)
    (root / "soapbuild.toml").write_text('timezone = "America/New_York"\n', "utf-8")
    git(root, "init", "-q", "-b", "main")  # no commit at all: HEAD does not exist yet
    write(root, KEY, EDITED)
    git(root, "add", KEY)
    assert check(root, LATER)[:2] == (0, [])
    assert check(root, LATER, "--staged")[:2] == (0, [])


def _sealed_repo(repo: Path) -> bytes:
    """Seal the note outside git, then commit the note and the seal file: a practice
    that moved its notes into git. Returns the seal file's bytes."""
    plain = repo.parent / "before-git"
    (plain / "notes" / "C-1042").mkdir(parents=True)
    (plain / "soapbuild.toml").write_text('timezone = "America/New_York"\n', "utf-8")
    write(plain, KEY, ORIGINAL)
    assert check(plain, LATER)[:2] == (0, [])
    seal_file = (plain / ".soapbuild" / "seals.json").read_bytes()
    write(repo, ".soapbuild/seals.json", seal_file.decode("utf-8"))
    git(repo, "add", ".soapbuild/seals.json")
    commit(repo, KEY, ORIGINAL)
    return seal_file


def test_a_recorded_seal_wins_over_an_edit_that_was_committed(repo: Path) -> None:
    seal_file = _sealed_repo(repo)
    commit(repo, KEY, EDITED, "edit a locked note")  # HEAD alone would see no change now
    assert check(repo, LATER)[:2] == (1, [(KEY, "K001")])
    assert check(repo, LATER, "--staged")[:2] == (0, [])  # nothing staged
    assert (repo / ".soapbuild" / "seals.json").read_bytes() == seal_file  # never rewritten


def test_a_committed_addendum_extends_a_recorded_seal(repo: Path) -> None:
    _sealed_repo(repo)
    commit(repo, KEY, ORIGINAL + ADDENDUM, "addendum")
    assert check(repo, LATER)[:2] == (0, [])
    write(repo, KEY, ORIGINAL + ADDENDUM.replace("50 mg", "100 mg"))
    assert check(repo, LATER)[:2] == (1, [(KEY, "K001")])


def test_the_sample_practice_still_reports_its_committed_lock_breach() -> None:
    """The repository's own notes/C-1085/2026-11-10.md was edited after its seal and the
    edit is committed: the seal in .soapbuild/seals.json still reports it."""
    repo = Path(__file__).resolve().parents[1]
    if subprocess.run(["git", "-C", str(repo), "rev-parse"], capture_output=True,
                      check=False).returncode != 0:
        pytest.skip("not a git checkout")
    code, found, _ = check(repo, "2026-11-28 12:00", "notes/C-1085/2026-11-10.md")
    assert code == 1 and ("notes/C-1085/2026-11-10.md", "K001") in found
    assert os.path.exists(repo / ".soapbuild" / "seals.json")
