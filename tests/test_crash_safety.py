"""Crash safety (issue 16, deliverable 3): SIGKILL at random moments, a full disk, a
read-only output folder; nothing the user wrote is lost, and the next run is correct.

The kills run in tests/crash/killer.py (forked children of one driver process, a
fixed seed); the resource limits in real ``python -m soapbuild`` subprocesses.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import tally
from conftest import staging_folders
from validators import without_root_override

from soapbuild.render import swap

KILLER = Path(__file__).parent / "crash" / "killer.py"
SEED = 16
TRIALS = {"build": 28, "submit": 24, "cosign": 24, "fix": 24, "check": 12}  # kills to land
NOW = "2026-11-27 12:00"


def test_sigkill_at_random_moments_loses_nothing(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"folder": str(tmp_path), "seed": SEED, "trials": TRIALS}),
                    "utf-8")
    results_file = tmp_path / "results.json"
    done = subprocess.run([sys.executable, str(KILLER), str(plan), str(results_file)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(results_file.read_text("utf-8"))
    killed = [r for r in results if r["killed"]]
    tally.add("kill points", len(killed))
    failed = [r for r in results if r["problems"]]
    assert not failed, "\n".join(f"{r['command']} killed at {r['delay']} s: {r['problems']}"
                                  for r in failed)
    assert len(killed) >= 100, f"only {len(killed)} of {len(results)} kills hit a running command"
    for command in TRIALS:  # every command was killed, and its next run checked
        assert any(r["killed"] and r["command"] == command for r in results), command
        assert any(r["next_run"] and r["command"] == command for r in results), command


def files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def soapbuild(root: Path, *args: str, limit: int | None = None,
              wrap: Callable[[list[str]], list[str]] = list) -> subprocess.CompletedProcess[str]:
    """``python -m soapbuild -C root ARGS``; with ``limit``, no file it writes may grow past
    that many bytes (RLIMIT_FSIZE: the disk is full for it), and the write fails with
    EFBIG instead of the signal that would kill the process."""
    def full_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(wrap([sys.executable, "-m", "soapbuild", "-C", str(root), *args,
                                "--now", NOW]),
                          capture_output=True, text=True, timeout=180, check=False,
                          preexec_fn=full_disk, env={**os.environ, "NO_COLOR": "1"})


def practice(root: Path, make_note: Callable[..., str]) -> Path:
    (root / "notes" / "C-1").mkdir(parents=True)
    (root / "soapbuild.toml").write_text('timezone = "America/New_York"\n', "utf-8")
    for day in (18, 19, 20):
        (root / "notes" / "C-1" / f"2026-11-{day}.md").write_text(
            make_note(client="C-1", session_date=f"2026-11-{day} 15:00"), "utf-8")
    (root / "notes" / "C-1" / "draft.md").write_text(
        make_note(client="C-1", session_date="2026-11-26 15:00", submitted=None), "utf-8")
    done = soapbuild(root, "build", "--no-pdf")
    assert done.returncode == 0, done.stderr
    changed = root / "notes" / "C-1" / "2026-11-20.md"  # so that the next build has work
    changed.write_text(changed.read_text("utf-8").replace("five hours", "four hours"), "utf-8")
    return root


def test_a_full_disk_stops_build_and_submit_with_a_message_and_loses_nothing(
        tmp_path: Path, make_note: Callable[..., str]) -> None:
    root = practice(tmp_path / "practice", make_note)
    notes, output = files(root / "notes"), files(root / "output")
    built = soapbuild(root, "build", "--no-pdf", limit=4096)
    assert built.returncode == 2 and "Traceback" not in built.stderr, built.stderr
    assert "File too large" in built.stderr, built.stderr
    assert files(root / "notes") == notes and files(root / "output") == output
    assert not staging_folders(root)
    submitted = soapbuild(root, "submit", "notes/C-1/draft.md", "--as", "Jordan Rivera, LCSW",
                          limit=64)
    assert submitted.returncode == 2 and "Traceback" not in submitted.stderr
    assert "cannot write the file (File too large" in submitted.stdout + submitted.stderr
    assert files(root / "notes") == notes  # and no temporary file is left beside the note
    assert sorted(os.listdir(root / "notes" / "C-1")) == sorted(
        p.name for p in (root / "notes" / "C-1").iterdir() if not p.name.startswith("."))
    again = soapbuild(root, "build", "--no-pdf")  # the disk has room again
    assert again.returncode == 0 and "rendered" in again.stdout, again.stderr


@pytest.mark.needs("read-only")
def test_a_read_only_output_folder_stops_the_build_with_a_message(
        tmp_path: Path, make_note: Callable[..., str]) -> None:
    root = practice(tmp_path / "practice", make_note)
    notes, output = files(root / "notes"), files(root / "output")
    folders = [root / "output", *(p for p in (root / "output").rglob("*") if p.is_dir())]
    for folder in folders:
        folder.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP)
    try:
        built = soapbuild(root, "build", "--no-pdf", wrap=without_root_override)
    finally:
        for folder in folders:
            folder.chmod(0o755)
    assert built.returncode == 2 and "Traceback" not in built.stderr, built.stderr
    assert "cannot write the output" in built.stderr and "Permission denied" in built.stderr
    assert "previous output is unchanged" in built.stderr
    assert files(root / "notes") == notes and files(root / "output") == output
    shutil.rmtree(root / "output" / ".staging-x", ignore_errors=True)
    again = soapbuild(root, "build", "--no-pdf")
    assert again.returncode == 0, again.stderr


def test_a_seal_log_stopped_before_it_is_written_leaves_no_original_that_calls_it_lost(
        tmp_path: Path, make_note: Callable[..., str]) -> None:
    """The first check of a practice keeps each locked note's original and logs its seal. A
    kill between the two (found by the kills of ``check`` above) once left originals that
    no seal named, and every later check stopped: "the seals were lost". Here the disk
    fills between the two: the original (a few hundred bytes) fits, the log does not."""
    root = tmp_path / "practice"
    (root / "notes" / "C-1").mkdir(parents=True)
    (root / "soapbuild.toml").write_text('timezone = "America/New_York"\n', "utf-8")
    (root / "notes" / "C-1" / "2026-11-18.md").write_text(
        make_note(client="C-1", session_date="2026-11-18 15:00"), "utf-8")
    notes = files(root / "notes")
    stopped = soapbuild(root, "check", limit=512)
    assert stopped.returncode == 2 and "seals.json: cannot be written" in stopped.stderr, \
        stopped.stdout + stopped.stderr
    assert list((root / ".soapbuild" / "originals").iterdir())  # it got that far
    again = soapbuild(root, "check")
    assert again.returncode == 0, again.stdout + again.stderr
    sealed = json.loads((root / ".soapbuild" / "seals.json").read_text("utf-8"))["entries"]
    kept = sorted(p.name for p in (root / ".soapbuild" / "originals").iterdir())
    assert kept == [f"{entry['sha256']}.md.gz" for entry in sealed]
    # stopped after the log, before its original was renamed into place: the next run ends it
    original = root / ".soapbuild" / "originals" / kept[0]
    original.rename(original.with_name(f"{original.name}.pending"))
    assert soapbuild(root, "check").returncode == 0
    assert sorted(p.name for p in original.parent.iterdir()) == kept
    assert files(root / "notes") == notes


KILL_AFTER_FIRST_RENAME = """
import os, signal, sys
real = os.replace
def replace(source, target, **options):
    real(source, target, **options)
    if "/.staging-" in str(source):  # the first page of the commit is in place: die here
        os.kill(os.getpid(), signal.SIGKILL)
