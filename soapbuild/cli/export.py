"""``soapbuild export``: the record shared outside the practice, as FHIR or a payer's packet.

The work is in :mod:`soapbuild.commands.export`, imported inside each command, so
that ``fhir.resources`` and WeasyPrint load only when something is exported.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from soapbuild.cli.options import now_option, run_in

_DAY = click.DateTime(["%Y-%m-%d"])


def _sessions(client_required: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The options that say which sessions to export, shared by both subcommands."""
    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed((
            click.option("--client", "clients", multiple=True, required=client_required,
                         metavar="ID", help="Only this client's sessions (repeat for more)."
                         + ("" if client_required else " Default: every client.")),
            click.option("--since", type=_DAY, metavar="DATE",
                         help="First session day to include (YYYY-MM-DD)."),
            click.option("--until", type=_DAY, metavar="DATE",
                         help="Last session day to include (YYYY-MM-DD)."),
            click.option("--date", "days", type=_DAY, multiple=True, metavar="DATE",
                         help="Only sessions of this day (repeat for more dates of service)."),
            now_option(),
        )):
            command = option(command)
        return command
    return decorate


def _request(clients: tuple[str, ...], since: datetime | None, until: datetime | None,
             days: tuple[datetime, ...], drafts: bool = False) -> Any:
    from soapbuild.export.selection import Request

    return Request(clients, since.date() if since else None, until.date() if until else None,
                   tuple(day.date() for day in days), drafts)


@click.group()
def export() -> None:
    """Share the record: FHIR documents for another provider, a PDF/A packet for a payer.

    Both export what 'check' reads of the whole notes folder; psychotherapy notes
    (kind: psychotherapy-notes) are never exported, and drafts only when asked.
    """


@export.command()
@_sessions(client_required=False)
@click.option("--per-note", is_flag=True,
              help="One Bundle per note (DIR/CLIENT/NOTE.json) instead of one per client.")
@click.option("--drafts", is_flag=True,
              help="Export drafts too, as preliminary Compositions.")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              required=True, metavar="DIR", help="Folder to write the Bundles into.")
@click.pass_obj
def fhir(directory: Path, clients: tuple[str, ...], since: datetime | None,
         until: datetime | None, days: tuple[datetime, ...], now_text: str | None,
         per_note: bool, drafts: bool, output: Path) -> None:
    """FHIR R4 document Bundles (JSON) of the notes, one per client (or per note).

    Each note is a Composition (LOINC 11506-3) with a section per note section, its
    Encounter, diagnoses, author, signature and co-signature; addenda follow as
    amendments. Exit 0 when written, 2 when nothing matches or it cannot be written.
    """
    run_in("export", directory, now_text, "fhir",
           _request(clients, since, until, days, drafts), output, per_note)


@export.command()
@_sessions(client_required=True)
@click.option("--by", "producer", required=True, metavar='"NAME, ROLE"',
              help="Who produces the packet (printed on its cover).")
@click.option("--request", "reference", metavar="TEXT",
              help="The payer's request as it names itself (printed on the cover).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              required=True, metavar="FILE", help="The PDF to write; its manifest goes beside "
              "it as FILE.manifest.json.")
@click.pass_obj
def audit(directory: Path, clients: tuple[str, ...], since: datetime | None,
          until: datetime | None, days: tuple[datetime, ...], now_text: str | None,
          producer: str, reference: str | None, output: Path) -> None:
    """A payer's records request: the submitted notes of the sessions asked for, as one
    PDF/A with a cover page, and a manifest with the SHA-256 of each note.

    Identifiers beyond the client ID are blacked out (settings: export.redact).
    Exit 0 when written, 2 when nothing matches or it cannot be written.
    """
    run_in("export", directory, now_text, "audit",
           _request(clients, since, until, days), output, producer, reference)
