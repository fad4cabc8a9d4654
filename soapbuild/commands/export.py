"""``soapbuild export fhir|audit``: the record shared outside the practice.

Both check the whole notes folder as ``build`` does (:func:`run_checks`), pick
the sessions asked for (:mod:`soapbuild.export.selection`), and write only what
was asked for: the FHIR Bundles into a folder, or one audit packet (PDF/A) with
its manifest. Psychotherapy notes never reach an export: the check run holds
them as findings only.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click

from soapbuild.checker import CheckRun
from soapbuild.commands.check import run_checks
from soapbuild.console import UsageProblem, show
from soapbuild.export.selection import Request, Selection, select
from soapbuild.settings import Settings


def export(directory: Path, settings: Settings, now: datetime, kind: str, *args: Any) -> int:
    """Dispatch to :func:`fhir` or :func:`audit` (the CLI's one entry point)."""
    if kind == "fhir":
        return fhir(directory, settings, now, *args)
    return audit(directory, settings, now, *args)


def _selection(directory: Path, settings: Settings, now: datetime,
               request: Request) -> tuple[CheckRun, Selection]:
    """The check run of the whole notes folder and the sessions the request picks from it;
    a client no note names, or a request that matches nothing, stops the command."""
    run = run_checks(directory, settings, now)
    known = {s.client for s in run.sessions if s.client is not None}
    unknown = [client for client in request.clients if client not in known]
    if unknown:
        raise UsageProblem(f"--client {unknown[0]}: no note names this client")
    chosen = select(run, request, settings.timezone)
    for session, why in chosen.left_out:
        click.echo(f"{session.path}: left out: {why}", err=True)
    if not chosen.entries:
        raise UsageProblem(f"nothing to export: no submitted note matches "
                           f"({request.describe()})")
    return run, chosen


def fhir(directory: Path, settings: Settings, now: datetime, request: Request, output: Path,
         per_note: bool) -> int:
    """Write one document Bundle per client (or per note) into ``output``."""
    from soapbuild.atomic import write_atomic
    from soapbuild.export.fhir import ExportInvalid, bundle_json, client_bundle, note_bundle
    from soapbuild.render.names import client_names, note_label, unique_names

    _run, chosen = _selection(directory, settings, now, request)
    clients = chosen.clients()
    names = client_names(clients)
    files: dict[Path, str] = {}
    try:
        if per_note:
            labels = unique_names({e.session.path: note_label(
                (e.note.key or e.session.path).split("/", 1)[-1].rsplit(".", 1)[0])
                for e in chosen.entries}, fallback="note")
            for entry in chosen.entries:
                name = labels[entry.session.path]
                target = output / names[entry.session.client or ""] / f"{name}.json"
                files[target] = bundle_json(note_bundle(entry, settings, now))
        else:
            for client in clients:
                mine = [e for e in chosen.entries if e.session.client == client]
                files[output / f"{names[client]}.json"] = bundle_json(
                    client_bundle(client, mine, settings, now))
    except ExportInvalid as error:
        raise UsageProblem(f"export fhir: {error} (a defect of soapbuild; nothing was "
                           "written)") from None
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, text.encode("utf-8"))
    except OSError as error:
        raise UsageProblem(f"cannot write {output}: {error.strerror or error}") from None
    notes = len(chosen.entries)
    click.echo(f"{show(output)}/: {len(files)} FHIR document Bundle"
               f"{'' if len(files) == 1 else 's'} of {notes} note{'' if notes == 1 else 's'} "
               f"({request.describe()}).")
    return 0


def audit(directory: Path, settings: Settings, now: datetime, request: Request, output: Path,
          producer: str, reference: str | None) -> int:
    """Write the audit packet ``output`` (PDF/A) and its manifest beside it."""
    from soapbuild.export.audit import AuditError, manifest_path, write_packet
    from soapbuild.render.pdf import INSTALL_PANGO, unavailable

    why = unavailable()
    if why is not None:
        raise UsageProblem(f"cannot write the packet: {why}; {INSTALL_PANGO}")
    from soapbuild.render import locked_views

    run, chosen = _selection(directory, settings, now, request)
    try:
        write_packet(chosen, request, settings, now, output, producer, reference,
                     locked_views(run, settings))
    except AuditError as error:
        raise UsageProblem(str(error)) from None
    count = len(chosen.entries)
    click.echo(f"{show(output)}: {count} note{'' if count == 1 else 's'} "
               f"({request.describe()}); manifest {show(manifest_path(output))}.")
    return 0
