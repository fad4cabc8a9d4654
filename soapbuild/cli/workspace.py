"""Commands that set a workspace up: init, new, and the git hook."""

from __future__ import annotations

from pathlib import Path

import click

from soapbuild.cli.options import now_option, run


@click.command()
@click.argument("folder", required=False, default=".", type=click.Path(path_type=Path))
@now_option("Take this as the current time, for the example note (also SOAPBUILD_NOW).")
@click.pass_obj
def init(directory: Path, folder: Path, now_text: str | None) -> None:
    """Create a workspace: notes/, soapbuild.toml, .gitignore and an example note.

    Never overwrites a file: what exists is kept, and .gitignore only gains lines.
    """
    run("init", "init", directory, folder, now_text)


@click.command()
@click.option("--client", required=True, metavar="ID",
              help="The client's identifier; also names the client's folder.")
@click.option("--date", "date_text", metavar="DATE",
              help="Session date: YYYY-MM-DD or 'YYYY-MM-DD HH:MM'  [default: now]")
@click.option("--clinician", envvar="SOAPBUILD_CLINICIAN", metavar="NAME",
              help="The note's author  [default: SOAPBUILD_CLINICIAN, else git user.name]")
@click.option("--format", "format_name", metavar="FORMAT",
              help="Note format: soap, dap, birp or one from settings  [default: soap]")
@click.option("--psychotherapy-notes", "private", is_flag=True,
              help="Write psychotherapy notes (kind: psychotherapy-notes), kept apart from "
                   "the record, instead of a progress note.")
@now_option()
@click.pass_obj
def new(directory: Path, client: str, date_text: str | None, clinician: str | None,
        format_name: str | None, private: bool, now_text: str | None) -> None:
    """Write a note skeleton and print its path (never overwrites a note).

    The note goes to NOTES/CLIENT/DATE.md, or DATE-2.md and so on when that exists.
    """
    run("init", "new", directory, client, date_text, clinician, format_name, now_text, private)


@click.group()
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
    run("hook", "install", directory, force)
