"""``soapbuild hook install``: the git pre-commit hook (the hook itself: history/hook.py)."""

from __future__ import annotations

from pathlib import Path

import click

from soapbuild.commands.common import workspace_settings
from soapbuild.console import UsageProblem, show


def install(directory: Path, force: bool) -> int:
    from soapbuild.history.hook import HookError
    from soapbuild.history.hook import install as install_hook

    settings = workspace_settings(directory)
    try:
        done = install_hook(settings.root, force=force)
    except HookError as error:
        raise UsageProblem(str(error)) from None
    where = show(done.path.resolve())
    if done.action == "unchanged":
        click.echo(f"{where}: the soapbuild hook is already installed; nothing changed")
        return 0
    if done.backup is not None:
        click.echo(f"{show(done.backup.resolve())}: the previous hook, kept as a backup")
    click.echo(f"{where}: {done.action} the pre-commit hook; each 'git commit' now runs "
               "'soapbuild check --staged' and stops on errors")
    return 0
