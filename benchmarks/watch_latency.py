"""How long `soapbuild watch` takes from a saved note to the served page showing the change.

Drives the real command (``python -m soapbuild watch --port 0``) on a workspace,
as a person previewing their notes does: save a note with a new sentence, then
ask the preview server (HTTP on 127.0.0.1) for that note's page until it shows
the sentence. The time from the save to that answer is one figure; the next
save waits until the rebuild has finished and the watcher is quiet.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

SERVING = re.compile(r"http://127\.0\.0\.1:(\d+)/")
BUILT = re.compile(r"rendered \d+ of|is up to date|build failed")
ANCHOR = "## Subjective\n"
POLL = 0.02  # seconds between requests for the page
TIMEOUT = 600.0  # a first build of a large workspace on a busy machine is slow


class WatchFailed(Exception):
    """The preview did not start or did not show a save in time."""


class Watching:
    """A running ``soapbuild watch`` and the lines it printed."""

    def __init__(self, workspace: Path, now: str) -> None:
        self.workspace = workspace
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "soapbuild", "-C", str(workspace), "watch", "--port", "0",
             "--now", now], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        threading.Thread(target=self._read, daemon=True).start()
        found = self.wait(lambda: next((m for line in self.lines
                                        if (m := SERVING.search(line))), None), "the server")
        self.port = int(found.group(1))

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    def wait(self, condition: Callable[[], object], what: str, timeout: float = TIMEOUT,
             ) -> object:
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if self.process.poll() is not None:
                raise WatchFailed(f"soapbuild watch exited ({self.process.returncode}) while "
                                  f"waiting for {what}:\n{''.join(self.lines[-20:])}")
            if time.monotonic() > deadline:
                raise WatchFailed(f"timed out waiting for {what}:\n{''.join(self.lines[-20:])}")
            time.sleep(POLL)

    def page(self, url: str) -> str:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", url)
            answer = connection.getresponse()
            body = answer.read().decode("utf-8", "replace")
            return body if answer.status == 200 else ""
        finally:
            connection.close()

    def builds(self) -> int:
        return sum(1 for line in self.lines if BUILT.search(line))

    def quiet(self, seconds: float) -> None:
        """Wait until nothing has been printed for ``seconds``."""
        while True:
            count = len(self.lines)
            time.sleep(seconds)
            if len(self.lines) == count:
                return

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def note_url(output: Path, note: str) -> str:
    """The served address of the page that shows the note ``note`` (a workspace path)."""
    for page in sorted((output / "notes").glob("*.html")):
        if f">{note}<" in page.read_text("utf-8"):
            return f"/notes/{page.name}"
    raise WatchFailed(f"no page in {output / 'notes'} shows {note}")


def save_latencies(workspace: Path, saves: int, now: str) -> list[float]:
    """Seconds from each of ``saves`` saves of one note to the served page showing it."""
    notes = sorted((workspace / "notes").rglob("*.md"))
    note = notes[len(notes) // 2]
    name = note.relative_to(workspace).as_posix()
    watching = Watching(workspace, now)
    try:
        url = note_url(workspace / "output", name)
        watching.quiet(1.0)
        latencies = []
        for number in range(saves):
            token = f"Saved for benchmark {number} {secrets.token_hex(4)}"
            text = note.read_text("utf-8")
            if ANCHOR not in text:
                raise WatchFailed(f"{name} has no {ANCHOR.strip()!r} section to edit")
            before = watching.builds()
            started = time.perf_counter()
            note.write_text(text.replace(ANCHOR, f"{ANCHOR}\n{token}.\n", 1), "utf-8")
            watching.wait(lambda token=token: token in watching.page(url), f"save {number}")
            latencies.append(time.perf_counter() - started)
            watching.wait(lambda before=before: watching.builds() > before,
                          f"the rebuild after save {number}")
            watching.quiet(1.0)
        return latencies
    finally:
        watching.stop()
