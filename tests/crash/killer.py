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

:data:`COMMANDS` lists the commands killed. ``check`` is the cache writer (issue 15):
it is killed in a practice of its own with no cache yet (:func:`prepare_check`) at
moments drawn from the time it writes entries (its forked workers write them, and
the kill takes the workers too), and besides the above it is checked that

* every entry the kill left at its name is complete (the store writes a temporary
  file and renames it): none can be read back as a hit cut short;
* the next check, with the cache as the kill left it, prints exactly what a check
  with no cache prints.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import shutil
import signal
import sys
import time
from pathlib import Path

from soapbuild.render import swap

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
    "check": ["check", "--now", NOW],  # the cache writer, on a practice of its own
}
CHECK_NOTES = 96
"""Notes of the practice ``check`` is killed in: enough for the checker to fork its
workers (soapbuild.checker.PARALLEL_NOTES), which write the cache's entries."""
CACHE = Path(".soapbuild") / "cache"
ENTRIES = CACHE / "notes"  # soapbuild.cache.notes.KIND


def note(client: str, clinician: str, day: str, submitted: str | None = None,
         hours: str = "six", **extra: str) -> str:
    lines = [f"client: {client}", f"clinician: {clinician}", f"session_date: {day} 10:00",
             "occurred: true", "duration: 53", 'service_code: "90837"']
    lines += [f"{key}: {value}" for key, value in extra.items()]
    if submitted:
        lines.append(f"submitted: {submitted}")
    return "---\n" + "\n".join(lines) + "\n---\n" + BODY.format(hours=hours)


def run(root: Path, args: list[str], kill_after: float | None = None,
        out: Path | None = None) -> tuple[bool, float]:
    """Run ``soapbuild -C root ARGS`` in a forked child (its standard output into ``out``
    if given); kill it, and the workers it forked, after ``kill_after`` seconds if
    given. Returns (killed while running, seconds it ran)."""
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: soapbuild's own entry point, output discarded
        os.setpgid(0, 0)  # a group of its own, with the workers it forks
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC) if out else null, 1)
        os.dup2(os.open(f"{out}.err", os.O_WRONLY | os.O_CREAT | os.O_TRUNC) if out else null,
                2)
        code = 70
        try:
            from soapbuild.cli import main

            main.main(args=["-C", str(root), *args], prog_name="soapbuild")
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else 1
        finally:
            os._exit(code)
    with contextlib.suppress(OSError):  # set on both sides: the kill may come first
        os.setpgid(pid, pid)
    killed = False
    if kill_after is not None:
        deadline = started + kill_after
        while time.perf_counter() < deadline:
            finished, _status = os.waitpid(pid, os.WNOHANG)
            if finished:
                return False, time.perf_counter() - started
            time.sleep(0.002)
        os.killpg(pid, signal.SIGKILL)
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
    if (pristine / "output").is_dir():
        shutil.copytree(pristine / "output", work / "output", symlinks=True,
                        copy_function=os.link)


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


def prepare_check(pristine: Path) -> None:
    """The practice ``check`` is killed in: no cache yet, so that the check writes an
    entry for every note; notes with findings of several kinds (drafts, a missing
    section, a duration to fix, copied text), so that what it prints says something."""
    (pristine / "notes").mkdir(parents=True)
    (pristine / "soapbuild.toml").write_text(SETTINGS, "utf-8")
    for number in range(CHECK_NOTES):
        client, day = f"C-{number % 12 + 1}", f"2026-10-{number // 12 + 1:02d}"
        text = note(client, SIGNER, day, None if number % 5 == 0 else f"{day} 17:00",
                    hours=f"{number % 9 + 3} or {number}", signed_by=f'"{SIGNER}"')
        if number % 7 == 0:
            text = text.replace("## Plan\n", "")
        if number % 11 == 0:
            text = text.replace("duration: 53\n", "duration: 53 min\n")
        path = pristine / "notes" / client / f"{day}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")


def cache_problems(root: Path) -> list[str]:
    """What is wrong with the cache a kill left: an entry that is not complete (a reader
    would take half of one as a hit if the store wrote entries in place)."""
    from soapbuild.cache.store import Store

    folder = root / ENTRIES
    if not folder.is_dir():
        return []
    store = Store.open(root, ENTRIES.name)
    try:  # the temporary files a kill leaves start with a dot: never read as an entry
        return [f"cache entry {entry.name} is incomplete or garbled"
                for entry in folder.iterdir() if not entry.name.startswith(".")
                and entry.name != "CACHEDIR.TAG" and store.read(entry.name) is None]
    finally:
        store.close()


