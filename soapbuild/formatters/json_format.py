"""The JSON report of a check run; its schema is ``schemas/check-v1.schema.json``.

The ``version`` changes only when a field changes meaning or disappears; new
fields may be added within a version.
"""

from __future__ import annotations

import json
from typing import Any

from soapbuild import __version__
from soapbuild.checker import CheckRun
from soapbuild.model.findings import Severity

SCHEMA_VERSION = 1


def document(run: CheckRun) -> dict[str, Any]:
    return {
        "schema": "soapbuild-check",
        "version": SCHEMA_VERSION,
        "tool": {"name": "soapbuild", "version": __version__},
        "summary": {
            "files": len(run.files),
            "files_with_findings": len({f.path for f in run.findings}),
            "errors": run.count(Severity.ERROR),
            "warnings": run.count(Severity.WARNING),
            "info": run.count(Severity.INFO),
            "suppressed": run.suppressed,
        },
        "files": list(run.files),
        "plans": list(run.plan_files),
        "findings": [
            {
                "path": f.path,
                "line": f.line,
                "column": f.column,
                "end_line": f.end_line,
                "end_column": f.end_column,
                "code": f.code,
                "family": f.family,
                "severity": f.severity.value,
                "message": f.message,
                "suggestion": f.suggestion,
                **({"detail": f.detail} if f.detail else {}),
            }
            for f in run.findings
        ],
    }


def render(run: CheckRun, colour: bool, *, summary_line: bool = True) -> str:
    """The whole document (data has no colour and its summary is part of it)."""
    return json.dumps(document(run), indent=2, ensure_ascii=False) + "\n"
