"""Output formats for ``soapbuild check``: one small module each, all fed the same run."""

from __future__ import annotations

from collections.abc import Callable

from soapbuild.checker import CheckRun
from soapbuild.formatters import github, json_format, sarif, text

Formatter = Callable[[CheckRun, bool], str]

FORMATTERS: dict[str, Formatter] = {
    "text": text.render,
    "json": json_format.render,
    "sarif": sarif.render,
    "github": github.render,
}