def warm_up(pristine: Path, folder: Path) -> None:
    """Fill soapbuild's caches (the vocabulary's compiled patterns, the rule pages) in this
    process, by a check in process on a copy, so that every forked child starts with them:
    a kill then lands in the command's own work rather than in loading them again."""
    import io

    from soapbuild.cli import main as soapbuild

    fresh_copy(pristine, folder)
    with (contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()),
          contextlib.suppress(SystemExit)):
        soapbuild.main(args=["-C", str(folder), "check", "--now", NOW], prog_name="soapbuild")


def reference_run(practice: Path, reference: Path, name: str) -> tuple[float, float, str]:
    """Run the command uninterrupted on a copy of ``practice``: the window of delays a
    kill is drawn from (the command's running time; for ``check``, the time it writes
    the cache, from its first entry to its last) and, for ``check``, what a check
    prints with no cache (after a first check, so with the same seals as a next run)."""
    shutil.copytree(practice, reference, symlinks=True)
    began = time.time()
    _killed, seconds = run(reference, COMMANDS[name])
    if name != "check":
        return 0.0, seconds, ""
    written = [entry.stat().st_mtime - began for entry in (reference / ENTRIES).iterdir()
               if not entry.name.startswith(".") and entry.name != "CACHEDIR.TAG"]
    shutil.rmtree(reference / CACHE)
    printed = reference / "printed.txt"
    run(reference, COMMANDS[name], out=printed)
    return max(0.0, min(written)), max(written), printed.read_text("utf-8")


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
    prepare_check(base / "pristine-check")
    warm_up(pristine, base / "warm-up")
    rng = random.Random(plan["seed"])
    results = []
    for name, count in plan["trials"].items():
        args = COMMANDS[name]
        practice = base / "pristine-check" if name == "check" else pristine
        reference = base / f"reference-{name}"
        earliest, latest, printed = reference_run(practice, reference, name)
        expected_notes, expected_output = notes_of(reference), files(reference / "output")
        old_notes, old_output = notes_of(practice), files(practice / "output")
        work = base / "work"
        kills = 0
        for trial in range(count * 2):  # until ``count`` kills hit a running command
            if kills == count:
                break
            shutil.rmtree(work, ignore_errors=True)
            fresh_copy(practice, work)
            delay = rng.uniform(earliest, latest)
            killed, _ = run(work, args, kill_after=delay)
            kills += killed
            problems = cache_problems(work)
            # a killed write may leave its hidden temporary file (never a note); the next
            # write of that note removes it, which the check after the next run holds to
            now_notes = {n: d for n, d in notes_of(work).items() if not n.endswith(TEMP)}
            if set(now_notes) != set(old_notes):
                problems.append(f"notes appeared or vanished: {set(now_notes) ^ set(old_notes)}")
            for note_name, digest in now_notes.items():
                if digest not in (old_notes.get(note_name), expected_notes.get(note_name)):
                    problems.append(f"{note_name} is neither as before nor as written")
            output = files(work / "output")
            journal = work / CACHE / "build.commit.json"
            # Swapped in one exchange, output/ is the old build or the new one at every
            # moment; moved page by page (without the exchange), a kill inside the commit
            # may leave both, with the journal the next build finishes.
            if output not in (old_output, expected_output) and (swap.available()
                                                               or not journal.exists()):
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
                            "next_run": not settled or name == "check"
                            or trial % RERUN_EVERY == 0})
            if not results[-1]["next_run"]:
                continue
            shown = work.parent / "printed.txt"
            run(work, args, out=shown)  # the next run, uninterrupted
            if notes_of(work) != expected_notes:
                problems.append("after the next run the notes are not as the reference's")
            if files(work / "output") != expected_output:
                problems.append("after the next run output/ is not the reference's")
            if [*(work / "output").glob(".staging-*"), *(work / CACHE).glob(".staging-*")]:
                problems.append("a staging folder is left after the next run")
            if name == "check" and shown.read_text("utf-8") != printed:
                problems.append("the next check prints other than a check with no cache:\n"
                                + shown.read_text("utf-8")[-2000:]
                                + Path(f"{shown}.err").read_text("utf-8")[-2000:])
    Path(results_file).write_text(json.dumps(results), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
