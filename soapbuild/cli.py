"""The command line: parse options, call the pipeline, map results to exit codes.

Exit codes follow Ruff and Vale: 0 no errors, 1 errors found (warnings too with
``--strict``), 2 soapbuild could not do its job (usage, settings, paths).
Heavy modules are imported inside the commands that need them so that
``soapbuild check`` in a git hook starts fast.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from soapbuild import __version__
from soapbuild.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from soapbuild.checker import CheckRun
    from soapbuild.model.schedule import ScheduledSession
    from soapbuild.render import BuildResult
    from soapbuild.report.aggregate import Report

FORMAT_CHOICES = ("text", "json", "sarif", "github")


class UsageProblem(click.ClickException):
    """A problem that stops soapbuild before it starts: exit code 2."""

    exit_code = 2


def _settings(directory: Path) -> Settings:
    from soapbuild.rules.registry import known_codes

    try:
        return load_settings(directory, known_codes())
    except SettingsError as error:
        raise UsageProblem(str(error)) from None


def _now(value: str | None, settings: Settings) -> datetime:
    """'Now' for this run: --now / SOAPBUILD_NOW (read in the practice timezone) or the clock."""
    from soapbuild.model.timeparse import parse_moment, resolve

    if not value:
        return datetime.now(settings.timezone)
    moment = parse_moment(value)
    if moment is None:
        raise UsageProblem(f"--now / SOAPBUILD_NOW: {value!r} is not a date-time such as "
                           "2026-11-24 09:00 or 2026-11-24T09:00:00-05:00")
    return resolve(moment, settings.timezone)


def _run_checks(directory: Path, paths: tuple[Path, ...], now_text: str | None,
                staged: bool = False) -> tuple[CheckRun, datetime]:
    """Check the notes under ``paths`` (default: the notes folder) and record the seals of
    newly locked notes; returns the run and the "now" it was judged at.

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

    settings = _settings(directory)
    try:
        context = Context.for_settings(settings, _now(now_text, settings), vocabulary_codes())
    except VocabularyError as error:
        raise UsageProblem(str(error)) from None
    targets = [directory / p for p in paths] or [settings.notes_path]
    top = git.toplevel(settings.root)
    if staged and top is None:
        raise UsageProblem(f"--staged: {_show(settings.root.resolve())} is not in a git "
                           "repository, so nothing is staged; run 'soapbuild check' without "
                           "--staged")
    if not paths and not staged and not settings.notes_path.is_dir():
        raise UsageProblem(f"no notes folder at {settings.notes_path} "
                           "(set notes_dir in soapbuild.toml or name the notes to check)")
    # Missing sessions are judged on the whole folder only. The schedule module
    # (icalendar, ~50 ms) is imported only when there is a schedule: a git hook
    # checking a few notes should not pay for it.
    schedule = settings.schedule_path if not paths and not staged else None
    errors: tuple[type[Exception], ...] = (PathError, SealError, git.GitError)
    if schedule is not None:
        from soapbuild.model.schedule import ScheduleError

        errors += (ScheduleError,)
    try:
        seals = SealStore.load(settings.root)
        if top is None:
            run = check_paths(targets, context.with_baseline(seals), base=directory,
                              schedule=schedule)
            seals.record(run.seal_updates)
            seals.save()
        else:
            baseline = git.LayeredBaseline(seals, git.GitBaseline(top, settings, context.now))
            in_git = context.with_baseline(baseline)
            if staged:
                files = git.staged_notes(top, settings.notes_path,
                                         [directory / p for p in paths])
                run = check_files(files, in_git, base=directory, reader=git.staged_reader(top))
            else:
                run = check_paths(targets, in_git, base=directory, schedule=schedule)
    except errors as error:
        raise UsageProblem(str(error)) from None
    return run, context.now


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
@click.option("--staged", is_flag=True,
              help="Check the staged content of the staged notes (git index), not the files.")
