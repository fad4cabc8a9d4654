"""SECURITY.md: each promise names the tests that prove it, and every one exists.

The node ids are checked against what pytest itself collects from their files (in a
subprocess, collection only), so a renamed test, a dropped parameter or a moved
file fails here rather than leaving a promise without its proof.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NODE = re.compile(r"`(tests/[\w/]+\.py::[\w]+(?:\[[^\]`]+\])?)`")


def promises() -> list[tuple[str, list[str]]]:
    """(promise, node ids) for each row of SECURITY.md's tables."""
    rows = []
    for line in (REPO / "SECURITY.md").read_text("utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) != 2 or cells[0] in ("Promise", "---"):
            continue
        rows.append((cells[0], NODE.findall(cells[1])))
    return rows


def test_every_promise_names_a_test() -> None:
    rows = promises()
    assert len(rows) >= 20, rows
    assert [promise for promise, ids in rows if not ids] == []


def test_every_test_security_md_names_exists() -> None:
    ids = {node for _, nodes in promises() for node in nodes}
    files = sorted({node.split("::")[0] for node in ids})
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q",
                           "-p", "no:cacheprovider", *files], cwd=REPO, capture_output=True,
                          text=True, timeout=300, check=False)
    collected = {line.strip() for line in done.stdout.splitlines() if "::" in line}
    functions = {node.split("[")[0] for node in collected}
    missing = sorted(node for node in ids
                     if node not in collected and not ("[" not in node and node in functions))
    assert missing == [], (missing, done.stderr[-2000:])
