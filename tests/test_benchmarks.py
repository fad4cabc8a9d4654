"""``python benchmarks/run.py --quick`` runs end to end and reports every row of issue 15's table.

The smoke run generates its small corpora, times every command as a whole
process (soapbuild's and the baselines'), drives a real ``soapbuild watch``,
and writes RESULTS.md. Nothing here judges a time: a figure only has to be
there, and the "met" column has to agree with the figure and its target.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PEERS = "not installed: pip install -e '.[bench]'"

# The Targets table of issue 15, in order, and the peer a row needs (if any).
ROWS = [
    ("`check`, cold, 100 notes, against the one-process parse floor", None),
    ("`check`, cold, 40 notes, against proselint 0.16", "proselint"),
    ("`check`, nothing changed, 100 notes, against the cold check", None),
    ("hook (`soapbuild check --staged`), one staged note in a 100-note git repository", None),
    ("`build --no-pdf`, cold, 40 notes, against the parse floor", None),
    ("`build --no-pdf`, cold, 40 notes, against MkDocs 1.6 with a one-page nav", "mkdocs"),
    ("`build --no-pdf`, nothing changed, 40 notes, against the cold build", None),
    ("PDF records, 5 notes", None),
    ("`watch`: save to rebuilt page, 40-note workspace", None),
    ("scaling 40 → 100 notes, `check` (cold)", None),
    ("scaling 40 → 100 notes, `build --no-pdf` (cold)", None),
    ("peak memory, `check` of 100 notes (cold)", None),
]
FIGURE = re.compile(r"^(\d+(?:\.\d+)?)(× faster|×| ms| MiB) \((\d+(?:\.\d+)?)–(\d+(?:\.\d+)?)\)$")
TARGET = re.compile(r"^([≤≥]) (\d+(?:\.\d+)?)(× faster|×| ms| MiB)$")


def table(text: str) -> list[list[str]]:
    """The cells of the results table's body rows."""
    lines = text.split("## Results", 1)[1].split("## Commands", 1)[0].splitlines()
    rows = [line for line in lines if line.startswith("| ")][1:]  # without the header
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in rows]


def test_quick_run_reports_every_row(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "run.py"), "--quick",
                           "--out", str(results), "--work", str(tmp_path / "work")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    text = results.read_text("utf-8")

    for label in ("date", "CPU", "RAM", "Python", "packages", "load average at start",
                  "load average at end"):
        assert re.search(rf"^- {label}[^:]*: \S", text, re.M), label
    assert "soapbuild 0." in text or "soapbuild 1." in text

    cells = table(text)
    assert [row[0][:len(title)] for row, (title, _) in zip(cells, ROWS, strict=False)] == [
        title for title, _ in ROWS]
    assert len(cells) == len(ROWS)
    for row, (title, peer) in zip(cells, ROWS, strict=True):
        _, subject, baseline, result, cpu, target, met = row
        if peer is not None and importlib.util.find_spec(peer) is None:
            assert (result, met) == (PEERS, "not measured"), row
            continue
        figure = FIGURE.match(result)
        assert figure, row
        median, low, high = (float(figure.group(n)) for n in (1, 3, 4))
        assert low <= median <= high and median > 0, row
        wanted = TARGET.match(target)
        assert wanted, row
        limit = float(wanted.group(2))
        meets = median >= limit if wanted.group(1) == "≥" else median <= limit
        # the figure is rounded for display; a median right at the limit may go either way
        if abs(median - limit) > 0.01 * limit:
            assert met == ("yes" if meets else "no"), row
        assert re.match(r"^\d+(\.\d+)? (s|ms|MiB) \(", subject), row
        if title.startswith(("`watch`", "peak memory")):
            assert baseline == "—" and cpu == "—", row
        else:
            assert re.match(r"^\d+\.\d+ s \(", baseline), row
            assert re.match(r"^-?\d+\.\d+×$", cpu), row

    # the table printed is the table written, and every timed command is listed
    for row in cells:
        assert f"| {' | '.join(row)} |" in done.stdout
    for name in ("floor-large", "check-large-cold", "hook", "import-line", "build-pdf-cold",
                 "weasyprint"):
        assert re.search(rf"^\| {name} \| `python ", text, re.M), name