@click.pass_obj
def check(directory: Path, paths: tuple[Path, ...], output_format: str, strict: bool,
          now_text: str | None, output: Path | None, staged: bool) -> None:
    """Check notes (default: the workspace's notes folder).

    With --staged, check what the next commit holds: the staged notes (only those
    under PATHS when given), read from the git index, as the pre-commit hook does.
    """
    from soapbuild.formatters import FORMATTERS
    from soapbuild.model.findings import Severity

    run, _ = _run_checks(directory, paths, now_text, staged)
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

    from soapbuild.rules.registry import all_rules

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
    from soapbuild.rules.explain import render_page
    from soapbuild.rules.registry import all_rules

    rule = all_rules().get(code.upper())
    if rule is None:
        raise UsageProblem(f"{code!r} is not a rule code; 'soapbuild rules' lists them")
    click.echo(render_page(rule))


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
    from soapbuild.history.hook import HookError, install

    settings = _settings(directory)
    try:
        done = install(settings.root, force=force)
    except HookError as error:
        raise UsageProblem(str(error)) from None
    where = _show(done.path.resolve())
    if done.action == "unchanged":
        click.echo(f"{where}: the soapbuild hook is already installed; nothing changed")
        return
    if done.backup is not None:
        click.echo(f"{_show(done.backup.resolve())}: the previous hook, kept as a backup")
    click.echo(f"{where}: {done.action} the pre-commit hook; each 'git commit' now runs "
               "'soapbuild check --staged' and stops on errors")


@main.command()
@click.argument("notes", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--now", "now_text", envvar="SOAPBUILD_NOW", metavar="TIMESTAMP",
              help="Take this as the current time (also SOAPBUILD_NOW).")
@click.pass_obj
def submit(directory: Path, notes: tuple[Path, ...], now_text: str | None) -> None:
    """Sign notes off: refuse a note with errors, else stamp 'submitted' with the time now.

    Only the 'submitted' line changes; a note already submitted is never re-stamped.
    """
    from soapbuild.commands.submit import Outcome, submit_note
    from soapbuild.discover import display_path
    from soapbuild.rules.context import Context
    from soapbuild.rules.lexicon import VocabularyError
    from soapbuild.rules.registry import vocabulary_codes

    settings = _settings(directory)
    try:
        context = Context.for_settings(settings, _now(now_text, settings), vocabulary_codes())
    except VocabularyError as error:
        raise UsageProblem(str(error)) from None
    targets: dict[Path, Path] = {}
    for name in notes:
        target = directory / name
        if target.is_dir():
            raise UsageProblem(f"{target}: is a folder; name each note to submit")
        if not target.exists():
            raise UsageProblem(f"{target}: no such file")
        targets.setdefault(target.resolve(), target)  # the same note named twice: once
    outcomes = set()
    for target in targets.values():
        result = submit_note(target, display_path(target, directory), context)
        outcomes.add(result.outcome)
        findings = [f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}"
                    for f in result.findings]
        if result.outcome is Outcome.SUBMITTED:
            click.echo(f"submitted {result.path} at {result.stamp} ({settings.timezone})")
            for line in findings:
                click.echo(f"  {line}")
        else:
            for line in findings:
                click.echo(line)
            click.echo(f"{result.path}: not submitted: {result.reason}")
    sys.exit(2 if Outcome.FAILED in outcomes else 1 if Outcome.REFUSED in outcomes else 0)


def _show(path: Path) -> str:
    """A path the user can paste: relative to the current folder when inside it."""
    from soapbuild.discover import display_path

    return display_path(path, Path.cwd())


@main.command()
@click.argument("folder", required=False, default=".", type=click.Path(path_type=Path))
@click.option("--now", "now_text", envvar="SOAPBUILD_NOW", metavar="TIMESTAMP",
              help="Take this as the current time, for the example note (also SOAPBUILD_NOW).")
@click.pass_obj
def init(directory: Path, folder: Path, now_text: str | None) -> None:
    """Create a workspace: notes/, soapbuild.toml, .gitignore and an example note.

    Never overwrites a file: what exists is kept, and .gitignore only gains lines.
    """
    from soapbuild.atomic import ChangedOnDisk
    from soapbuild.commands import init as workspace

    target = directory / folder
    if target.exists() and not target.is_dir():
        raise UsageProblem(f"{target}: is a file, not a folder")
    steps: list[workspace.Step] = []
    made = not target.exists()
    try:
        if made:
            target.mkdir(parents=True)
        if workspace.has_own_settings(target) is not None:
            _settings(target)  # a broken settings file stops init before it adds anything
        steps.append(workspace.ensure_settings(target, workspace.system_zone_name()))
        settings = _settings(target)
        steps.append(workspace.ensure_gitignore(
            target, [f"{settings.output_dir.strip('/')}/", ".soapbuild/cache/"]))
        steps += workspace.ensure_notes(settings, _now(now_text, settings))
    except (OSError, ChangedOnDisk) as error:
        raise UsageProblem(f"cannot set up the workspace: {error}") from None
    from soapbuild.discover import display_path

    click.echo(f"workspace {_show(target.resolve())}/" + ("  (created)" if made else ""))
    for step in steps:
        shown = display_path(step.path, target) + ("/" if step.path.is_dir() else "")
        click.echo(f"  {step.action:<8} {shown}" + (f"  ({step.note})" if step.note else ""))
    click.echo("Next: 'soapbuild new --client ID' writes a note skeleton; "
               "'soapbuild check' checks the notes.")


