"""What a run knows of the notes' past, assembled once before the rules run.

:class:`SealHistory` (outside git) reads the seal file; :class:`GitHistory` reads
the repository (and the seal file, whose seals and retirements still count).
Both turn the notes being checked into a :class:`~soapbuild.model.history.Ledger`:
the lock of every locked note, its history, and the locked notes that are gone.
A locked note that disappeared while a new note appeared is paired with it by
content (:mod:`soapbuild.history.identity`), so a rename, with or without an
edit, keeps the lock; one that is simply gone is a deletion until it is restored
or retired. After the check, :func:`seal_updates` says what to append to the
seal file (outside git only).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from pathlib import Path

from soapbuild.history import git, logmemo
from soapbuild.history.identity import Missing, pair_renames
from soapbuild.history.lock import (
    LockState,
    begins_with,
    check_lock,
    digest,
    lock_time,
    normalized,
)
from soapbuild.history.seals import SEALS_FILE, Entry, Seal, SealError, SealStore
from soapbuild.history.timeline import Timeline, Verdict, header_of, judge, timelines
from soapbuild.model.history import Change, DeletedNote, Ledger, LockRecord, NoteHistory
from soapbuild.model.note import Header, Note
from soapbuild.model.parse import parse_note
from soapbuild.model.source import SourceText
from soapbuild.settings import Settings

_Record = Callable[[Seal], LockRecord]
Parse = Callable[[str, str], "Note | None"]


def _under(key: str, scope: Sequence[str]) -> bool:
    return any(s in ("", ".") or key == s or key.startswith(s.rstrip("/") + "/") for s in scope)


def _seal_record(seal: Seal, text: str | None, settings: Settings,
                 headers: Mapping[str, Header] | None = None) -> LockRecord:
    """A seal as a lock; its client, session and lock time come from the kept text when
    the seal does not name them (a version 1 seal).

    ``headers`` are the checked notes' headers by their text: a locked note is nearly
    always unchanged, so its kept text is a note already parsed, and reading its
    front matter again cost a warm check a third of its time.
    """
    locked_at, client, session = None, seal.client, seal.session_date
    if text is not None:
        known = headers.get(SourceText.from_str(text).text) if headers else None
        header = known if known is not None else header_of(text)
        locked_at = lock_time(header, settings)
        client = client or header.client
        session = session or (header.session_date.text if header.session_date else None)
    return LockRecord(seal.key, seal.sha256, seal.length, seal.original_length, text, locked_at,
                      "seal", f"sealed {seal.sealed_at[:16].replace('T', ' ')}", client,
                      session, _when(seal.sealed_at, settings))


def _seal_history(key: str, log: SealLog, settings: Settings, former: str) -> NoteHistory:
    """A note's history as the seal log tells it (outside git); ``former`` is the key its
    lock was recorded under (another one when it was renamed since).

    The log is read newest first; a move adds the older name, whose earlier entries
    then count too. Only the entries of the names met are visited (``log.places``),
    so a practice's history costs each note its own entries, not the whole log.
    """
    names = {key, former}
    waiting = [-place for name in names for place in log.places.get(name, ())]
    heapq.heapify(waiting)
    changes = []
    while waiting:
        place = -heapq.heappop(waiting)
        entry = log.entries[place]
        if entry.event == "move" and entry.moved_from and entry.moved_from not in names:
            names.add(entry.moved_from)
            for earlier in log.places.get(entry.moved_from, ()):
                if earlier < place:
                    heapq.heappush(waiting, -earlier)
        kind = {"seal": "sealed", "extend": "extended", "move": "moved",
                "retire": "retired"}[entry.event]
        changes.append(Change(_when(entry.at, settings), kind, entry.note,
                              after_submission=True, after_lock=True,
                              note=entry.reason or (f"from {entry.moved_from}"
                                                    if entry.moved_from else "")))
    return NoteHistory(key, in_git=False, changes=tuple(reversed(changes)),
                       paths=tuple(sorted(names)))


@dataclass(frozen=True, slots=True)
class SealLog:
    """The seal log's entries, oldest first, and where each note's entries are in it."""

    entries: tuple[Entry, ...]
    places: Mapping[str, tuple[int, ...]]

    @classmethod
    def of(cls, entries: Iterable[Entry]) -> SealLog:
        listed = tuple(entries)
        places: dict[str, list[int]] = {}
        for place, entry in enumerate(listed):
            places.setdefault(entry.note, []).append(place)
        return cls(listed, {name: tuple(found) for name, found in places.items()})


def _when(text: str, settings: Settings) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=settings.timezone)


@dataclass
class SealHistory:
    """Outside git: the locks are the seal file's."""

    store: SealStore
    settings: Settings
    now: datetime
    scope: Sequence[str] = ("",)

    def load(self, notes: Mapping[str, Note]) -> Ledger:
        seals = self.store.seals()
        locks: dict[str, LockRecord] = {}
        headers = {note.source.text: note.header for note in notes.values()}
        # A locked note is nearly always as it locked: its kept original is then held once,
        # as the note's own text (a check of a whole practice holds every note at once).
        own = {note.source.text: note.source.text for note in notes.values()}
        for key in notes:
            seal = seals.get(key)
            if seal is not None:
                original = self.store.original(seal.sha256)
                locks[key] = _seal_record(seal, original and own.get(original, original),
                                          self.settings, headers)
        root = self.settings.root
        gone = {key: seal for key, seal in seals.items()
                if key not in notes and not (root / key).exists()}
        locks.update(_pair(gone, {k: n for k, n in notes.items() if k not in seals},
                           lambda seal: _seal_record(seal, self.store.original(seal.sha256),
                                                     self.settings)))
        paired = {record.key for record in locks.values()}
        retirements = self.store.retirements()
        deleted = tuple(_deleted_seal(seal, self.store.original(seal.sha256), self.settings,
                                      retirements.get(key, (None, None)))
                        for key, seal in sorted(gone.items())
                        if key not in paired and _under(key, self.scope))
        return Ledger(locks, self._histories(notes, locks), deleted)

    def recorded(self, ledger: Ledger, notes: Mapping[str, Note]) -> Ledger:
        """``ledger`` with the notes' histories as the seal file now holds them: a run that
        sealed or extended a note shows it in the same run's report, not the next one's."""
        return replace(ledger, histories=self._histories(notes, ledger.locks))

    def _histories(self, notes: Mapping[str, Note], locks: Mapping[str, LockRecord],
                   ) -> dict[str, NoteHistory]:
        entries = [*self.store.entries, *self.store.pending]
        sealed = self.store.seals()
        log = SealLog.of(entries)
        return {key: _seal_history(key, log, self.settings,
                                   locks[key].key if key in locks else key)
                for key in notes if key in sealed or key in locks}


