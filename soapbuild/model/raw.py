"""A note file's bytes as every reader takes them, and their hash, without the parser.

Apart from :mod:`.parse` so that what only hashes notes (the key of a build, or of a
kept check) does not import Markdown and YAML: an up-to-date build reads nothing more.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from soapbuild.atomic import open_regular

MAX_NOTE_BYTES = 1_000_000


def read_note_bytes(path: Path) -> bytes:
    """The bytes of a note as the check reads them: at most one past the size limit."""
    with open_regular(path) as handle:
        return handle.read(MAX_NOTE_BYTES + 1)


def digest_of(path: Path) -> str:
    """The hash of a note's bytes as :func:`~soapbuild.model.parse.read_note` reads them
    ("-" when unreadable), so a build can tell whether the file is still what its check
    read."""
    try:
        return hashlib.sha256(read_note_bytes(path)).hexdigest()
    except OSError:
        return "-"
