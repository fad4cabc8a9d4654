"""The check pipeline: discover → parse → run the rules → findings with severities.

Most rules look at one note; some look across notes and run after every note is parsed:
copied documentation (sections repeated from earlier notes), locked notes that were
deleted, with a schedule the sessions that have no note, and the treatment-plan goals
that no session has worked on for too long. A treatment plan
(``notes/<client>/plan.md``) found among the files is checked as a plan, not as a
session; so are psychotherapy notes (``kind: psychotherapy-notes``, SPEC 3.1), checked
for their fields, language and privacy only and kept out of the sessions and the notes
the renderer reads. What comes from outside the notes is loaded before the rules run and
handed in: the schedule, the clients' plans, and the notes' past (the ledger of locks
and history, which the caller's loader builds once the notes are parsed, in one batch).
Rules never write; the caller records new seals from the run's ledger.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from soapbuild.cache.pickles import dump, load
from soapbuild.discover import (
    display_path,
    file_identity,
    note_files,
    split_plans,
    utf8_name,
    workspace_key,
)
from soapbuild.model.findings import Finding, Hit, Severity
from soapbuild.model.formats import NoteFormat
from soapbuild.model.history import Ledger
from soapbuild.model.note import Note
from soapbuild.model.parse import ParseResult, parse_note, read_note
from soapbuild.model.plan import Plan, PlanResult, read_plan
from soapbuild.model.raw import read_note_bytes
from soapbuild.model.schedule import Schedule, ScheduledSession
from soapbuild.model.source import SourceText
from soapbuild.rules import drafts, plans, suppression
from soapbuild.rules.catalog import CHECKS, NOTE_ONLY, PSYCHOTHERAPY_CHECKS, NoteCheck
from soapbuild.rules.context import Context
from soapbuild.rules.copied import Copy, SectionPrint, copy_hit, find_copies, fingerprint
from soapbuild.rules.registry import all_rules
from soapbuild.rules.sessions import SessionRecord, session_record, unmatched_sessions

# The fewest notes to parse worth starting a worker per core (soapbuild.workers). Measured
# on 2 cores: starting the pool costs 13-32 ms, and a worker saves about 1.5 ms a note
# (4 ms to parse and check, 0.5 ms for the parent to read back what it sent), so the
# pool pays from about 20 notes; 32 leaves a margin for a busy machine.
PARALLEL_NOTES = 32

# How a note file becomes a ParseResult: (file, display path, formats, workspace key).
Reader = Callable[[Path, str, dict[str, NoteFormat], "str | None"], ParseResult]
# The notes' past, loaded once the notes are parsed: (workspace key -> note) -> ledger.
HistoryLoader = Callable[[Mapping[str, Note]], Ledger]
# Section fingerprints of notes not being checked that may match the checked ones.
OtherPrints = Callable[[Sequence[SectionPrint]], Sequence[SectionPrint]]
# How a plan file becomes a PlanResult: (file, display path, workspace key).
PlanReader = Callable[[Path, str, "str | None"], PlanResult]
# The bytes of a note as the check reads them, or None when they cannot be read (the
# Reader then says why): (file, workspace key) -> bytes.
RawReader = Callable[[Path, "str | None"], "bytes | None"]


@dataclass(frozen=True, slots=True)
class Piece:
    """What one note yields on its own, before any rule that looks across notes or at the
    note's past: the parse (its note lean, :meth:`~soapbuild.model.note.Note.lean`: a
    check holds every note's piece at once), the hits of the note-only checks
    (:data:`~soapbuild.rules.catalog.NOTE_ONLY`) among those run, in their order, and its
    sections' fingerprints for copied text.

    A piece depends only on the note's bytes, its paths, the settings, the vocabulary and
    soapbuild itself, which is what lets :mod:`soapbuild.cache` keep it between runs.
    """

    result: ParseResult
    hits: tuple[tuple[Hit, ...], ...]
    prints: tuple[SectionPrint, ...]


class PieceCache(Protocol):
    """The one seam between the checker and the cache (:class:`soapbuild.cache.NoteCache`)."""

    def get(self, data: bytes, display: str, key: str | None, variant: str) -> Piece | None:
        """The kept piece of the note whose bytes are ``data``, if any. ``variant`` names
        what the piece holds beyond the parse (which checks ran, fingerprints or not)."""

    def put(self, data: bytes, display: str, key: str | None, variant: str,
            piece: Piece) -> bytes:
        """Keep ``piece`` for the next run; returns it as kept (pickled by
        :func:`soapbuild.cache.pickles.dump`), which a worker sends on as it is."""

    def copies(self, prints: Sequence[SectionPrint], identity: str,
               find: Callable[[], list[Copy]]) -> list[Copy]:
        """The copies among ``prints``, from the cache or found by ``find`` (and then kept);
        ``identity`` hashes everything ``prints`` were made from."""


def disk_bytes(file: Path, key: str | None) -> bytes | None:
    """A note's bytes from disk, as :func:`~soapbuild.model.parse.read_note` reads them."""
    try:
        return read_note_bytes(file)
    except OSError:
        return None


