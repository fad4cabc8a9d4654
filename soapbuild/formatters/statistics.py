"""``check --statistics``: how many findings of each rule, as ``ruff check --statistics``.

One row per rule and severity (a rule can be an error in one note and a
warning in another: settings, drafts), most frequent first.
"""

from __future__ import annotations

import json
from collections import Counter

import click

from soapbuild.checker import CheckRun
from soapbuild.console import SEVERITY_COLOURS
from soapbuild.model.findings import Severity
from soapbuild.rules.registry import all_rules

_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def rows(run: CheckRun) -> list[tuple[int, str, Severity]]:
    """(count, code, severity), most frequent first, then by severity and code."""
    counts = Counter((f.code, f.severity) for f in run.findings)
    return sorted(((n, code, severity) for (code, severity), n in counts.items()),
                  key=lambda row: (-row[0], _RANK[row[2]], row[1]))


def render(run: CheckRun, colour: bool, *, as_json: bool = False) -> str:
    rules = all_rules()
    table = rows(run)
    if as_json:
        return json.dumps([{"code": code, "name": rules[code].name, "severity": severity.value,
                            "count": n, "summary": rules[code].summary}
                           for n, code, severity in table], indent=2) + "\n"
    if not table:
        return ""
    width = len(str(table[0][0]))
    lines = []
    for n, code, severity in table:
        word = f"{severity.value:<7}"
        if colour:
            word = click.style(word, fg=SEVERITY_COLOURS[severity.value])
        lines.append(f"{n:>{width}}  {code}  {word}  {rules[code].summary}")
    return "\n".join(lines) + "\n"
