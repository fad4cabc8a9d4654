"""The command line: declare the options, call the command, map its result to an exit code.

What each command does is in :mod:`soapbuild.commands` (one module per command);
here are only the options, declared once where several commands share them.
Exit codes follow Ruff and Vale: 0 no errors, 1 errors found (warnings too with
``--strict``), 2 soapbuild could not do its job (usage, settings, paths).
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

from soapbuild import __version__
from soapbuild.console import COLOUR_CHOICES

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


def _settings_and_now(directory: Path, now_text: str | None) -> tuple[Any, datetime]:
    from soapbuild.commands.common import run_now, workspace_settings

    settings = workspace_settings(directory)
    return settings, run_now(now_text, settings)


def _run(module: str, function: str, *args: Any) -> NoReturn:
    """Exit with the code of ``soapbuild.commands.MODULE.FUNCTION(*args)``, imported now."""
    sys.exit(getattr(importlib.import_module(f"soapbuild.commands.{module}"), function)(*args))


def _run_in(command: str, directory: Path, now_text: str | None, *args: Any) -> NoReturn:
    """The same for a command that takes the workspace's settings and "now" first."""
    settings, now = _settings_and_now(directory, now_text)
    _run(command, command, directory, settings, now, *args)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="soapbuild")
@click.option("-C", "--directory", type=click.Path(file_okay=False, path_type=Path),
              default=".", show_default=True,
              help="Run as if started in this folder (the workspace or inside it).")
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Use this settings file (its folder is the workspace); do not look for one.")
@click.pass_context
def main(ctx: click.Context, directory: Path, config: Path | None) -> None:
    """Check, render and report on therapy progress notes kept as plain files."""
    from soapbuild.commands.common import CONFIG_KEY

    ctx.obj = directory
    ctx.meta[CONFIG_KEY] = config


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(FORMAT_CHOICES),
              default="text", show_default=True, help="How to print the findings.")
@click.option("--strict/--no-strict", default=False, show_default=True,
              help="Fail (exit 1) on warnings as well as errors.")
@now_option()
@output_option("report")
@click.option("--staged", is_flag=True,
              help="Check the staged content of the staged notes (git index), not the files.")
@click.option("--fix", "fix_first", is_flag=True,
              help="Make the mechanical fixes first (as 'soapbuild fix'), then check.")
@click.option("--diff", is_flag=True,
              help="Only print the fixes as a diff, as 'soapbuild fix --diff'; write nothing.")
@click.option("--color", "colour", type=click.Choice(COLOUR_CHOICES), default="auto",
              show_default=True, help="auto: on a terminal, unless NO_COLOR (FORCE_COLOR).")
@click.option("-q", "--quiet", count=True, help="No summary line; -qq: print nothing.")
@click.option("--silent", is_flag=True, help="Print nothing: only the exit code (as -qq).")
@click.option("--statistics", is_flag=True, help="Count the findings of each rule instead.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings fail the check.")
@click.option("--select", multiple=True, metavar="CODES", help="Only these (J002, judgment, J).")
@click.option("--ignore", multiple=True, metavar="CODES", help="Not these, nor [rules] ignore.")
@click.pass_obj
def check(directory: Path, paths: tuple[Path, ...], output_format: str, strict: bool,
          now_text: str | None, output: Path | None, staged: bool, fix_first: bool,
          diff: bool, colour: str, quiet: int, silent: bool, statistics: bool,
          exit_zero: bool, select: tuple[str, ...], ignore: tuple[str, ...]) -> None:
    """Check notes (default: the workspace's notes folder).

    With --staged, check what the next commit holds: the staged notes (only those
    under PATHS when given), read from the git index, as the pre-commit hook does.
    """
    from soapbuild.commands.check import CheckOptions
    from soapbuild.commands.check import check_command as run

    settings, now = _settings_and_now(directory, now_text)
    sys.exit(run(directory, settings, now, CheckOptions(
        paths, staged, output_format, strict, output, colour, 2 if silent else min(quiet, 2),
        statistics, exit_zero, select, ignore), fix_first=fix_first, diff=diff))


@main.command("settings")
@click.option("--format", "output_format", type=click.Choice(("text", "json")),
              default="text", show_default=True)
@click.pass_obj
def settings_command(directory: Path, output_format: str) -> None:
    """Print the settings in force and where each came from (default, or file and key)."""
    from soapbuild.commands.settings import show_settings

    sys.exit(show_settings(directory, output_format))


@main.command()
@click.option("--format", "output_format", type=click.Choice(("text", "json")),
              default="text", show_default=True)
def rules(output_format: str) -> None:
    """List every rule: code, family, default severity and summary."""
    _run("rules", "list_rules", output_format)


@main.command()
@click.argument("code")
def explain(code: str) -> None:
    """Print the documentation of one rule, with examples."""
    _run("rules", "explain", code)


