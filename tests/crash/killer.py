"""Kill soapbuild with SIGKILL at random moments and check that nothing was lost.

Used by tests/test_crash_safety.py as a subprocess of its own: ``python killer.py
PLAN.json RESULTS.json``. The driver imports soapbuild once (and the modules the
commands load), then for each trial copies a prepared practice, forks, runs one
command in the child through soapbuild's real ``main`` and kills the child after
a random delay drawn from a seeded generator (uniform over the command's
uninterrupted running time). Forking rather than starting a new
interpreter makes a trial cost the command's own time, so a hundred kills fit in
well under a minute.

After each kill it checks (issue 16, deliverable 3):

* every note is byte-identical to before or is exactly what the uninterrupted
  command writes, and no note appeared or vanished;
* ``output/`` is the complete old build or the complete new one, or the build's
  commit journal is there (a kill between two renames), which the next build
  must finish;
* the seal file, if written, is JSON;
* the next run of the same command, uninterrupted, leaves the notes and the
  output exactly as the uninterrupted reference run does, and no temporary file
  (checked after every kill that left something between states, and after every
  fourth kill).

:data:`COMMANDS` lists the commands killed. The cache writer of issue 15 gets
its entry here once it exists (a command that fills ``.soapbuild/cache/``; its
check is that the next run, with the cache as the kill left it, is correct).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import sys
import time
from pathlib import Path

NOW = "2026-11-27 12:00"
TEMP = ".soapbuild-tmp"  # soapbuild.atomic.TEMP_SUFFIX
RERUN_EVERY = 4
"""The next run is checked after every kill that left the notes or the output between two
states (a temporary file, a journal), and after every fourth kill besides."""
SIGNER = "Jordan Rivera, LCSW"
SETTINGS = """timezone = "America/New_York"
signatures_required_from = 2026-11-01

[clinicians."Riley Brooks"]
credential = "LMSW"
supervisor = "Jordan Rivera"

[clinicians."Jordan Rivera"]
credential = "LCSW"
"""
BODY = """## Subjective
Client reported sleeping about {hours} hours a night and practicing paced breathing.

## Objective
Client was calm and engaged; affect congruent with mood.

## Assessment
Sleep is improving with the routine. Denies SI/HI.

## Plan
Continue paced breathing daily; next session in one week.
"""

#: name -> the command line after ``-C WORKSPACE``; the plan says how many kills of each
#: must land while the command runs (a delay past its end kills nothing and is tried again).
COMMANDS: dict[str, list[str]] = {
    "build": ["build", "--no-pdf", "--now", NOW],
    "submit": ["submit", "notes/C-3/2026-11-26.md", "notes/C-3/2026-11-27.md", "--as", SIGNER,
               "--now", NOW],
    "cosign": ["cosign", "notes/C-2/2026-11-25.md", "--as", SIGNER, "--now", NOW],
    "fix": ["fix", "--now", NOW],
    # issue 15: "cache": [the command that writes .soapbuild/cache/ ...],
}


def note(client: str, clinician: str, day: str, submitted: str | None = None,
         hours: str = "six", **extra: str) -> str:
    lines = [f"client: {client}", f"clinician: {clinician}", f"session_date: {day} 10:00",
             "occurred: true", "duration: 53", 'service_code: "90837"']
    lines += [f"{key}: {value}" for key, value in extra.items()]
    if submitted:
        lines.append(f"submitted: {submitted}")
    return "---\n" + "\n".join(lines) + "\n---\n" + BODY.format(hours=hours)


def run(root: Path, args: list[str], kill_after: float | None = None) -> tuple[bool, float]:
    """Run ``soapbuild -C root ARGS`` in a forked child; kill it after ``kill_after``
    seconds if given. Returns (killed while running, seconds it ran)."""
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: soapbuild's own entry point, output discarded
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        code = 70
        try:
            from soapbuild.cli import main

            main.main(args=["-C", str(root), *args], prog_name="soapbuild")
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else 1
        finally:
            os._exit(code)
    killed = False
    if kill_after is not None:
        deadline = started + kill_after
        while time.perf_counter() < deadline:
            finished, _status = os.waitpid(pid, os.WNOHANG)
            if finished:
                return False, time.perf_counter() - started
            time.sleep(0.002)
        os.kill(pid, signal.SIGKILL)
        killed = True
    _pid, status = os.waitpid(pid, 0)
    if not killed and os.waitstatus_to_exitcode(status) == 70:
        raise RuntimeError(f"soapbuild {' '.join(args)} crashed in {root}")
    return killed and os.WIFSIGNALED(status), time.perf_counter() - started


def files(folder: Path, *, hidden: bool = False) -> dict[str, str]:
    """Relative path -> content hash of every file below ``folder`` (top-level hidden
    entries, the staging folders of a build, left out unless ``hidden``)."""
    found = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if not hidden and name.startswith("."):
            continue
        if path.is_file():
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def notes_of(root: Path) -> dict[str, str]:
    return files(root / "notes", hidden=True)


def fresh_copy(pristine: Path, work: Path) -> None:
    """``pristine`` copied to ``work``; output/ as hard links, which is safe because a build
    never writes a page in place (it renames new files over old ones), and quick."""
    shutil.copytree(pristine, work, symlinks=True,
                    ignore=lambda folder, names: ["output"] if Path(folder) == pristine else [])
    shutil.copytree(pristine / "output", work / "output", symlinks=True, copy_function=os.link)


def prepare(pristine: Path) -> None:
    """The practice every trial starts from: a built output, then a note changed (so a
    build has pages to remake), drafts to submit, a note to co-sign, a note to fix."""
    (pristine / "notes").mkdir(parents=True)
    (pristine / "soapbuild.toml").write_text(SETTINGS, "utf-8")

    def write(name: str, text: str) -> None:
        path = pristine / "notes" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")

    for day in range(16, 22):
        write(f"C-1/2026-11-{day}.md", note("C-1", SIGNER, f"2026-11-{day}",
                                            f"2026-11-{day} 17:00", signed_by=f'"{SIGNER}"'))
    write("C-2/2026-11-25.md", note("C-2", "Riley Brooks, LMSW", "2026-11-25",
                                    "2026-11-25 18:05", signed_by='"Riley Brooks, LMSW"'))
    write("C-3/2026-11-26.md", note("C-3", SIGNER, "2026-11-26"))
    write("C-3/2026-11-27.md", note("C-3", SIGNER, "2026-11-27"))
    write("C-4/2026-11-26.md", note("C-4", SIGNER, "2026-11-26").replace(
        'duration: 53\n', "duration: 53 min\n"))
    run(pristine, ["build", "--no-pdf", "--now", NOW])
    changed = pristine / "notes" / "C-1" / "2026-11-20.md"
    changed.write_text(changed.read_text("utf-8").replace("practicing paced breathing",
                                                          "practicing breathing"), "utf-8")


def warm_up(pristine: Path, folder: Path) -> None:
    """Fill soapbuild's caches (the vocabulary's compiled patterns, the rule pages) in this
    process, by a check in process on a copy, so that every forked child starts with them:
    a kill then lands in the command's own work rather than in loading them again."""
    import contextlib
    import io

    from soapbuild.cli import main as soapbuild

    fresh_copy(pristine, folder)
    with (contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()),
          contextlib.suppress(SystemExit)):
        soapbuild.main(args=["-C", str(folder), "check", "--now", NOW], prog_name="soapbuild")


