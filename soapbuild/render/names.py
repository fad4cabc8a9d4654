"""File names for client and note pages that cannot escape ``output/`` or collide.

A client ID is whatever the clinician typed (``C-1042``, ``../../etc``, ``CON``,
``Zoë``), and two IDs that differ only in case (``A`` and ``a``) are two
clients that a case-insensitive file system (macOS, Windows) would write to one
file. So a name is a lower-case ASCII slug, for people to recognise, followed by
a hash of the exact ID, for uniqueness:

* only ``a-z``, ``0-9`` and ``-``: no separator, no dot (so no ``..`` and no
  extension games), no character a file system treats specially;
* the hash covers the ID as written, so ``A`` and ``a`` get different names, and
  the slug is lower case, so the names also differ when case is ignored;
* a slug that is a reserved device name on Windows (``con``, ``nul``, ``com1``)
  is never the whole name, because the hash always follows it;
* among the names of one build, a clash of the casefolded names (two IDs whose
  hashes share their first characters) makes both names use a longer hash,
  deterministically, up to the full SHA-256;
* only a value that looks like an ID (``C-1042``: a digit and no long run of
  letters) is shown in a name: a client written as a name (``Jane Doe``) gets
  ``client-<hash>``, and a note's path keeps only its ID-like parts, so that
  file names, links and browser history never spell out a person (HIPAA
  minimum necessary; the privacy rule P004 reports the client field itself).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping

from soapbuild.rules.identifiers import looks_like_id

SLUG_LENGTH = 40
HASH_LENGTH = 10
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str, fallback: str = "x") -> str:
    """Lower-case ASCII letters and digits joined by single dashes (``fallback`` if none)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    words = words[:SLUG_LENGTH].rstrip("-")
    return words or fallback


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def safe_name(text: str, length: int = HASH_LENGTH, fallback: str = "x",
              label: str | None = None) -> str:
    """One file name (without extension) for ``text``: ``slug-hash``.

    The slug is made from ``label`` when given (a shorter, readable form of
    ``text``); the hash is always of ``text`` itself.
    """
    return f"{slug(text if label is None else label, fallback)}-{digest(text)[:length]}"


def unique_names(texts: Iterable[str] | Mapping[str, str], fallback: str = "x") -> dict[str, str]:
    """A safe name for each distinct text, no two equal even when case is ignored.

    ``texts`` may map each text to the label its slug is made from.
    """
    labels = dict(texts) if isinstance(texts, Mapping) else {t: t for t in texts}
    distinct = sorted(labels)
    lengths = dict.fromkeys(distinct, HASH_LENGTH)
    while True:
        names = {t: safe_name(t, lengths[t], fallback, labels[t]) for t in distinct}
        owners: dict[str, list[str]] = {}
        for text, name in names.items():
            owners.setdefault(name.casefold(), []).append(text)
        clashes = [group for group in owners.values() if len(group) > 1]
        if not clashes:
            return names
        for group in clashes:
            for text in group:
                if lengths[text] >= 64:  # pragma: no cover - a SHA-256 collision
                    raise ValueError(f"cannot give {group!r} distinct names")
                lengths[text] = min(64, lengths[text] * 2)


def client_names(clients: Iterable[str]) -> dict[str, str]:
    """A file name for each client: readable only when the client is an ID."""
    return unique_names({c: c if looks_like_id(c) else "client" for c in clients},
                        fallback="client")


def note_label(label: str) -> str:
    """The readable part of a note page's name: the ID-like parts of its path
    ("C-1042/2026-11-20"), never a folder or file named after a person."""
    parts = [part for part in label.split("/") if looks_like_id(part)]
    return "/".join(parts) or "note"
