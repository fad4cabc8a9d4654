"""The check pipeline: discover → parse → run the rules → findings with severities.

Most rules look at one note; two look across notes and run after every note
is parsed: copied documentation (sections repeated from earlier notes) and,
with a schedule, sessions that have no note. What comes from outside the notes
(the schedule, the lock baselines) is loaded by the caller before the rules
run and handed in. Seals of newly locked notes are collected for the caller to
record (rules never write).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from soapbuild.discover import display_path, file_identity, note_files, workspace_key
from soapbuild.history.seals import Seal, compare, locked_since
from soapbuild.model.findings import Finding, Hit, Severity
from soapbuild.model.formats import NoteFormat
from soapbuild.model.note import Note
from soapbuild.model.parse import ParseResult, read_note
from soapbuild.model.schedule import Schedule, ScheduledSession
from soapbuild.model.source import SourceText
from soapbuild.rules import CHECKS, NoteCheck, drafts, suppression
from soapbuild.rules.context import Context
from soapbuild.rules.copied import SectionPrint, copy_hit, find_copies, fingerprint
from soapbuild.rules.registry import all_rules
from soapbuild.rules.sessions import SessionRecord, session_record, unmatched_sessions

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
    # Scheduled sessions that no note covers (matched once; the rules and the
    # report both read this), empty without a schedule.
    unmatched: tuple[ScheduledSession, ...] = ()
    # The hash of the bytes read of each note file (by :func:`file_identity`): a
    # build records these, not the files as they are by the time it finishes.
    read: Mapping[str, str] = field(default_factory=dict)

    def count(self, severity: Severity) -> int:
        return sum(1 for finding in self.findings if finding.severity is severity)


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """The findings of one file and how many findings inline comments suppressed."""

    findings: list[Finding]
    suppressed: int = 0


def check_paths(paths: Iterable[Path], context: Context, base: Path,
                checks: Sequence[NoteCheck] = CHECKS, copies: bool = True,
                schedule: Schedule | None = None) -> CheckRun:
    """Check every note under ``paths``; display paths are relative to ``base``.

    ``checks`` defaults to every per-note rule and ``copies`` adds the search for
    copied sections across notes; benchmarks switch parts off to measure them.
    ``schedule`` (pass it only when the whole notes folder is checked) adds the
    scheduled sessions that have no note.
    """
    return check_files(note_files(paths), context, base, checks, copies, schedule)


def check_files(files: Sequence[Path], context: Context, base: Path,
                checks: Sequence[NoteCheck] = CHECKS, copies: bool = True,
                schedule: Schedule | None = None, reader: Reader = read_note) -> CheckRun:
    """Check the given note files, read by ``reader`` (default: from disk).

    ``check --staged`` passes a reader that takes the staged content from git.
    """
    root = context.settings.root
    formats = dict(context.settings.formats)
    shown = [display_path(file, base) for file in files]
    results = [reader(file, display, formats, workspace_key(file, root))
               for file, display in zip(files, shown, strict=True)]
    if context.baseline is not None:  # the lock baselines, loaded before any rule runs
        context.baseline.prefetch({r.note.key: r.note.source.text for r in results
                                   if r.note is not None and r.note.key is not None})
    findings: list[Finding] = []
    prints: list[SectionPrint] = []
    seals: dict[str, Seal] = {}
    suppressed = 0
    for result in results:
        outcome = check_result(result, context, checks)
        findings.extend(outcome.findings)
        suppressed += outcome.suppressed
        if result.note is not None:
            if copies:
                prints.extend(fingerprint(result.note, context.settings))
            seal = seal_update(result.note, context)
            if seal is not None and result.note.key is not None:
                seals[result.note.key] = seal
    notes = [(display, result.note) for display, result in zip(shown, results, strict=True)]
    findings.extend(_copies(prints, context))
    sessions = _sessions(notes, sorted(findings, key=lambda f: f.sort_key), context)
    unmatched: tuple[ScheduledSession, ...] = ()
    if schedule is not None:
        unmatched = unmatched_sessions(schedule.sessions, sessions)
        findings.extend(_missing(schedule.path, unmatched, context, base))
    ordered = tuple(sorted(findings, key=lambda f: f.sort_key))
    read = {file_identity(file, root): result.digest for file, result in zip(files, results,
                                                                             strict=True)
            if result.digest is not None}
    return CheckRun(tuple(shown), ordered, suppressed, seals, sessions,
                    {path: note for path, note in notes if note is not None}, unmatched, read)


def _missing(schedule: Path, unmatched: Sequence[ScheduledSession], context: Context,
             base: Path) -> list[Finding]:
    from soapbuild.rules import missing

    shown = display_path(schedule, base)
    placed = (_finding(hit, shown, (session.line, 1, session.line, 1), context)
              for session, hit in missing.check(unmatched, context))
    return [finding for finding in placed if finding is not None]


def _sessions(notes: list[tuple[str, Note | None]], findings: Sequence[Finding],
              context: Context) -> tuple[SessionRecord, ...]:
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        by_path.setdefault(finding.path, []).append(finding)
    return tuple(session_record(path, note, by_path.get(path, []), context)
                 for path, note in notes)


def check_result(result: ParseResult, context: Context,
                 checks: Sequence[NoteCheck] = CHECKS, *,
                 as_submitted: bool = False) -> FileOutcome:
    """All findings for one parsed file: its read problems and every rule's hits.

    On a draft, findings that only mean "not finished yet" are warnings
    (:mod:`soapbuild.rules.drafts`); ``as_submitted`` judges the draft as it will
    be once submitted, as ``soapbuild submit`` must.
    """
    hits: list[Hit] = list(result.problems)
    note = result.note
    if note is not None:
        for check in checks:
            hits.extend(check(note, context))
    source = note.source if note is not None else result.source
    findings = _placed(hits, result.path, source, context)
    if note is None:
        return FileOutcome(findings)
    if not as_submitted:
        findings = drafts.soften(note, findings)
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
    rule = all_rules()[hit.code]
    if hit.code in settings.rules_ignore and rule.suppressible:
        return None
    severity = settings.rules_severity.get(hit.code, rule.severity)
    return Finding(path, *where, hit.code, rule.family, severity, hit.message, hit.suggestion,
                   hit.span)
