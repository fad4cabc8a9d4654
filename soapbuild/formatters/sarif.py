"""SARIF 2.1.0, the format GitHub code scanning uploads (``github/codeql-action/upload-sarif``).

Columns are counted in Unicode code points (``columnKind``), as the text output
counts them; paths are relative to the workspace root (``%SRCROOT%``).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from soapbuild import __version__
from soapbuild.checker import CheckRun
from soapbuild.model.findings import Severity
from soapbuild.rules.registry import all_rules

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def document(run: CheckRun) -> dict[str, Any]:
    rules = list(all_rules().values())
    index = {rule.code: position for position, rule in enumerate(rules)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "soapbuild",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [{
                    "id": rule.code,
                    "name": _pascal(rule.name),
                    "shortDescription": {"text": rule.summary},
                    "fullDescription": {"text": rule.what},
                    "help": {"text": f"{rule.what}\n\n{rule.why}",
                             "markdown": f"{rule.what}\n\n**Why:** {rule.why}"},
                    "defaultConfiguration": {"level": _LEVEL[rule.severity]},
                    "properties": {"tags": [rule.family]},
                } for rule in rules],
            }},
            "columnKind": "unicodeCodePoints",
            "results": [{
                "ruleId": f.code,
                "ruleIndex": index[f.code],
                "level": _LEVEL[f.severity],
                "message": {"text": f.message + (f" {f.suggestion}" if f.suggestion else "")
                            + (f"\n{f.detail}" if f.detail else "")},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": quote(f.path), "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": f.line, "startColumn": f.column,
                               "endLine": max(f.end_line, f.line),
                               "endColumn": f.end_column if (f.end_line, f.end_column) > (
                                   f.line, f.column) else f.column + 1},
                }}],
            } for f in run.findings],
        }],
    }


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))


def render(run: CheckRun, colour: bool, *, summary_line: bool = True) -> str:
    """The whole document (data has no colour and its summary is part of it)."""
    return json.dumps(document(run), indent=2, ensure_ascii=False) + "\n"
