"""``watch`` never misses a save (issue 8, item 9): a soak test and the race it guards.

The soak test runs the real ``soapbuild watch`` on a workspace made by
``benchmarks/gen_corpus.py`` and saves notes 500 times in bursts, the ways
editors save: in place, by writing a temporary file and renaming it over the
note, and by moving the note aside and writing a new one (Vim's backup). The
saves switch each note between a few versions, so a note often goes back to
text an earlier build saw. At the end every note page must show exactly the
note's final text. 60 notes keep it under a minute on two cores;
``SOAPBUILD_SOAK_NOTES=1000`` runs it on the benchmark's size.

The race: a build used to record the hash of the notes as they were when it
started, while its check read them a moment later. A save in between gave a
page of the new text under the key of the old; when the note went back to the
old text, the next build found the key unchanged and said "up to date" while
the page kept the other text. The regression test makes that save happen
exactly there, with a named pipe as the note: each read of it gets the next
version, as if an editor saved between the reads.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import BinaryIO

import pytest
from test_build import NOW, REPO, copy_practice, note_pages
from test_watch import until

from soapbuild.commands.build import build_once
from soapbuild.model import raw
from soapbuild.render import PdfMode

SOAK_NOTES = int(os.environ.get("SOAPBUILD_SOAK_NOTES", "60"))
SAVES = 500
BURST = 50
CORPUS_NOW = "2025-01-15 12:00"


class _SourceText(HTMLParser):
    """The text of a note page's "as written" view: the file, line by line."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._in_source = self._in_badge = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "pre" and "source" in classes:
            self._in_source = True
        elif self._in_source and tag == "span" and "line" in classes:
            self.lines.append("")
        elif self._in_source and tag == "a" and "badge" in classes:
            self._in_badge = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self._in_source = False
        elif tag == "a":
            self._in_badge = False

    def handle_data(self, data: str) -> None:
        if self._in_source and not self._in_badge and self.lines:
            self.lines[-1] += data


def page_source(page: Path) -> str:
    parser = _SourceText()
    parser.feed(page.read_text("utf-8"))
    return "\n".join(parser.lines)


def _pages_by_note(workspace: Path) -> dict[str, Path]:
    return note_pages(workspace / "output")


# --- the race, made to happen --------------------------------------------------------------


class SavingEditor:
    """Saves the next version of a note just before soapbuild opens it to read (the last
    version repeats): an editor's save at exactly the worst moment, every time. The file
    and the read are real; only the moment of the save is chosen. (A named pipe served
    each read its own version once, but soapbuild now refuses to read a pipe: issue 16.)"""

    def __init__(self, note: Path, versions: list[str]) -> None:
        self.note, self.versions, self.reads = note, versions, 0
        self.real_open = raw.open_regular

    def __call__(self, path: Path) -> BinaryIO:
        if Path(path) == self.note:
            self.note.write_text(self.versions[min(self.reads, len(self.versions) - 1)],
                                 "utf-8")
            self.reads += 1
        return self.real_open(path)


@pytest.fixture
def practice(tmp_path: Path) -> Path:
    return copy_practice(tmp_path / "practice")


def test_a_save_between_the_key_and_the_check_is_not_lost(practice: Path) -> None:
    name = "notes/C-1042/2026-10-05.md"
    note = practice / name
    original = note.read_text("utf-8")

    def version(tag: str) -> str:
        return original.replace("## Subjective\n", f"## Subjective\nVersion-{tag}\n", 1)

    note.write_text(version("a"), "utf-8")
    build_once(practice, PdfMode.KEEP, NOW)
    # the build's first look sees b, its check reads c (an editor saved in between),
    # and every later look sees b again (the editor went back)
    editor = SavingEditor(note, [version("b"), version("c"), version("b")])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(raw, "open_regular", editor)
        racing = build_once(practice, PdfMode.KEEP, NOW)
    assert editor.reads >= 3
    assert racing.stale, "the build did not notice that the note changed under it"
    assert "Version-c" in page_source(_pages_by_note(practice)[name])
    note.write_text(version("b"), "utf-8")  # the note as it stays
    after = build_once(practice, PdfMode.KEEP, NOW)
    assert not after.up_to_date, "the output was taken as up to date with a page of other text"
    assert page_source(_pages_by_note(practice)[name]) == version("b")
    assert build_once(practice, PdfMode.KEEP, NOW).up_to_date


# --- the soak test ---------------------------------------------------------------------------


def _save_in_place(path: Path, text: str, number: int) -> None:
    path.write_text(text, "utf-8")


def _save_by_rename(path: Path, text: str, number: int) -> None:
    temporary = path.with_name(f".{path.name}.{number}.tmp")  # Sublime, VS Code, gedit
    temporary.write_text(text, "utf-8")
    os.replace(temporary, path)


