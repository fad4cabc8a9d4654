"""What every command starts from: the workspace's settings and the run's "now".

Both are read once per command and handed down, so a build that checks and then
renders judges every note at the same instant under the same settings.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from soapbuild.console import UsageProblem
from soapbuild.settings import Settings, SettingsError, load_settings


def workspace_settings(directory: Path) -> Settings:
    """The settings of the workspace holding ``directory``; a bad file stops the command."""
    from soapbuild.rules.registry import known_codes

    try:
        return load_settings(directory, known_codes())
    except SettingsError as error:
        raise UsageProblem(str(error)) from None


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
