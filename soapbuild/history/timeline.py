"""A note's versions in git, and what they say: when it locked, with which text, what came after.

:mod:`soapbuild.history.git` reads the commits that touched the notes (one
``git log`` for the branch, one for the reflog) and the texts of their blobs
(one ``git cat-file --batch``); this module turns them into each note's
:class:`Timeline` and judges it, without starting a process.

The rules, for one note's versions in commit order:

- its *original* is the version that was current when the note locked
  (submitted + edit window, read from that version's own header), or the first
  version committed after it locked; a later change to ``submitted`` cannot
  unlock it, because each version's lock time is its own;
- after that, a version that only appends dated, attributed addenda extends the
  locked text (on the branch; in the reflog it was abandoned and is ignored),
  and any other version is an unauthorised change: the lock stays where it was,
  so a change committed with ``--no-verify``, or an ``--amend`` of the very
  commit that held the original (still in the reflog), is reported by every
  later check;
- commits up to the end of the ``history.imported_until`` day are an import of
  notes kept elsewhere: they are folded into one version, the notes as the
  import left them, whose commit time says nothing about when they were written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from soapbuild.history.git import Commit
from soapbuild.history.lock import LockState, check_lock, digest, lock_time, normalized
from soapbuild.model.frontmatter import read_front_matter
from soapbuild.model.header import type_header
from soapbuild.model.history import Change, LockRecord, NoteHistory
from soapbuild.model.note import Header, Note
from soapbuild.model.source import SourceText
from soapbuild.settings import Settings

# Reads a version's text as a note: (text, key) -> note, or None when it is no note.
ParseText = Callable[[str, str], "Note | None"]


@dataclass(frozen=True, slots=True)
class Version:
    """One committed state of a note: its text's blob, or None where it was deleted."""

    commit: str
    when: datetime
    path: str
    blob: str | None
    reachable: bool
    imported: bool = False


@dataclass
class Timeline:
    """One note's versions across renames, oldest first."""

    versions: list[Version] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.versions[-1].path

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v.path for v in self.versions))

    @property
    def on_branch(self) -> list[Version]:
        return [v for v in self.versions if v.reachable]

    @property
    def deleted(self) -> Version | None:
        """The commit that deleted the note, when the branch's last word on it is a deletion."""
        branch = self.on_branch
        return branch[-1] if branch and branch[-1].blob is None else None


def timelines(commits: Iterable[Commit]) -> dict[str, Timeline]:
    """Every note's timeline, by the path it has last (commits in any order)."""
    current: dict[str, Timeline] = {}
    for commit in sorted(commits, key=lambda c: (c.when, not c.reachable)):
        for change in commit.files:
            deleted = change.status == "D"
            if commit.reachable:
                if change.status == "R":
                    line = current.pop(change.old_path or "", None) or Timeline()
                    current[change.path] = line
                else:
                    line = current.setdefault(change.path, Timeline())
                path = change.path
            else:
                # Only in the reflog (amended or reset away): its versions join the note
                # under the name the branch knows, and its deletions say nothing.
                if deleted:
                    continue
                name = (change.old_path if change.status == "R" and change.old_path in current
                        else change.path)
                line = current.setdefault(name or change.path, Timeline())
                path = line.versions[-1].path if line.versions else change.path
            line.versions.append(Version(commit.id, commit.when, path,
                                         None if deleted else change.blob, commit.reachable))
    return current


def header_of(text: str) -> Header:
    """The typed front matter of a text (no body parse: history reads many versions)."""
    front = read_front_matter(SourceText.from_str(text))
    return type_header(front.fields, readable=not front.problems)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What one timeline says: the lock (None when the note never locked), and the history."""

    lock: LockRecord | None
    history: NoteHistory


def judge(line: Timeline, texts: Mapping[str, str], settings: Settings, now: datetime,
          current: Note | None, parse: ParseText, imported_until: datetime | None) -> Verdict:
    """Judge one timeline (module docstring). ``current`` is the note as checked now, for
    when its addenda first entered; ``parse`` reads a version's text as a note."""
    versions = _fold_import(line.versions, imported_until)
    headers = {v.blob: header_of(texts[v.blob]) for v in versions
               if v.blob is not None and v.blob in texts}
    start = _original(versions, headers, settings, now)
    changes = _before(versions, headers, start)
    lock: LockRecord | None = None
    if start is not None:
        origin = versions[start]
        assert origin.blob is not None
        locked_at = lock_time(headers[origin.blob], settings)
        original = texts[origin.blob]
        baseline, evidence = original, _evidence(origin)
        for version in versions[start + 1:]:
            kind, text = _after(version, baseline, texts, parse)
            if kind is None:
                continue
            changes.append(Change(version.when, kind, version.path, version.commit[:7],
                                  after_submission=True, after_lock=True,
                                  reachable=version.reachable))
            if kind == "addenda" and version.reachable and text is not None:
                baseline, evidence = text, _evidence(version)
        header = headers[origin.blob]
        body = normalized(baseline)
        lock = LockRecord(line.key, digest(body), len(body), len(normalized(original)), baseline,
                          locked_at, "git", evidence, header.client,
                          header.session_date.text if header.session_date else None,
                          origin.when)
    entered, imported = _addenda(current, versions, texts)
    first = next((v for v in line.versions if v.blob is not None), None)
    submitted = next((v for v in versions if v.blob in headers
                      and headers[v.blob].submitted is not None), None)
    history = NoteHistory(
        key=line.key, in_git=True, entered=first.when if first else None,
        imported=bool(first and imported_until and first.when <= imported_until),
        submitted_entered=submitted.when if submitted else None,
        submitted_imported=bool(submitted and submitted.imported),
        changes=tuple(changes), addenda_entered=entered, addenda_imported=imported,
        paths=line.paths)
    return Verdict(lock, history)


