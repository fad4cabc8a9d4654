"""The hostile-input suite (issue 16, deliverable 1): every case of tests/hostile/cases.py
through the command line, each held to its expected outcome and to what all must do.

No case may raise (a traceback), hang (each runs under a time bound in
tests/hostile/driver.py, and the driver itself under a timeout), print the
secret file that links point at, or write anywhere but ``output/`` and
``.soapbuild/``; a note case must leave the clean note beside it checked. Then
all hostile notes together in one practice go through a real ``python -m
soapbuild check`` and ``build``, and the ones with heavy markup through a PDF
build: one bad note never stops the others.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import tally

sys.path.insert(0, str(Path(__file__).parent / "hostile"))
from cases import (
    ALLOWED_WRITES,
    CLEAN,
    CLEAN_NOTE,
    EXTRA,
    HOSTILE_NOTE,
    NOW,
    SECRET,
    SETTINGS,
    Case,
    all_cases,
    lay_out,
)

CASES = all_cases()
DRIVER = Path(__file__).parent / "hostile" / "driver.py"
DRIVER_TIMEOUT = 420  # seconds for every case together; each has its own bound too


def snapshot(folder: Path) -> dict[bytes, str]:
    """Every entry below ``folder`` but the workspace's output/ and .soapbuild/: its kind
    and, for a file, its content's hash; for a link, its target."""
    seen: dict[bytes, str] = {}
    skipped = {os.fsencode(folder / "ws" / name) for name in ALLOWED_WRITES}
    for top, dirs, files in os.walk(os.fsencode(folder)):
        dirs[:] = [d for d in dirs if os.path.join(top, d) not in skipped]
        for name in dirs + files:
            path = os.path.join(top, name)
            if path in skipped:
                continue
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                seen[path] = "link " + os.fsdecode(os.readlink(path))
            elif stat.S_ISREG(info.st_mode):
                with open(path, "rb") as handle:
                    seen[path] = "file " + hashlib.sha256(handle.read(1 << 20)).hexdigest() \
                        + f" {info.st_size}"
            else:
                seen[path] = f"kind {stat.S_IFMT(info.st_mode)}"
    return seen


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Lay out every case, run them all in the driver, and return the results by case id
    (with each case's root and its snapshot from before the run)."""
    base = tmp_path_factory.mktemp("hostile")
    prepared: dict[str, Any] = {}
    jobs = []
    for number, case in enumerate(CASES):
        folder = base / f"{number:03d}"
        folder.mkdir()
        root = lay_out(case, folder)
        if case.id in EXTRA:
            EXTRA[case.id](root)
        prepared[case.id] = {"root": root, "folder": folder, "before": snapshot(folder)}
        arguments = list(case.command)
        if "--now" not in arguments:
            arguments += ["--now", NOW]
        jobs.append({"id": case.id, "root": str(root), "args": arguments,
                     "bound": case.bound})
    cases_file, results_file = base / "cases.json", base / "results.json"
    cases_file.write_text(json.dumps(jobs), "utf-8")
    try:
        subprocess.run([sys.executable, str(DRIVER), str(cases_file), str(results_file)],
                       check=True, timeout=DRIVER_TIMEOUT, capture_output=True)
    except subprocess.TimeoutExpired:
        current = Path(str(results_file) + ".current")
        at = current.read_text("utf-8") if current.exists() else "?"
        pytest.fail(f"the hostile driver hung past {DRIVER_TIMEOUT} s, at case {at} "
                    "(a hang its own timer could not interrupt)")
    for result in json.loads(results_file.read_text("utf-8")):
        prepared[result["id"]].update(result)
    return prepared


def _findings(output: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(output)
    return data


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_hostile_input(case: Case, ran: dict[str, Any]) -> None:
    result = ran[case.id]
    tally.add("hostile inputs")
    assert not result["hung"], f"{case.id}: still running after {case.bound} s"
    assert result["traceback"] is None, result["traceback"]
    output = result["output"]
    assert "Traceback" not in output, output
    assert result["exit"] in case.expect.exits, (result["exit"], output[-2000:])
    for words in case.expect.says:
        assert words in output, (words, output[-2000:])
    assert SECRET not in output and "root:x:0:0" not in output, output[-2000:]
    assert snapshot(result["folder"]) == result["before"], "wrote outside output/, .soapbuild/"
    if case.command[:3] == ("check", "--format", "json") and result["exit"] in (0, 1):
        report = _findings(output)
        if case.expect.clean:
            assert CLEAN_NOTE in report["files"], report["files"]
        found = {f["code"] for f in report["findings"] if f["path"] == HOSTILE_NOTE}
        found |= {f["code"] for f in report["findings"] if f["path"] != CLEAN_NOTE}
        assert case.expect.codes <= found, (case.expect.codes, found)
    output_folder = result["root"] / "output"
    if case.command[0] == "build" and result["exit"] == 0:
        assert (output_folder / "index.html").is_file()
        for page in output_folder.rglob("*"):
            if page.is_file():
                data = page.read_bytes()
                assert SECRET.encode() not in data and b"root:x:0:0" not in data, page
                assert b"\x00" not in data or page.suffix == ".pdf", page


def test_the_suite_has_at_least_a_hundred_cases() -> None:
    assert len(CASES) >= 100, len(CASES)
    kinds = {case.kind for case in CASES}
    assert kinds == {"note", "layout", "settings", "template", "schedule"}, kinds


def _practice(folder: Path, notes: dict[str, bytes]) -> Path:
    root = folder / "practice"
    (root / "notes").mkdir(parents=True)
    (root / "soapbuild.toml").write_text(SETTINGS, "utf-8")
    (root / "notes" / "C-1").mkdir()
    (root / CLEAN_NOTE).write_bytes(CLEAN)
    for name, data in notes.items():
        path = root / "notes" / f"H-{name}" / "2026-11-21.md"
        path.parent.mkdir()
        path.write_bytes(data)
    return root


def _soapbuild(root: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "soapbuild", "-C", str(root), *args,
                           "--now", NOW], capture_output=True, text=True, timeout=timeout,
                          check=False, env={**os.environ, "NO_COLOR": "1"})


def _note_files() -> dict[str, bytes]:
    return {case.id: data for case in CASES if case.kind == "note"
            for data in [case.files[HOSTILE_NOTE]] if isinstance(data, bytes)}


# Each costs a second or more to check or render (huge, in size or in count); each ran
# on its own above, under its bound. The practice below holds every other note case.
SLOW = ("note-quotes-400kb", "note-headings-10k", "note-link-defs-10k", "note-addenda-2000",
        "note-yaml-deep-flow", "note-yaml-huge-list", "note-star-a-8000",
        "note-deep-blockquote", "note-line-100k", "note-too-large", "note-brackets-50k",
        "note-backticks-50k", "note-deep-list", "note-value-100k", "note-heading-100k")


def test_every_hostile_note_in_one_practice_is_checked_and_built(tmp_path: Path) -> None:
    notes = {name: data for name, data in _note_files().items() if name not in SLOW}
    root = _practice(tmp_path, notes)
    checked = _soapbuild(root, "check", "--format", "json")
    assert checked.returncode in (0, 1) and "Traceback" not in checked.stderr, checked.stderr
    files = set(json.loads(checked.stdout)["files"])
    assert {CLEAN_NOTE, *(f"notes/H-{name}/2026-11-21.md" for name in notes)} <= files
    built = _soapbuild(root, "build", "--no-pdf")
    assert built.returncode == 0 and "Traceback" not in built.stderr, built.stderr
    pages = [p for p in (root / "output" / "notes").glob("*.html")]
    assert len(pages) >= len(notes) // 2  # the readable ones each have a page
    for page in (root / "output").rglob("*.html"):
        assert b"\x00" not in page.read_bytes(), page
    again = _soapbuild(root, "build", "--no-pdf")
    assert again.returncode == 0 and "up to date" in again.stdout, again.stdout


# Markup that once cost minutes to print (star-a-8000: 88 s), or that a PDF might choke on.
HEAVY = ("note-star-a-8000", "note-deep-emphasis", "note-control-chars", "note-client-html")


@pytest.mark.needs("pango")
def test_hostile_markup_prints_to_pdf_in_bounded_time(tmp_path: Path) -> None:
    notes = {name: data for name, data in _note_files().items() if name in HEAVY}
    assert len(notes) == len(HEAVY)
    # one client, so one PDF holds them all
    root = _practice(tmp_path, {})
    for number, data in enumerate(notes.values()):
        path = root / "notes" / "C-1" / f"2026-11-{number + 1:02d}.md"
        path.write_bytes(data)
    shutil.rmtree(root / "output", ignore_errors=True)
    built = _soapbuild(root, "build", "--pdf", timeout=180)
    assert built.returncode == 0 and "Traceback" not in built.stderr, built.stderr
    assert [p.name for p in (root / "output" / "clients").glob("*.pdf")]
