"""The terminal: problems that stop a command, paths a user can paste, build progress.

Every command writes to the terminal through here, so that what counts as a
terminal (colour, progress) is decided in one place.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import click


class UsageProblem(click.ClickException):
    """A problem that stops soapbuild before it can do its job: exit code 2."""

    exit_code = 2


def show(path: Path) -> str:
    """A path the user can paste: relative to the current folder when inside it."""
    from soapbuild.discover import display_path

    return display_path(path, Path.cwd())


def colour_on(stream: object = None) -> bool:
    """Whether to colour output written to ``stream`` (standard output by default)."""
    stream = sys.stdout if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and "NO_COLOR" not in os.environ


class Progress:
    """Progress on standard error, for a terminal only and only once a build takes over 1 s."""

    DELAY = 1.0

    def __init__(self) -> None:
        self.tty = colour_on(sys.stderr)
        self.started = time.perf_counter()
        self.label = ""
        self.shown = False
        self.last = 0.0
        self._timer: threading.Timer | None = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self._cancel()
        if self.shown:
            click.echo("\r\033[K", nl=False, err=True)

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def phase(self, label: str) -> None:
        """A step without a count, shown once the build has run for a second."""
        self._cancel()
        self.label = label
        if not self.tty:
            return
        wait = self.DELAY - (time.perf_counter() - self.started)
        if wait <= 0:
            self._show(f"{label}…")
            return
        self._timer = threading.Timer(wait, self._show, (f"{label}…",))
        self._timer.daemon = True
        self._timer.start()

    def step(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if self.tty and now - self.started >= self.DELAY and (
                now - self.last >= 0.1 or done == total):
            self._cancel()
            self.last = now
            self._show(f"{self.label} {done}/{total}")

    def _show(self, text: str) -> None:
        self.shown = True
        click.echo(f"\r\033[K{text}", nl=False, err=True)
