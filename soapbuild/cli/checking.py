"""Commands that read notes and say what they find: check, fix, rules, explain, settings."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from soapbuild.cli.options import (
    FORMAT_CHOICES,
    now_option,
    output_option,
    run,
    run_in,
    settings_and_now,
)
from soapbuild.console import COLOUR_CHOICES


@click.command()
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

    settings, now = settings_and_now(directory, now_text)
    sys.exit(run(directory, settings, now, CheckOptions(
        paths, staged, output_format, strict, output, colour, 2 if silent else min(quiet, 2),
        statistics, exit_zero, select, ignore, now_text is not None), fix_first=fix_first,
        diff=diff))


@click.command("settings")
@click.option("--format", "output_format", type=click.Choice(("text", "json")),
              default="text", show_default=True)
@click.pass_obj
def settings_command(directory: Path, output_format: str) -> None:
    """Print the settings in force and where each came from (default, or file and key)."""
    from soapbuild.commands.settings import show_settings

    sys.exit(show_settings(directory, output_format))


@click.command()
@click.option("--format", "output_format", type=click.Choice(("text", "json")),
              default="text", show_default=True)
def rules(output_format: str) -> None:
    """List every rule: code, family, default severity and summary."""
    run("rules", "list_rules", output_format)


@click.command()
@click.argument("code")
def explain(code: str) -> None:
    """Print the documentation of one rule, with examples."""
    run("rules", "explain", code)


@click.command()
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
    run_in("fix", directory, now_text, paths, diff)
