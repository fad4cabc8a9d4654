"""The check pipeline: discover → parse → run the rules → findings with severities."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from soapbuild.context import Context
from soapbuild.discover import display_path, note_files
from soapbuild.findings import Finding, Hit, Severity
from soapbuild.parse import ParseResult, read_note
from soapbuild.registry import all_rules
from soapbuild.rules import CHECKS
from soapbuild.source import SourceText


@dataclass(frozen=True, slots=True)
class CheckRun:
    """The outcome of checking some notes."""

    files: tuple[str, ...]
    findings: tuple[Finding, ...]

    def count(self, severity: Severity) -> int:
        return sum(1 for finding in self.findings if finding.severity is severity)


def check_paths(paths: Iterable[Path], context: Context, base: Path) -> CheckRun:
    """Check every note under ``paths``; display paths are relative to ``base``."""
    files = note_files(paths)
    findings: list[Finding] = []
    shown: list[str] = []
    formats = dict(context.settings.formats)
    for file in files:
        display = display_path(file, base)
        shown.append(display)
        findings.extend(check_result(read_note(file, display, formats), context))
    return CheckRun(tuple(shown), tuple(sorted(findings, key=lambda f: f.sort_key)))


def check_result(result: ParseResult, context: Context) -> list[Finding]:
    """All findings for one parsed file: its read problems and every rule's hits."""
    hits: list[Hit] = list(result.problems)
    if result.note is not None:
        for check in CHECKS:
            hits.extend(check(result.note, context))
    source = result.note.source if result.note is not None else result.source
    return [finding for hit in hits
            if (finding := place(hit, result.path, source, context)) is not None]


def place(hit: Hit, path: str, source: SourceText | None, context: Context) -> Finding | None:
    """Give a hit its position and severity, or drop it when settings ignore its rule."""
    settings = context.settings
    if hit.code in settings.rules_ignore:
        return None
    rule = all_rules()[hit.code]
    severity = settings.rules_severity.get(hit.code, rule.severity)
    if hit.span is None or source is None:
        line = column = end_line = end_column = 1
    else:
        start, end = source.position(hit.span.start), source.position(hit.span.end)
        line, column, end_line, end_column = start.line, start.column, end.line, end.column
    return Finding(path, line, column, end_line, end_column, hit.code, rule.family, severity,
                   hit.message, hit.suggestion, hit.span)
