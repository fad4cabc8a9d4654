"""The command line: declare the options, call the command, map its result to an exit code.

What each command does is in :mod:`soapbuild.commands` (one module per command);
this package only declares the commands and their options, by what they do:
:mod:`.checking`, :mod:`.signing`, :mod:`.output`, :mod:`.workspace`, with the
options several share in :mod:`.options`.
Exit codes follow Ruff and Vale: 0 no errors, 1 errors found (warnings too with
``--strict``), 2 soapbuild could not do its job (usage, settings, paths).
Command modules are imported inside the commands, so that ``soapbuild check``
in a git hook loads nothing it does not use.
"""

from __future__ import annotations

from pathlib import Path

import click

from soapbuild import __version__
from soapbuild.cli import checking, export, lsp, output, signing, workspace
from soapbuild.cli.options import FORMAT_CHOICES

__all__ = ["FORMAT_CHOICES", "main"]


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


for command in (checking.check, checking.fix, checking.settings_command, checking.rules,
                checking.explain, signing.submit, signing.attest, signing.cosign,
                signing.restore, signing.retire, workspace.init, workspace.new,
                workspace.hook, output.report, output.build, output.watch, export.export,
                lsp.lsp):
    main.add_command(command)