def make_piece(result: ParseResult, context: Context, checks: Sequence[NoteCheck],
               copies: bool) -> Piece:
    """The piece of a parsed note: run its note-only checks and fingerprint its sections
    (a psychotherapy note only the checks it gets, and no fingerprints: no copied text)."""
    note = result.note
    if note is None:
        return Piece(result, (), ())
    kept = not note.psychotherapy_notes
    hits = tuple(tuple(check(note, context)) if kept or check in PSYCHOTHERAPY_CHECKS else ()
                 for check in checks if check in NOTE_ONLY)
    prints = tuple(fingerprint(note, context.settings)) if copies and kept else ()
    return Piece(replace(result, note=note.lean()), hits, prints)


def default_variant() -> str:
    """What a full check's pieces hold: every note-only check's hits and the fingerprints."""
    return _variant(CHECKS, True)


def _variant(checks: Sequence[NoteCheck], copies: bool) -> str:
    names = [f"{check.__module__}.{check.__qualname__}" for check in checks
             if check in NOTE_ONLY]
    return " ".join([*names, "copies" if copies else "no-copies"])


@dataclass(frozen=True, slots=True)
class CheckRun:
    """The outcome of checking some notes."""

    files: tuple[str, ...]
    findings: tuple[Finding, ...]
    suppressed: int = 0
    sessions: tuple[SessionRecord, ...] = ()
    # The parsed notes by display path (readable files only), for the renderer: it
    # shows the very text the findings point into, without reading the files again.
    # Psychotherapy notes are not among them (nor among the sessions): their findings
    # are reported, and nothing that renders or exports ever sees them.
    notes: Mapping[str, Note] = field(default_factory=dict)
    # Scheduled sessions that no note covers (matched once; the rules and the
    # report both read this), empty without a schedule.
    unmatched: tuple[ScheduledSession, ...] = ()
    # The hash of the bytes read of each note file (by :func:`file_identity`): a
    # build records these, not the files as they are by the time it finishes.
    # Treatment plans are among them: a build depends on them too.
    read: Mapping[str, str] = field(default_factory=dict)
    ledger: Ledger = field(default_factory=Ledger)  # the notes' past as the rules saw it
    # The treatment plan files checked (display paths), and the clients' plans the
    # notes were judged against, by client (for the record's client pages).
    plan_files: tuple[str, ...] = ()
    plans: Mapping[str, Plan] = field(default_factory=dict)

    def count(self, severity: Severity) -> int:
        return sum(1 for finding in self.findings if finding.severity is severity)

    def printed(self) -> CheckRun:
        """What ``check`` prints of the run: the files and plans checked and the findings.
        The run memo keeps this much (:mod:`soapbuild.cache.runs`), and ``check`` holds no
        more while it formats them (the notes of a whole practice are let go first)."""
        return CheckRun(self.files, self.findings, self.suppressed, plan_files=self.plan_files)


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """The findings of one file and how many findings inline comments suppressed."""

    findings: list[Finding]
    suppressed: int = 0


def check_paths(paths: Iterable[Path], context: Context, base: Path,
                checks: Sequence[NoteCheck] = CHECKS, copies: bool = True,
                schedule: Schedule | None = None, history: HistoryLoader | None = None,
                whole: bool = False, cache: PieceCache | None = None) -> CheckRun:
    """Check every note under ``paths``; display paths are relative to ``base``.

    ``checks`` defaults to every per-note rule and ``copies`` adds the search for
    copied sections across notes; benchmarks switch parts off to measure them.
    ``schedule`` (pass it only when the whole notes folder is checked) adds the
    scheduled sessions that have no note; ``whole`` says the whole notes folder
    is checked, which the plans' idle goals need (every session of a client).
    """
    return check_files(note_files(paths), context, base, checks, copies, schedule,
                       history=history, whole=whole, cache=cache)


