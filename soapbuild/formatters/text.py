"""``path:line:col: CODE message``: grouped and coloured on a terminal, plain when piped.

A finding with more to say (what changed in a locked note) prints it on the
lines below, indented, so a tool that reads ``path:line:col:`` lines skips them.
"""

from __future__ import annotations

from itertools import groupby

import click

from soapbuild.checker import CheckRun
from soapbuild.model.findings import Finding, Severity

_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def render(run: CheckRun, tty: bool) -> str:
    lines: list[str] = []
    for _path, group in groupby(run.findings, key=lambda f: f.path):
        if tty and lines:
            lines.append("")
        for finding in group:
            lines.append(_line(finding, tty))
            if tty and finding.suggestion:
                lines.append(click.style(f"    → {finding.suggestion}", dim=True))
            if finding.detail:
                lines.extend(f"    {line}" for line in finding.detail.splitlines())
    if tty and lines:
        lines.append("")
    lines.append(summary(run, tty))
    return "\n".join(lines) + "\n"


def _line(finding: Finding, tty: bool) -> str:
    where = f"{finding.path}:{finding.line}:{finding.column}:"
    if not tty:
        return f"{where} {finding.code} {finding.message}"
    code = click.style(finding.code, fg=_COLOURS[finding.severity], bold=True)
    return f"{click.style(where, bold=True)} {code} {finding.message}"


def summary(run: CheckRun, tty: bool) -> str:
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
        return click.style(text, fg="green") if tty else text
    affected = len({f.path for f in run.findings})
    files = "file" if affected == 1 else "files"
    text = f"Checked {notes} {noun}: {', '.join(parts)} in {affected} {files}."
    colour = "red" if run.count(Severity.ERROR) else "yellow"
    return click.style(text, fg=colour, bold=True) if tty else text