def _fold_import(versions: Sequence[Version], until: datetime | None) -> list[Version]:
    """The versions with every commit up to ``until`` folded into the last of them."""
    if until is None:
        return list(versions)
    early = [v for v in versions if v.when <= until]
    if not early:
        return list(versions)
    branch = [v for v in early if v.reachable] or early
    return [replace(branch[-1], imported=True), *(v for v in versions if v.when > until)]


def _original(versions: Sequence[Version], headers: Mapping[str, Header], settings: Settings,
              now: datetime) -> int | None:
    """The index of the version that was current when the note locked, if it did."""
    for index, version in enumerate(versions):
        if version.blob is None or version.blob not in headers:
            continue
        since = lock_time(headers[version.blob], settings)
        if since is None or since > now:
            continue
        later = versions[index + 1].when if index + 1 < len(versions) else None
        if later is None or since < later:
            return index
    return None


def _before(versions: Sequence[Version], headers: Mapping[str, Header],
            stop: int | None) -> list[Change]:
    """The changes up to the original: entered, edited, submitted, renamed, deleted."""
    changes: list[Change] = []
    submitted = False
    previous: Version | None = None
    for version in versions[:(stop + 1) if stop is not None else len(versions)]:
        header = headers.get(version.blob or "")
        if previous is None:
            kind = "imported" if version.imported else "entered"
        elif version.blob is None:
            kind = "deleted"
        elif version.path != previous.path:
            kind = "renamed"
        elif header is not None and header.submitted is not None and not submitted:
            kind = "submitted"
        elif version.blob == previous.blob:
            previous = version
            continue
        else:
            kind = "edited"
        changes.append(Change(version.when, kind, version.path, version.commit[:7],
                              after_submission=submitted, reachable=version.reachable,
                              note=f"from {previous.path}" if kind == "renamed" and previous
                              else ""))
        submitted = submitted or (header is not None and header.submitted is not None)
        previous = version
    return changes


def _after(version: Version, baseline: str, texts: Mapping[str, str],
           parse: ParseText) -> tuple[str | None, str | None]:
    """How a version after the lock changed the locked ``baseline`` (None: it did not)."""
    if version.blob is None:
        return "deleted", None
    text = texts.get(version.blob)
    if text is None:
        return "unauthorised", None
    if normalized(text) == normalized(baseline):
        return None, text
    note = parse(text, version.path)
    body = normalized(baseline)
    record = LockRecord(version.path, digest(body), len(body), len(body), baseline, None, "git",
                        "")
    if note is not None and check_lock(note, record).state in (LockState.EXTENDED,
                                                                LockState.UNCHANGED):
        return "addenda", text
    return "unauthorised", text


def _evidence(version: Version) -> str:
    return f"commit {version.commit[:7]} of {version.when:%Y-%m-%d %H:%M %Z}".rstrip()


def _addenda(current: Note | None, versions: Sequence[Version],
             texts: Mapping[str, str]) -> tuple[dict[str, datetime], frozenset[str]]:
    """When each addendum of the note as checked first appeared in a commit, and the
    addenda that came with an import (whose commit time says nothing about them)."""
    found: dict[str, datetime] = {}
    imported: set[str] = set()
    for addendum in current.body.addenda if current is not None else ():
        heading = addendum.heading.text
        for version in versions:
            if version.blob is not None and heading in texts.get(version.blob, ""):
                if version.imported:
                    imported.add(heading)
                else:
                    found[heading] = version.when
                break
    return found, frozenset(imported)
