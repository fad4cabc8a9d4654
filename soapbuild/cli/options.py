"""Options several commands share, declared once, and the call into soapbuild.commands.

Command modules are imported inside the commands, so that ``soapbuild check``
in a git hook loads nothing it does not use.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

FORMAT_CHOICES = ("text", "json", "sarif", "github")

_Command = TypeVar("_Command", bound=Callable[..., Any])


def now_option(help_text: str = "Take this as the current time (also SOAPBUILD_NOW).",
               ) -> Callable[[_Command], _Command]:
    """``--now TIMESTAMP`` (or ``SOAPBUILD_NOW``): every command that judges time takes it."""
    return click.option("--now", "now_text", envvar="SOAPBUILD_NOW", metavar="TIMESTAMP",
                        help=help_text)


def output_option(what: str) -> Callable[[_Command], _Command]:
    return click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
                        help=f"Write the {what} to this file instead of standard output.")


def pdf_option(default: bool | None, help_text: str) -> Callable[[_Command], _Command]:
    """``--pdf/--no-pdf``; a default of None lets the command tell "not said" from ``--pdf``."""
    return click.option("--pdf/--no-pdf", default=default, show_default=default is not None,
                        help=help_text)


def settings_and_now(directory: Path, now_text: str | None) -> tuple[Any, datetime]:
    from soapbuild.commands.common import run_now, workspace_settings

    settings = workspace_settings(directory)
    return settings, run_now(now_text, settings)


def run(module: str, function: str, *args: Any) -> NoReturn:
    """Exit with the code of ``soapbuild.commands.MODULE.FUNCTION(*args)``, imported now."""
    sys.exit(getattr(importlib.import_module(f"soapbuild.commands.{module}"), function)(*args))


def run_in(command: str, directory: Path, now_text: str | None, *args: Any) -> NoReturn:
    """The same for a command that takes the workspace's settings and "now" first."""
    settings, now = settings_and_now(directory, now_text)
    run(command, command, directory, settings, now, *args)