def check_files(files: Sequence[Path], context: Context, base: Path,
                checks: Sequence[NoteCheck] = CHECKS, copies: bool = True,
                schedule: Schedule | None = None, reader: Reader = read_note,
                history: HistoryLoader | None = None,
                others: OtherPrints | None = None, plan_reader: PlanReader = read_plan,
                whole: bool = False, cache: PieceCache | None = None,
                raw: RawReader = disk_bytes) -> CheckRun:
    """Check the given note files, read by ``reader`` (default: from disk); a treatment
    plan among them is read by ``plan_reader`` and checked as a plan.

    ``check --staged`` passes readers that take the staged content from git, and
    ``others``: given the checked notes' section fingerprints, those of the notes
    that are not being checked (the committed ones) that may match them, so that a
    note copied from one of them is found too.
    ``history`` loads the notes' past before any rule runs; ``whole`` says the whole
    notes folder is checked, which the plans' idle goals need (every session).
    ``cache`` keeps each note's :class:`Piece` between runs; it reads the notes' bytes
    with ``raw`` (from disk by default) and a note ``raw`` cannot read with ``reader``.
    """
    files, plan_paths = split_plans(files)
    root = context.settings.root
    shown = [display_path(file, base) for file in files]
    keys = [workspace_key(file, root) for file in files]
    # Outside the workspace, or a name that is not UTF-8: not read at all (a link to
    # /etc/passwd puts nothing of it in a finding, a fingerprint or the record).
    special = [_outside(display, context) if key is None
               else _badly_named(file, display) if not utf8_name(key) else None
               for file, display, key in zip(files, shown, keys, strict=True)]
    readable = [number for number, result in enumerate(special) if result is None]
    made = iter(_pieces([files[n] for n in readable], [shown[n] for n in readable],
                        [keys[n] for n in readable], context, checks, copies, reader, cache,
                        raw))
    pieces = [Piece(result, (), ()) if result is not None else next(made)
              for result in special]
    results = [piece.result for piece in pieces]
    record = [r.note is None or not r.note.psychotherapy_notes for r in results]
    # Copied text is looked for first, so that every section's fingerprint is let go
    # before the notes' past is loaded and the findings are made: a check of a whole
    # practice holds every note at once, and need not hold their fingerprints too.
    found = _copied([p for piece, kept in zip(pieces, record, strict=True) if kept
                     for p in piece.prints], context.settings.copied_threshold, others, cache,
                    _variant(checks, copies), shown, keys, results)
    hits = [piece.hits for piece in pieces]
    del pieces
    if history is not None:  # the notes' past, loaded before any rule runs
        context = context.with_ledger(history({
            r.note.key: r.note for r, kept in zip(results, record, strict=True)
            if kept and r.note is not None and r.note.key is not None}))
    findings: list[Finding] = []
    suppressed = 0
    note_only = [check for check in checks if check in NOTE_ONLY]
    for found_hits, result in zip(hits, results, strict=True):
        known = dict(zip(note_only, found_hits, strict=True)) if result.note is not None else {}
        outcome = check_result(result, context, checks, known=known)
        findings.extend(outcome.findings)
        suppressed += outcome.suppressed
    notes = [(display, result.note) for display, result, kept
             in zip(shown, results, record, strict=True) if kept]
    findings.extend(_copies(found, context, set(shown)))
    findings.extend(client_id_findings(notes, context))
    findings.extend(_deleted(context, base))
    sessions = _sessions(notes, sorted(findings, key=lambda f: f.sort_key), context)
    unmatched: tuple[ScheduledSession, ...] = ()
    if schedule is not None:
        unmatched = unmatched_sessions(schedule.sessions, sessions)
        findings.extend(_missing(schedule.path, unmatched, context, base))
    plan_shown = [display_path(file, base) for file in plan_paths]
    loaded = {found.plan.key: found for found in (context.plans or {}).values()
              if found.plan is not None and found.plan.key is not None}
    plan_digests: dict[str, str] = {}
    for file, display in zip(plan_paths, plan_shown, strict=True):
        key = workspace_key(file, root)
        # A plan the run loaded from disk for the rules is the one checked: read once.
        if key is None:  # outside the workspace: not read (K003), as a note there
            outside = _outside(display, context)
            plan = PlanResult(display, None, outside.problems, digest=outside.digest)
        else:
            plan = (loaded[key] if plan_reader is read_plan and key in loaded
                    and loaded[key].path == display else plan_reader(file, display, key))
        if plan.digest is not None:
            plan_digests[file_identity(file, root)] = plan.digest
        findings.extend(_plan_findings(plan, sessions if whole else None, context))
    ordered = tuple(sorted(findings, key=lambda f: f.sort_key))
    read = {key or file_identity(file, root): result.digest
            for file, key, result in zip(files, keys, results, strict=True)
            if result.digest is not None}
    read.update(plan_digests)
    plans = {client: found.plan for client, found in (context.plans or {}).items()
             if found.plan is not None}
    return CheckRun(tuple(shown), ordered, suppressed, sessions,
                    {path: note for path, note in notes if note is not None}, unmatched, read,
                    context.ledger, tuple(plan_shown), plans)


