"""Output formats for ``soapbuild check``: one small module each, all fed the same run."""

from __future__ import annotations

from typing import Protocol

from soapbuild.checker import CheckRun
from soapbuild.formatters import github, json_format, sarif, text


class Formatter(Protocol):
    """Findings as text: ``colour`` for a terminal, ``summary_line`` off for ``--quiet``."""

    def __call__(self, run: CheckRun, colour: bool, *, summary_line: bool = True) -> str: ...


FORMATTERS: dict[str, Formatter] = {
    "text": text.render,
    "json": json_format.render,
    "sarif": sarif.render,
    "github": github.render,
}
