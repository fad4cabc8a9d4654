"""The check pipeline: discover → parse → run the rules → findings with severities.

Most rules look at one note; two look across notes and run after every note
is parsed: copied documentation (sections repeated from earlier notes) and,
with a schedule, sessions that have no note. Seals of newly locked notes are
collected for the caller to record (rules never write).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from soapbuild.discover import display_path, note_files, workspace_key
from soapbuild.history.seals import Seal, compare, locked_since
from soapbuild.model.findings import Finding, Hit, Severity
from soapbuild.model.formats import NoteFormat
from soapbuild.model.note import Note
from soapbuild.model.parse import ParseResult, read_note
from soapbuild.model.source import SourceText
from soapbuild.rules import CHECKS, NoteCheck, suppression
from soapbuild.rules.context import Context
from soapbuild.rules.copied import SectionPrint, copy_hit, find_copies, fingerprint
from soapbuild.rules.registry import all_rules
from soapbuild.rules.sessions import SessionRecord, session_record

# How a note file becomes a ParseResult: (file, display path, formats, workspace key).
Reader = Callable[[Path, str, dict[str, NoteFormat], "str | None"], ParseResult]


@dataclass(frozen=True, slots=True)
class CheckRun:
    """The outcome of checking some notes."""

    files: tuple[str, ...]
    findings: tuple[Finding, ...]
    suppressed: int = 0
    seal_updates: dict[str, Seal] = field(default_factory=dict)
    sessions: tuple[SessionRecord, ...] = ()
    # The parsed notes by display path (readable files only), for the renderer: it
    # shows the very text the findings point into, without reading the files again.
    notes: Mapping[str, Note] = field(default_factory=dict)

    def count(self, severity: Severity) -> int:
        return sum(1 for finding in self.findings if finding.severity is severity)


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """The findings of one file and how many findings inline comments suppressed."""

    findings: list[Finding]
    suppressed: int = 0


def check_paths(paths: Iterable[Path], context: Context, base: Path,
                checks: Sequence[NoteCheck] = CHECKS, copies: bool = True,
                schedule: Path | None = None) -> CheckRun:
    """Check every note under ``paths``; display paths are relative to ``base``.

    ``checks`` defaults to every per-note rule and ``copies`` adds the search for
    copied sections across notes; benchmarks switch parts off to measure them.
    ``schedule`` (pass it only when the whole notes folder is checked) adds the
    scheduled sessions that have no note; a schedule that cannot be read raises
    :class:`soapbuild.model.schedule.ScheduleError`.
    """
    return check_files(note_files(paths), context, base, checks, copies, schedule)


def check_files(files: Sequence[Path], context: Context, base: Path,
                checks: Sequence[NoteCheck] = CHECKS, copies: bool = True,
                schedule: Path | None = None, reader: Reader = read_note) -> CheckRun:
    """Check the given note files, read by ``reader`` (default: from disk).

    ``check --staged`` passes a reader that takes the staged content from git.
    """
    root = context.settings.root
    findings: list[Finding] = []
    shown: list[str] = []
    prints: list[SectionPrint] = []
    seals: dict[str, Seal] = {}
    notes: list[tuple[str, Note | None]] = []
    suppressed = 0
    formats = dict(context.settings.formats)
    for file in files:
        display = display_path(file, base)
        shown.append(display)
        result = reader(file, display, formats, workspace_key(file, root))
        outcome = check_result(result, context, checks)
        findings.extend(outcome.findings)
        suppressed += outcome.suppressed
        notes.append((display, result.note))
        if result.note is not None:
            if copies:
                prints.extend(fingerprint(result.note, context.settings))
            seal = seal_update(result.note, context)
            if seal is not None and result.note.key is not None:
                seals[result.note.key] = seal
    findings.extend(_copies(prints, context))
    sessions = _sessions(notes, sorted(findings, key=lambda f: f.sort_key), context)
    if schedule is not None:
        findings.extend(_missing(schedule, sessions, context, base))
    ordered = tuple(sorted(findings, key=lambda f: f.sort_key))
    return CheckRun(tuple(shown), ordered, suppressed, seals, sessions,
                    {path: note for path, note in notes if note is not None})


def _missing(schedule: Path, sessions: Sequence[SessionRecord], context: Context,
             base: Path) -> list[Finding]:
    from soapbuild.model.schedule import load_schedule
    from soapbuild.rules import missing

    horizon = context.now + timedelta(days=1)  # expand recurring events up to --now
    scheduled = load_schedule(schedule, context.settings.timezone, until=horizon)
    shown = display_path(schedule, base)
    placed = (_finding(hit, shown, (session.line, 1, session.line, 1), context)
              for session, hit in missing.check(scheduled, sessions, context))
    return [finding for finding in placed if finding is not None]


def _sessions(notes: list[tuple[str, Note | None]], findings: Sequence[Finding],
              context: Context) -> tuple[SessionRecord, ...]:
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        by_path.setdefault(finding.path, []).append(finding)
    return tuple(session_record(path, note, by_path.get(path, []), context)
                 for path, note in notes)


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


def seal_update(note: Note, context: Context) -> Seal | None:
    """The seal to record for a locked note seen for the first time (or grown by addenda)."""
    if context.baseline is None or note.key is None:
        return None
    seal = context.baseline.seal_for(note.key)
    if seal is None:
        since = locked_since(note, context.settings)
        if since is None or context.now < since:
            return None
    return compare(note.source.text, seal, context.now).reseal


def _copies(prints: list[SectionPrint], context: Context) -> list[Finding]:
    found = []
    for copy in find_copies(prints, context.settings.copied_threshold):
        line, column, end_line, end_column = copy.later.position
        finding = _finding(copy_hit(copy), copy.later.path, (line, column, end_line, end_column),
                           context)
        if finding is not None:
            found.append(finding)
    return found


def _placed(hits: list[Hit], path: str, source: SourceText | None,
            context: Context) -> list[Finding]:
    return [finding for hit in hits
            if (finding := place(hit, path, source, context)) is not None]


def place(hit: Hit, path: str, source: SourceText | None, context: Context) -> Finding | None:
    """Give a hit its position and severity, or drop it when settings ignore its rule."""
    if hit.span is None or source is None:
        return _finding(hit, path, (1, 1, 1, 1), context)
    start, end = source.position(hit.span.start), source.position(hit.span.end)
    return _finding(hit, path, (start.line, start.column, end.line, end.column), context)


def _finding(hit: Hit, path: str, where: tuple[int, int, int, int],
             context: Context) -> Finding | None:
    settings = context.settings
    if hit.code in settings.rules_ignore:
        return None
    rule = all_rules()[hit.code]
    severity = settings.rules_severity.get(hit.code, rule.severity)
    return Finding(path, *where, hit.code, rule.family, severity, hit.message, hit.suggestion,
                   hit.span)