@main.command()
@click.option("--client", required=True, metavar="ID",
              help="The client's identifier; also names the client's folder.")
@click.option("--date", "date_text", metavar="DATE",
              help="Session date: YYYY-MM-DD or 'YYYY-MM-DD HH:MM'  [default: now]")
@click.option("--clinician", envvar="SOAPBUILD_CLINICIAN", metavar="NAME",
              help="The note's author  [default: SOAPBUILD_CLINICIAN, else git user.name]")
@click.option("--format", "format_name", metavar="FORMAT",
              help="Note format: soap, dap, birp or one from settings  [default: soap]")
@click.option("--now", "now_text", envvar="SOAPBUILD_NOW", metavar="TIMESTAMP",
              help="Take this as the current time (also SOAPBUILD_NOW).")
@click.pass_obj
def new(directory: Path, client: str, date_text: str | None, clinician: str | None,
        format_name: str | None, now_text: str | None) -> None:
    """Write a note skeleton and print its path (never overwrites a note).

    The note goes to NOTES/CLIENT/DATE.md, or DATE-2.md and so on when that exists.
    """
    from soapbuild.commands import init as workspace
    from soapbuild.model.formats import DEFAULT_FORMAT

    settings = _settings(directory)
    note_format = settings.formats.get((format_name or DEFAULT_FORMAT).lower())
    if note_format is None:
        raise UsageProblem(f"--format: {format_name!r} is not a note format; known: "
                           + ", ".join(sorted(settings.formats)))
    client_id = workspace.clean_text(client)
    folder = workspace.folder_name(client_id)
    if not folder:
        raise UsageProblem(f"--client: {client!r} has no letters or digits to name a folder by")
    if date_text is None:
        session = workspace.default_session_date(_now(now_text, settings), settings)
    else:
        read = workspace.read_session_date(date_text)
        if read is None:
            raise UsageProblem(f"--date: {date_text!r} is not a date such as 2026-11-24 "
                               "or 2026-11-24 15:00")
        session = read
    author = workspace.clean_text(clinician or "") or workspace.default_clinician(settings.root)
    if not author:
        raise UsageProblem("no clinician: pass --clinician NAME, set SOAPBUILD_CLINICIAN, "
                           "or set git config user.name")
    content = workspace.skeleton(client_id, author, session, note_format)
    try:
        path = workspace.create_note(settings.notes_path / folder, session[:10], content)
    except OSError as error:
        raise UsageProblem(f"cannot write the note: {error}") from None
    click.echo(_show(path))


@main.command()
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), metavar="DATE",
              help="First session day to include (YYYY-MM-DD).")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), metavar="DATE",
              help="Last session day to include (YYYY-MM-DD).")
@click.option("--clinician", metavar="NAME",
              help="Only this clinician's sessions (the name with or without credentials).")
@click.option("--format", "output_format", type=click.Choice(("text", "json", "csv")),
              default="text", show_default=True,
              help="A table, the JSON report (schemas/report-v1) or CSV, one row per session.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file instead of standard output.")
@click.option("--now", "now_text", envvar="SOAPBUILD_NOW", metavar="TIMESTAMP",
              help="Take this as the current time (also SOAPBUILD_NOW).")
