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
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from clean_note import note
from click.testing import CliRunner

from soapbuild.cli import main

ZONE = ZoneInfo("America/New_York")
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


def git(repo: Path, *args: str, at: str | None = None) -> str:
    """Run git; ``at`` ("2026-11-21 20:00", practice time) dates the commit it makes."""
    env = dict(os.environ)
    if at is not None:
        when = datetime.fromisoformat(at).replace(tzinfo=ZONE).isoformat()
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    done = subprocess.run(["git", "-c", "user.name=Test Clinician",
                           "-c", "user.email=clinician@example.org",
                           "-c", "commit.gpgsign=false", *args],
                          cwd=repo, capture_output=True, text=True, timeout=60, check=False,
                          env=env)
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


def commit(repo: Path, key: str, text: str, message: str = "note",
           at: str | None = None) -> None:
    write(repo, key, text)
    git(repo, "add", "--", key)
    git(repo, "commit", "-q", "-m", message, at=at)


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
    kept = [p.name for p in (repo / ".soapbuild").glob("*") if p.name != "cache"]
    assert kept == []  # in git, the history is the record (the cache is no record)


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
    # the hook weighs the addendum's date against the commit being made: now
    assert check(repo, "2026-11-26 12:00", "--staged")[:2] == (0, [])
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
    # no lock to compare with; the stamp is weighed against the commit being made (T008)
    assert check(root, LATER, "--staged")[:2] == (0, [(KEY, "T008")])
    assert check(root, "2026-11-22 08:00", "--staged")[:2] == (0, [])


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


# --- no way around the lock in git (issue 12) ----------------------------------------------

def findings(repo: Path, now: str, *args: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(main, ["-C", str(repo), "check", "--format", "json",
                                       "--now", now, *args])
    assert result.exit_code in (0, 1), result.output
    found: list[dict[str, object]] = json.loads(result.output)["findings"]
    return found


def test_k001_in_git_shows_the_change_against_the_commit(repo: Path) -> None:
    commit(repo, KEY, ORIGINAL, at=WITHIN)
    write(repo, KEY, EDITED)
    [found] = findings(repo, LATER)
    assert (found["code"], found["line"]) == ("K001", 17)
    assert found["detail"] == ("line 17 (Assessment):\n- Client denies SI/HI; risk is low.\n"
                               "+ Client denies SI/HI; risk is low; sleep is improving.")


def test_an_edit_committed_with_no_verify_is_k001_in_every_later_check(repo: Path) -> None:
    commit(repo, KEY, ORIGINAL, at=WITHIN)
    commit(repo, KEY, EDITED, "edit the locked note (the hook skipped)", at="2026-11-25 10:00")
    assert check(repo, LATER)[:2] == (1, [(KEY, "K001")])
    assert check(repo, "2027-03-01 12:00")[:2] == (1, [(KEY, "K001")])
    git(repo, "commit", "--allow-empty", "-q", "-m", "later", at="2026-11-26 10:00")
    assert check(repo, LATER)[:2] == (1, [(KEY, "K001")])


def test_an_amend_of_the_commit_that_held_the_original_is_k001(repo: Path) -> None:
    """Amending the very commit that held the note as it locked leaves no trace of the
    original on the branch, but the reflog still holds it."""
    commit(repo, KEY, ORIGINAL, at="2026-11-22 08:00")
    write(repo, KEY, EDITED)
    git(repo, "add", KEY)
    git(repo, "commit", "--amend", "-q", "--no-edit", at="2026-11-25 10:00")
    assert git(repo, "show", f"HEAD:{KEY}") == EDITED  # the branch only knows the edit
    assert check(repo, LATER)[:2] == (1, [(KEY, "K001")])
    _code, output = report(repo, LATER, "--history")
    assert "after locking: 2026-11-25 10:00 unauthorised (commit" in output


def test_renaming_and_editing_in_one_commit_keeps_the_lock(repo: Path) -> None:
    commit(repo, KEY, ORIGINAL, at=WITHIN)
    moved = "notes/C-1042/session-2026-11-20.md"
    git(repo, "mv", KEY, moved)
    write(repo, moved, EDITED)
    git(repo, "add", "-A")
    assert check(repo, LATER, "--staged")[:2] == (1, [(moved, "K001")])
    git(repo, "commit", "-q", "-m", "rename and edit", at="2026-11-25 10:00")
    assert check(repo, LATER)[:2] == (1, [(moved, "K001")])


def test_renaming_the_folder_keeps_the_lock(repo: Path) -> None:
    commit(repo, KEY, ORIGINAL, at=WITHIN)
    git(repo, "mv", "notes/C-1042", "notes/client-1042")
    moved = "notes/client-1042/2026-11-20.md"
    write(repo, moved, EDITED)
    assert check(repo, LATER)[:2] == (1, [(moved, "K001")])  # not committed yet
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "rename the folder", at="2026-11-25 10:00")
    assert check(repo, LATER)[:2] == (1, [(moved, "K001")])


