"""``soapbuild check``: discover → parse → check, and print the findings.

:func:`run_checks` is the check step that ``build`` and ``report`` share: it
loads what the rules need from outside the notes (the vocabulary, the schedule,
the lock baselines from the seal file or git) once, then runs the checker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from soapbuild.checker import CheckRun
from soapbuild.commands.common import write_output
from soapbuild.console import UsageProblem, colour_on, show
from soapbuild.settings import Settings

if TYPE_CHECKING:
    from soapbuild.model.schedule import Schedule


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """What ``check`` was asked for, besides the workspace.

    ``quiet`` counts ``-q``: 1 prints the findings without the summary line, 2
    (``-qq``, ``--silent``) prints nothing and only the exit code speaks, as in Ruff.
    """

    paths: tuple[Path, ...] = ()
    staged: bool = False
    output_format: str = "text"
    strict: bool = False
    output: Path | None = None
    colour: str = "auto"
    quiet: int = 0
    statistics: bool = False
    exit_zero: bool = False
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()


def run_checks(directory: Path, settings: Settings, now: datetime,
               paths: Sequence[Path] = (), staged: bool = False) -> CheckRun:
    """Check the notes under ``paths`` (default: the notes folder) and record the seals of
    newly locked notes.

    With ``staged``, check the staged content of the staged notes (under ``paths``
    when given). In a git repository the lock baseline is git plus the seals
    already recorded, and no seals are written (see :mod:`soapbuild.history.seals`).
    """
    from soapbuild.checker import check_files, check_paths
    from soapbuild.discover import PathError
    from soapbuild.history import git
    from soapbuild.history.seals import SealError, SealStore
    from soapbuild.rules.context import Context
    from soapbuild.rules.lexicon import VocabularyError
    from soapbuild.rules.registry import vocabulary_codes

    try:
        context = Context.for_settings(settings, now, vocabulary_codes())
    except VocabularyError as error:
        raise UsageProblem(str(error)) from None
    targets = [directory / p for p in paths] or [settings.notes_path]
    top = git.toplevel(settings.root)
    if staged and top is None:
        raise UsageProblem(f"--staged: {show(settings.root.resolve())} is not in a git "
                           "repository, so nothing is staged; run 'soapbuild check' without "
                           "--staged")
    if not paths and not staged and not settings.notes_path.is_dir():
        raise UsageProblem(f"no notes folder at {settings.notes_path} "
                           "(set notes_dir in soapbuild.toml or name the notes to check)")
    try:
        # Missing sessions are judged on the whole folder only.
        schedule = _schedule(settings, now) if not paths and not staged else None
        seals = SealStore.load(settings.root)
        if top is None:
            run = check_paths(targets, context.with_baseline(seals), base=directory,
                              schedule=schedule)
            seals.record(run.seal_updates)
            seals.save()
            return run
        baseline = git.LayeredBaseline(seals, git.GitBaseline(top, settings, context.now))
        in_git = context.with_baseline(baseline)
        if staged:
            files = git.staged_notes(top, settings.notes_path, [directory / p for p in paths])
            return check_files(files, in_git, base=directory, reader=git.staged_reader(top))
        return check_paths(targets, in_git, base=directory, schedule=schedule)
    except (PathError, SealError, git.GitError) as error:
        raise UsageProblem(str(error)) from None


def _schedule(settings: Settings, now: datetime) -> Schedule | None:
    """The workspace's schedule, loaded once for the rules and the report (None without one).

    The schedule module is imported only when there is a schedule: a git hook
    checking a few notes should not pay for it.
    """
    if settings.schedule_path is None:
        return None
    from soapbuild.model.schedule import Schedule, ScheduleError

    try:
        return Schedule.load(settings.schedule_path, settings.timezone, now)
    except ScheduleError as error:
        raise UsageProblem(str(error)) from None


def check_command(directory: Path, settings: Settings, now: datetime, options: CheckOptions,
                  *, fix_first: bool = False, diff: bool = False) -> int:
    """``soapbuild check``: with ``--diff`` only the fixes as a diff (as ``soapbuild fix
    --diff``); with ``--fix`` the mechanical fixes first, then the check."""
    from soapbuild.commands.fix import fix as run_fix

    if (fix_first or diff) and options.staged:
        raise click.UsageError("--fix and --diff change the files, not the staged content")
    if diff:
        return run_fix(directory, settings, now, options.paths, diff=True)
    if fix_first and run_fix(directory, settings, now, options.paths, diff=False,
                             err=True) == 2:
        return 2
    return check(directory, settings, now, options)


def check(directory: Path, settings: Settings, now: datetime, options: CheckOptions) -> int:
    """Print the findings; the exit code is 1 when a finding fails the check."""
    from soapbuild.model.findings import Severity

    if options.statistics and options.output_format not in ("text", "json"):
        raise UsageProblem(f"--statistics is printed as text or JSON, not as "
                           f"{options.output_format}; use --format text or --format json")
    settings = with_selection(settings, options.select, options.ignore)
    run = run_checks(directory, settings, now, options.paths, options.staged)
    colour = colour_on(choice=options.colour, to_file=options.output is not None)
    if options.statistics:
        from soapbuild.formatters.statistics import render as statistics

        report = statistics(run, colour, as_json=options.output_format == "json")
    else:
        from soapbuild.formatters import FORMATTERS

        report = FORMATTERS[options.output_format](run, colour, summary_line=options.quiet == 0)
    if options.output is not None:
        write_output(options.output, report)
    elif options.quiet < 2:
        click.echo(report, nl=False, color=colour)
    failing = run.count(Severity.ERROR) + (run.count(Severity.WARNING) if options.strict else 0)
    return 1 if failing and not options.exit_zero else 0


def with_selection(settings: Settings, select: Sequence[str], ignore: Sequence[str]) -> Settings:
    """``settings`` with ``--select``/``--ignore`` applied to the rules it ignores.

    ``--select`` keeps only the rules it names, ``--ignore`` drops more, on top of
    ``[rules] ignore``. Rules that can never be silenced (R codes, K001, N codes)
    stay: a selection never hides them, and ignoring only them is refused.
    """
    from dataclasses import replace

    from soapbuild.rules.registry import (
        ALWAYS_REPORTED,
        SelectorError,
        expand,
        known_codes,
        unsuppressible_codes,
    )

    if not select and not ignore:
        return settings
    fixed = unsuppressible_codes()
    try:
        selected = expand(select, "--select") if select else known_codes()
        ignored: set[str] = set()
        for selector in ignore:
            codes = expand([selector], "--ignore")
            if codes <= fixed:
                shown = ", ".join(sorted(codes))
                raise UsageProblem(f"--ignore {selector}: {shown} cannot be ignored; "
                                   f"{ALWAYS_REPORTED}")
            ignored |= codes
    except SelectorError as error:
        raise UsageProblem(str(error)) from None
    dropped = (known_codes() - selected) | ignored
    return replace(settings, rules_ignore=settings.rules_ignore | (dropped - fixed))
