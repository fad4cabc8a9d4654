"""Concurrency (issue 16, deliverable 4): two commands on one workspace at once lose no
update, tear no file, and say so when one waits for the other's lock.

Real ``python -m soapbuild`` processes started together; the locks are
soapbuild/filelocks.py's (the ``filelock`` package, so they hold on every
platform). A test that needs two things to overlap makes them overlap for sure
(it holds the lock itself, or starts both and checks both ran), never by hoping
for a lucky schedule.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import filelock
import pytest
from conftest import staging_folders

NOW = "2026-11-27 12:00"
SIGNER = "Jordan Rivera, LCSW"


def start(root: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "soapbuild", "-C", str(root), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "NO_COLOR": "1"})


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=180)
    return process.returncode, out, err


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def practice(workspace: Path, make_note: Callable[..., str]) -> Path:
    for day in (18, 19, 20):
        (workspace / "notes" / f"2026-11-{day}.md").write_text(
            make_note(session_date=f"2026-11-{day} 15:00"), "utf-8")
    (workspace / "notes" / "draft.md").write_text(
        make_note(session_date="2026-11-26 15:00", submitted=None), "utf-8")
    return workspace


def test_two_submits_of_one_note_stamp_it_once(practice: Path) -> None:
    note = practice / "notes" / "draft.md"
    before = note.read_text("utf-8")
    first, second = (start(practice, "submit", "notes/draft.md", "--as", SIGNER, "--now", NOW)
                     for _ in range(2))
    outcomes = sorted([finish(first), finish(second)])
    assert [code for code, _, _ in outcomes] == [0, 1], outcomes  # one stamps, one refuses
    assert "already" in outcomes[1][1] + outcomes[1][2]
    after = note.read_text("utf-8")
    assert after.count("\nsubmitted:") == 1 and after.count("\nsigned_by:") == 1
    assert after.replace("submitted: 2026-11-27 12:00\n", "").replace(
        f'signed_by: "{SIGNER}"\n', "") == before  # nothing else changed


def test_a_build_waits_for_the_lock_and_says_so(practice: Path) -> None:
    lock_file = practice / ".soapbuild" / "cache" / "build.lock"
    lock_file.parent.mkdir(parents=True)
    held = filelock.FileLock(str(lock_file))
    held.acquire()
    try:
        build = start(practice, "build", "--no-pdf", "--now", NOW)
        assert build.stderr is not None
        line = build.stderr.readline()  # blocks until the build says it waits
        assert "another soapbuild command is building the output" in line, line
        assert "waiting for it to finish" in line and str(lock_file) in line
        time.sleep(0.5)
        assert build.poll() is None  # still waiting: it wrote nothing yet
        assert not (practice / "output").exists()
    finally:
        held.release()
    code, out, err = finish(build)
    assert code == 0 and "rendered" in out, err


def test_two_builds_at_once_give_one_complete_output(practice: Path) -> None:
    builds = [start(practice, "build", "--no-pdf", "--now", NOW) for _ in range(2)]
    results = [finish(build) for build in builds]
    assert [code for code, _, _ in results] == [0, 0], results
    said = [out for _, out, _ in results]
    assert sum("up to date" in out for out in said) == 1, said  # the second found it done
    assert not staging_folders(practice)
    made = files(practice / "output")
    again = start(practice, "build", "--no-pdf", "--now", NOW)
    code, out, _ = finish(again)
    assert code == 0 and "up to date" in out
    assert files(practice / "output") == made


def test_two_checks_sealing_at_once_lose_no_seal(practice: Path) -> None:
    """Outside git, a check records the seals of newly locked notes. Two checks of
    different notes at once each add a seal: the log keeps both, chained."""
    for _ in range(2):  # without the seal lock's re-read this lost a seal in every round
        seals = practice / ".soapbuild"
        shutil.rmtree(seals, ignore_errors=True)
        checks = [start(practice, "check", f"notes/2026-11-{day}.md", "--now", NOW)
                  for day in (18, 19, 20)]
        for check in checks:
            code, _out, err = finish(check)
            assert code in (0, 1) and "Traceback" not in err, err
        log = json.loads((seals / "seals.json").read_text("utf-8"))
        sealed = sorted(e["note"] for e in log["entries"] if e["event"] == "seal")
        assert sealed == [f"notes/2026-11-{day}.md" for day in (18, 19, 20)], sealed
        code, _out, err = finish(start(practice, "check", "--now", NOW))
        assert code in (0, 1) and "seal" not in err, err  # the chain and the originals agree


def test_an_editor_saving_during_builds_is_never_lost(practice: Path) -> None:
    """A note saved while a build runs (and saved back) ends up in the output: the build
    records what its check read, so the next build sees the later save."""
    note = practice / "notes" / "2026-11-20.md"
    original = note.read_text("utf-8")
    edited = original.replace("five hours", "nine hours")
    assert edited != original
    finish(start(practice, "build", "--no-pdf", "--now", NOW))
    for pause in (0.1, 0.5):
        build = start(practice, "build", "--no-pdf", "--now", NOW)
        time.sleep(pause)
        note.write_text(edited, "utf-8")
        time.sleep(pause / 2)
        note.write_text(original, "utf-8")
        assert finish(build)[0] == 0
        assert finish(start(practice, "build", "--no-pdf", "--now", NOW))[0] == 0
        shown = "".join(p.read_text("utf-8") for p in (practice / "output").rglob("*.html"))
        assert "nine hours" not in shown and "five hours" in shown
    note.write_text(edited, "utf-8")
    assert finish(start(practice, "build", "--no-pdf", "--now", NOW))[0] == 0
    shown = "".join(p.read_text("utf-8") for p in (practice / "output").rglob("*.html"))
    assert "nine hours" in shown


def test_a_build_while_watch_runs_waits_its_turn_and_both_see_every_save(
        practice: Path) -> None:
    """``watch`` rebuilds on every save while a build by hand runs beside it: they share
    the build lock, so neither removes the other's staging folder or tears a page."""
    import signal

    watch = start(practice, "watch", "--port", "0", "--now", NOW)
    try:
        assert watch.stdout is not None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = watch.stdout.readline()
            if line.startswith("Serving") or not line:
                break
        assert line.startswith("Serving"), line
        note = practice / "notes" / "2026-11-20.md"
        note.write_text(note.read_text("utf-8").replace("five hours", "seven hours"), "utf-8")
        code, _out, err = finish(start(practice, "build", "--no-pdf", "--now", NOW))
        assert code == 0 and "Traceback" not in err, err
        pages = practice / "output" / "notes"
        assert any("seven hours" in p.read_text("utf-8") for p in pages.glob("*.html"))
        # and watch, after the build beside it, still rebuilds a save on its own
        note.write_text(note.read_text("utf-8").replace("seven hours", "eight hours"), "utf-8")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if any("eight hours" in p.read_text("utf-8") for p in pages.glob("*.html")):
                break
            time.sleep(0.2)
        assert any("eight hours" in p.read_text("utf-8") for p in pages.glob("*.html"))
    finally:
        watch.send_signal(signal.SIGINT)
        _code, _out, err = finish(watch)
    assert "Traceback" not in err and "build failed" not in err, err
    assert not staging_folders(practice)
