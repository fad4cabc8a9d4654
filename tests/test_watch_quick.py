"""``soapbuild watch`` shows a saved note's pages first, then rebuilds the rest (issue 15, 5).

Two promises, both checked byte for byte:

- the pages written at once for a save (:mod:`soapbuild.preview.quick`) are the pages the
  rebuild right after writes, a save that makes a copied section (D001) included;
- after a run of saves (plain, making a copy, removing it), a rename and a delete, the
  output of the running ``watch`` is what a fresh ``soapbuild build --no-pdf`` of the same
  workspace writes into another folder.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_build import NOW, copy_practice
from test_watch import Watching, start_watch, until

from soapbuild.commands.build import build_once
from soapbuild.commands.watch import quick_pages
from soapbuild.render import PdfMode

EARLIER = "notes/C-1042/2026-10-12.md"
LATER = "notes/C-1042/2026-11-09.md"
SHOWN = re.compile(r"showing the save: (.+) \(")
BUILT = re.compile(r"rendered \d+ of|is up to date")


def subjective(text: str) -> str:
    """The Subjective section's text (after its heading, up to the next heading)."""
    start = text.index("## Subjective\n") + len("## Subjective\n")
    end = text.index("\n## ", start)
    return text[start:end]


def copy_subjective(workspace: Path) -> str:
    """Give LATER the Subjective section of EARLIER (the same client's): a copied section.
    Returns LATER's text as it was."""
    later = workspace / LATER
    before = later.read_text("utf-8")
    copied = subjective((workspace / EARLIER).read_text("utf-8"))
    later.write_text(before.replace(subjective(before), copied, 1), "utf-8")
    return before


def add_line(workspace: Path, note: str, line: str) -> None:
    path = workspace / note
    text = path.read_text("utf-8")
    path.write_text(text.replace("## Subjective\n", f"## Subjective\n\n{line}\n", 1), "utf-8")


def outputs(folder: Path) -> dict[str, bytes]:
    """Every file of an output folder but the PDFs (a watch makes none), by name."""
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*"))
            if path.is_file() and path.suffix != ".pdf"
            and not any(part.startswith(".") for part in path.relative_to(folder).parts)}


# --- the pages written at once are the rebuild's ----------------------------------------


def test_the_pages_shown_at_once_are_the_pages_the_rebuild_writes(tmp_path: Path) -> None:
    workspace = copy_practice(tmp_path / "practice")
    quick = quick_pages(workspace, PdfMode.KEEP, NOW)
    build_once(workspace, PdfMode.KEEP, NOW, seen=quick.keep)
    quick.ready()
    output = workspace / "output"

    def save_and_compare(note: str, change: object) -> dict[str, bytes]:
        assert callable(change)
        change()
        shown = quick.saved({(workspace / note).resolve()})
        assert len(shown) == 2 and shown[0].startswith("notes/"), shown
        assert shown[1].startswith("clients/")
        written = {name: (output / name).read_bytes() for name in shown}
        build_once(workspace, PdfMode.KEEP, NOW, seen=quick.keep)
        quick.ready()
        for name, page in written.items():
            assert (output / name).read_bytes() == page, name
        return written

    shown = save_and_compare(LATER, lambda: add_line(workspace, LATER, "Quokka-3391 today."))
    assert b"Quokka-3391" in next(iter(shown.values()))
    before: list[str] = []
    shown = save_and_compare(LATER, lambda: before.append(copy_subjective(workspace)))
    page = next(iter(shown.values())).decode("utf-8")
    assert "D001" in page and EARLIER in page  # the copy is found, and named
    shown = save_and_compare(LATER, lambda: (workspace / LATER).write_text(before[0], "utf-8"))
    assert "D001" not in next(iter(shown.values())).decode("utf-8")


def test_a_change_the_pages_of_one_note_cannot_show_is_left_to_the_rebuild(
        tmp_path: Path) -> None:
    workspace = copy_practice(tmp_path / "practice")
    quick = quick_pages(workspace, PdfMode.KEEP, NOW)
    build_once(workspace, PdfMode.KEEP, NOW, seen=quick.keep)
    quick.ready()
    note = workspace / LATER
    moved = note.with_name("2026-11-10.md")
    note.rename(moved)
    assert quick.saved({note.resolve(), moved.resolve()}) == []  # a rename
    assert quick.saved({moved.resolve()}) == []  # a note the last build did not know
    assert quick.saved({(workspace / "notes" / "C-1042" / "plan.md").resolve()}) == []
    assert quick.saved({(workspace / "soapbuild.toml").resolve()}) == []
    both = [workspace / EARLIER, workspace / "notes" / "C-1042" / "2026-10-19.md"]
    assert quick.saved({path.resolve() for path in both}) == []  # two notes at once


