"""The edit window and the locking of submitted notes (SPEC 4.3).

A submitted note may be edited for ``edit_window_hours``; after that it is
locked and only dated addenda may be appended. What the note looked like when
it locked comes from a *baseline source*: outside git, a seal (the content hash
of the text as first seen locked) kept in ``.soapbuild/seals.json``, which is
committed with the notes; in a git repository, the last committed version
(``HEAD``) serves the same role through the same :class:`Baseline` interface
(:class:`soapbuild.history.git.GitBaseline`: the committed text, sealed).

The rule in a git repository (:class:`soapbuild.history.git.LayeredBaseline`):

- no new seals are written: the history is the record, and a seal file written
  by every check (and by the pre-commit hook) would be an unstaged change after
  each commit;
- a seal already in ``.soapbuild/seals.json`` (a practice that moved into git,
  or this repository's sample practice) still counts and wins over ``HEAD``,
  because it also catches an edit that was *committed* after the note locked;
  but when ``HEAD`` is the sealed text or extends it by addenda only, ``HEAD``
  is the stricter baseline (it covers the addenda too) and is used;
- a note not in ``HEAD`` has no baseline, and neither has one whose committed
  version was not locked yet (judged on the committed header).

Seals hash the text with CRLF turned into LF, so a checkout that converts line
endings does not count as an edit.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from soapbuild.model.note import Note
from soapbuild.model.timeparse import resolve
from soapbuild.settings import Settings

SEALS_FILE = Path(".soapbuild") / "seals.json"
SEALS_VERSION = 1
_ADDENDUM_HEADING = re.compile(
    r"\A\s*(?:#{1,3}[ \t]+(?:\*\*|__)?(?:addendum|late\s+entry|correction|amendment)\b"
    r"|(?:addendum|late\s+entry|correction|amendment)\b[^\n]*\n[ \t]*(?:=+|-+)[ \t]*\n)",
    re.IGNORECASE)


class SealError(Exception):
    """The seal file cannot be read or written; the message names it."""


@dataclass(frozen=True, slots=True)
class Seal:
    """The text of a locked note as first seen: its hash and its length (LF line ends)."""

    sha256: str
    length: int
    sealed_at: str


def _seal(value: object) -> Seal:
    """One entry of the seal file, with its types checked (a hand-edited file is possible)."""
    if not isinstance(value, dict) or set(value) != {"sha256", "length", "sealed_at"}:
        raise ValueError("an entry needs exactly sha256, length and sealed_at")
    digest, length, sealed_at = value["sha256"], value["length"], value["sealed_at"]
    if not (isinstance(digest, str) and re.fullmatch(r"[0-9a-f]{64}", digest)):
        raise ValueError(f"{digest!r} is not a SHA-256 digest")
    if isinstance(length, bool) or not isinstance(length, int) or length < 0:
        raise ValueError(f"{length!r} is not a length")
    if not isinstance(sealed_at, str):
        raise ValueError(f"{sealed_at!r} is not a time")
    return Seal(digest, length, sealed_at)


class Baseline(Protocol):
    """Where the locked version of a note comes from (a seal file, or git)."""

    def prefetch(self, texts: Mapping[str, str]) -> None:
        """Load whatever :meth:`seal_for` will need for these notes (key -> text now)."""

    def seal_for(self, key: str) -> Seal | None: ...


def normalized(text: str) -> str:
    return text.replace("\r\n", "\n")


def seal_text(text: str, when: datetime) -> Seal:
    body = normalized(text).rstrip()
    return Seal(hashlib.sha256(body.encode("utf-8")).hexdigest(), len(body),
                when.isoformat(timespec="seconds"))


def locked_since(note: Note, settings: Settings) -> datetime | None:
    """When the note locked (submitted + edit window), or None for a draft."""
    submitted = note.header.submitted
    if submitted is None:
        return None
    return resolve(submitted, settings.timezone) + timedelta(hours=settings.edit_window_hours)


@dataclass(frozen=True, slots=True)
class LockVerdict:
    """The outcome of comparing a locked note with its seal."""

    changed: bool
    reseal: Seal | None  # a new seal to record (first sight, or valid addenda appended)


def compare(text: str, seal: Seal | None, now: datetime) -> LockVerdict:
    """Unchanged, changed, or extended by appended addenda only (then sealed again)."""
    if seal is None:
        return LockVerdict(False, seal_text(text, now))
    body = normalized(text).rstrip()
    prefix = body[:seal.length]
    if hashlib.sha256(prefix.encode("utf-8")).hexdigest() != seal.sha256:
        return LockVerdict(True, None)
    rest = body[seal.length:]
    if not rest.strip():
        return LockVerdict(False, None)
    if _ADDENDUM_HEADING.match(rest):
        return LockVerdict(False, seal_text(text, now))
    return LockVerdict(True, None)


@dataclass
class SealStore:
    """``.soapbuild/seals.json``: seals by note path relative to the workspace root."""

    path: Path
    seals: dict[str, Seal]
    dirty: bool = False

    @classmethod
    def load(cls, root: Path) -> SealStore:
        path = root / SEALS_FILE
        if not path.exists():
            return cls(path, {})
        try:
            data = json.loads(path.read_text("utf-8"))
            seals = {key: _seal(value) for key, value in data["seals"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise SealError(f"{path}: cannot be read as a seal file ({error}); restore it "
                            "from version control") from None
        return cls(path, seals)

    def prefetch(self, texts: Mapping[str, str]) -> None:
        """Nothing to load: the seal file is read whole by :meth:`load`."""

    def seal_for(self, key: str) -> Seal | None:
        return self.seals.get(key)

    def record(self, updates: Mapping[str, Seal]) -> None:
        for key, seal in updates.items():
            if self.seals.get(key) != seal:
                self.seals[key] = seal
                self.dirty = True

    def save(self) -> None:
        """Write the file atomically, sorted, so its diffs in git stay small."""
        if not self.dirty:
            return
        from soapbuild.atomic import write_atomic

        data = {"version": SEALS_VERSION,
                "about": "Content hashes of locked notes (soapbuild SPEC 4.3). Commit this file "
                         "with the notes; do not edit it.",
                "seals": {key: {"sha256": s.sha256, "length": s.length, "sealed_at": s.sealed_at}
                          for key, s in sorted(self.seals.items())}}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, (json.dumps(data, indent=2) + "\n").encode("utf-8"))
        except OSError as error:
            raise SealError(f"{self.path}: cannot be written ({error})") from None
        self.dirty = False
