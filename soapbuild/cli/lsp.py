"""The editor's command: ``soapbuild lsp``, the checks as a language server."""

from __future__ import annotations

import click

from soapbuild.cli.options import now_option, run


@click.command()
@click.option("--stdio", is_flag=True, help="Talk over standard input and output (the default).")
@now_option()
def lsp(stdio: bool, now_text: str | None) -> None:
    """Run the language server: editors show findings as a note is typed.

    Editors start it themselves (see the README for VS Code, Neovim, Helix and Zed);
    it needs the lsp extra: pip install 'soapbuild[lsp]'.
    """
    run("lsp", "lsp", now_text)