def _copied(prints: list[SectionPrint], threshold: float, others: OtherPrints | None,
            cache: PieceCache | None, variant: str, shown: Sequence[str],
            keys: Sequence[str | None], results: Sequence[ParseResult]) -> list[Copy]:
    """The sections that repeat earlier ones among ``prints`` (the checked notes'), and among
    ``others`` when given: those of notes not being checked that may match them."""
    if others is not None and prints:
        prints += others(prints)
        return find_copies(prints, threshold, judged=set(shown))
    if cache is not None:  # the same notes as last time: the same copies
        identity = _identity(variant, threshold, shown, keys, results)
        return cache.copies(prints, identity, lambda: find_copies(prints, threshold))
    return find_copies(prints, threshold)


def _pieces(files: Sequence[Path], shown: Sequence[str], keys: Sequence[str | None],
            context: Context, checks: Sequence[NoteCheck], copies: bool, reader: Reader,
            cache: PieceCache | None, raw: RawReader) -> list[Piece]:
    """Every note's piece: from ``cache`` when it has it, else parsed and checked now, on
    every core when there are enough of them (:mod:`soapbuild.workers`)."""
    from soapbuild.workers import spread

    variant = _variant(checks, copies)
    formats = dict(context.settings.formats)
    data = [raw(file, key) if cache is not None else None for file, key in zip(files, keys,
                                                                                strict=True)]
    pieces = [_kept(cache, content, display, key, variant) if cache is not None else None
              for content, display, key in zip(data, shown, keys, strict=True)]
    todo = [number for number, piece in enumerate(pieces) if piece is None]
    # Each note's bytes are let go once its piece is made (a forked worker has its own
    # copy): a whole practice's bytes are not held beside every piece.
    data = [None if piece is not None else content for piece, content in zip(pieces, data,
                                                                              strict=True)]

    def make(number: int) -> tuple[Piece, bytes | None]:
        """The piece, and its pickle when the cache made one."""
        at = todo[number]
        file, display, key, content = files[at], shown[at], keys[at], data[at]
        if cache is None or content is None:  # no cache, or unreadable: the reader says why
            return make_piece(reader(file, display, formats, key), context, checks, copies), None
        result = replace(parse_note(content, display, formats, key),
                         digest=hashlib.sha256(content).hexdigest())
        piece = make_piece(result, context, checks, copies)
        return piece, cache.put(content, display, key, variant, piece)

    def send(number: int) -> bytes:
        piece, kept = make(number)
        return kept if kept is not None else dump(piece)

    if len(todo) < PARALLEL_NOTES:
        made: Iterable[Piece] = (make(number)[0] for number in range(len(todo)))
    else:
        made = _sent(spread(send, len(todo), PARALLEL_NOTES))
    for at, piece in zip(todo, made, strict=True):
        pieces[at] = piece
        data[at] = None
    return [piece for piece in pieces if piece is not None]


def _kept(cache: PieceCache, content: bytes | None, display: str, key: str | None,
          variant: str) -> Piece | None:
    return cache.get(content, display, key, variant) if content is not None else None


def _sent(sent: Iterable[bytes]) -> Iterator[Piece]:
    """The pieces as the workers sent them."""
    for content in sent:
        piece = load(content)
        if not isinstance(piece, Piece):
            raise TypeError("a worker sent something that is not a note's piece")
        yield piece


