"""Commands that make something from the notes: report, build, watch."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from soapbuild.cli.options import now_option, output_option, pdf_option, run, settings_and_now


@click.command()
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), metavar="DATE",
              help="First session day to include (YYYY-MM-DD).")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), metavar="DATE",
              help="Last session day to include (YYYY-MM-DD).")
@click.option("--clinician", metavar="NAME",
              help="Only this clinician's sessions (the name with or without credentials).")
@click.option("--format", "output_format", type=click.Choice(("text", "json", "csv")),
              default="text", show_default=True,
              help="A table, the JSON report (schemas/report-v2) or CSV, one row per session.")
@click.option("--history/--no-history", default=False, show_default=True,
              help="Add each note's history (git commits, changes after locking, addenda).")
@output_option("report")
@now_option()
@click.pass_obj
def report(directory: Path, since: datetime | None, until: datetime | None,
           clinician: str | None, output_format: str, history: bool, output: Path | None,
           now_text: str | None) -> None:
    """The compliance report: sessions, timeliness and billing per clinician.

    Checks the workspace's notes as 'check' does. The report is information, not
    a gate: the exit code is 0 whatever it shows (2 when it cannot be made).
    """
    from soapbuild.commands.report import ReportOptions
    from soapbuild.commands.report import report as run

    settings, now = settings_and_now(directory, now_text)
    sys.exit(run(directory, settings, now, ReportOptions(
        since.date() if since else None, until.date() if until else None, clinician,
        output_format, output, history)))


@click.command()
@pdf_option(None, "Write each client's record as a PDF (output/clients/ID.pdf). By default "
                  "the PDFs are made where WeasyPrint can load Pango and skipped with a note "
                  "where it cannot; --pdf makes that an error (exit 2); --no-pdf removes the "
                  "PDFs of an earlier build, which would be out of date.")
@now_option()
@click.pass_obj
def build(directory: Path, pdf: bool | None, now_text: str | None) -> None:
    """Render the record and the compliance report into the output folder.

    Writes the dashboard (index.html), a page and a PDF per client, a page per
    note with its findings highlighted, and report.html/.json/.csv. A rebuild
    makes only the pages whose notes, templates or settings changed; a build
    that fails or is interrupted leaves the previous output as it was. The exit
    code is 0 whatever the notes hold (the report shows it), 2 when the build
    cannot be made (or --pdf was given and PDFs cannot be made here).
    """
    run("build", "build", directory, pdf, now_text)


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="The preview server's port on 127.0.0.1 (0: any free port).")
@pdf_option(False, "Also make the PDF records on every rebuild (slow, so off by default; "
                   "without it, the PDFs of an earlier build stay, marked once out of date).")
@click.option("--poll/--no-poll", default=False, show_default=True,
              help="Scan for changes every half second instead of asking the system to "
                   "report them (for network drives and containers, where reports miss).")
@now_option()
@click.pass_obj
def watch(directory: Path, port: int, pdf: bool, poll: bool, now_text: str | None) -> None:
    """Build, then rebuild what changed and reload the browser preview.

    Builds as `soapbuild build` does, serves the output folder at
    http://127.0.0.1:PORT/ (this machine only), and rebuilds whenever a note, a
    template, the settings or the schedule changes; the open page reloads
    itself. A rebuild that fails prints why and keeps the last good output
    served. Ctrl-C stops.
    """
    run("watch", "watch", directory, port, pdf, poll, now_text)
