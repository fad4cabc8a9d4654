#!/usr/bin/env python3
"""How much `soapbuild check` costs per note, as a ratio to the parse floor.

The floor reads every note, splits the front matter (libyaml) and parses the
body with markdown-it-py, and does nothing else: no tool that reads these
files can do less. Both run in this process on the same corpus, alternating,
so the ratio holds on a busy or slow machine where absolute times do not.

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
from soapbuild.context import Context
from soapbuild.rules import CHECKS
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
        floor_s = timed(lambda: floor(paths), args.repeat)
        check_s = timed(lambda: check_paths([folder], context, folder.parent), args.repeat)
        n = len(paths)
        print(f"notes={n} rules={len(CHECKS)} families findings={findings} repeat={args.repeat}")
        print(f"parse floor   {floor_s:7.3f} s  {floor_s / n * 1e6:7.0f} us/note  ratio 1.00")
        print(f"soapbuild check {check_s:5.3f} s  {check_s / n * 1e6:7.0f} us/note  "
              f"ratio {check_s / floor_s:.2f}")


if __name__ == "__main__":
    main()
