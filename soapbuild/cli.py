"""The command line: parse options, call the pipeline, map results to exit codes.

Exit codes follow Ruff and Vale: 0 no errors, 1 errors found (warnings too with
``--strict``), 2 soapbuild could not do its job (usage, settings, paths).
Heavy modules are imported inside the commands that need them so that
``soapbuild check`` in a git hook starts fast.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path

import click

from soapbuild import __version__
from soapbuild.settings import Settings, SettingsError, load_settings

FORMAT_CHOICES = ("text", "json", "sarif", "github")


class UsageProblem(click.ClickException):
    """A problem that stops soapbuild before it starts: exit code 2."""

    exit_code = 2


def _settings(directory: Path) -> Settings:
    from soapbuild.registry import known_codes

    try:
        return load_settings(directory, known_codes())
    except SettingsError as error:
        raise UsageProblem(str(error)) from None


def _now(value: str | None, settings: Settings) -> datetime:
    """'Now' for this run: --now / SOAPBUILD_NOW (read in the practice timezone) or the clock."""
    from soapbuild.timeparse import parse_moment, resolve

    if not value:
        return datetime.now(settings.timezone)
    moment = parse_moment(value)
    if moment is None:
        raise UsageProblem(f"--now / SOAPBUILD_NOW: {value!r} is not a date-time such as "
                           "2026-11-24 09:00 or 2026-11-24T09:00:00-05:00")
    return resolve(moment, settings.timezone)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="soapbuild")
@click.option("-C", "--directory", type=click.Path(file_okay=False, path_type=Path),
              default=".", show_default=True,
              help="Run as if started in this folder (the workspace or inside it).")
@click.pass_context
def main(ctx: click.Context, directory: Path) -> None:
    """Check, render and report on therapy progress notes kept as plain files."""
    ctx.obj = directory


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(FORMAT_CHOICES),
              default="text", show_default=True, help="How to print the findings.")
@click.option("--strict/--no-strict", default=False, show_default=True,
              help="Fail (exit 1) on warnings as well as errors.")
@click.option("--now", "now_text", envvar="SOAPBUILD_NOW", metavar="TIMESTAMP",
              help="Take this as the current time (also SOAPBUILD_NOW).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file instead of standard output.")
@click.pass_obj
def check(directory: Path, paths: tuple[Path, ...], output_format: str, strict: bool,
          now_text: str | None, output: Path | None) -> None:
    """Check notes (default: the workspace's notes folder)."""
    from soapbuild.checker import check_paths
    from soapbuild.context import Context
    from soapbuild.discover import PathError
    from soapbuild.findings import Severity
    from soapbuild.formatters import FORMATTERS
    from soapbuild.language.vocabulary import VocabularyError
    from soapbuild.registry import vocabulary_codes

    settings = _settings(directory)
    try:
        context = Context.for_settings(settings, _now(now_text, settings), vocabulary_codes())
    except VocabularyError as error:
        raise UsageProblem(str(error)) from None
    targets = [directory / p for p in paths] or [settings.notes_path]
    if not paths and not settings.notes_path.is_dir():
        raise UsageProblem(f"no notes folder at {settings.notes_path} "
                           "(set notes_dir in soapbuild.toml or name the notes to check)")
    try:
        run = check_paths(targets, context, base=directory)
    except PathError as error:
        raise UsageProblem(str(error)) from None
    tty = output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    report = FORMATTERS[output_format](run, tty)
    if output is not None:
        output.write_text(report, "utf-8")
    else:
        click.echo(report, nl=False, color=tty)
    failing = run.count(Severity.ERROR) + (run.count(Severity.WARNING) if strict else 0)
    sys.exit(1 if failing else 0)


@main.command()
@click.option("--format", "output_format", type=click.Choice(("text", "json")),
              default="text", show_default=True)
def rules(output_format: str) -> None:
    """List every rule: code, family, default severity and summary."""
    import json

    from soapbuild.registry import all_rules

    listed = list(all_rules().values())
    if output_format == "json":
        click.echo(json.dumps([{"code": r.code, "name": r.name, "family": r.family,
                                "severity": r.severity.value, "summary": r.summary}
                               for r in listed], indent=2))
        return
    for rule in listed:
        click.echo(f"{rule.code}  {rule.family:<11} {rule.severity.value:<8} {rule.summary}")


@main.command()
@click.argument("code")
def explain(code: str) -> None:
    """Print the documentation of one rule, with examples."""
    from soapbuild.explain import render_page
    from soapbuild.registry import all_rules

    rule = all_rules().get(code.upper())
    if rule is None:
        raise UsageProblem(f"{code!r} is not a rule code; 'soapbuild rules' lists them")
    click.echo(render_page(rule))
