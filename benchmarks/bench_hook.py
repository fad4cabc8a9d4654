#!/usr/bin/env python3
"""What a git hook pays for diagnoses and holidays: `soapbuild check` on one note, as ratios.

A pre-commit hook checks one or two notes in a fresh process, so its cost is
mostly start-up: Python, soapbuild's imports, the settings. Issue 11 adds two
data sources that must stay out of that path unless a note needs them: the
ICD-10-CM code set (read from simple-icd-10-cm's code list, never by importing
the package, whose import parses its 10 MB classification) and the public
holidays (the holidays package, imported only for a practice that names its
country). Each case runs `python -m soapbuild check` on one note in a new
process, alternating, and is reported against the plain note:

- plain: a note without a diagnosis, no [calendar];
- diagnosis: the same note with diagnosis: ["F41.1"] (the code list is read);
- calendar: the plain note in a practice that names country "US" and counts
  deadlines in business days (holidays imported and one year computed).

Two imports are timed too, for scale: the package `simple_icd_10_cm` (what
soapbuild avoids in check, and pays once when a build shows the codes' titles)
and `holidays`.

    python benchmarks/bench_hook.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NOTE = """---
client: C-1042
clinician: Jordan Rivera, LCSW
session_date: 2026-11-20 15:00
occurred: true
duration: 53
service_code: "90837"
{extra}---
## Subjective
Client reported sleeping six hours a night.

## Objective
Client was alert and oriented.

## Assessment
Client denies SI/HI; risk is low.

## Plan
Next session in one week.
"""
CASES = {
    "plain": ('timezone = "America/New_York"\n', ""),
    "diagnosis": ('timezone = "America/New_York"\n', 'diagnosis: ["F41.1"]\n'),
    "calendar": ('timezone = "America/New_York"\ndeadline_business_days = 2\n'
                 '[calendar]\ncountry = "US"\n', ""),
}


def workspace(root: Path, settings: str, extra: str) -> Path:
    (root / "notes").mkdir(parents=True)
    (root / "soapbuild.toml").write_text(settings, "utf-8")
    (root / "notes" / "a.md").write_text(NOTE.format(extra=extra), "utf-8")
    return root


def run(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, capture_output=True, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        roots = {name: workspace(Path(folder) / name, *case) for name, case in CASES.items()}
        times: dict[str, list[float]] = {name: [] for name in CASES}
        imports: dict[str, list[float]] = {"simple_icd_10_cm": [], "holidays": []}
        for _ in range(options.repeat):
            for name, root in roots.items():
                times[name].append(run([sys.executable, "-m", "soapbuild", "-C", str(root),
                                        "check", "--now", "2026-11-24 12:00"]))
            for module in imports:
                code = (f"import time,warnings\nwarnings.simplefilter('ignore')\n"
                        f"t=time.perf_counter()\nimport {module}\n"
                        "print(time.perf_counter()-t)")
                done = subprocess.run([sys.executable, "-c", code], capture_output=True,
                                      text=True, check=False)
                imports[module].append(float(done.stdout.strip() or "nan"))
    plain = statistics.median(times["plain"])
    print(f"check of one note in a new process (median of {options.repeat}):")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:<10} {median:6.3f} s   {median / plain:4.2f} x plain")
    for module, values in imports.items():
        print(f"import {module}: {statistics.median(values):.3f} s")


if __name__ == "__main__":
    main()
