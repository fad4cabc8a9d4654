"""What a cached piece depends on besides the note itself, hashed once per run.

A note's piece (its parse, the hits of the note-only checks, its fingerprints) is a
function of the note's bytes and paths and of:

- **soapbuild itself**: its code and its data files (rule pages, word lists, code
  tables, the built-in vocabulary, formats). :func:`package_fingerprint` hashes the
  version, the Python version and every file of the installed package by path, size
  and modification time, not by content: that costs one ``stat`` per file (about a
  millisecond for the whole package, where reading it all would cost the hook more),
  and any installation or edit of a file gives it a new modification time, so a new
  version or a local edit makes every entry a miss.
- **the settings**, all of them except what only decides how findings are shown
  (``rules_ignore``, ``rules_severity``: applied after the cache).
- **the workspace's vocabulary files** (``vocabulary.extend``), by content.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, replace
from pathlib import Path

from soapbuild.settings import Settings

CACHE_FORMAT = 1  # bump when the layout or meaning of the entries changes


def settings_key(settings: Settings) -> str:
    """The settings as text that is the same in every process.

    Not ``repr``: a frozenset of strings (``from_file``, ``rules_ignore``) prints
    in the order of the strings' hashes, which Python randomises per process, so
    the key would change from one run to the next.
    """
    def plain(value: object) -> object:
        if isinstance(value, (set, frozenset)):
            return sorted(map(str, value))
        return repr(value)

    return json.dumps(asdict(settings), sort_keys=True, default=plain)


def package_fingerprint(package: Path | None = None) -> str:
    """soapbuild's version and every file of the package (this one, by default) by path,
    size and modification time."""
    import soapbuild

    package = package or Path(soapbuild.__file__).resolve().parent
    digest = hashlib.sha256(f"{soapbuild.__version__} {sys.version} {package}".encode())
    for path, size, mtime in sorted(_files(str(package), "")):
        digest.update(f"{path} {size} {mtime}\n".encode())
    return digest.hexdigest()


def _files(folder: str, prefix: str) -> list[tuple[str, int, int]]:
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    found.extend(_files(entry.path, f"{prefix}{entry.name}/"))
            elif entry.is_file():
                info = entry.stat()
                found.append((prefix + entry.name, info.st_size, info.st_mtime_ns))
    return found


def config_key(settings: Settings, code: str) -> str:
    """The hash of everything but the note that a note's piece depends on; ``code`` is
    :func:`package_fingerprint`."""
    shown = replace(settings, rules_ignore=frozenset(), rules_severity={})
    parts = [f"format {CACHE_FORMAT}", code, settings_key(shown)]
    for name in settings.vocabulary_extend:
        try:
            content = hashlib.sha256((settings.root / name).read_bytes()).hexdigest()
        except OSError:
            content = "-"
        parts.append(f"vocabulary {name} {content}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def digest(*parts: str | bytes) -> str:
    """One hash of the parts, each length-prefixed so that no two lists of parts collide."""
    found = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        found.update(len(data).to_bytes(8, "big"))
        found.update(data)
    return found.hexdigest()


def file_digest(path: Path) -> str:
    """The hash of a regular file's bytes ("-" for anything else: a named pipe is never
    opened to wait for a writer, issue 16)."""
    from soapbuild.atomic import open_regular

    try:
        with open_regular(path) as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return "-"


def input_parts(settings: Settings, now_key: str, read: Mapping[str, str]) -> list[str]:
    """What a check reads, as parts of a key (``build`` adds its templates and options): the
    settings, "now", HEAD (the notes' history in git), the vocabulary and schedule files,
    and the notes and plans by the hash of their bytes (``read``: :func:`disk_digests`, or
    :attr:`~soapbuild.checker.CheckRun.read`, the bytes as a run read them).

    ``now_key`` is the fixed "now" of the run (``--now``) or something unique for a run
    judged at the clock's time, since findings depend on the time.
    """
    from soapbuild.history.git import head_state
    from soapbuild.render.inputs import BuildInputs

    parts = [settings_key(settings), f"now {now_key}", f"head {head_state(settings.root)}"]
    parts += [f"file {name} {file_digest(path)}"
              for name, path in BuildInputs(settings).data_files]
    parts += [f"note {name} {value}" for name, value in sorted(read.items())]
    return parts


def disk_digests(settings: Settings, paths: Sequence[Path] = ()) -> dict[str, str]:
    """The hash of every note and plan of the notes folder (and under ``paths``) as on disk
    now, by :func:`~soapbuild.discover.file_identity`, as a check would read them: a file
    outside the workspace is not read (K003), so only that it is there counts."""
    from soapbuild.discover import identity_and_key, note_files
    from soapbuild.model.raw import digest_of

    root = settings.root.resolve()
    folders = [(root / settings.notes_dir).resolve(), *paths]
    found = {}
    resolved: dict[str, str] = {}  # each folder's real path, for this call only
    for path in note_files([path for path in folders if path.exists()]):
        identity, key = identity_and_key(path, root, resolved)
        if identity not in found:  # the notes folder asked for by name is listed twice
            found[identity] = digest_of(path) if key is not None else "outside"
    return found