os.replace = replace
from soapbuild.cli import main
main.main(args=sys.argv[1:], prog_name="soapbuild")
"""

KILL_AROUND_THE_SWAP = """
import os, signal, sys
from soapbuild.render import swap
real = swap.exchange
def exchange(first, second):
    if sys.argv[1] == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    done = real(first, second)
    os.kill(os.getpid(), signal.SIGKILL)
swap.exchange = exchange
from soapbuild.cli import main
main.main(args=sys.argv[2:], prog_name="soapbuild")
"""


def old_and_new(tmp_path: Path, make_note: Callable[..., str]
                ) -> tuple[Path, dict[str, str], dict[str, str]]:
    """A built practice whose notes changed since (its output, and a full new build's)."""
    root = practice(tmp_path / "practice", make_note)
    old = files(root / "output")
    reference = tmp_path / "reference"
    shutil.copytree(root, reference, symlinks=True)
    assert soapbuild(reference, "build", "--no-pdf").returncode == 0
    return root, old, files(reference / "output")


@pytest.mark.skipif(not swap.available(), reason="no atomic exchange of folders here")
@pytest.mark.parametrize("when", ["before", "after"])
def test_a_build_killed_around_its_swap_leaves_the_old_output_or_the_new_one(
        tmp_path: Path, make_note: Callable[..., str], when: str) -> None:
    """Where the output is swapped in one exchange, a build killed just before it leaves the
    old output whole, and one killed just after it the new one, before its manifest is
    written; the next build then gives a full new build's output."""
    root, old, new = old_and_new(tmp_path, make_note)
    assert old != new
    killed = subprocess.run([sys.executable, "-c", KILL_AROUND_THE_SWAP, when, "-C", str(root),
                             "build", "--no-pdf", "--now", NOW], capture_output=True, timeout=180,
                            check=False, env={**os.environ, "NO_COLOR": "1"})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert files(root / "output") == (old if when == "before" else new)
    healed = soapbuild(root, "build", "--no-pdf")
    assert healed.returncode == 0, healed.stderr
    assert files(root / "output") == new
    assert not staging_folders(root)


def test_a_build_killed_inside_its_commit_by_renames_leaves_whole_pages_and_the_next_heals(
        tmp_path: Path, make_note: Callable[..., str]) -> None:
    """The portable commit (no exchange of folders: SOAPBUILD_NO_SWAP, or another system),
    whose window SECURITY.md describes: a build killed between two renames leaves
    ``output/`` a mix of whole old and whole new pages, and its journal; the next build
    finishes the commit first, and the output is then exactly a full new build's."""
    root, old, new = old_and_new(tmp_path, make_note)
    killed = subprocess.run([sys.executable, "-c", KILL_AFTER_FIRST_RENAME, "-C", str(root),
                             "build", "--no-pdf", "--now", NOW], capture_output=True, timeout=180,
                            check=False,
                            env={**os.environ, "NO_COLOR": "1", "SOAPBUILD_NO_SWAP": "1"})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    # what a reader sees meanwhile: every page whole, some new beside old ones
    mixed = {name: digest for name, digest in files(root / "output").items()
             if not name.startswith(".staging-")}
    assert mixed != old and mixed != new
    assert all(digest in (old.get(name), new.get(name)) for name, digest in mixed.items())
    assert (root / ".soapbuild" / "cache" / "build.commit.json").exists()
    healed = soapbuild(root, "build", "--no-pdf")
    assert healed.returncode == 0, healed.stderr
    assert files(root / "output") == new
    assert not (root / ".soapbuild" / "cache" / "build.commit.json").exists()
