#!/usr/bin/env python3
"""How much an unchanged rebuild costs, as a ratio to the first build (budget: under 0.1).

Generates a corpus with gen_corpus.py (1,000 notes by default), then runs the
real command, ``soapbuild build``, as a user does: a first build into an empty
output folder with an empty cache, then unchanged rebuilds. Each run is a new
process, so Python's start-up and imports are counted. "now" is fixed
(``--now``): findings depend on the time, so a rebuild judged at a later clock
time checks the notes again (pages still re-render only if what they show
changed). Also timed: a rebuild after one note changed.

    python benchmarks/bench_build.py [--count 1000] [--seed 1] [--repeat 5] [--pdf] [--dir DIR]

Without --pdf the build is --no-pdf (the PDFs are timed by their own benchmark
and dominate a first build); with it, every client's PDF is made too.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOW = "2025-01-15 12:00"
BUDGET = 0.1


def build(workspace: Path, pdf: bool) -> tuple[float, str]:
    command = [sys.executable, "-m", "soapbuild", "-C", str(workspace), "build",
               "--pdf" if pdf else "--no-pdf", "--now", NOW]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, done.stdout


def rendered(output: str) -> int:
    if "is up to date" in output:
        return 0
    match = re.search(r"rendered (\d+) of", output)
    if match is None:
        raise SystemExit(f"cannot read the build's output:\n{output}")
    return int(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pdf", action="store_true", help="make the PDFs too")
    parser.add_argument("--dir", type=Path, help="an existing notes folder to copy")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        workspace = Path(scratch)
        notes = workspace / "notes"
        if args.dir is None:
            subprocess.run([sys.executable, str(HERE / "gen_corpus.py"), str(notes),
                            "--count", str(args.count), "--seed", str(args.seed)],
                           check=True, capture_output=True)
        else:
            import shutil

            shutil.copytree(args.dir, notes)
        (workspace / "soapbuild.toml").write_text('timezone = "America/New_York"\n', "utf-8")
        count = len(list(notes.rglob("*.md")))

        first, output = build(workspace, args.pdf)
        files = rendered(output)
        again = []
        for _ in range(args.repeat):
            seconds, output = build(workspace, args.pdf)
            if rendered(output) != 0:
                raise SystemExit(f"an unchanged rebuild rendered something:\n{output}")
            again.append(seconds)
        unchanged = statistics.median(again)

        note = sorted(notes.rglob("*.md"))[count // 2]
        note.write_text(note.read_text("utf-8").replace("## Plan", "## Plan\nReviewed.", 1),
                        "utf-8")
        one, output = build(workspace, args.pdf)
        one_files = rendered(output)

    ratio = unchanged / first
    print(f"notes={count} pdf={args.pdf} repeat={args.repeat}")
    print(f"first build        {first:7.2f} s  {files} files rendered")
    print(f"unchanged rebuild  {unchanged:7.2f} s  0 files rendered (median of {args.repeat})")
    print(f"one note changed   {one:7.2f} s  {one_files} files rendered")
    verdict = "ok" if ratio < BUDGET else "OVER BUDGET"
    print(f"unchanged / first = {ratio:.3f} (budget < {BUDGET}): {verdict}")
    if ratio >= BUDGET:
        sys.exit(1)


if __name__ == "__main__":
    main()