# --- the running watch ends where a fresh build does --------------------------------------


def settle(watching: Watching, builds: int) -> None:
    """Wait for a rebuild after ``builds`` rebuilds, then until nothing more is printed."""
    until(lambda: len(BUILT.findall(watching.output())) > builds, what="the rebuild")
    while True:
        printed = len(watching.lines)
        time.sleep(1.0)  # only waits: no result depends on it
        if len(watching.lines) == printed:
            return


def fresh_build(workspace: Path, target: Path) -> Path:
    """The workspace's notes, settings and seals (not its cache or output) in ``target``,
    built there by ``soapbuild build --no-pdf``; returns the output folder."""
    target.mkdir()
    shutil.copytree(workspace / "notes", target / "notes")
    shutil.copy(workspace / "soapbuild.toml", target / "soapbuild.toml")
    shutil.copytree(workspace / ".soapbuild", target / ".soapbuild",
                    ignore=shutil.ignore_patterns("cache"))
    subprocess.run([sys.executable, "-m", "soapbuild", "-C", str(target), "build", "--no-pdf",
                    "--now", NOW], check=True, capture_output=True, text=True)
    return target / "output"


def test_after_saves_a_rename_and_a_delete_the_output_is_a_fresh_builds(
        tmp_path: Path) -> None:
    workspace = copy_practice(tmp_path / "practice")
    with start_watch(workspace) as watching:
        def built() -> int:
            return len(BUILT.findall(watching.output()))

        settle(watching, 0)
        steps = [
            lambda: add_line(workspace, LATER, "Quokka-3391 today."),
            lambda: kept.append(copy_subjective(workspace)),
            lambda: (workspace / LATER).write_text(kept[0], "utf-8"),
            lambda: (workspace / EARLIER).rename(workspace / "notes/C-1042/2026-10-13.md"),
            lambda: (workspace / "notes/C-1042/2026-10-19.md").unlink(),
        ]
        kept: list[str] = []
        copied = []  # whether the output shows LATER's copied section, after each step
        for step in steps:
            builds = built()
            step()
            settle(watching, builds)
            pages = (workspace / "output" / "notes").glob("*.html")
            copied.append(any("D001" in text and f">{LATER}<" in text
                              for text in (page.read_text("utf-8") for page in pages)))
        assert copied == [False, True, False, False, False]
        shown = SHOWN.findall(watching.output())
        # the three saves were shown at once (the rename and the delete only by the rebuild)
        assert len(shown) == 3, watching.output()
        assert all(names.startswith("notes/") for names in shown)
        served = outputs(workspace / "output")
    fresh = outputs(fresh_build(workspace, tmp_path / "fresh"))
    assert sorted(served) == sorted(fresh)
    different = [name for name in fresh if served[name] != fresh[name]]
    assert different == []


@pytest.mark.parametrize("name", ["note.html", "client.html"])
def test_a_changed_template_is_compiled_again_in_a_running_process(
        tmp_path: Path, name: str) -> None:
    """The templates are compiled once per process; a template added to the workspace (or
    changed) is used by the next build all the same."""
    workspace = copy_practice(tmp_path / "practice")
    build_once(workspace, PdfMode.KEEP, NOW)
    from soapbuild.render.templates import builtin_dir

    templates = workspace / "templates"
    templates.mkdir()
    original = (builtin_dir() / name).read_text("utf-8")
    (templates / name).write_text(original.replace("{% block main %}",
                                                   "{% block main %}<p>Ibex-7781</p>", 1),
                                  "utf-8")
    build_once(workspace, PdfMode.KEEP, NOW)
    folder = "notes" if name == "note.html" else "clients"
    pages = list((workspace / "output" / folder).glob("*.html"))
    assert pages and all("Ibex-7781" in page.read_text("utf-8") for page in pages)
    (templates / name).write_text(original.replace("{% block main %}",
                                                   "{% block main %}<p>Ibex-7782</p>", 1),
                                  "utf-8")
    build_once(workspace, PdfMode.KEEP, NOW)
    assert all("Ibex-7782" in page.read_text("utf-8") for page in pages)