def _pair(gone: Mapping[str, Seal], appeared: Mapping[str, Note], record: _Record,
          ) -> dict[str, LockRecord]:
    """Locks for notes that appeared where locked notes are gone (renames)."""
    if not gone or not appeared:
        return {}
    records = {key: record(seal) for key, seal in gone.items()}
    missing = [Missing(key, r.sha256, r.length, r.text, r.client, r.session_date)
               for key, r in sorted(records.items())]
    return {new: records[old] for new, old in pair_renames(missing, appeared).items()}


def _deleted_seal(seal: Seal, text: str | None, settings: Settings,
                  retired: tuple[str | None, str | None]) -> DeletedNote:
    record = _seal_record(seal, text, settings)
    return DeletedNote(seal.key, record.client, record.session_date, record.locked_at, text,
                       retired=retired[0], retired_at=retired[1])


def seal_updates(store: SealStore, ledger: Ledger, notes: Iterable[Note], settings: Settings,
                 now: datetime) -> None:
    """Append to ``store`` what this check saw (outside git): a seal for each note seen
    locked for the first time, an extension for dated addenda appended, a move for a
    renamed note. Each sealed text is kept as the original of its hash."""
    at = now.isoformat(timespec="seconds")
    for note in sorted((n for n in notes if n.key is not None), key=lambda n: n.key or ""):
        key = note.key
        assert key is not None
        record = ledger.lock(key)
        text = note.source.text
        if record is None:
            since = lock_time(note.header, settings)
            if since is None or now < since:
                continue
            body = normalized(text)
            header = note.header
            store.add(Entry("seal", key, at, digest(body), len(body), client=header.client,
                            session_date=header.session_date.text
                            if header.session_date else None), text)
            continue
        if record.key != key:
            store.add(Entry("move", key, at, moved_from=record.key))
        if check_lock(note, record).state is LockState.EXTENDED:
            body = normalized(text)
            store.add(Entry("extend", key, at, digest(body), len(body)), text)