def test_a_locked_note_deleted_in_a_commit_is_k002_until_restored(repo: Path) -> None:
    commit(repo, KEY, ORIGINAL, at=WITHIN)
    (repo / "notes" / ".keep").touch()  # the notes folder stays when its last note goes
    git(repo, "rm", "-q", KEY)
    assert check(repo, LATER, "--staged")[:2] == (1, [(KEY, "K002")])
    git(repo, "commit", "-q", "-m", "delete", at="2026-11-25 10:00")
    [found] = findings(repo, LATER)
    assert found["code"] == "K002" and found["path"] == KEY
    assert str(found["message"]).startswith(
        "The locked note of client C-1042, session of 2026-11-20 15:00, was deleted in commit ")
    assert "of 2026-11-25 10:00" in str(found["message"])
    result = CliRunner().invoke(main, ["-C", str(repo), "restore", KEY, "--now", LATER])
    assert result.exit_code == 0, result.output
    assert (repo / KEY).read_text("utf-8") == ORIGINAL
    assert check(repo, LATER)[:2] == (0, [])


def test_a_locked_note_deleted_in_git_can_be_retired(repo: Path) -> None:
    commit(repo, KEY, ORIGINAL, at=WITHIN)
    (repo / KEY).unlink()
    assert check(repo, LATER)[:2] == (1, [(KEY, "K002")])
    result = CliRunner().invoke(main, ["-C", str(repo), "retire", KEY, "--reason",
                                       "Duplicate of the 15:00 note", "--now", LATER])
    assert result.exit_code == 0, result.output
    assert check(repo, LATER)[:2] == (0, [])
    git(repo, "add", "-A")
    assert check(repo, LATER, "--staged")[:2] == (0, [])  # the staged seal file retires it


def test_the_seal_file_committed_in_head_cannot_be_lost(repo: Path) -> None:
    commit(repo, KEY, ORIGINAL, at=WITHIN)
    (repo / KEY).unlink()
    CliRunner().invoke(main, ["-C", str(repo), "retire", KEY, "--reason", "Duplicate",
                              "--now", LATER])
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "retire", at="2026-11-25 10:00")
    (repo / ".soapbuild" / "seals.json").unlink()
    code, _, output = check(repo, LATER)
    assert code == 2 and "no longer begins with the entries committed in HEAD" in output
    git(repo, "rm", "-q", "--cached", ".soapbuild/seals.json")
    code, _, output = check(repo, LATER, "--staged")
    assert code == 2 and "(staged)" in output


# --- the dates against the repository -------------------------------------------------------

ADDENDUM_FOR = """
## Addendum {date}
Author: Jordan Rivera, LCSW
Reason: Client called to report a medication change.
Client started sertraline 50 mg on 2026-11-19, prescribed by the primary care physician.
"""


def test_an_addendum_committed_after_the_lock_is_not_dated_before_it(repo: Path) -> None:
    commit(repo, KEY, ORIGINAL, at=WITHIN)
    commit(repo, KEY, ORIGINAL + ADDENDUM_FOR.format(date="2026-11-21 21:00"),
           at="2026-11-22 10:00")
    assert check(repo, LATER)[:2] == (1, [(KEY, "A007")])


def test_a_back_dated_addendum_is_a008_in_git(repo: Path) -> None:
    commit(repo, KEY, ORIGINAL, at=WITHIN)
    amended = ORIGINAL + ADDENDUM_FOR.format(date="2026-11-23 10:00")
    commit(repo, KEY, amended, at="2026-11-26 16:00")  # 78 hours after its date
    [found] = findings(repo, LATER)
    assert (found["code"], found["severity"], found["line"]) == ("A008", "warning", 22)
    assert found["message"] == ("The addendum is dated 2026-11-23 10:00, but it entered the "
                                "repository only on 2026-11-26 16:00, 78 h later: it may be "
                                "back-dated.")
    # within the tolerance it is not
    (repo / "soapbuild.toml").write_text('timezone = "America/New_York"\n'
                                         "[history]\ntolerance_hours = 96\n", "utf-8")
    assert check(repo, LATER)[:2] == (0, [])


