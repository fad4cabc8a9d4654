"""``soapbuild watch``: build, serve ``output/`` on 127.0.0.1, rebuild on every change."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from soapbuild.commands.build import build_once, echo_build
from soapbuild.commands.common import run_now, workspace_settings
from soapbuild.console import UsageProblem, show

if TYPE_CHECKING:
    from soapbuild.preview.quick import QuickPages
    from soapbuild.render import PdfMode


def quick_pages(directory: Path, mode: PdfMode, now_text: str | None) -> QuickPages:
    """The saved notes' pages of ``watch``, loading what they are checked with as a build."""
    from soapbuild.commands.check import history_loader, rule_context
    from soapbuild.preview.quick import Loaders, QuickPages

    return QuickPages(directory, mode, Loaders(
        lambda: workspace_settings(directory), lambda settings: run_now(now_text, settings),
        lambda settings, now: rule_context(directory, settings, now), history_loader))


def watch(directory: Path, port: int, pdf: bool, poll: bool, now_text: str | None) -> int:
    """Serve until Ctrl-C; a rebuild that fails prints why and keeps the last good output.

    Without ``--pdf`` no PDF is made, and the PDFs an earlier build made stay
    (linked from their client pages, marked when the record changed since):
    a preview never removes what it did not build. A saved note's own pages are
    written first, from the last build's check run (:mod:`soapbuild.preview.quick`),
    and the rebuild follows.
    """
    from soapbuild.cache import remember
    from soapbuild.preview.server import Epoch, PreviewServer
    from soapbuild.preview.watcher import Watcher
    from soapbuild.render import BuildResult, PdfMode, output_folder
    from soapbuild.render.pages import remember_bodies

    settings = workspace_settings(directory)
    remember()  # a save re-checks and re-renders one note: the others' pieces stay in memory
    remember_bodies()
    epoch = Epoch()
    mode = PdfMode.MAKE if pdf else PdfMode.KEEP
    quick = quick_pages(directory, mode, now_text)

    def build() -> BuildResult:
        started = time.perf_counter()
        done = build_once(directory, mode, now_text, seen=quick.keep)
        echo_build(done, time.perf_counter() - started)
        if done.stale:  # a note was saved after the check read it: once more
            watcher.changed()
        return done

    def first_build() -> None:
        """The first build; when the output was up to date already (no check ran), one
        check, so that the first save is shown at once too."""
        build()
        if quick.run is None:
            from soapbuild.commands.check import run_checks

            quick.keep(run_checks(directory, settings, run_now(now_text, settings)))
        quick.ready()

    def show_saved(paths: set[Path]) -> bool:
        started = time.perf_counter()
        try:
            shown = quick.saved(paths)
        except click.ClickException:
            return False  # the rebuild says what is wrong
        if shown:
            click.echo(f"showing the save: {', '.join(shown)} "
                       f"({time.perf_counter() - started:.2f} s); now the rest…")
        return bool(shown)

    def rebuild() -> bool:
        try:
            done = build()
            quick.ready()
        except click.ClickException as error:
            problem(error.format_message())
            return False
        return bool(done.made or done.removed)

    def problem(message: str) -> None:
        click.echo(f"build failed: {message}; still serving the last good output", err=True)

    watcher = Watcher(settings, rebuild, epoch.bump, problem, poll=poll, quick=show_saved)
    watcher.start()  # before the first build, so that no change during it is missed
    try:
        first_build()
        try:
            server = PreviewServer(output_folder(settings), epoch, port)
        except OSError as error:
            raise UsageProblem(f"cannot serve on 127.0.0.1:{port}: {error.strerror or error}"
                               ) from None
        click.echo(f"Serving {show(output_folder(settings).resolve())}/ at {server.url} "
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
    return 0
