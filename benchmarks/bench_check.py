#!/usr/bin/env python3
"""How much `soapbuild check` costs per note, as ratios to the parse floor and to structure.

The floor reads every note, splits the front matter (libyaml) and parses the
body with markdown-it-py, and does nothing else: no tool that reads these
files can do less. Both run in this process on the same corpus, alternating,
so the ratio holds on a busy or slow machine where absolute times do not.
"structure" runs only the structure checks (front matter, sections, addenda,
timeliness, billing, locking); "all" adds the language checks (vocabulary,
quotations, completeness). The language checks may cost at most as much again
as structure: all / structure <= 2. The copied-section search across notes is
measured by bench_copied.py.

    python benchmarks/bench_check.py [--count 1000] [--seed 1] [--repeat 3] [--dir DIR]

Without --dir a corpus is generated into a temporary folder by gen_corpus.py.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from markdown_it import MarkdownIt

from soapbuild.checker import check_paths
from soapbuild.rules.catalog import CHECKS, STRUCTURE_CHECKS
from soapbuild.rules.context import Context
from soapbuild.settings import Settings

HERE = Path(__file__).resolve().parent
FM = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?\n", re.S | re.M)
MD = MarkdownIt("commonmark", {"html": False})


def floor(paths: list[Path]) -> None:
    """Read, split front matter, parse Markdown: the least any note tool does."""
    for path in paths:
        text = path.read_text("utf-8")
        match = FM.match(text)
        if match:
            yaml.load(match.group(1), Loader=yaml.CSafeLoader)
            text = text[match.end():]
        MD.parse(text)


def timed(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.dir
        if folder is None:
            folder = Path(scratch) / "notes"
            subprocess.run([sys.executable, str(HERE / "gen_corpus.py"), str(folder),
                            "--count", str(args.count), "--seed", str(args.seed)], check=True)
        paths = sorted(folder.rglob("*.md"))
        settings = Settings(root=folder.parent, timezone=ZoneInfo("America/New_York"))
        context = Context(settings, datetime(2025, 1, 15, 12, tzinfo=ZoneInfo("UTC")))
        floor(paths)  # warm the file cache and imports for both
        findings = len(check_paths([folder], context, folder.parent).findings)
        floor_times, structure_times, all_times = [], [], []
        for _ in range(args.repeat):  # interleaved, so load changes hit all three alike
            floor_times.append(timed(lambda: floor(paths), 1))
            structure_times.append(timed(lambda: check_paths(
                [folder], context, folder.parent, STRUCTURE_CHECKS, copies=False), 1))
            all_times.append(timed(lambda: check_paths(
                [folder], context, folder.parent, copies=False), 1))
        floor_s, structure_s, all_s = (statistics.median(t) for t in
                                       (floor_times, structure_times, all_times))
        n = len(paths)
        print(f"notes={n} checks={len(CHECKS)} findings={findings} repeat={args.repeat}")
        for label, seconds in (("parse floor", floor_s), ("check: structure", structure_s),
                               ("check: all", all_s)):
            print(f"{label:<17} {seconds:7.3f} s {seconds / n * 1e6:7.0f} us/note  "
                  f"x{seconds / floor_s:.2f} floor")
        print(f"language cost: all / structure = {all_s / structure_s:.2f} (budget 2.00)")


if __name__ == "__main__":
    main()