def test_an_addendum_is_weighed_against_the_commit_being_made(repo: Path) -> None:
    commit(repo, KEY, ORIGINAL, at=WITHIN)
    write(repo, KEY, ORIGINAL + ADDENDUM_FOR.format(date="2026-11-23 10:00"))
    git(repo, "add", KEY)
    assert check(repo, LATER, "--staged")[:2] == (0, [(KEY, "A008")])
    assert check(repo, "2026-11-23 12:00", "--staged")[:2] == (0, [])
    assert check(repo, LATER)[:2] == (0, [])  # not committed yet: nothing to weigh


def test_a_stamp_earlier_than_its_commit_is_t008(repo: Path) -> None:
    commit(repo, KEY, ORIGINAL, at="2026-11-25 10:00")  # stamped 2026-11-21 09:00
    [found] = findings(repo, LATER)
    assert (found["code"], found["severity"], found["line"], found["column"]) == (
        "T008", "warning", 6, 12)
    assert found["message"] == ("Submitted 2026-11-21 09:00, but the note entered the "
                                "repository submitted only on 2026-11-25 10:00 EST, 97 h 0 min "
                                "(4.0 days) later; the stamp cannot be trusted.")
    # a stamp that agrees with its commit, or a commit after "now", says nothing
    assert check(repo, "2026-11-24 12:00")[:2] == (0, [])


def test_the_commit_decides_timeliness_when_the_setting_says_so(repo: Path) -> None:
    late = note(session_date="2026-11-20 15:00", submitted="2026-11-21 09:00")
    commit(repo, KEY, late, at="2026-11-26 10:00")  # the deadline was 2026-11-23 15:00
    assert check(repo, LATER)[:2] == (0, [(KEY, "T008")])
    assert _row(repo)["timeliness"] == "on_time"
    (repo / "soapbuild.toml").write_text('timezone = "America/New_York"\n'
                                         '[history]\ntimeliness = "commit"\n', "utf-8")
    _code, found, output = check(repo, LATER)
    assert sorted(found) == [(KEY, "T003"), (KEY, "T008")]
    assert "Timeliness is judged by the commit." in output
    row = _row(repo)
    assert (row["timeliness"], row["hours_late"]) == ("late", 67.0)


def _row(repo: Path) -> dict[str, object]:
    result = CliRunner().invoke(main, ["-C", str(repo), "report", "--format", "json",
                                       "--now", LATER])
    row: dict[str, object] = json.loads(result.output)["sessions"][0]
    return row


def test_an_import_dates_nothing(repo: Path) -> None:
    commit(repo, KEY, ORIGINAL, "import the practice's notes", at="2026-11-25 10:00")
    assert check(repo, LATER)[:2] == (0, [(KEY, "T008")])
    (repo / "soapbuild.toml").write_text('timezone = "America/New_York"\n'
                                         "history.imported_until = 2026-11-25\n", "utf-8")
    assert check(repo, LATER)[:2] == (0, [])
    _code, output = report(repo, LATER, "--history")
    assert "entered 2026-11-25 10:00 (import)" in output


# --- the history report -------------------------------------------------------------------

