"""The seal file ``.soapbuild/seals.json`` and the locked originals kept beside it.

Outside git nothing else remembers what a locked note said, so the first time
``check`` sees a note locked it records a *seal*: the hash and length of its
text (normalized, see :mod:`soapbuild.history.lock`), and keeps the exact text,
gzip-compressed, as ``.soapbuild/originals/<sha256>.md.gz``. Both are committed
with the notes. In a git repository the commits are the record and ``check``
writes no seals, but the seal file still holds what only it can: seals made
before the practice moved into git, and retirements (``soapbuild retire``).

The file is an append-only log. Each entry (``seal``, ``extend`` when dated
addenda were appended, ``move`` when a note was renamed, ``retire``) carries the
hash of the entry before it and its own hash over both, so an entry edited by
hand (a hash recomputed to cover an edit) breaks the chain. Losing seals is an
error too: every original kept must be named by an entry, so a deleted or
emptied seal file, or entries cut from its end, shows. (A copy of the whole
folder can still be forged outside git, where nothing else holds the history;
in git, the committed seal file must be a prefix of the one in use.)

Version 1 files (a map of seals without a chain) are read and become version 2
the next time soapbuild writes the file.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from soapbuild.confined import OutsideWorkspace, check_inside, own_folder

SEALS_FILE = Path(".soapbuild") / "seals.json"
ORIGINALS = Path(".soapbuild") / "originals"
PENDING = ".pending"
"""Suffix of an original written before the log that names it: renamed into place after."""
SEALS_VERSION = 2
GENESIS = "0" * 64
EVENTS = ("seal", "extend", "move", "retire")
ABOUT = ("Locked notes (soapbuild SPEC 4.3): an append-only log, each entry chained to the one "
         "before by its hash. Commit this file and .soapbuild/originals/ with the notes; do not "
         "edit them.")
_HEX = re.compile(r"[0-9a-f]{64}")


class SealError(Exception):
    """The seal file cannot be read, was tampered with, or lost seals; the message says which."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the seal log."""

    event: str
    note: str
    at: str
    sha256: str | None = None
    length: int | None = None
    moved_from: str | None = None
    reason: str | None = None
    client: str | None = None
    session_date: str | None = None
    prev: str = GENESIS
    hash: str = ""

    def fields(self) -> dict[str, Any]:
        """The entry as stored, without its own hash (what the hash covers)."""
        data: dict[str, Any] = {"event": self.event, "note": self.note, "at": self.at}
        for name in ("sha256", "length", "moved_from", "reason", "client", "session_date"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        data["prev"] = self.prev
        return data

    def chained(self, prev: str) -> Entry:
        """This entry linked after the entry whose hash is ``prev``."""
        linked = replace(self, prev=prev, hash="")
        return replace(linked, hash=_entry_hash(linked.fields()))


def _entry_hash(fields: Mapping[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Seal:
    """What the seal log says about one note now."""

    key: str
    sha256: str  # the accepted locked text (grows with addenda)
    length: int
    original_length: int  # the text as it first locked
    sealed_at: str
    client: str | None = None
    session_date: str | None = None
    texts: frozenset[tuple[str, int]] = frozenset()  # every text ever sealed for it


def _entry(value: object, number: int) -> Entry:
    """One entry of a version 2 file, with its types checked."""
    if not isinstance(value, dict):
        raise ValueError(f"entry {number} is not a table")
    known = {"event", "note", "at", "sha256", "length", "moved_from", "reason", "client",
             "session_date", "prev", "hash"}
    if not set(value) <= known or not {"event", "note", "at", "prev", "hash"} <= set(value):
        raise ValueError(f"entry {number} needs event, note, at, prev and hash, and nothing else "
                         f"but {', '.join(sorted(known - {'event', 'note', 'at'}))}")
    entry = Entry(**value)
    strings = ("note", "at", "moved_from", "reason", "client", "session_date")
    if entry.event not in EVENTS or not all(
            getattr(entry, name) is None or isinstance(getattr(entry, name), str)
            for name in strings):
        raise ValueError(f"entry {number} has an unknown event or a value of the wrong type")
    if entry.event in ("seal", "extend") and not (
            isinstance(entry.sha256, str) and _HEX.fullmatch(entry.sha256)
            and isinstance(entry.length, int) and not isinstance(entry.length, bool)
            and entry.length >= 0):
        raise ValueError(f"entry {number} ({entry.note}) needs a SHA-256 digest and a length")
    if entry.event == "move" and not entry.moved_from:
        raise ValueError(f"entry {number} ({entry.note}) is a move without 'moved_from'")
    if entry.event == "retire" and not (entry.reason or "").strip():
        raise ValueError(f"entry {number} ({entry.note}) is a retirement without a reason")
    if not all(isinstance(h, str) and _HEX.fullmatch(h) for h in (entry.prev, entry.hash)):
        raise ValueError(f"entry {number} has no valid 'prev' and 'hash'")
    return entry


def _legacy(seals: object) -> list[Entry]:
    """The seals of a version 1 file as unchained seal entries, in key order."""
    if not isinstance(seals, dict):
        raise ValueError("'seals' is not a table")
    entries = []
    for key, value in sorted(seals.items()):
        if not isinstance(value, dict) or set(value) != {"sha256", "length", "sealed_at"}:
            raise ValueError(f"the seal of {key} needs exactly sha256, length and sealed_at")
        digest_, length, sealed_at = value["sha256"], value["length"], value["sealed_at"]
        if not (isinstance(digest_, str) and _HEX.fullmatch(digest_)):
            raise ValueError(f"{digest_!r} is not a SHA-256 digest")
        if isinstance(length, bool) or not isinstance(length, int) or length < 0:
            raise ValueError(f"{length!r} is not a length")
        if not isinstance(sealed_at, str):
            raise ValueError(f"{sealed_at!r} is not a time")
        entries.append(Entry("seal", key, sealed_at, digest_, length))
    return entries


def parse_log(data: bytes, where: str) -> tuple[list[Entry], bool]:
    """The entries of a seal file's bytes and whether it is a version 1 file.

    Raises :class:`SealError` for a file that cannot be read or whose chain is broken.
    """
    try:
        document = json.loads(data.decode("utf-8"))
        if not isinstance(document, dict):
            raise ValueError("not a table")
        if document.get("version") == 1 or ("seals" in document and "entries" not in document):
            return _legacy(document["seals"]), True
        if document.get("version") != SEALS_VERSION or not isinstance(
                document.get("entries"), list):
            raise ValueError(f"expected version {SEALS_VERSION} with a list of entries")
        entries = [_entry(value, number)
                   for number, value in enumerate(document["entries"], start=1)]
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as error:
        raise SealError(f"{where}: cannot be read as a seal file ({error}); restore it from "
                        "version control") from None
    prev = GENESIS
    for number, entry in enumerate(entries, start=1):
        if entry.prev != prev or _entry_hash(entry.fields()) != entry.hash:
            raise SealError(f"{where}: entry {number} ({entry.event} of {entry.note}) does not "
                            "match its hash: the seal file was edited by hand; restore it from "
                            "version control")
        prev = entry.hash
    return entries, False


def fold(entries: Iterable[Entry]) -> dict[str, Seal]:
    """The seals the log describes now, by the notes' current keys."""
    seals: dict[str, Seal] = {}
    for entry in entries:
        current = seals.get(entry.note)
        if entry.event == "seal" and entry.sha256 is not None and entry.length is not None:
            texts = (current.texts if current else frozenset()) | {(entry.sha256, entry.length)}
            seals[entry.note] = Seal(entry.note, entry.sha256, entry.length, entry.length,
                                     entry.at, entry.client, entry.session_date, texts)
        elif entry.event == "extend" and current and entry.sha256 and entry.length is not None:
            seals[entry.note] = replace(current, sha256=entry.sha256, length=entry.length,
                                        texts=current.texts | {(entry.sha256, entry.length)})
        elif entry.event == "move" and entry.moved_from in seals:
            moved = seals.pop(entry.moved_from)
            seals[entry.note] = replace(moved, key=entry.note)
    return seals


@dataclass
class SealStore:
    """The seal log of one workspace, the originals beside it, and entries to append."""

    root: Path
    entries: list[Entry]
    legacy: bool = False
    existed: bool = False
    pending: list[Entry] = field(default_factory=list)
    kept: dict[str, str] = field(default_factory=dict)  # originals to write: sha256 -> text

    @property
    def path(self) -> Path:
        return self.root / SEALS_FILE

    @classmethod
    def load(cls, root: Path, data: bytes | None = None, where: str | None = None,
             in_use: bool = True) -> SealStore:
        """Read the seal file (or ``data``, e.g. the staged copy) and, for the file in use
        (not the one committed in HEAD), check that no seal was lost."""
        path = root / SEALS_FILE
        shown = where or str(path)
        if data is None:
            try:
                # a link out of the workspace is neither read nor (later) written through
                check_inside(path, root, "the seal file")
                data = path.read_bytes() if path.exists() else None
            except OutsideWorkspace as error:
                raise SealError(str(error)) from None
            except OSError as error:
                raise SealError(f"{shown}: cannot be read ({error.strerror or error})") from None
        entries, legacy = parse_log(data, shown) if data is not None else ([], False)
        store = cls(root, entries, legacy, existed=data is not None)
        if in_use:
            store._finish_originals()
            store._check_originals(shown)
        return store

    def _finish_originals(self) -> None:
        """Put in place the originals a save interrupted after its log (a kill, a power loss):
        each pending one the log names. One it does not name was written by a save stopped
        before its log; it stays pending, never counted, and the next save of it reuses it."""
        folder = self.root / ORIGINALS
        named = {e.sha256 for e in self.entries if e.sha256 is not None}
        for pending in folder.glob(f"*.md.gz{PENDING}") if folder.is_dir() else ():
            if pending.name.removesuffix(f".md.gz{PENDING}") in named and not pending.is_symlink():
                with contextlib.suppress(OSError):  # not writable: the original stays missing
                    _put_in_place(pending)

    def _check_originals(self, shown: str) -> None:
        kept = originals_kept(self.root)
        if not kept:
            return
        named = {e.sha256 for e in self.entries if e.sha256 is not None}
        lost = sorted(kept - named)
        if lost and not self.existed:
            raise SealError(f"{shown}: missing, but .soapbuild/originals/ keeps {len(kept)} "
                            "locked notes: the seals were lost; restore the seal file from "
                            "version control")
        if lost:
            raise SealError(f"{shown}: .soapbuild/originals/{lost[0]}.md.gz is named by no "
                            f"entry ({len(lost)} originals are): seals were removed from the "
                            "file; restore it from version control")
        if self.legacy:
            raise SealError(f"{shown}: a version 1 seal file beside kept originals: the chained "
                            "seal file was replaced; restore it from version control")

    def seals(self) -> dict[str, Seal]:
        return fold([*self.entries, *self.pending])

    def retirements(self) -> dict[str, tuple[str, str]]:
        """Locked notes retired with ``soapbuild retire``: key -> (reason, when)."""
        return {e.note: (e.reason or "", e.at) for e in [*self.entries, *self.pending]
                if e.event == "retire"}

    def original(self, sha256: str) -> str | None:
        """The kept text of this hash, or None; a copy that does not match its name is an error."""
        if sha256 in self.kept:
            return self.kept[sha256]
        path = self.root / ORIGINALS / f"{sha256}.md.gz"
        try:
            text = gzip.decompress(path.read_bytes()).decode("utf-8")
        except FileNotFoundError:
            return None
        except (OSError, EOFError, UnicodeDecodeError, gzip.BadGzipFile) as error:
            raise SealError(f"{path}: cannot be read ({error}); restore it from version "
                            "control") from None
        from soapbuild.history.lock import digest, normalized  # not for a build's key

        if digest(normalized(text)) != sha256:
            raise SealError(f"{path}: does not hold the text of its seal: it was edited; "
                            "restore it from version control")
        return text

    def add(self, entry: Entry, text: str | None = None) -> None:
        """Append an entry (and keep ``text`` as the original of its hash)."""
        self.pending.append(entry)
        if text is not None and entry.sha256 is not None:
            self.kept[entry.sha256] = text

    def keeps(self, committed: SealStore) -> str | None:
        """Why this log lost what the ``committed`` one holds (None when it kept it all).

        A version 2 log must begin with the committed entries; a seal of a version 1
        file must still be among the texts sealed for its note.
        """
        if not committed.entries:
            return None
        if self.legacy and not committed.legacy:
            return "a version 1 file replaced the chained one committed in HEAD"
        if not committed.legacy:
            if self.entries[:len(committed.entries)] != committed.entries:
                return "it no longer begins with the entries committed in HEAD"
            return None
        now = fold(self.entries)
        every = {(key, text) for key, seal in now.items() for text in seal.texts}
        moved = {e.moved_from: e.note for e in self.entries if e.event == "move"}
        for entry in committed.entries:
            key = entry.note
            while key in moved:
                key = moved[key]
            if entry.sha256 and (key, (entry.sha256, entry.length)) not in every:
                return f"the seal of {entry.note} committed in HEAD is gone"
        return None

    def save(self) -> None:
        """Write the originals, then the log, atomically; nothing when nothing was added.

        Under the workspace's seal lock the log is read again, and the new entries are
        appended to what it holds then, skipping those another command recorded
        meanwhile: two checks at once (a git hook and ``watch``) lose no seal.
        """
        if not self.pending:
            return
        from soapbuild.filelocks import LockHeld, workspace_lock

        try:
            with workspace_lock(self.root, "seals", "recording seals"):
                self._save_locked()
        except LockHeld as error:
            raise SealError(str(error)) from None
        except OSError as error:  # the lock file: .soapbuild is a file, say
            raise SealError(f"{self.path}: cannot be written ({error})") from None

    def _save_locked(self) -> None:
        from soapbuild.atomic import write_atomic

        current = SealStore.load(self.root, in_use=False) if self.existed or self.path.exists() \
            else None
        if current is not None and current.entries != self.entries:
            recorded = {_identity(e) for e in current.entries}
            self.entries = current.entries
            self.legacy = current.legacy
            self.pending = [e for e in self.pending if _identity(e) not in recorded]
            if not self.pending:
                return
        chained: list[Entry] = []
        prev = GENESIS
        for entry in [*self.entries, *self.pending]:
            linked = entry.chained(prev)
            chained.append(linked)
            prev = linked.hash
        data = {"version": SEALS_VERSION, "about": ABOUT,
                "entries": [{**e.fields(), "hash": e.hash} for e in chained]}
        try:
            # The originals are written pending, then the log, then they are renamed into
            # place: an original no entry names means lost seals, so a save stopped between
            # the two (a kill) must not leave one (:meth:`_finish_originals` ends the save).
            folder = own_folder(self.root, ORIGINALS) if self.kept else self.root / ORIGINALS
            pending = []
            for sha256, text in sorted(self.kept.items()):
                target = folder / f"{sha256}.md.gz"
                if not target.exists():
                    pending.append(folder / f"{target.name}{PENDING}")
                    write_atomic(pending[-1], gzip.compress(
                        text.encode("utf-8", "surrogatepass"), mtime=0))
            own_folder(self.root, SEALS_FILE.parent)
            check_inside(self.path, self.root, "the seal file")
            write_atomic(self.path, (json.dumps(data, indent=2, ensure_ascii=False)
                                     + "\n").encode("utf-8"))
            for written in pending:
                _put_in_place(written)
        except OSError as error:
            raise SealError(f"{self.path}: cannot be written ({error})") from None
        self.entries, self.pending, self.kept, self.legacy = chained, [], {}, False
        self.existed = True


def _identity(entry: Entry) -> tuple[object, ...]:
    """What an entry records, without when and its chain: the same seal made twice is one."""
    return (entry.event, entry.note, entry.sha256, entry.length, entry.moved_from, entry.reason)


def _put_in_place(pending: Path) -> None:
    """Rename a pending original to its name; another process may have done it already."""
    target = pending.with_name(pending.name.removesuffix(PENDING))
    try:
        pending.replace(target)
    except FileNotFoundError:
        if not target.exists():
            raise


def originals_kept(root: Path) -> set[str]:
    """The hashes of the originals kept in ``.soapbuild/originals/``."""
    folder = root / ORIGINALS
    if not folder.is_dir():
        return set()
    return {path.name.removesuffix(".md.gz") for path in folder.glob("*.md.gz")
            if _HEX.fullmatch(path.name.removesuffix(".md.gz"))}