@main.group()
def hook() -> None:
    """The git pre-commit hook that checks staged notes."""


@hook.command("install")
@click.option("--force", is_flag=True,
              help="Replace a different existing hook (backed up as pre-commit.soapbuild-backup).")
@click.pass_obj
def hook_install(directory: Path, force: bool) -> None:
    """Install the pre-commit hook: 'soapbuild check --staged' before each commit.

    Respects core.hooksPath and never replaces another hook without --force.
    """
    _run("hook", "install", directory, force)


def _signing(name: str, who: str, doc: str) -> None:  # submit, attest, cosign: alike
    @main.command(name, help=doc)
    @click.argument("notes", nargs=-1, required=True, type=click.Path(path_type=Path))
    @click.option("--as", "signer", metavar='"NAME, CREDENTIAL"', help=f"Sign as {who} "
                  "[default: their credential in soapbuild.toml; never guessed].")
    @now_option()
    @click.pass_obj
    def command(directory: Path, /, notes: tuple[Path, ...], **options: Any) -> None:
        _run_in(name, directory, options["now_text"], notes, options["signer"])


_signing("submit", "the note's clinician", "Sign notes off: refuse a note with errors, else "
         "stamp 'submitted' and 'signed_by' (author, credential), nothing else.")
_signing("attest", "the note's clinician", "Sign notes submitted without a signature: append "
         "the author's dated signature attestation, changing nothing else.")
_signing("cosign", "the clinician's supervisor", "Co-sign notes as the author's supervisor "
         "(cosigned_by, cosigned); refuses anyone else and unsigned or flawed notes.")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--diff", is_flag=True,
              help="Print the fixes as a unified diff and write nothing (exit 1 if any).")
@now_option()
@click.pass_obj
def fix(directory: Path, paths: tuple[Path, ...], diff: bool, now_text: str | None) -> None:
    """Make mechanical, meaning-free fixes to notes (default: the notes folder).

    Section labels become headings, 'duration: 50 min' becomes 50, text values
    other YAML readers would mistype are quoted, and a quotation's marks are
    matched. Nothing else in a file changes; a locked note is never touched.
    """
    _run_in("fix", directory, now_text, paths, diff)


@main.command()
@click.argument("notes", nargs=-1, required=True, type=click.Path(path_type=Path))
@now_option()
@click.pass_obj
def restore(directory: Path, notes: tuple[Path, ...], now_text: str | None) -> None:
    """Put a locked note's text back (or a deleted one); the change becomes a draft addendum."""
    _run_in("restore", directory, now_text, notes)


@main.command()
@click.argument("note", type=click.Path(path_type=Path))
@click.option("--reason", required=True, help="Why the note never belonged in the record.")
@now_option()
@click.pass_obj
def retire(directory: Path, note: Path, reason: str, now_text: str | None) -> None:
    """Record that a deleted locked note is gone on purpose, and why (ends K002)."""
    _run_in("retire", directory, now_text, note, reason)


@main.command()
@click.argument("folder", required=False, default=".", type=click.Path(path_type=Path))
@now_option("Take this as the current time, for the example note (also SOAPBUILD_NOW).")
@click.pass_obj
def init(directory: Path, folder: Path, now_text: str | None) -> None:
    """Create a workspace: notes/, soapbuild.toml, .gitignore and an example note.

    Never overwrites a file: what exists is kept, and .gitignore only gains lines.
    """
    _run("init", "init", directory, folder, now_text)


@main.command()
@click.option("--client", required=True, metavar="ID",
              help="The client's identifier; also names the client's folder.")
@click.option("--date", "date_text", metavar="DATE",
              help="Session date: YYYY-MM-DD or 'YYYY-MM-DD HH:MM'  [default: now]")
@click.option("--clinician", envvar="SOAPBUILD_CLINICIAN", metavar="NAME",
              help="The note's author  [default: SOAPBUILD_CLINICIAN, else git user.name]")
@click.option("--format", "format_name", metavar="FORMAT",
              help="Note format: soap, dap, birp or one from settings  [default: soap]")
@now_option()
@click.pass_obj
def new(directory: Path, client: str, date_text: str | None, clinician: str | None,
        format_name: str | None, now_text: str | None) -> None:
    """Write a note skeleton and print its path (never overwrites a note).

    The note goes to NOTES/CLIENT/DATE.md, or DATE-2.md and so on when that exists.
    """
    _run("init", "new", directory, client, date_text, clinician, format_name, now_text)


@main.command()
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

    settings, now = _settings_and_now(directory, now_text)
    sys.exit(run(directory, settings, now, ReportOptions(
        since.date() if since else None, until.date() if until else None, clinician,
        output_format, output, history)))


@main.command()
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
    _run("build", "build", directory, pdf, now_text)


@main.command()
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
    _run("watch", "watch", directory, port, pdf, poll, now_text)
