"""``soapbuild retire NOTE --reason TEXT``: a deleted locked note that never belonged in the record.

A locked note that disappears is an error (K002) until it is restored or
retired. Retiring records, in ``.soapbuild/seals.json``, that the note is gone on
purpose and why (a note written for the wrong client, a duplicate): the reason
stays in the seal log with the time, and the report's history shows it. Only a
locked note that is really gone can be retired.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from soapbuild.commands.check import run_checks
from soapbuild.console import UsageProblem
from soapbuild.settings import Settings


def retire(directory: Path, settings: Settings, now: datetime, note: Path, reason: str) -> int:
    """Record the retirement; exit 1 when the note cannot be retired."""
    from soapbuild.discover import workspace_key
    from soapbuild.history.seals import SEALS_FILE, Entry, SealError, SealStore

    if not reason.strip():
        raise UsageProblem("--reason: say why the note is retired")
    target = directory / note
    key = workspace_key(target, settings.root)
    if key is None:
        raise UsageProblem(f"{target}: not inside the workspace ({settings.root})")
    if target.exists():
        click.echo(f"not retired: {note} is still there; retire a locked note only once it is "
                   "deleted, and correct a note that belongs in the record with an addendum")
        return 1
    run = run_checks(directory, settings, now)
    gone = next((g for g in run.ledger.deleted if g.key == key), None)
    if gone is None:
        click.echo(f"not retired: {note} is not a locked note that was deleted")
        return 1
    if gone.retired is not None:
        click.echo(f"{note} was already retired on {gone.retired_at}: {gone.retired}")
        return 0
    try:
        store = SealStore.load(settings.root)
        store.add(Entry("retire", key, now.isoformat(timespec="seconds"), reason=reason.strip(),
                        client=gone.client, session_date=gone.session_date))
        store.save()
    except SealError as error:
        raise UsageProblem(str(error)) from None
    click.echo(f"retired {note} (client {gone.client}, session of {gone.session_date}): "
               f"{reason.strip()}; the reason is kept in {SEALS_FILE.as_posix()}, commit it "
               "with the notes")
    return 0
