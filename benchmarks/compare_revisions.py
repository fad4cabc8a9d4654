#!/usr/bin/env python3
"""Does a change keep soapbuild's behaviour? Compare two revisions' output byte for byte.

Runs ``check --format json``, ``report --format json``, ``report --format csv``
and ``build --no-pdf`` with the same fixed ``--now`` from two revisions of this
repository (each from its own source tree, on PYTHONPATH) on the same
workspaces: the sample practice in ``notes/`` and a generated corpus. Then it
compares every output and every file of ``output/`` and ``.soapbuild/`` except
the cache (``.soapbuild/cache/``: its entries and the build manifest are named by or
hold a hash of soapbuild's own code, so they differ by design). Prints each difference and
exits 1 when there is one.

    python benchmarks/compare_revisions.py BASE [--head REV] [--count 1000] [--seed 1]

``BASE`` and ``--head`` are git revisions; without ``--head`` the working tree
is compared as it is (uncommitted changes included).
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOW = "2026-12-01 12:00"
COMMANDS = {
    "check.json": ["check", "--format", "json"],
    "report.json": ["report", "--format", "json"],
    "report.csv": ["report", "--format", "csv"],
    "build.txt": ["build", "--no-pdf"],
}
SKIPPED = {"build.json"}  # the build manifest: holds a hash of the code
# The cache's entries are named by hashes that take soapbuild's own code: any two
# revisions write different ones, by design (the outputs they give back are compared).
SKIPPED_FOLDERS = {Path(".soapbuild") / "cache"}


def source_tree(revision: str | None, into: Path) -> Path:
    """The revision's files (``None``: the working tree) in a folder of their own."""
    into.mkdir(parents=True)
    if revision is None:
        listed = subprocess.run(["git", "-C", str(REPO), "ls-files", "-co", "--exclude-standard",
                                 "soapbuild", "templates"], capture_output=True, text=True,
                                check=True).stdout.splitlines()
        for name in listed:
            if (REPO / name).is_file():
                (into / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(REPO / name, into / name)
        return into
    archive = subprocess.run(["git", "-C", str(REPO), "archive", revision, "soapbuild",
                              "templates"], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def workspaces(into: Path, count: int, seed: int) -> dict[str, Path]:
    """The sample practice and a generated corpus, outside git (seals mode)."""
    sample = into / "sample"
    shutil.copytree(REPO / "notes", sample / "notes")
    shutil.copy2(REPO / "soapbuild.toml", sample / "soapbuild.toml")
    shutil.copytree(REPO / ".soapbuild", sample / ".soapbuild")
    corpus = into / "corpus"
    (corpus / "notes").mkdir(parents=True)
    (corpus / "soapbuild.toml").write_text('timezone = "America/New_York"\n', "utf-8")
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "gen_corpus.py"),
                    str(corpus / "notes"), "--count", str(count), "--seed", str(seed)],
                   check=True, capture_output=True)
    return {"sample": sample, "corpus": corpus}


def run_all(source: Path, workspace: Path, results: Path) -> None:
    """Every command of :data:`COMMANDS` in a fresh copy of ``workspace``."""
    shutil.copytree(workspace, results)
    environment = {**os.environ, "PYTHONPATH": str(source), "NO_COLOR": "1",
                   "TZ": "America/New_York"}
    for name, arguments in COMMANDS.items():
        done = subprocess.run([sys.executable, "-m", "soapbuild", "-C", str(results), *arguments,
                               "--now", NOW], capture_output=True, env=environment,
                              cwd=results, check=False)
        text = done.stdout
        if name == "build.txt":  # timings differ run to run
            text = b"\n".join(line.split(b" (")[0] for line in text.splitlines())
        (results / name).write_bytes(text + f"\nexit {done.returncode}\n".encode())


def differences(first: Path, second: Path) -> list[str]:
    found = []
    comparison = filecmp.dircmp(first, second)
    stack = [(comparison, Path())]
    while stack:
        current, where = stack.pop()
        if where in SKIPPED_FOLDERS:
            continue
        for name in current.left_only + current.right_only:
            found.append(f"only on one side: {where / name}")
        for name in current.diff_files:
            if name not in SKIPPED:
                found.append(f"differs: {where / name}")
        for name, sub in current.subdirs.items():
            stack.append((sub, where / name))
    return sorted(found)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base")
    parser.add_argument("--head", default=None)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="soapbuild-compare-") as temp:
        root = Path(temp)
        places = workspaces(root / "workspaces", options.count, options.seed)
        sources = {"base": source_tree(options.base, root / "base"),
                   "head": source_tree(options.head, root / "head")}
        problems = []
        for label, workspace in places.items():
            for side, source in sources.items():
                run_all(source, workspace, root / "runs" / side / label)
            found = differences(root / "runs" / "base" / label, root / "runs" / "head" / label)
            files = sum(1 for path in (root / "runs" / "head" / label).rglob("*") if path.is_file())
            print(f"{label}: {files} files compared, {len(found)} differences")
            problems += [f"{label}: {line}" for line in found]
        for line in problems:
            print(line)
        return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
