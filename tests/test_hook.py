"""The pre-commit hook (SPEC 5): ``soapbuild hook install`` and ``.pre-commit-hooks.yaml``.

The hook is tested the way a clinician meets it: a real ``git commit`` in a
real repository is stopped by a note with errors and lets a clean note through.
The pre-commit framework's manifest is tested with the real ``pre-commit``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from clean_note import note
from click.testing import CliRunner

from soapbuild.cli import main
from soapbuild.history.hook import BACKUP_NAME

REPO = Path(__file__).resolve().parents[1]
KEY = "notes/C-1042/2026-11-20.md"
NOW = "2026-11-21 20:00"
CLEAN = note()
BROKEN = note(clinician=None)


@pytest.fixture(autouse=True)
def _plain_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Git as on a fresh machine, with 'now' fixed for the checks the hook runs."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("SOAPBUILD_NOW", NOW)
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test Clinician")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "clinician@example.org")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test Clinician")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "clinician@example.org")
    for name in ("GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE"):
        monkeypatch.delenv(name, raising=False)


def git(repo: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["git", "-c", "commit.gpgsign=false", *args], cwd=repo,
                          capture_output=True, text=True, timeout=120, check=False)
    if ok:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "practice"
    (root / "notes" / "C-1042").mkdir(parents=True)
    (root / "soapbuild.toml").write_text('timezone = "America/New_York"\n', "utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "soapbuild.toml")
    git(root, "commit", "-q", "-m", "workspace")
    return root


def install(repo: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-C", str(repo), "hook", "install", *args])
    return result.exit_code, result.output


def test_install_writes_an_executable_sh_hook_that_runs_this_python(repo: Path) -> None:
    code, output = install(repo)
    hook = repo / ".git" / "hooks" / "pre-commit"
    assert code == 0, output
    assert "installed the pre-commit hook" in output and "pre-commit" in output
    text = hook.read_text("utf-8")
    assert text.startswith("#!/bin/sh\n")
    assert sys.executable in text and "-m soapbuild check --staged" in text
    assert "exec soapbuild check --staged" in text  # the fallback on PATH
    assert os.access(hook, os.X_OK)
    assert install(repo) == (0, f"{hook.resolve()}: the soapbuild hook is already installed; "
                                "nothing changed\n")


def test_the_hook_blocks_a_commit_of_a_note_with_errors(repo: Path) -> None:
    assert install(repo)[0] == 0
    (repo / KEY).write_text(BROKEN, "utf-8")
    git(repo, "add", KEY)
    done = git(repo, "commit", "-m", "broken note", ok=False)
    assert done.returncode != 0
    assert f"{KEY}:1:1: error F001 Required field 'clinician' is missing." in done.stderr
    assert git(repo, "rev-list", "--count", "HEAD").stdout.strip() == "1"  # nothing committed


def test_the_hook_commits_a_half_written_draft_and_not_a_submitted_note(repo: Path) -> None:
    """Drafts belong in git (issue 8): what only means "not finished yet" is a warning."""
    from test_drafts import DRAFT, SUBMITTED

    assert install(repo)[0] == 0
    (repo / KEY).write_text(DRAFT, "utf-8")
    git(repo, "add", KEY)
    done = git(repo, "commit", "-m", "draft, to finish tomorrow", ok=False)
    assert done.returncode == 0, done.stdout + done.stderr
    # The hook showed what is still to be written, as warnings.
    assert (f"{KEY}:11:4: warning S002 'Objective' is empty or holds only a placeholder. "
            "Draft: needed before 'soapbuild submit'.") in done.stderr
    assert f"{KEY}:13:4: warning S002 'Assessment'" in done.stderr
    assert f"{KEY}:13:1: warning S001 Section 'Plan' is missing" in done.stderr
    assert f"{KEY}:6:15: warning B001" in done.stderr
    assert "Checked 1 note: 4 warnings in 1 file." in done.stderr
    assert git(repo, "show", f"HEAD:{KEY}").stdout == DRAFT

    second = "notes/C-1042/2026-11-19.md"
    (repo / second).write_text(SUBMITTED.replace("2026-11-20", "2026-11-19"), "utf-8")
    git(repo, "add", second)
    refused = git(repo, "commit", "-m", "a submitted note missing a section", ok=False)
    assert refused.returncode != 0
    assert f"{second}:13:4: error S002 'Objective' is empty" in refused.stderr
    assert f"{second}:15:1: error S001 Section 'Plan' is missing" in refused.stderr
    assert "Draft:" not in refused.stderr
    assert git(repo, "rev-list", "--count", "HEAD").stdout.strip() == "2"  # not committed


def test_the_hook_lets_a_clean_note_through_despite_unstaged_errors(repo: Path) -> None:
    assert install(repo)[0] == 0
    (repo / KEY).write_text(CLEAN, "utf-8")
    git(repo, "add", KEY)
    (repo / KEY).write_text(BROKEN, "utf-8")  # not staged: not what is committed
    done = git(repo, "commit", "-m", "clean note", ok=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Checked 1 note" in done.stderr
    assert git(repo, "show", f"HEAD:{KEY}").stdout == CLEAN


def test_the_hook_checks_what_commit_a_commits(repo: Path) -> None:
    assert install(repo)[0] == 0
    (repo / KEY).write_text(CLEAN, "utf-8")
    git(repo, "add", KEY)
    git(repo, "commit", "-q", "-m", "clean")
    (repo / KEY).write_text(BROKEN, "utf-8")  # committed with -a: a temporary index
    done = git(repo, "commit", "-a", "-m", "break it", ok=False)
    assert done.returncode != 0 and "F001" in done.stderr


def test_an_existing_hook_is_kept_unless_forced(repo: Path) -> None:
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.parent.mkdir(parents=True, exist_ok=True)
    hook.write_text("#!/bin/sh\necho mine\n", "utf-8")
    code, output = install(repo)
    assert code == 2
    assert "a different pre-commit hook is already installed" in output and "--force" in output
    assert hook.read_text("utf-8") == "#!/bin/sh\necho mine\n"
    code, output = install(repo, "--force")
    assert code == 0, output
    backup = hook.parent / BACKUP_NAME
    assert backup.read_text("utf-8") == "#!/bin/sh\necho mine\n"
    assert "kept as a backup" in output and "replaced the pre-commit hook" in output
    assert "check --staged" in hook.read_text("utf-8")


def test_core_hooks_path_is_respected(repo: Path) -> None:
    git(repo, "config", "core.hooksPath", "githooks")
    code, output = install(repo)
    assert code == 0, output
    assert (repo / "githooks" / "pre-commit").is_file()
    assert not (repo / ".git" / "hooks" / "pre-commit").exists()
    (repo / KEY).write_text(BROKEN, "utf-8")
    git(repo, "add", KEY)
    assert git(repo, "commit", "-m", "broken", ok=False).returncode != 0


def test_a_workspace_below_the_top_is_checked_from_the_hook(tmp_path: Path) -> None:
    top = tmp_path / "office"
    ws = top / "practice"
    (ws / "notes" / "C-1042").mkdir(parents=True)
    (ws / "soapbuild.toml").write_text('timezone = "America/New_York"\n', "utf-8")
    git(top, "init", "-q", "-b", "main")
    assert install(ws)[0] == 0
    assert "-C practice check --staged" in (top / ".git" / "hooks" / "pre-commit").read_text()
    (ws / KEY).write_text(BROKEN, "utf-8")
    git(top, "add", "-A")
    done = git(top, "commit", "-m", "broken", ok=False)
    assert done.returncode != 0 and "F001" in done.stderr


def test_install_outside_git_is_a_usage_error(tmp_path: Path) -> None:
    ws = tmp_path / "plain"
    (ws / "notes").mkdir(parents=True)
    (ws / "soapbuild.toml").write_text('timezone = "America/New_York"\n', "utf-8")
    code, output = install(ws)
    assert code == 2 and "not in a git repository" in output


# --- the pre-commit framework ----------------------------------------------------------------

def test_the_manifest_declares_the_hook() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert hooks == [{
        "id": "soapbuild-check", "name": "soapbuild check",
        "description": hooks[0]["description"], "entry": "soapbuild check",
        "language": "python", "types": ["markdown"], "files": "^notes/",
        "pass_filenames": True, "require_serial": True}]


def _snapshot(target: Path) -> Path:
    """This repository's files as they are now (committed or not) in a new repository, so
    pre-commit installs the code under test, not the last commit."""
    listed = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True).stdout
    for raw in listed.split(b"\0"):
        name = os.fsdecode(raw)
        if not name or not (REPO / name).is_file():
            continue
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target / name)
    git(target, "init", "-q", "-b", "main")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "snapshot")
    return target


@pytest.mark.skipif(shutil.which("pre-commit") is None, reason="pre-commit is not installed")
def test_pre_commit_try_repo_reports_errors(repo: Path, tmp_path: Path) -> None:
    source = _snapshot(tmp_path / "soapbuild-src")
    (repo / KEY).write_text(BROKEN, "utf-8")
    (repo / "notes" / "C-1042" / "2026-11-13.md").write_text(
        note(session_date="2026-11-13 15:00"), "utf-8")
    git(repo, "add", "-A")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    done = subprocess.run(["pre-commit", "try-repo", str(source), "soapbuild-check",
                           "--files", KEY], cwd=repo, capture_output=True, text=True,
                          timeout=600, env=env, check=False)
    assert done.returncode != 0, done.stdout + done.stderr
    assert "soapbuild check" in done.stdout and "Failed" in done.stdout
    assert f"{KEY}:1:1: error F001 Required field 'clinician' is missing." in done.stdout
    clean = subprocess.run(["pre-commit", "try-repo", str(source), "soapbuild-check", "--files",
                            "notes/C-1042/2026-11-13.md"], cwd=repo, capture_output=True,
                           text=True, timeout=600, env=env, check=False)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout


# --- the hook sees the history (issue 12) ----------------------------------------------------

COPIED_SUBJECTIVE = """\
## Subjective
Client reported that the argument with her sister on Sunday left her tearful for most of the
evening and that she skipped two meals afterwards.

