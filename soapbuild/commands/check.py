"""``soapbuild check``: discover → parse → check, and print the findings.

:func:`run_checks` is the check step that ``build`` and ``report`` share: it
loads what the rules need from outside the notes (the vocabulary, the schedule,
the notes' past from the seal file or git, the clients' plans) once, then runs the
checker.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from soapbuild.checker import CheckRun
from soapbuild.commands.common import write_output
from soapbuild.console import UsageProblem, colour_on, show
from soapbuild.settings import Settings

if TYPE_CHECKING:
    from soapbuild.checker import HistoryLoader
    from soapbuild.model.findings import Finding
    from soapbuild.model.formats import NoteFormat
    from soapbuild.model.parse import ParseResult
    from soapbuild.model.schedule import Schedule
    from soapbuild.rules.context import Context


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
    fixed_now: bool = False  # judged at a time given with --now, not the clock's


def run_checks(directory: Path, settings: Settings, now: datetime,
               paths: Sequence[Path] = (), staged: bool = False) -> CheckRun:
    """Check the notes under ``paths`` (default: the notes folder) and, outside git, record
    the seals of newly locked notes.

    With ``staged``, check the staged content of the staged notes (under ``paths``
    when given), against the committed notes too. The notes' past (the ledger) comes
    from git and the seal file in a repository, from the seal file alone outside
    one; see :mod:`soapbuild.history.ledger`.
    """
    from soapbuild.cache import open_note_cache
    from soapbuild.checker import check_files, check_paths, default_variant
    from soapbuild.discover import PathError
    from soapbuild.history import git
    from soapbuild.history.ledger import GitHistory, SealHistory, ledger_paths, seal_updates
    from soapbuild.history.seals import SealError, SealStore

    context = rule_context(directory, settings, now)
    targets = [directory / p for p in paths] or [settings.notes_path]
    top = git.toplevel(settings.root)
    if staged and top is None:
        raise UsageProblem(f"--staged: {show(settings.root.resolve())} is not in a git "
                           "repository, so nothing is staged; run 'soapbuild check' without "
                           "--staged")
    _notes_inside(settings)
    if not paths and not staged and not settings.notes_path.is_dir():
        raise UsageProblem(f"no notes folder at {settings.notes_path} "
                           "(set notes_dir in soapbuild.toml or name the notes to check)")
    scope = _scope(settings, targets)
    cache = None
    try:
        # Missing sessions are judged on the whole folder only.
        whole = not paths and not staged
        schedule = _schedule(settings, now) if whole else None
        store = SealStore.load(settings.root)
        cache = open_note_cache(settings)
        if top is None:
            seals = SealHistory(store, settings, context.now, scope)
            run = check_paths(targets, context, base=directory, schedule=schedule,
                              history=seals.load, whole=whole, cache=cache)
            seal_updates(store, run.ledger, run.notes.values(), settings, context.now)
            store.save()
            return replace(run, ledger=seals.recorded(run.ledger, run.notes))
        where = ledger_paths(settings, top)
        if not staged:
            history = GitHistory(where, store, settings, context.now, scope)
            return check_paths(targets, context, base=directory, schedule=schedule,
                               history=history.load, whole=whole, cache=cache)
        from soapbuild.history.committed import CommittedPrints

        changes = git.staged_changes(where)
        files = git.staged_notes(changes, settings.root, [directory / p for p in paths])
        head = git.head_notes(where)
        committed = CommittedPrints.of_head(head, changes, settings, directory)
        # The committed notes are read only where the cache lacks what copied text needs.
        contents = git.read_objects(top, [*changes.notes.values(),
                                          *(committed.blobs if cache is None else ())])
        texts = {key: contents[blob] for key, blob in changes.notes.items() if blob in contents}
        history = GitHistory(where, store, settings, context.now, scope, changes, head=head)
        others = replace(committed, contents=contents, cache=cache, variant=default_variant(),
                         read=lambda blobs: git.read_objects(top, blobs))
        return check_files(files, context, base=directory, reader=git.staged_reader(texts),
                           plan_reader=git.staged_plan_reader(texts), history=history.load,
                           others=others, cache=cache, raw=lambda file, key: texts.get(key or ""))
    except (PathError, SealError, git.GitError) as error:
        raise UsageProblem(str(error)) from None
    finally:
        if cache is not None:
            cache.close()


def check_one(directory: Path, path: Path, data: bytes, now: datetime | None = None,
              settings: Settings | None = None) -> list[Finding]:
    """The findings of the note at ``path`` if it held ``data`` (an editor's unsaved text),
    judged among the workspace's other notes as ``soapbuild check`` judges it: copied
    text against the others, its lock and history, its client's plan, the schedule.

    For a language server (issue 17): the other notes' pieces come from the cache, so a
    call costs reading them back, not parsing them; a long-running server calls
    :func:`soapbuild.cache.remember` once and then keeps them in memory. Nothing is
    written but the cache: no seal is recorded for text that is not saved. Raises
    :class:`~soapbuild.console.UsageProblem` as ``check`` would exit 2.
    """
    from soapbuild.cache import open_note_cache
    from soapbuild.checker import check_files, disk_bytes
    from soapbuild.commands.common import workspace_settings
    from soapbuild.discover import PathError, display_path, note_files, workspace_key
    from soapbuild.model.parse import parse_note, read_note

    settings = settings or workspace_settings(directory)
    now = now or datetime.now(settings.timezone)
    context = rule_context(directory, settings, now)
    target = workspace_key(path, settings.root)
    try:
        files = note_files([settings.notes_path]) if settings.notes_path.is_dir() else []
    except PathError as error:
        raise UsageProblem(str(error)) from None
    if all(workspace_key(file, settings.root) != target for file in files):
        files = sorted([*files, path])  # a new note, not saved yet

    def raw(file: Path, key: str | None) -> bytes | None:
        return data if key == target else disk_bytes(file, key)

    def reader(file: Path, display: str, formats: dict[str, NoteFormat],
               key: str | None) -> ParseResult:
        if key != target:
            return read_note(file, display, formats, key)
        return replace(parse_note(data, display, formats, key),
                       digest=hashlib.sha256(data).hexdigest())

    cache = open_note_cache(settings)
    try:
        run = check_files(files, context, base=directory, reader=reader, raw=raw,
                          history=history_loader(settings, context.now), cache=cache,
                          schedule=_schedule(settings, context.now), whole=True)
    finally:
        if cache is not None:
            cache.close()
    shown = display_path(path, directory)
    return [finding for finding in run.findings if finding.path == shown]


def _notes_inside(settings: Settings) -> None:
    """A notes folder that leads out of the workspace (a symlink) is refused: its notes
    could not be sealed, and soapbuild reads nothing outside the workspace."""
    notes, root = settings.notes_path, settings.root.resolve()
    if notes.exists() and not notes.resolve().is_relative_to(root):
        raise UsageProblem(f"{notes}: the notes folder leads outside the workspace ({root}) to "
                           f"{notes.resolve()}; move the notes into the workspace")


def _scope(settings: Settings, targets: Sequence[Path]) -> list[str]:
    """The keys under which a deleted locked note is reported: the folders checked."""
    from soapbuild.discover import workspace_key

    keys = []
    for target in targets:
        key = workspace_key(target, settings.root)
        if key is not None:
            keys.append("" if key == "." else key)
    return keys


def history_loader(settings: Settings, now: datetime) -> HistoryLoader:
    """How the notes' past (the ledger) is loaded for ``submit``, ``attest`` and ``cosign``:
    from git and the seal file in a repository, from the seal file alone outside one, as
    ``check`` loads it; these commands record no seals."""
    from soapbuild.history import git
    from soapbuild.history.ledger import GitHistory, SealHistory, ledger_paths
    from soapbuild.history.seals import SealError, SealStore

    try:
        store = SealStore.load(settings.root)
        top = git.toplevel(settings.root)
        if top is None:
            return SealHistory(store, settings, now, ()).load
        return GitHistory(ledger_paths(settings, top), store, settings, now, ()).load
    except (SealError, git.GitError) as error:
        raise UsageProblem(str(error)) from None


def rule_context(directory: Path, settings: Settings, now: datetime) -> Context:
    """What the rules know besides a note, loaded once for a run: the settings, the
    workspace's vocabulary, "now" and the clients' treatment plans.

    ``submit``, ``attest`` and ``cosign`` judge a note with the very same context as
    ``check``, so a note they accept is one ``check`` passes.
    """
    from soapbuild.cache.vocabulary import keep_builtin_vocabulary
    from soapbuild.model.plan import load_plans
    from soapbuild.rules.context import Context
    from soapbuild.rules.lexicon import VocabularyError
    from soapbuild.rules.registry import vocabulary_codes

    keep_builtin_vocabulary(settings.root)
    try:
        context = Context.for_settings(settings, now, vocabulary_codes())
    except VocabularyError as error:
        raise UsageProblem(str(error)) from None
    return context.with_plans(load_plans(settings.notes_path, settings.root, directory))


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
    if not (fix_first or diff):  # the hook's path: the fixes are not even imported
        return check(directory, settings, now, options)
    from soapbuild.commands.fix import fix as run_fix

    if options.staged:
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
    run = _whole_or_asked(directory, settings, now, options)
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


def _whole_or_asked(directory: Path, settings: Settings, now: datetime,
                    options: CheckOptions) -> CheckRun:
    """What ``check`` prints of the check asked for (:meth:`CheckRun.printed`: the notes are
    let go before the findings are formatted); at a fixed time, given back from the last
    such run when nothing it read has changed (:mod:`soapbuild.cache.runs`)."""
    if options.staged or not options.fixed_now:
        return run_checks(directory, settings, now, options.paths, options.staged).printed()
    from soapbuild.cache.runs import RunInputs

    inputs = RunInputs.of(settings, directory, [directory / p for p in options.paths],
                          now.isoformat())
    run = inputs.recall()
    if run is None:
        run = run_checks(directory, settings, now, options.paths)
        inputs.keep(run)
        run = run.printed()
    return run


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
