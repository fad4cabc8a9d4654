"""What every command starts from: the workspace's settings and the run's "now".

Both are read once per command and handed down, so a build that checks and then
renders judges every note at the same instant under the same settings.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import click

from soapbuild.console import UsageProblem
from soapbuild.settings import Settings, SettingsError, load_settings, read_settings

CONFIG_KEY = "soapbuild.config"  # where the group's --config is kept (click's context.meta)


def workspace_settings(directory: Path) -> Settings:
    """The settings of the workspace holding ``directory``; a bad file stops the command.

    With ``soapbuild --config FILE`` that file is read instead of looking for one,
    and the workspace is the file's folder.
    """
    from soapbuild.rules.registry import ALWAYS_REPORTED, known_codes, unsuppressible_codes

    context = click.get_current_context(silent=True)
    config: Path | None = context.meta.get(CONFIG_KEY) if context is not None else None
    if not directory.is_dir():  # else the search for a workspace starts above it
        raise UsageProblem(f"{directory}: no such folder (given with -C); name the "
                           "workspace's folder or a folder inside it")
    try:
        if config is not None:
            path = (directory / config).absolute()
            settings = read_settings(path.parent, path, known_codes())
        else:
            settings = load_settings(directory, known_codes())
    except SettingsError as error:
        raise UsageProblem(str(error)) from None
    fixed = sorted(settings.rules_ignore & unsuppressible_codes())
    if fixed:
        raise UsageProblem(f"{settings.source}: 'rules.ignore': {', '.join(fixed)} cannot be "
                           f"ignored; {ALWAYS_REPORTED}")
    return settings


def run_now(value: str | None, settings: Settings) -> datetime:
    """'Now' for this run: --now / SOAPBUILD_NOW (read in the practice timezone) or the clock."""
    from soapbuild.model.timeparse import parse_moment, resolve

    if not value:
        return datetime.now(settings.timezone)
    moment = parse_moment(value)
    if moment is None:
        raise UsageProblem(f"--now / SOAPBUILD_NOW: {value!r} is not a date-time such as "
                           "2026-11-24 09:00 or 2026-11-24T09:00:00-05:00")
    return resolve(moment, settings.timezone)


def write_output(path: Path, text: str) -> None:
    """Write ``-o FILE`` whole (atomically); a folder that does not exist stops the command."""
    from soapbuild.atomic import write_atomic

    try:
        write_atomic(path, text.encode("utf-8"))
    except OSError as error:
        raise UsageProblem(f"cannot write {path}: {error.strerror or error}") from None


@contextmanager
def held(settings: Settings, name: str, what: str) -> Iterator[None]:
    """Hold the workspace lock ``name`` (see :mod:`soapbuild.filelocks`), saying on standard
    error when another command holds it; a lock that cannot be had stops the command."""
    from soapbuild.filelocks import LockHeld, workspace_lock

    lock = workspace_lock(settings.root, name, what,
                          waiting=lambda message: click.echo(f"soapbuild: {message}…", err=True))
    try:
        lock.__enter__()
    except LockHeld as error:
        raise UsageProblem(str(error)) from None
    except OSError as error:
        raise UsageProblem(f"cannot take the {name} lock: {error}") from None
    try:
        yield
    finally:
        lock.__exit__(None, None, None)