## Objective
Client was alert and oriented.

## Assessment
Client denies SI/HI; risk is low.

## Plan
Next session in one week.
"""
EARLIER = "notes/C-1042/2026-11-13.md"


def _committed_earlier_note(repo: Path) -> None:
    (repo / EARLIER).write_text(note(COPIED_SUBJECTIVE, session_date="2026-11-13 15:00",
                                     submitted="2026-11-14 09:00"), "utf-8")
    git(repo, "add", EARLIER)
    git(repo, "commit", "-q", "-m", "last week's note")


def test_the_hook_reports_a_note_copied_from_a_committed_one(repo: Path) -> None:
    _committed_earlier_note(repo)
    assert install(repo)[0] == 0
    (repo / KEY).write_text(note(COPIED_SUBJECTIVE), "utf-8")
    git(repo, "add", KEY)
    done = git(repo, "commit", "-m", "this week's note", ok=False)
    # copied text is a warning by default: reported, and the commit goes through
    assert done.returncode == 0, done.stdout + done.stderr
    assert (f"{KEY}:10:4: warning D001 This Subjective is 100% the same as the Subjective of "
            f"the same client's note of 2026-11-13 ({EARLIER}).") in done.stderr + done.stdout


def test_the_hook_refuses_a_note_copied_from_a_committed_one(repo: Path) -> None:
    (repo / "soapbuild.toml").write_text('timezone = "America/New_York"\n'
                                         '[rules.severity]\nD001 = "error"\n', "utf-8")
    git(repo, "commit", "-q", "-am", "copied notes are errors here")
    _committed_earlier_note(repo)
    assert install(repo)[0] == 0
    (repo / KEY).write_text(note(COPIED_SUBJECTIVE), "utf-8")
    git(repo, "add", KEY)
    done = git(repo, "commit", "-m", "this week's note", ok=False)
    assert done.returncode != 0
    assert f"{KEY}:10:4: error D001 This Subjective is 100% the same" in done.stderr
    assert git(repo, "rev-list", "--count", "HEAD").stdout.strip() == "3"  # not committed
    # written afresh, it goes through
    (repo / KEY).write_text(note(), "utf-8")
    git(repo, "add", KEY)
    assert git(repo, "commit", "-m", "this week's note", ok=False).returncode == 0


def test_the_hook_refuses_deleting_or_editing_a_locked_note(
        repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / KEY).write_text(CLEAN, "utf-8")
    git(repo, "add", KEY)
    git(repo, "commit", "-q", "-m", "the note, within its edit window")
    assert install(repo)[0] == 0
    monkeypatch.setenv("SOAPBUILD_NOW", "2026-11-27 12:00")  # it locked on 2026-11-22 09:00
    git(repo, "rm", "-q", KEY)
    done = git(repo, "commit", "-m", "delete it", ok=False)
    assert done.returncode != 0
    assert (f"{KEY}:1:1: error K002 The locked note of client C-1042, session of "
            "2026-11-20 15:00, was deleted from the index") in done.stderr
    git(repo, "reset", "-q", "--hard")
    moved = "notes/C-1042/renamed.md"
    git(repo, "mv", KEY, moved)
    (repo / moved).write_text(CLEAN.replace("six hours", "seven hours"), "utf-8")
    git(repo, "add", "-A")
    done = git(repo, "commit", "-m", "rename and edit", ok=False)
    assert done.returncode != 0 and f"{moved}:11:1: error K001" in done.stderr
    assert git(repo, "rev-list", "--count", "HEAD").stdout.strip() == "2"