def _identity(variant: str, threshold: float, shown: Sequence[str],
              keys: Sequence[str | None], results: Sequence[ParseResult]) -> str:
    """The hash of what the notes' fingerprints are made of: their bytes and paths."""
    digest = hashlib.sha256(f"{variant}\0{threshold!r}".encode())
    for display, key, result in zip(shown, keys, results, strict=True):
        digest.update(f"\0{display}\0{key}\0{result.digest}".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _outside(display: str, context: Context) -> ParseResult:
    """A note file outside the workspace (K003): its lock could not be kept, and it is not
    read, so that a link to ``/etc/passwd`` puts nothing of it in a finding or the record."""
    from soapbuild.rules import locking

    return ParseResult(display, None, (locking.outside(context),), digest="outside")


def _badly_named(file: Path, display: str) -> ParseResult:
    """A note whose file name is not UTF-8 (R001): it could be neither sealed nor named in
    the record, and renaming it is the fix. Its bytes are hashed as a build hashes them."""
    from soapbuild.model.parse import unreadable
    from soapbuild.model.raw import digest_of

    return replace(unreadable(display, "its file name is not UTF-8 text; rename the file"),
                   digest=digest_of(file))


def _plan_findings(result: PlanResult, sessions: Sequence[SessionRecord] | None,
                   context: Context) -> list[Finding]:
    """A plan's own findings; with every session of the practice (``sessions``), its goals
    that no session has worked on for too long."""
    hits: list[Hit] = list(result.problems)
    plan = result.plan
    if plan is not None:
        settings = context.settings
        hits.extend(plans.plan_hits(plan, settings, context.now))
        if sessions is not None:
            mine = [(s.session_date, s.occurred, s.goals) for s in sessions
                    if s.client == plan.client_id]
            hits.extend(plans.idle_hits(
                plans.goal_progress(plan, mine, settings, context.now), settings))
    source = plan.source if plan is not None else result.source
    return _placed(hits, result.path, source, context)


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
                 as_submitted: bool = False,
                 known: Mapping[NoteCheck, Sequence[Hit]] | None = None) -> FileOutcome:
    """All findings for one parsed file: its read problems and every rule's hits.

    On a draft, findings that only mean "not finished yet" are warnings
    (:mod:`soapbuild.rules.drafts`); ``as_submitted`` judges the draft as it will
    be once submitted, as ``soapbuild submit`` must. ``known`` holds hits already
    found by some of the checks (a cached :class:`Piece`'s), which are not run again.
    """
    hits: list[Hit] = list(result.problems)
    note = result.note
    known = known or {}
    if note is not None:
        if note.psychotherapy_notes:
            checks = [check for check in checks if check in PSYCHOTHERAPY_CHECKS]
        for check in checks:
            found = known.get(check)
            hits.extend(check(note, context) if found is None else found)
    source = note.source if note is not None else result.source
    findings = _placed(hits, result.path, source, context)
    if note is None:
        return FileOutcome(findings)
    if not as_submitted:
        findings = drafts.soften(note, findings)
    findings, comment_hits, suppressed = suppression.apply(note, findings)
    return FileOutcome(findings + _placed(comment_hits, result.path, source, context), suppressed)


def _deleted(context: Context, base: Path) -> list[Finding]:
    from soapbuild.rules import locking

    root = context.settings.root
    placed = (_finding(hit, display_path(root / gone.key, base), (1, 1, 1, 1), context)
              for gone, hit in locking.deleted(context))
    return [finding for finding in placed if finding is not None]


def client_id_findings(notes: list[tuple[str, Note | None]], context: Context) -> list[Finding]:
    """F010: client IDs that look alike but differ, across the notes checked (the watch
    asks it of one saved note among the kept ones)."""
    from soapbuild.rules import client_ids

    by_path = {path: note for path, note in notes if note is not None}
    placed = (place(hit, path, by_path[path].source, context)
              for path, hit in client_ids.hits(by_path.items()))
    return [finding for finding in placed if finding is not None]


def _copies(copies: list[Copy], context: Context, checked: set[str]) -> list[Finding]:
    found = []
    for copy in copies:
        if copy.later.path not in checked:  # a committed note copying another: not checked now
            continue
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
                   hit.span, hit.detail)