# --- git ------------------------------------------------------------------------------------


@dataclass
class GitHistory:
    """In git: the locks from the history, with the seal file's seals still counting."""

    paths: git.Paths
    store: SealStore
    settings: Settings
    now: datetime
    scope: Sequence[str] = ("",)
    staged: git.Staged | None = None
    head: Mapping[str, str] | None = None  # HEAD's notes (key -> blob), when already listed
    _seal_blobs: dict[str, bytes | None] = field(default_factory=dict)

    def load(self, notes: Mapping[str, Note]) -> Ledger:
        commits = logmemo.read_commits(self.paths, self.settings.root)
        lines = timelines(commits)
        head = self.head if self.head is not None else git.head_notes(self.paths)
        present = self._present(notes, head)
        renamed = dict(self.staged.renamed) if self.staged else {}
        line_of = {key: lines.get(renamed.get(key, key)) for key in notes}
        # Gone: in the hook, what the commit deletes from HEAD; else every locked note the
        # branch had and the folder has not, however long ago it went.
        gone_lines = {k: line for k, line in lines.items()
                      if k not in present and k not in renamed.values() and line.on_branch
                      and (self.staged is None or k in head)}
        texts = self._texts(notes, [*line_of.values(), *gone_lines.values()])
        self._check_seal_file(texts)
        seals = self.store.seals()
        retirements = self.store.retirements()
        parse = self._parser()
        until = self._import_end()
        locks: dict[str, LockRecord] = {}
        histories: dict[str, NoteHistory] = {}
        for key, note in notes.items():
            line = line_of[key]
            if line is None:
                continue
            verdict = judge(line, texts, self.settings, self.now, note, parse, until)
            histories[key] = verdict.history
            record = self._layered(verdict, line, seals, texts)
            if record is not None:
                locks[key] = record
        for key in notes:  # seals of notes git does not know (yet)
            if key not in locks and line_of[key] is None and key in seals:
                seal = seals[key]
                locks[key] = _seal_record(seal, self.store.original(seal.sha256), self.settings)
        gone: dict[str, Verdict] = {}
        for key, line in sorted(gone_lines.items()):
            verdict = judge(line, texts, self.settings, self.now, None, parse, until)
            if verdict.lock is not None:
                gone[key] = verdict
        appeared = {k: n for k, n in notes.items() if line_of[k] is None and k not in locks}
        missing = [Missing(k, v.lock.sha256, v.lock.length, v.lock.text, v.lock.client,
                           v.lock.session_date)
                   for k, v in gone.items() if v.lock is not None and k not in retirements]
        for new, old in pair_renames(missing, appeared).items():
            verdict = gone.pop(old)
            if verdict.lock is not None:
                locks[new] = verdict.lock
            histories[new] = verdict.history
        deleted = []
        for key, verdict in gone.items():
            if not _under(key, self.scope) or verdict.lock is None:
                continue
            lock = verdict.lock
            end = lines[key].deleted
            reason, at = retirements.get(key, (None, None))
            deleted.append(DeletedNote(key, lock.client, lock.session_date, lock.locked_at,
                                       lock.text, end.when if end else None,
                                       end.commit[:7] if end else None, reason, at))
        if self.staged is not None:
            histories = {key: _committed_now(histories.get(key), key, note, self.now)
                         for key, note in notes.items()}
        return Ledger(locks, histories, tuple(deleted), in_git=True,
                      staged=self.staged is not None)

    def _present(self, notes: Mapping[str, Note], head: Mapping[str, str]) -> set[str]:
        """The notes that exist now: in the index when staged, else on disk."""
        if self.staged is None:
            root = self.settings.root
            return set(notes) | {key for key in head if (root / key).exists()}
        gone = self.staged.deleted | set(self.staged.renamed.values())
        return (set(head) - gone) | set(self.staged.notes) | set(notes)

    def _texts(self, notes: Mapping[str, Note], lines: Iterable[Timeline | None]) -> dict[str, str]:
        """Every version's text, read in one batch (a note's own text is not read again)."""
        texts: dict[str, str] = {}
        own = {}
        for key, note in notes.items():
            blob = (self.staged.notes.get(key) if self.staged and key in self.staged.notes
                    else git.blob_id(note.source.text.encode("utf-8", "surrogatepass")))
            if blob:
                own[blob] = note.source.text
        wanted = []
        for line in lines:
            if line is None:
                continue
            for version in line.versions:
                if version.blob is not None and version.blob not in own:
                    wanted.append(version.blob)
        seals = self.paths.git_name(SEALS_FILE.as_posix())
        names = [*wanted, f"HEAD:{seals}"] + ([f":{seals}"] if self.staged else [])
        found = git.read_objects(self.paths.top, names)
        self._seal_blobs = {name: found.get(name) for name in names[len(wanted):]}
        for blob in wanted:
            text = git.decoded(found.get(blob))
            if text is not None:
                texts[blob] = text
        texts.update(own)
        return texts

    def _check_seal_file(self, texts: Mapping[str, str]) -> None:
        """The seal file in use (the staged one in the hook) keeps every committed entry."""
        seals_name = self.paths.git_name(SEALS_FILE.as_posix())
        if self.staged is not None:
            data = self._seal_blobs.get(f":{seals_name}")
            self.store = SealStore.load(self.settings.root, data,
                                        f"{SEALS_FILE.as_posix()} (staged)") \
                if data is not None else SealStore(self.settings.root, [])
        committed = self._seal_blobs.get(f"HEAD:{seals_name}")
        if committed is None:
            return
        head = SealStore.load(self.settings.root, committed, f"HEAD:{SEALS_FILE.as_posix()}",
                              in_use=False)
        problem = self.store.keeps(head)
        if problem:
            shown = self.store.path if self.staged is None else f"{SEALS_FILE} (staged)"
            raise SealError(f"{shown}: {problem}; restore it with 'git checkout HEAD -- "
                            f"{SEALS_FILE.as_posix()}'")

    def _parser(self) -> Parse:
        formats = dict(self.settings.formats)

        def parse(text: str, key: str) -> Note | None:
            return parse_note(text.encode("utf-8", "surrogatepass"), key, formats, key).note

        return parse

    def _import_end(self) -> datetime | None:
        day = self.settings.history_imported_until
        if day is None:
            return None
        return datetime.combine(day + timedelta(days=1), time(0), self.settings.timezone)

    def _layered(self, verdict: Verdict, line: Timeline, seals: Mapping[str, Seal],
                 texts: Mapping[str, str]) -> LockRecord | None:
        """The stricter of the git lock and a seal recorded in the seal file.

        A seal records the text as first seen locked (a practice that moved into
        git with its seals), so it can hold what the history no longer shows. Where
        one lock's text extends the other's by addenda, the longer one is the
        stricter; where they disagree, the text recorded first is the original.
        """
        seal = next((seals[path] for path in reversed(line.paths) if path in seals), None)
        lock = verdict.lock
        if seal is None:
            return lock
        if lock is not None and lock.text is not None and begins_with(
                lock.text, seal.sha256, seal.length):
            return lock
        text = self.store.original(seal.sha256) or next(
            (t for t in texts.values() if begins_with(t, seal.sha256, seal.length)
             and len(normalized(t)) == seal.length), None)
        sealed = replace(_seal_record(seal, text, self.settings), key=line.key)
        if lock is None or (text is not None and begins_with(text, lock.sha256, lock.length)):
            return sealed
        if lock.recorded and sealed.recorded and lock.recorded < sealed.recorded:
            return lock
        return sealed


def _committed_now(history: NoteHistory | None, key: str, note: Note,
                   now: datetime) -> NoteHistory:
    """In the hook, what the staged note holds that HEAD does not enters the repository with
    the commit being made, now: its submission and its addenda are weighed against now."""
    history = history or NoteHistory(key, in_git=True, entered=now)
    submitted = history.submitted_entered
    if submitted is None and note.header.submitted is not None:
        submitted = now
    addenda = dict(history.addenda_entered)
    for addendum in note.body.addenda:
        heading = addendum.heading.text
        if heading not in addenda and heading not in history.addenda_imported:
            addenda[heading] = now
    return replace(history, submitted_entered=submitted, addenda_entered=addenda)


def ledger_paths(settings: Settings, top: Path) -> git.Paths:
    paths = git.Paths.of(top, settings.root, settings.notes_path)
    if paths is None:
        raise SealError(f"{settings.notes_path}: not inside the git work tree {top}")
    return paths
