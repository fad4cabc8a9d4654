"""``soapbuild watch``: build, serve ``output/`` on 127.0.0.1, rebuild on every change."""

from __future__ import annotations

import time
from pathlib import Path

import click

from soapbuild.commands.build import build_once, echo_build
from soapbuild.commands.common import workspace_settings
from soapbuild.console import UsageProblem, show


def watch(directory: Path, port: int, pdf: bool, poll: bool, now_text: str | None) -> int:
    """Serve until Ctrl-C; a rebuild that fails prints why and keeps the last good output."""
    from soapbuild.preview.server import Epoch, PreviewServer
    from soapbuild.preview.watcher import Watcher
    from soapbuild.render import output_folder

    settings = workspace_settings(directory)
    epoch = Epoch()

    def rebuild() -> bool:
        started = time.perf_counter()
        try:
            done = build_once(directory, pdf, now_text)
        except click.ClickException as error:
            problem(error.format_message())
            return False
        echo_build(done, time.perf_counter() - started)
        return bool(done.made or done.removed)

    def problem(message: str) -> None:
        click.echo(f"build failed: {message}; still serving the last good output", err=True)

    watcher = Watcher(settings, rebuild, epoch.bump, problem, poll=poll)
    watcher.start()  # before the first build, so that no change during it is missed
    try:
        started = time.perf_counter()
        echo_build(build_once(directory, pdf, now_text), time.perf_counter() - started)
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
