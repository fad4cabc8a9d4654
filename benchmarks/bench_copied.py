#!/usr/bin/env python3
"""Does the search for copied sections grow linearly with the number of notes?

Fingerprints and searches corpora of 1,000 to 10,000 generated notes (and the
same notes with a tenth of Subjective sections copied from an earlier note of
the same client), and prints time per note and comparisons per section at each
size. Linear growth shows as flat per-note figures; an all-pairs search would
grow tenfold from the first row to the last.

    python benchmarks/bench_copied.py [--sizes 1000 2500 5000 10000] [--seed 2]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from soapbuild.model.formats import builtin_formats
from soapbuild.model.parse import read_note
from soapbuild.rules.copied import CopyStats, find_copies, fingerprint
from soapbuild.settings import Settings

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2500, 5000, 10000])
    parser.add_argument("--seed", type=int, default=2)
    args = parser.parse_args()
    settings = Settings(root=Path("."), timezone=ZoneInfo("America/New_York"))
    formats = builtin_formats()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "notes"
        subprocess.run([sys.executable, str(HERE / "gen_corpus.py"), str(folder), "--count",
                        str(max(args.sizes)), "--seed", str(args.seed)], check=True)
        paths = sorted(folder.rglob("*.md"))
        notes = [n for p in paths if (n := read_note(p, p.name, formats).note) is not None]
        print(f"{'notes':>6} {'sections':>8} {'fingerprint':>11} {'search':>8} "
              f"{'us/note':>8} {'comparisons/section':>19} {'copies':>6}")
        for size in args.sizes:
            subset = notes[:size]
            start = time.perf_counter()
            prints = [p for note in subset for p in fingerprint(note, settings)]
            fingerprinted = time.perf_counter()
            stats = CopyStats()
            copies = find_copies(prints, 0.9, stats)
            searched = time.perf_counter()
            total = searched - start
            print(f"{size:>6} {stats.sections:>8} {fingerprinted - start:>10.2f}s "
                  f"{searched - fingerprinted:>7.2f}s {total / size * 1e6:>8.0f} "
                  f"{stats.comparisons / max(stats.sections, 1):>19.2f} {len(copies):>6}")
    print(f"run {datetime.now():%Y-%m-%d %H:%M}")


if __name__ == "__main__":
    main()
