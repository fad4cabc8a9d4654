"""The clean note the timeliness, billing and locking tests vary, and their check helpers.

Its four sections produce no finding, so whatever a test sees comes from the
field it changed. Field lines: 2 client, 3 clinician, 4 session_date (value at
column 15), 5 occurred, 6 submitted (column 12), 7 duration (column 11),
8 service_code (column 15).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

SOAP = """\
## Subjective
Client reported sleeping six hours a night.

## Objective
Client was alert and oriented.

## Assessment
Client denies SI/HI; risk is low.

## Plan
Next session in one week.
"""

FIELDS: dict[str, str | None] = {
    "client": "C-1042",
    "clinician": "Jordan Rivera, LCSW",
    "session_date": "2026-11-20 15:00",
    "occurred": "true",
    "submitted": "2026-11-21 09:00",  # a 24 h edit window locks it at 2026-11-22 09:00
    "duration": "53",
    "service_code": '"90837"',
}


def note(body: str = SOAP, **fields: str | None) -> str:
    """The clean template with some fields changed (None leaves a field out; new ones last)."""
    merged = {**FIELDS, **fields}
    lines = ["---", *(f"{k}: {v}" for k, v in merged.items() if v is not None), "---"]
    return "\n".join(lines) + "\n" + body


@dataclass
class Found:
    """One finding of a ``check --format json`` report."""

    path: str
    code: str
    line: int
    column: int
    severity: str
    message: str
    suggestion: str | None


@dataclass
class Run:
    """A ``soapbuild check`` run: exit code, output and findings."""

    exit_code: int
    output: str
    findings: list[Found]

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.findings]


def findings_of(report: dict[str, Any]) -> list[Found]:
    return [Found(f["path"], f["code"], f["line"], f["column"], f["severity"], f["message"],
                  f["suggestion"]) for f in report["findings"]]


def workspace(root: Path, settings: str = "", notes: str = "notes") -> Path:
    """A workspace in the practice timezone (plus ``settings``) with its notes folder."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "soapbuild.toml").write_text('timezone = "America/New_York"\n' + settings, "utf-8")
    (root / notes).mkdir(parents=True, exist_ok=True)
    return root


def cli(root: Path, *args: str) -> tuple[int, str]:
    """``soapbuild -C root ARGS`` in process: its exit code and output (never a traceback)."""
    from click.testing import CliRunner

    from soapbuild.cli import main

    result = CliRunner().invoke(main, ["-C", str(root), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def check_codes(root: Path, now: str) -> list[str]:
    """The codes ``check --format json`` finds in the workspace at ``now``, in order."""
    import json

    code, output = cli(root, "check", "--format", "json", "--now", now)
    assert code in (0, 1), output
    return [f["code"] for f in json.loads(output)["findings"]]


def report_json(root: Path, now: str) -> dict[str, Any]:
    """``report --format json`` at ``now``, validated against its schema."""
    import json

    import jsonschema

    code, output = cli(root, "report", "--format", "json", "--now", now)
    assert code == 0, output
    document: dict[str, Any] = json.loads(output)
    schema = json.loads((Path(__file__).resolve().parents[1] / "soapbuild" / "schemas"
                         / "report-v2.schema.json").read_text("utf-8"))
    jsonschema.validate(document, schema, format_checker=jsonschema.FormatChecker())
    return document
