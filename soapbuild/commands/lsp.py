"""``soapbuild lsp``: the language server, on standard input and output.

The server needs pygls and lsprotocol, the ``lsp`` extra (``pip install
'soapbuild[lsp]'``); without them this says so instead of failing on an import,
and nothing else of soapbuild loads them.
"""

from __future__ import annotations

from soapbuild.console import UsageProblem


def lsp(now_text: str | None) -> int:
    try:
        from soapbuild.lsp.server import serve
    except ImportError as error:
        raise UsageProblem(f"soapbuild lsp needs the language-server packages ({error.name} is "
                           "missing); install them with: pip install 'soapbuild[lsp]'") from None
    return serve(now_text)