def report(repo: Path, now: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-C", str(repo), "report", "--now", now, *args])
    return result.exit_code, result.output


def test_report_history_tells_each_notes_past(repo: Path) -> None:
    import jsonschema

    draft = note(submitted=None)
    commit(repo, KEY, draft, "draft", at="2026-11-20 18:00")
    commit(repo, KEY, ORIGINAL, "submitted", at="2026-11-21 09:05")
    commit(repo, KEY, EDITED, "fix a typo within the window", at="2026-11-21 20:00")
    commit(repo, KEY, EDITED + ADDENDUM, "addendum", at="2026-11-26 10:30")
    commit(repo, KEY, EDITED.replace("six", "seven") + ADDENDUM, "an edit after the lock",
           at="2026-11-27 09:00")
    code, output = report(repo, LATER, "--history")
    assert code == 0
    block = output.split("History (", 1)[1].splitlines()[1:]
    assert block[0] == f"  {KEY}"
    assert block[1:] == [
        "    entered 2026-11-20 18:00",
        "    stamp agrees with its commit",
        f"    after submission: 2026-11-21 20:00 edited (commit {_id(repo, 'fix a typo')})",
        f"    after locking: 2026-11-26 10:30 addenda (commit {_id(repo, 'addendum')})",
        f"    after locking: 2026-11-27 09:00 unauthorised (commit {_id(repo, 'an edit')})",
        "    addendum Addendum 2026-11-26 10:00 (committed 2026-11-26 10:30)"]
    document = json.loads(report(repo, LATER, "--history", "--format", "json")[1])
    schema = json.loads((Path(__file__).parents[1] / "soapbuild" / "schemas" /
                         "report-v2.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator(schema).validate(document)
    [row] = document["history"]
    assert (row["entered"], row["stamp"]) == ("2026-11-20T18:00:00-05:00", "agrees")
    assert [c["kind"] for c in row["changes_after_lock"]] == ["addenda", "unauthorised"]
    assert "history" not in json.loads(report(repo, LATER, "--format", "json")[1])
    csv_text = report(repo, LATER, "--history", "--format", "csv")[1]
    header, line = csv_text.splitlines()[:2]
    assert header.endswith(",entered,stamp,changes_after_submission,changes_after_lock,addenda")
    assert "unauthorised (commit" in line


def _id(repo: Path, subject: str) -> str:
    return git(repo, "log", "--format=%h", f"--grep={subject}", "-n", "1").strip()


def test_the_hook_judges_the_deletions_of_this_commit_a_full_check_all(repo: Path) -> None:
    commit(repo, KEY, ORIGINAL, at=WITHIN)
    (repo / "notes" / ".keep").touch()
    git(repo, "rm", "-q", KEY)
    git(repo, "commit", "-q", "-m", "deleted with --no-verify", at="2026-11-25 10:00")
    other = "notes/C-2000/2026-11-26.md"
    write(repo, other, note(client="C-2000", session_date="2026-11-26 15:00",
                            submitted="2026-11-27 09:00"))
    git(repo, "add", other)
    assert check(repo, LATER, "--staged")[:2] == (0, [])  # this commit deletes nothing
    assert check(repo, LATER)[:2] == (1, [(KEY, "K002")])  # the practice still must act


@pytest.mark.parametrize(("line", "message"), [
    ('history.timeliness = "sometimes"', "'history.timeliness' must be \"stamp\" or \"commit\""),
    ("history.tolerance_hours = -1", "'history.tolerance_hours' must be a number of hours"),
    ('history.imported_until = "last year"', "'history.imported_until' must be a date"),
    ("history.imported = 2026-11-25", "'history.imported' is not a setting; did you mean "
                                      "'history.imported_until'?"),
])
def test_history_settings_are_checked(repo: Path, line: str, message: str) -> None:
    (repo / "soapbuild.toml").write_text('timezone = "America/New_York"\n' + line + "\n",
                                         "utf-8")
    code, _, output = check(repo, LATER)
    assert code == 2 and message in output, output


SUBJECTIVE = ("## Subjective\nClient reported that the argument with her sister on Sunday left "
              "her tearful for most of the evening and that she skipped two meals afterwards. "
              "Client described sleeping about five hours a night since then, waking at four "
              "and lying awake until the alarm, and said the worksheet helped on two evenings.\n"
              "\n## Objective\nClient was alert and oriented.\n\n## Assessment\nClient denies "
              "SI/HI; risk is low.\n\n## Plan\nNext session in one week.\n")


@pytest.mark.parametrize(("client", "change", "found"), [
    ("C-1042", lambda t: t, True),
    ("C-1042", lambda t: t.replace("two meals", "three meals"), True),  # one word changed
    ("C-2000", lambda t: t, True),  # another client's note
    ("C-1042", lambda t: t.replace("the argument with her sister on Sunday left her tearful",
                                   "a quiet week at work left her rested"), False),
], ids=["same", "one-word", "other-client", "rewritten"])
def test_staged_notes_are_compared_with_the_committed_ones(repo: Path, client: str,
                                                           change: Any, found: bool) -> None:
    """check --staged finds what a full check finds, against the committed notes."""
    earlier = "notes/C-1042/2026-11-13.md"
    commit(repo, earlier, note(SUBJECTIVE, session_date="2026-11-13 15:00",
                               submitted="2026-11-14 09:00"), at="2026-11-14 09:10")
    for index in range(5):  # other committed notes, not copies
        commit(repo, f"notes/C-3{index:03d}/2026-11-1{index}.md",
               note(client=f"C-3{index:03d}", session_date=f"2026-11-1{index} 10:00",
                    submitted=f"2026-11-1{index} 12:00"), at=f"2026-11-1{index} 12:05")
    key = f"notes/{client}/2026-11-20.md"
    write(repo, key, note(change(SUBJECTIVE), client=client))
    git(repo, "add", key)
    expected = (0, [(key, "D001")] if found else [])
    assert check(repo, WITHIN, "--staged")[:2] == expected
    assert check(repo, WITHIN)[:2] == expected
