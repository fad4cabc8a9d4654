"""``path:line:col: SEVERITY CODE message``: the same words on a terminal and in a pipe.

A terminal gets colour and a blank line between files; a pipe, a file or
``NO_COLOR`` get the same lines without the escapes. Colour never carries
meaning on its own: the severity is a word on every line, and the suggestion is
kept on the indented line under its finding, as is what changed in a locked
note (lines that do not start with ``path:line:col:``, so editors and ``grep``
that read findings skip them).
"""

from __future__ import annotations

from itertools import groupby

import click

from soapbuild.checker import CheckRun
from soapbuild.console import SEVERITY_COLOURS
from soapbuild.model.findings import Finding, Severity


def render(run: CheckRun, colour: bool, *, summary_line: bool = True) -> str:
    lines: list[str] = []
    for _path, group in groupby(run.findings, key=lambda f: f.path):
        if colour and lines:
            lines.append("")
        for finding in group:
            lines.append(line(finding, colour))
            if finding.suggestion:
                arrow = f"    → {finding.suggestion}"
                lines.append(click.style(arrow, dim=True) if colour else arrow)
            if finding.detail:
                lines.extend(f"    {text}" for text in finding.detail.splitlines())
    if summary_line:
        if colour and lines:
            lines.append("")
        lines.append(summary(run, colour))
    return "\n".join(lines) + "\n" if lines else ""


def line(finding: Finding, colour: bool = False) -> str:
    """One finding: ``path:line:col: SEVERITY CODE message``."""
    where = f"{finding.path}:{finding.line}:{finding.column}:"
    severity = finding.severity.value
    if not colour:
        return f"{where} {severity} {finding.code} {finding.message}"
    shade = SEVERITY_COLOURS[severity]
    return (f"{click.style(where, bold=True)} {click.style(severity, fg=shade)} "
            f"{click.style(finding.code, fg=shade, bold=True)} {finding.message}")


def summary(run: CheckRun, colour: bool) -> str:
    """One line a clinician reads first: how many notes, errors and warnings."""
    notes = len(run.files)
    noun = "note" if notes == 1 else "notes"
    plans = len(run.plan_files)
    if plans:  # treatment plans are checked too, but they are not notes
        noun += f" and {plans} plan{'' if plans == 1 else 's'}"
    counts = [(run.count(s), s.value) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)]
    # "info" is a mass noun: 2 info, like 2 errors
    parts = [f"{n} {word}{'' if n == 1 or word == 'info' else 's'}" for n, word in counts if n]
    if not parts:
        text = f"Checked {notes} {noun}: no findings."
        return click.style(text, fg="green") if colour else text
    affected = len({f.path for f in run.findings})
    files = "file" if affected == 1 else "files"
    text = f"Checked {notes} {noun}: {', '.join(parts)} in {affected} {files}."
    shade = "red" if run.count(Severity.ERROR) else "yellow"
    return click.style(text, fg=shade, bold=True) if colour else text
