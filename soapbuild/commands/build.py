"""``soapbuild build``: check the notes, then render the record and the report into ``output/``.

The steps, in order: the key of everything the build reads (nothing to do when
the last build had the same key), the check, the report, the pages. ``watch``
runs :func:`build_once` for each rebuild.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from soapbuild.commands.common import run_now, workspace_settings
from soapbuild.console import Progress, UsageProblem, show

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from soapbuild.checker import CheckRun
    from soapbuild.render import BuildResult, PdfMode
    from soapbuild.settings import Settings


def build_once(directory: Path, pdf: PdfMode, now_text: str | None, *,
               pdf_required: bool = True,
               seen: Callable[[CheckRun], None] | None = None) -> BuildResult:
    """One build, as ``soapbuild build`` makes it; settings and "now" are read here, once.

    The key of the notes as they are decides whether anything is to do; the
    build then records the key of the notes as its check read them, and says
    (:attr:`BuildResult.stale`) whether a note changed on disk meanwhile, so
    that ``watch`` builds again. Where WeasyPrint cannot load Pango, PdfMode.MAKE
    raises UsageProblem if ``pdf_required`` (``--pdf`` said so); otherwise the
    build makes no PDF, keeps those already there, and its summary says why
    (``pdf_skipped``). ``seen`` is handed the check run the pages are made from
    (``watch`` keeps it, to show the next save at once). Raises
    :class:`UsageProblem` when the build cannot be made (the output is then as it was).
    """
    from soapbuild import render

    settings = workspace_settings(directory)
    now = run_now(now_text, settings)
    now_key = now.isoformat() if now_text else f"clock {time.time_ns()}"
    code = render.code_fingerprint()
    from soapbuild.filelocks import LockHeld

    try:
        return _build_locked(directory, settings, now, now_key, code, pdf, pdf_required, seen)
    except LockHeld as error:
        raise UsageProblem(str(error)) from None
    except render.BuildError as error:
        raise UsageProblem(str(error) if error.changed
                           else f"{error}; the previous output is unchanged") from None


def _build_locked(directory: Path, settings: Settings, now: datetime, now_key: str, code: str,
                  pdf: PdfMode, pdf_required: bool,
                  seen: Callable[[CheckRun], None] | None) -> BuildResult:
    """The build under the workspace's build lock; raises render.BuildError."""
    from soapbuild import render

    with render.lock(settings, waiting=lambda message: click.echo(f"soapbuild: {message}…",
                                                                   err=True)):
        key = render.build_key(settings, now_key, pdf, code=code)
        done = render.up_to_date(settings, key)
        pdf_skipped = None
        if pdf is render.PdfMode.MAKE and (done is None or done.summary.get("pdf_skipped")):
            from soapbuild.render.pdf import INSTALL_PANGO, unavailable

            pdf_skipped = unavailable()
            if pdf_skipped is not None and pdf_required:
                raise UsageProblem(f"cannot write the PDFs: {pdf_skipped}; {INSTALL_PANGO}")
            if pdf_skipped is None:
                done = None  # the last build skipped the PDFs, and they can be made now
        if done is not None:
            return done
        # Imported only now: an output that is up to date needs no checker (the hook's
        # lean-imports rule, issue 15: the up-to-date test costs what its imports cost).
        from soapbuild.commands.check import run_checks
        from soapbuild.commands.report import compliance_report

        with Progress() as progress:
            progress.phase("checking notes")
            run = run_checks(directory, settings, now)
            if seen is not None:
                seen(run)
            read_key = render.build_key(settings, now_key, pdf, run.read, code)
            report = compliance_report(run, now)
            progress.phase("rendering")
            done = render.render_site(
                settings, run, report, now, key=read_key, pdf_skipped=pdf_skipped,
                pdf=render.PdfMode.KEEP if pdf_skipped else pdf, progress=progress.step)
        stale = render.build_key(settings, now_key, pdf, code=code) != read_key
    return replace(done, stale=stale)


def echo_build(result: BuildResult, seconds: float) -> None:
    """What a build did, in two lines (and one on standard error when PDFs were skipped)."""
    summary = result.summary
    where = show(result.folder.resolve())
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
    if summary.get("pdf_skipped"):
        from soapbuild.render.pdf import INSTALL_PANGO

        click.echo(f"PDFs skipped: {summary['pdf_skipped']}; {INSTALL_PANGO}.", err=True)


def build(directory: Path, pdf: bool | None, now_text: str | None) -> int:
    """Exit 0 whatever the notes hold (the report shows it); problems raise UsageProblem.

    ``pdf`` None (neither flag): the PDFs where WeasyPrint can make them, else a
    note that they were skipped; True (``--pdf``): the PDFs or exit 2; False
    (``--no-pdf``): none, and those of an earlier build go (they would be out of date).
    """
    from soapbuild.render import PdfMode

    started = time.perf_counter()
    mode = PdfMode.DROP if pdf is False else PdfMode.MAKE
    done = build_once(directory, mode, now_text, pdf_required=pdf is True)
    echo_build(done, time.perf_counter() - started)
    return 0