@click.pass_obj
def report(directory: Path, since: datetime | None, until: datetime | None,
           clinician: str | None, output_format: str, output: Path | None,
           now_text: str | None) -> None:
    """The compliance report: sessions, timeliness and billing per clinician.

    Checks the workspace's notes as 'check' does. The report is information, not
    a gate: the exit code is 0 whatever it shows (2 when it cannot be made).
    """
    import json

    from soapbuild.atomic import write_atomic
    from soapbuild.report.formats import report_csv, report_json, report_table

    if since is not None and until is not None and since > until:
        raise UsageProblem(f"--since {since:%Y-%m-%d} is after --until {until:%Y-%m-%d}")
    settings = _settings(directory)
    run, now = _run_checks(directory, (), now_text)
    built = _build_report(settings, run, now, since=since.date() if since else None,
                          until=until.date() if until else None, clinician=clinician)
    if output_format == "json":
        text = json.dumps(report_json(built), indent=2, ensure_ascii=False) + "\n"
    elif output_format == "csv":
        text = report_csv(built)
    else:
        text = report_table(built)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        write_atomic(output, text.encode("utf-8"))
    except OSError as error:
        raise UsageProblem(f"cannot write {output}: {error.strerror or error}") from None


@main.command()
@click.option("--pdf/--no-pdf", default=True, show_default=True,
              help="Also write each client's record as a PDF (output/clients/ID.pdf); "
                   "--no-pdf removes the PDFs of an earlier build, which would be out of date.")
@click.option("--now", "now_text", envvar="SOAPBUILD_NOW", metavar="TIMESTAMP",
              help="Take this as the current time (also SOAPBUILD_NOW).")
@click.pass_obj
def build(directory: Path, pdf: bool, now_text: str | None) -> None:
    """Render the record and the compliance report into the output folder.

    Writes the dashboard (index.html), a page and a PDF per client, a page per
    note with its findings highlighted, and report.html/.json/.csv. A rebuild
    makes only the pages whose notes, templates or settings changed; a build
    that fails or is interrupted leaves the previous output as it was. The exit
    code is 0 whatever the notes hold (the report shows it), 2 when the build
    cannot be made.
    """
    started = time.perf_counter()
    done = _build_once(directory, pdf, now_text)
    _echo_build(done, time.perf_counter() - started)


def _build_once(directory: Path, pdf: bool, now_text: str | None) -> BuildResult:
    """One build, as ``soapbuild build`` makes it (``watch`` calls it for each rebuild).

    Raises :class:`UsageProblem` when the build cannot be made (the output is then
    as it was).
    """
    from soapbuild import render as builder

    settings = _settings(directory)
    now = _now(now_text, settings)
    now_key = now.isoformat() if now_text else f"clock {time.time_ns()}"
    try:
        builder.check_folders(settings)
    except builder.BuildError as error:
        raise UsageProblem(str(error)) from None
    with builder.lock(settings):
        key = builder.build_key(settings, now_key, pdf)
        done = builder.up_to_date(settings, key)
        if done is None:
            with _Progress() as progress:
                progress.phase("checking notes")
                run, now = _run_checks(directory, (), now_text)
                report = _build_report(settings, run, now)
                progress.phase("rendering")
                try:
                    done = builder.render_site(settings, run, report, now, pdf=pdf, key=key,
                                               progress=progress.step)
                except builder.BuildError as error:
                    raise UsageProblem(f"{error}; the previous output is unchanged") from None
    return done


def _build_report(settings: Settings, run: CheckRun, now: datetime, *,
                  since: date | None = None, until: date | None = None,
                  clinician: str | None = None) -> Report:
    """The compliance report of a check run, with the schedule's sessions that have no note."""
    from soapbuild.report.aggregate import build_report

    missing: list[ScheduledSession] = []
    if settings.schedule:
        from soapbuild.model.schedule import ScheduleError, load_schedule, missing_sessions

        try:  # recurring events expanded up to now, as check does
            scheduled = load_schedule(settings.root / settings.schedule, settings.timezone,
                                      until=now + timedelta(days=1))
        except ScheduleError as error:
            raise UsageProblem(str(error)) from None
        written = [(s.client, s.session_date) for s in run.sessions
                   if s.client is not None and s.session_date is not None]
        missing = list(missing_sessions(scheduled, written))
    return build_report(run.sessions, since=since, until=until, clinician=clinician,
                        missing=missing, now=now)


