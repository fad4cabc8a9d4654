#!/usr/bin/env python3
"""What the notes' history costs `soapbuild check` in git, as ratios (issue 12).

A corpus (gen_corpus.py) is laid out twice: as a plain folder, and as a git
repository in which half the notes were first committed as drafts and then
submitted (two versions each, as a clinician commits them). Measured, in this
process and interleaved so that the ratios hold on a busy machine:

- "plain": `check` of the whole folder outside git (the seal file);
- "git": the same check in the repository (one `git log` per branch and
  reflog, one `git ls-tree`, one `git cat-file --batch`, then every note's
  timeline judged);
- "hook": `check --staged` with one new note staged, as the pre-commit hook
  runs it: the staged note against the committed notes (copied sections, read
  through the batch and fingerprinted, the seam issue 15's cache will fill);
- "one": `check` of that one note outside git, the least a hook can do.

    python benchmarks/bench_history.py [--count 1000] [--seed 1] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from soapbuild.commands.check import run_checks
from soapbuild.settings import load_settings

HERE = Path(__file__).resolve().parent
NOW = datetime(2025, 1, 15, 12, tzinfo=ZoneInfo("UTC"))


def git(root: Path, *args: str, at: str = "2025-01-10T12:00:00+00:00") -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_DATE": at, "GIT_COMMITTER_DATE": at}
    subprocess.run(["git", "-c", "user.name=Bench", "-c", "user.email=bench@example.org",
                    "-c", "commit.gpgsign=false", *args], cwd=root, env=env, check=True,
                   capture_output=True, timeout=600)


def lay_out(scratch: Path, count: int, seed: int) -> tuple[Path, Path, str]:
    """The plain workspace, the repository, and the key of the note the hook stages."""
    plain = scratch / "plain"
    subprocess.run([sys.executable, str(HERE / "gen_corpus.py"), str(plain / "notes"),
                    "--count", str(count), "--seed", str(seed)], check=True,
                   capture_output=True)
    (plain / "soapbuild.toml").write_text('timezone = "America/New_York"\n', "utf-8")
    repo = scratch / "repo"
    shutil.copytree(plain, repo)
    notes = sorted((repo / "notes").rglob("*.md"))
    drafts = notes[::2]
    finals = {path: path.read_bytes() for path in drafts}
    for path in drafts:  # first committed as drafts
        path.write_bytes(b"".join(line for line in finals[path].splitlines(keepends=True)
                                  if not line.startswith(b"submitted:")))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "drafts", at="2025-01-05T12:00:00+00:00")
    for path, data in finals.items():
        path.write_bytes(data)
    git(repo, "commit", "-q", "-am", "submitted")
    source = notes[1]
    staged = source.with_name("staged-" + source.name)
    staged.write_bytes(source.read_bytes())
    git(repo, "add", str(staged.relative_to(repo)))
    shutil.copy(staged, plain / staged.relative_to(repo))
    return plain, repo, staged.relative_to(repo).as_posix()


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        plain, repo, staged = lay_out(Path(folder), args.count, args.seed)
        plain_settings = load_settings(plain, frozenset())
        repo_settings = load_settings(repo, frozenset())
        runs: dict[str, Callable[[], object]] = {
            "plain": lambda: run_checks(plain, plain_settings, NOW),
            "git": lambda: run_checks(repo, repo_settings, NOW),
            "hook": lambda: run_checks(repo, repo_settings, NOW, staged=True),
            "one": lambda: run_checks(plain, plain_settings, NOW, [Path(staged)]),
        }
        for action in runs.values():  # warm caches and imports
            action()
        hook_findings = [f.code for f in run_checks(repo, repo_settings, NOW,
                                                    staged=True).findings]
        times: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(args.repeat):
            for name, action in runs.items():
                times[name].append(timed(action))
        seconds = {name: statistics.median(values) for name, values in times.items()}
        print(f"notes={args.count} (half committed as drafts, then submitted) "
              f"repeat={args.repeat}; the hook's findings on the staged copy: "
              f"{sorted(set(hook_findings))}")
        for name, value in seconds.items():
            print(f"{name:<6} {value:7.3f} s")
        print(f"history in git:          git / plain = {seconds['git'] / seconds['plain']:.2f}")
        print(f"hook, 1 staged note:     hook / plain = {seconds['hook'] / seconds['plain']:.2f}"
              f"   hook / one = {seconds['hook'] / seconds['one']:.1f}")


if __name__ == "__main__":
    main()
