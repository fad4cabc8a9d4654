"""The built-in vocabulary kept parsed in the cache (soapbuild/cache/vocabulary.py, issue 15).

The parsed entries read back must be exactly what parsing the TOML files makes; a
damaged entry is ignored and written anew; and a check that reads the vocabulary from
the cache finds what a check that parsed it finds.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from soapbuild.cache.keys import package_fingerprint
from soapbuild.cache.pickles import load
from soapbuild.cache.store import Store
from soapbuild.cache.vocabulary import KIND, keep_builtin_vocabulary
from soapbuild.rules.lexicon import parse_builtin_entries


def _entry_files(root: Path) -> list[Path]:
    folder = root / ".soapbuild" / "cache" / KIND
    if not folder.exists():
        return []
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def test_the_kept_entries_are_the_parsed_ones(tmp_path: Path) -> None:
    assert keep_builtin_vocabulary(tmp_path) is False  # parsed, and kept
    [entry] = _entry_files(tmp_path)
    store = Store.open(tmp_path, KIND)
    try:
        kept = load(store.read(entry.name) or b"")
    finally:
        store.close()
    assert kept == parse_builtin_entries()
    assert keep_builtin_vocabulary(tmp_path) is True  # read back
    assert package_fingerprint()  # the entry's name depends on soapbuild's own files


def test_a_damaged_entry_is_ignored_and_written_anew(tmp_path: Path) -> None:
    keep_builtin_vocabulary(tmp_path)
    [entry] = _entry_files(tmp_path)
    data = bytearray(entry.read_bytes())
    data[-5] ^= 0xFF
    entry.write_bytes(bytes(data))
    assert keep_builtin_vocabulary(tmp_path) is False
    assert keep_builtin_vocabulary(tmp_path) is True


def _check(workspace: Path) -> list[dict[str, object]]:
    done = subprocess.run([sys.executable, "-m", "soapbuild", "check", "notes", "--format",
                           "json", "--now", "2026-03-05 12:00"], cwd=workspace,
                          capture_output=True, text=True, check=False)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)["findings"]


def test_a_check_from_the_kept_vocabulary_finds_what_a_parsed_one_finds(tmp_path: Path) -> None:
    (tmp_path / "soapbuild.toml").write_text('timezone = "America/New_York"\n', "utf-8")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "2026-03-02_C-1001.md").write_text(
        "---\nclient: C-1001\nclinician: Dana Reyes\nsession_date: 2026-03-02\n"
        "occurred: true\nduration: 50\nservices: [90834]\n---\n"
        "## Subjective\nClient said \"I always feel tired.\"\n\n"
        "## Objective\nClient was non-compliant and always late; she seemed manipulative.\n\n"
        "## Assessment\nProgress is obviously poor.\n\n## Plan\nMeet next week.\n", "utf-8")
    first = _check(tmp_path)  # parses the vocabulary and keeps it
    assert _entry_files(tmp_path)
    second = _check(tmp_path)  # reads it back
    codes = {finding["code"] for finding in first}
    assert {"J002", "J003", "H002"} <= codes  # the built-in vocabulary was at work
    assert first == second