def _save_after_backup(path: Path, text: str, number: int) -> None:
    backup = path.with_name(path.name + "~")  # Vim with 'writebackup': move aside, write anew
    os.replace(path, backup)
    path.write_text(text, "utf-8")
    backup.unlink()


SAVE_STYLES = (_save_in_place, _save_by_rename, _save_after_backup)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    workspace = tmp_path / "corpus"
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "gen_corpus.py"),
                    str(workspace / "notes"), "--count", str(SOAK_NOTES), "--seed", "8"],
                   check=True, capture_output=True, timeout=120)
    (workspace / "soapbuild.toml").write_text('timezone = "America/New_York"\n', "utf-8")
    return workspace


@pytest.fixture
def watching(corpus: Path) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "soapbuild", "-C", str(corpus), "watch", "--port", "0",
         "--now", CORPUS_NOW], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "NO_COLOR": "1"})
    lines: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        until(lambda: "Serving" in "".join(lines) or process.poll() is not None, timeout=120,
              what="the first build")
        assert process.poll() is None, "".join(lines)
        yield process, lines
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        reader.join(5)


def test_every_page_shows_its_notes_last_save(
        corpus: Path, watching: tuple[subprocess.Popen[str], list[str]]) -> None:
    process, lines = watching
    rng = random.Random(8)
    notes = sorted((corpus / "notes").glob("*.md"))
    originals = {path: path.read_text("utf-8") for path in notes}

    def version(path: Path, number: int) -> str:
        return originals[path].replace("## Subjective\n",
                                       f"## Subjective\nSoak version {number}.\n", 1)

    final: dict[Path, str] = {}
    styles: dict[str, int] = {}

    def save(path: Path, text: str, number: int) -> None:
        style = rng.choice(SAVE_STYLES)
        style(path, text, number)
        styles[style.__name__] = styles.get(style.__name__, 0) + 1
        final[path] = text

    def behind() -> list[str]:
        pages = _pages_by_note(corpus)
        return [path.name for path, text in final.items()
                if f"notes/{path.name}" not in pages
                or page_source(pages[f"notes/{path.name}"]) != text]

    def caught_up(when: str) -> None:
        """Every page shows its note as it is now, once watch has built (success as
        soon as they do). A page left behind stays behind: no build comes without a
        save, so the wait runs out (a minute: builds are slow on a busy machine)."""
        deadline = time.monotonic() + 60
        while behind():
            if time.monotonic() > deadline:
                pytest.fail(f"after {when}, pages behind their notes {behind()}; the last "
                            "builds:\n" + "".join(lines[-6:]))
            time.sleep(0.05)

    started = time.monotonic()
    for burst in range(SAVES // BURST):
        # One save, then a pause just past watch's quiet period: a build starts and
        # hashes the notes. The rest of the burst lands while its check reads them,
        # and every other burst ends where it began, so the notes go back to the
        # text that build saw first (the race this test is for). After each burst,
        # not only at the end, the pages must catch up: any later build reads every
        # note again and would hide a page left behind.
        pair = rng.sample(notes, 2)
        before = {path: final.get(path, originals[path]) for path in pair}
        save(pair[0], version(pair[0], rng.randrange(3)), burst * BURST)
        before[pair[0]] = final[pair[0]]
        time.sleep(rng.uniform(0.3, 0.5))
        for number in range(1, BURST):
            path = pair[number % 2]
            last = number >= BURST - 2 and burst % 2 == 0
            save(path, before[path] if last else version(path, rng.randrange(3)),
                 burst * BURST + number)
            time.sleep(rng.uniform(0, 0.04))
        caught_up(f"burst {burst}")
    assert min(styles.values()) > SAVES // 5, styles
    assert sum(1 for path, text in final.items() if text != originals[path]) >= 5

    quiet = time.monotonic()
    caught_up("the last burst")
    time.sleep(1.0)  # a page never goes back: still right a moment later
    assert behind() == []
    assert process.poll() is None
    assert "build failed" not in "".join(lines)
    print(f"{SAVES} saves {styles} in {quiet - started:.1f} s; "
          f"{sum('rendered' in line for line in lines)} builds")


def test_the_soak_page_reader_reads_a_page_exactly(practice: Path) -> None:
    """The comparison above is only as good as the reader of the page: it gives back
    the file exactly, findings' marks and badges left out."""
    build_once(practice, PdfMode.KEEP, NOW)
    pages = _pages_by_note(practice)
    flawed = 0
    for name, page in pages.items():
        assert page_source(page) == (practice / name).read_text("utf-8"), name
        flawed += 'class="badge"' in page.read_text("utf-8")
    assert flawed >= 3  # pages with marked findings were among them