def _echo_build(result: BuildResult, seconds: float) -> None:
    summary = result.summary
    where = _show(result.folder.resolve())
    if result.up_to_date:
        click.echo(f"{where}/ is up to date: {result.files} files, nothing rendered "
                   f"({seconds:.2f} s).")
    else:
        click.echo(f"{where}/: rendered {len(result.made)} of {result.files} files"
                   + (f", removed {len(result.removed)}" if result.removed else "")
                   + f" ({seconds:.2f} s).")
    if summary:
        click.echo(f"{summary.get('notes', 0)} notes of {summary.get('clients', 0)} clients: "
                   f"{summary.get('errors', 0)} errors, {summary.get('warnings', 0)} warnings; "
                   f"open {where}/index.html or {where}/report.html.")


class _Progress:
    """Progress on standard error, for a terminal only and only once a build takes over 1 s."""

    DELAY = 1.0

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty() and "NO_COLOR" not in os.environ
        self.started = time.perf_counter()
        self.label = ""
        self.shown = False
        self.last = 0.0
        self._timer: threading.Timer | None = None

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self._cancel()
        if self.shown:
            click.echo("\r\033[K", nl=False, err=True)

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def phase(self, label: str) -> None:
        """A step without a count, shown once the build has run for a second."""
        self._cancel()
        self.label = label
        if not self.tty:
            return
        wait = self.DELAY - (time.perf_counter() - self.started)
        if wait <= 0:
            self._show(f"{label}…")
            return
        self._timer = threading.Timer(wait, self._show, (f"{label}…",))
        self._timer.daemon = True
        self._timer.start()

    def step(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if self.tty and now - self.started >= self.DELAY and (
                now - self.last >= 0.1 or done == total):
            self._cancel()
            self.last = now
            self._show(f"{self.label} {done}/{total}")

    def _show(self, text: str) -> None:
        self.shown = True
        click.echo(f"\r\033[K{text}", nl=False, err=True)


@main.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="The preview server's port on 127.0.0.1 (0: any free port).")
@click.option("--pdf/--no-pdf", default=False, show_default=True,
              help="Also make the PDF records on every rebuild (slow, so off by default).")
@click.option("--poll/--no-poll", default=False, show_default=True,
              help="Scan for changes every half second instead of asking the system to "
                   "report them (for network drives and containers, where reports miss).")
@click.option("--now", "now_text", envvar="SOAPBUILD_NOW", metavar="TIMESTAMP",
              help="Take this as the current time (also SOAPBUILD_NOW).")
@click.pass_obj
def watch(directory: Path, port: int, pdf: bool, poll: bool, now_text: str | None) -> None:
    """Build, then rebuild what changed and reload the browser preview.

    Builds as `soapbuild build` does, serves the output folder at
    http://127.0.0.1:PORT/ (this machine only), and rebuilds whenever a note, a
    template, the settings or the schedule changes; the open page reloads
    itself. A rebuild that fails prints why and keeps the last good output
    served. Ctrl-C stops.
    """
    from soapbuild.preview.server import Epoch, PreviewServer
    from soapbuild.preview.watcher import Watcher
    from soapbuild.render import output_folder

    settings = _settings(directory)
    epoch = Epoch()

    def rebuild() -> bool:
        started = time.perf_counter()
        try:
            done = _build_once(directory, pdf, now_text)
        except click.ClickException as error:
            click.echo(f"build failed: {error.format_message()}; still serving the last "
                       "good output", err=True)
            return False
        _echo_build(done, time.perf_counter() - started)
        return bool(done.made or done.removed)

    def problem(message: str) -> None:
        click.echo(f"build failed: {message}; still serving the last good output", err=True)

    watcher = Watcher(settings, rebuild, epoch.bump, problem, poll=poll)
    watcher.start()  # before the first build, so that no change during it is missed
    try:
        started = time.perf_counter()
        _echo_build(_build_once(directory, pdf, now_text), time.perf_counter() - started)
        try:
            server = PreviewServer(output_folder(settings), epoch, port)
        except OSError as error:
            raise UsageProblem(f"cannot serve on 127.0.0.1:{port}: {error.strerror or error}"
                               ) from None
        click.echo(f"Serving {_show(output_folder(settings).resolve())}/ at {server.url} "
                   "(this machine only); watching for changes, Ctrl-C stops.")
        try:
            server.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            click.echo("\nStopping.")
        finally:
            epoch.close()
            server.server_close()
    finally:
        watcher.stop()
