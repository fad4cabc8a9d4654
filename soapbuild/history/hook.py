"""``soapbuild hook install``: the git pre-commit hook that runs ``soapbuild check --staged``.

The hook is a small POSIX sh script. It runs soapbuild with the Python that
installed it (so a virtual environment need not be active when committing),
and falls back to ``soapbuild`` on PATH when that Python is gone. An existing
hook that is not soapbuild's is never replaced silently: ``force`` backs it up
first as ``pre-commit.soapbuild-backup``.
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from soapbuild.history.git import GitError, run_git, toplevel

HOOK_NAME = "pre-commit"
BACKUP_NAME = "pre-commit.soapbuild-backup"
MARKER = "# installed by 'soapbuild hook install'"


class HookError(Exception):
    """The hook cannot be installed; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Installed:
    """What :func:`install` did: ``action`` is installed, replaced or unchanged."""

    path: Path
    action: str
    backup: Path | None = None


def hooks_folder(top: Path) -> Path:
    """The repository's hooks folder: ``core.hooksPath`` when set, else ``.git/hooks``."""
    done = run_git(top, "rev-parse", "--git-path", "hooks")
    folder = Path(os.fsdecode(done.stdout).rstrip("\n"))
    return folder if folder.is_absolute() else top / folder


def script(workspace: Path, top: Path, python: str = sys.executable) -> str:
    """The hook's text: check the staged notes of the workspace at ``workspace``."""
    relative = workspace.resolve().relative_to(top.resolve()).as_posix()
    args = "check --staged" if relative == "." else f"-C {shlex.quote(relative)} check --staged"
    return (f"#!/bin/sh\n{MARKER}: checks the staged notes before each commit.\n"
            "# Skip it once with 'git commit --no-verify'.\n"
            f"python={shlex.quote(python)}\n"
            'if [ -x "$python" ] && "$python" -c "import soapbuild" 2>/dev/null; then\n'
            f'    exec "$python" -m soapbuild {args}\n'
            "fi\n"
            f"exec soapbuild {args}\n")


def install(workspace: Path, force: bool = False) -> Installed:
    """Write the pre-commit hook for the git repository holding ``workspace``."""
    top = toplevel(workspace)
    if top is None:
        raise HookError(f"{workspace}: not in a git repository; run 'git init' first")
    try:
        folder = hooks_folder(top)
    except GitError as error:
        raise HookError(str(error)) from None
    hook = folder / HOOK_NAME
    text = script(workspace, top)
    backup: Path | None = None
    action = "installed"
    if hook.exists() or hook.is_symlink():
        try:
            current = hook.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            current = None
        if current == text:
            return Installed(hook, "unchanged")
        if not force:
            raise HookError(f"{hook}: a different pre-commit hook is already installed; "
                            "keep it and add 'soapbuild check --staged' to it, or pass "
                            f"--force to replace it (it is backed up as {BACKUP_NAME})")
        backup = folder / BACKUP_NAME
        if backup.exists() or backup.is_symlink():
            raise HookError(f"{backup}: a backup of an earlier hook is in the way; move it "
                            "and try again")
        hook.rename(backup)
        action = "replaced"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        hook.write_text(text, "utf-8")
        hook.chmod(0o755)
    except OSError as error:
        raise HookError(f"{hook}: cannot be written ({error.strerror or error})") from None
    return Installed(hook, action, backup)
