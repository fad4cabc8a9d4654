"""GitHub Actions workflow commands, so findings appear as annotations on the diff."""

from __future__ import annotations

from soapbuild.checker import CheckRun
from soapbuild.formatters.text import summary
from soapbuild.model.findings import Severity

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(value: str) -> str:
    return _data(value).replace(":", "%3A").replace(",", "%2C")


def render(run: CheckRun, colour: bool, *, summary_line: bool = True) -> str:
    lines = []
    for f in run.findings:
        message = (f.message + (f" {f.suggestion}" if f.suggestion else "")
                   + (f"\n{f.detail}" if f.detail else ""))
        lines.append(
            f"::{_LEVEL[f.severity]} file={_property(f.path)},line={f.line},col={f.column},"
            f"endLine={f.end_line},endColumn={f.end_column},title={_property(f.code)}"
            f"::{_data(message)}")
    if summary_line:
        lines.append(summary(run, colour=False))
    return "\n".join(lines) + "\n" if lines else ""
