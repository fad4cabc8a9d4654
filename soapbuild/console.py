"""The terminal: problems that stop a command, paths a user can paste, colour, progress.

Every command writes to the terminal through here, so that what counts as a
terminal, and whether output is coloured, is decided in one place
(:func:`colour_on`).
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


COLOUR_CHOICES = ("auto", "always", "never")
# The one palette: a severity's colour wherever a severity word is printed.
SEVERITY_COLOURS = {"error": "red", "warning": "yellow", "info": "cyan"}


def is_terminal(stream: object) -> bool:
    """Whether ``stream`` is an interactive terminal (progress lines redraw themselves there)."""
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def colour_on(stream: object = None, choice: str = "auto", *, to_file: bool = False) -> bool:
    """Whether to colour output written to ``stream`` (standard output by default).

    In order: ``--color always|never`` decides; a file (``-o FILE``, ``to_file``)
    is plain otherwise; then ``NO_COLOR`` turns colour off and ``FORCE_COLOR``
    turns it on, each only when set to a non-empty value (no-color.org,
    force-color.org; NO_COLOR wins when both are set, as in pytest and CPython);
    then colour is on for a terminal, unless ``TERM=dumb``. Colour only ever
    adds emphasis: every line says its severity in words.
    """
    if choice != "auto" or to_file:
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return is_terminal(sys.stdout if stream is None else stream) \
        and os.environ.get("TERM") != "dumb"


class Progress:
    """Progress on standard error, for a terminal only and only once a build takes over 1 s."""

    DELAY = 1.0

    def __init__(self) -> None:
        self.tty = is_terminal(sys.stderr) and os.environ.get("TERM") != "dumb"
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
