"""The check pipeline: discover → parse → run the rules → findings with severities."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from soapbuild import suppression
from soapbuild.context import Context
from soapbuild.discover import display_path, note_files
from soapbuild.findings import Finding, Hit, Severity
from soapbuild.parse import ParseResult, read_note
from soapbuild.registry import all_rules
from soapbuild.rules import CHECKS, NoteCheck
from soapbuild.source import SourceText


@dataclass(frozen=True, slots=True)
class CheckRun:
    """The outcome of checking some notes."""

    files: tuple[str, ...]
    findings: tuple[Finding, ...]
    suppressed: int = 0

    def count(self, severity: Severity) -> int:
        return sum(1 for finding in self.findings if finding.severity is severity)


def check_paths(paths: Iterable[Path], context: Context, base: Path,
                checks: Sequence[NoteCheck] = CHECKS) -> CheckRun:
    """Check every note under ``paths``; display paths are relative to ``base``.

    ``checks`` defaults to every rule family; benchmarks pass a subset.
    """
    files = note_files(paths)
    findings: list[Finding] = []
    shown: list[str] = []
    suppressed = 0
    formats = dict(context.settings.formats)
    for file in files:
        display = display_path(file, base)
        shown.append(display)
        outcome = check_result(read_note(file, display, formats), context, checks)
        findings.extend(outcome.findings)
        suppressed += outcome.suppressed
    return CheckRun(tuple(shown), tuple(sorted(findings, key=lambda f: f.sort_key)), suppressed)


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """The findings of one file and how many findings inline comments suppressed."""

    findings: list[Finding]
    suppressed: int = 0


def check_result(result: ParseResult, context: Context,
                 checks: Sequence[NoteCheck] = CHECKS) -> FileOutcome:
    """All findings for one parsed file: its read problems and every rule's hits."""
    hits: list[Hit] = list(result.problems)
    note = result.note
    if note is not None:
        for check in checks:
            hits.extend(check(note, context))
    source = note.source if note is not None else result.source
    findings = _placed(hits, result.path, source, context)
    if note is None:
        return FileOutcome(findings)
    findings, comment_hits, suppressed = suppression.apply(note, findings)
    return FileOutcome(findings + _placed(comment_hits, result.path, source, context), suppressed)


def _placed(hits: list[Hit], path: str, source: SourceText | None,
            context: Context) -> list[Finding]:
    return [finding for hit in hits
            if (finding := place(hit, path, source, context)) is not None]


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
