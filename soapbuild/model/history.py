"""The past of the notes, as :mod:`soapbuild.history` loads it before the rules run.

A run knows, for each note it checks, the text the note must keep since it
locked (a :class:`LockRecord`), and in a git repository when the note entered
the repository and what each later commit did to it (a :class:`NoteHistory`);
and it knows the locked notes that disappeared (:class:`DeletedNote`). These are
plain values: the rules (K001, K002, A007, A008, T008), the report's history and
the record read them, and none of them starts a process or opens a file.

Times are aware datetimes. Texts compared with a lock are *normalized*: CRLF
line ends read as LF and trailing whitespace dropped, so that a checkout that
converts line endings is no change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class LockRecord:
    """The text a locked note must still begin with, and where soapbuild knows it from.

    ``sha256`` and ``length`` describe the *accepted* locked text: the text as it
    locked plus any dated, attributed addenda appended since (normalized).
    ``text`` is that text when soapbuild keeps it (a commit, or the compressed
    copy beside the seals); ``None`` for a seal that kept only a hash.
    ``original_length`` is the length of the text as it locked: an addendum
    starting at or after it was written after the lock.
    """

    key: str  # the path the lock was recorded under (the old one after a rename)
    sha256: str
    length: int
    original_length: int
    text: str | None
    locked_at: datetime | None  # submitted + edit window, when known
    source: str  # "git" or "seal"
    evidence: str  # "commit 1a2b3c4 of 2026-11-21 20:00" or "sealed 2026-11-22 09:00"
    client: str | None = None
    session_date: str | None = None
    recorded: datetime | None = None  # when the locked text was first recorded (commit, seal)


@dataclass(frozen=True, slots=True)
class Change:
    """One event in a note's past: a commit that changed it, or a seal-file entry."""

    when: datetime
    kind: str  # entered, edited, submitted, addenda, unauthorised, renamed, deleted,
    #            sealed, extended, moved, retired
    path: str
    commit: str | None = None  # abbreviated commit id; None outside git
    after_submission: bool = False
    after_lock: bool = False
    reachable: bool = True  # False: the commit is only in the reflog (amended or reset away)
    note: str = ""  # a word more, e.g. the reason a note was retired


@dataclass(frozen=True, slots=True)
class NoteHistory:
    """What the repository (or the seal file) says about one note's past."""

    key: str
    in_git: bool
    entered: datetime | None = None  # first commit holding the note
    imported: bool = False  # it entered in a commit the settings call an import
    submitted_entered: datetime | None = None  # first commit holding it submitted
    submitted_imported: bool = False  # ... and that commit was part of an import
    changes: tuple[Change, ...] = ()
    # The heading line of each addendum the note holds now -> the first commit holding it.
    addenda_entered: Mapping[str, datetime] = field(default_factory=dict)
    addenda_imported: frozenset[str] = frozenset()  # addenda that came with an import
    paths: tuple[str, ...] = ()  # every path the note had, oldest first


@dataclass(frozen=True, slots=True)
class DeletedNote:
    """A locked note that is no longer there (from the folder, the index or the tree)."""

    key: str
    client: str | None
    session_date: str | None
    locked_at: datetime | None
    text: str | None  # its last locked text, for ``soapbuild restore``
    when: datetime | None = None  # the commit that deleted it, when it was committed
    commit: str | None = None
    retired: str | None = None  # the reason recorded by ``soapbuild retire``
    retired_at: str | None = None


@dataclass(frozen=True)
class Ledger:
    """Everything a run knows of the notes' past, by the notes' current keys."""

    locks: Mapping[str, LockRecord] = field(default_factory=dict)
    histories: Mapping[str, NoteHistory] = field(default_factory=dict)
    deleted: tuple[DeletedNote, ...] = ()
    in_git: bool = False
    staged: bool = False  # the notes are what the next commit holds (the hook)

    def lock(self, key: str | None) -> LockRecord | None:
        return None if key is None else self.locks.get(key)

    def history(self, key: str | None) -> NoteHistory | None:
        return None if key is None else self.histories.get(key)