def main(plan_file: str, results_file: str) -> int:
    plan = json.loads(Path(plan_file).read_text("utf-8"))
    import soapbuild.cli  # what every child runs, loaded once
    import soapbuild.commands.build
    import soapbuild.commands.fix
    import soapbuild.commands.submit
    import soapbuild.render.pages  # noqa: F401

    base = Path(plan["folder"])
    pristine = base / "pristine"
    prepare(pristine)
    warm_up(pristine, base / "warm-up")
    rng = random.Random(plan["seed"])
    results = []
    for name, count in plan["trials"].items():
        args = COMMANDS[name]
        reference = base / f"reference-{name}"
        shutil.copytree(pristine, reference, symlinks=True)
        _killed, seconds = run(reference, args)
        expected_notes, expected_output = notes_of(reference), files(reference / "output")
        old_notes, old_output = notes_of(pristine), files(pristine / "output")
        work = base / "work"
        kills = 0
        for trial in range(count * 2):  # until ``count`` kills hit a running command
            if kills == count:
                break
            shutil.rmtree(work, ignore_errors=True)
            fresh_copy(pristine, work)
            delay = rng.uniform(0, seconds)
            killed, _ = run(work, args, kill_after=delay)
            kills += killed
            problems = []
            # a killed write may leave its hidden temporary file (never a note); the next
            # write of that note removes it, which the check after the next run holds to
            now_notes = {n: d for n, d in notes_of(work).items() if not n.endswith(TEMP)}
            if set(now_notes) != set(old_notes):
                problems.append(f"notes appeared or vanished: {set(now_notes) ^ set(old_notes)}")
            for note_name, digest in now_notes.items():
                if digest not in (old_notes.get(note_name), expected_notes.get(note_name)):
                    problems.append(f"{note_name} is neither as before nor as written")
            output = files(work / "output")
            journal = work / ".soapbuild" / "cache" / "build.commit.json"
            if output not in (old_output, expected_output) and not journal.exists():
                problems.append("output/ is neither the old build nor the new one")
            seals = work / ".soapbuild" / "seals.json"
            if seals.exists():
                try:
                    json.loads(seals.read_text("utf-8"))
                except ValueError:
                    problems.append("the seal file is not JSON")
            settled = (now_notes in (old_notes, expected_notes)
                       and output in (old_output, expected_output))
            results.append({"command": name, "trial": trial, "delay": round(delay, 4),
                            "killed": killed, "problems": problems,
                            "next_run": not settled or trial % RERUN_EVERY == 0})
            if not results[-1]["next_run"]:
                continue
            run(work, args)  # the next run, uninterrupted
            if notes_of(work) != expected_notes:
                problems.append("after the next run the notes are not as the reference's")
            if files(work / "output") != expected_output:
                problems.append("after the next run output/ is not the reference's")
            if list((work / "output").glob(".staging-*")):
                problems.append("a staging folder is left after the next run")
    Path(results_file).write_text(json.dumps(results), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
