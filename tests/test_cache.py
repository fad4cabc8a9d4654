"""The cache of per-note pieces (issue 15): never changes a result, only how fast it comes.

Every test compares what ``soapbuild check`` prints with a cache against what it
prints without one (the cache folder deleted first): the cache is correct when no
output can tell it is there. Whether an entry was used is read from the cache
folder itself (which entries a run wrote), never from a clock.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

import soapbuild
from soapbuild.cache.keys import package_fingerprint
from soapbuild.cache.notes import dump, load
from soapbuild.cache.store import MAGIC, Store
from soapbuild.cli import main
from soapbuild.model.history import Ledger
from soapbuild.model.parse import read_note
from soapbuild.rules.catalog import CHECKS, NOTE_ONLY
from soapbuild.rules.lexicon import builtin_allowlist, builtin_entries, builtin_lexicon

REPO = Path(__file__).resolve().parents[1]
NOW = "2025-01-15 12:00"
CACHE = Path(".soapbuild") / "cache"
ZEPPELIN = """---
client: C-0001
clinician: Jordan Rivera, LCSW
session_date: {date} 15:00
duration: 53
service_code: "90837"
occurred: true
submitted: {date} 18:00
---
## Subjective
Client described the zeppelin model she is building with her son on weekends, and said
the evenings at the kitchen table are the calmest hours of her week since the move.
Her brother is an addict and she worries about him.

## Objective
Client was alert and oriented; affect congruent with stated mood.

## Assessment
Progress toward the sleep goal continues. Denies SI/HI.

## Plan
Next session in one week.
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace of 40 generated notes (a third with known flaws) and three of ours, the
    later ones copied from the first (D001), all with stigmatizing language (J001), the
    last a draft (due on NOW, overdue later)."""
    root = tmp_path_factory.mktemp("corpus")
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "gen_corpus.py"),
                    str(root / "notes"), "--count", "40", "--seed", "3"],
                   check=True, capture_output=True, timeout=120)
    for date in ("2024-12-02", "2024-12-09"):
        (root / "notes" / f"{date}_C-0001_zeppelin.md").write_text(ZEPPELIN.format(date=date),
                                                                   "utf-8")
    draft = ZEPPELIN.format(date="2025-01-14").replace("submitted: 2025-01-14 18:00\n", "")
    (root / "notes" / "2025-01-14_C-0001_draft.md").write_text(draft, "utf-8")
    (root / "soapbuild.toml").write_text('timezone = "America/New_York"\n', "utf-8")
    return root


@pytest.fixture
def workspace(corpus: Path, tmp_path: Path) -> Path:
    """A fresh copy of the corpus, with no cache."""
    copy = tmp_path / "ws"
    shutil.copytree(corpus, copy, ignore=shutil.ignore_patterns(".soapbuild"))
    return copy


def check(root: Path, *extra: str, now: str = NOW) -> subprocess.CompletedProcess[bytes]:
    """``check`` from the notes' pieces: the whole last run kept (tests/test_run_memo.py)
    is removed first, or an unchanged workspace would read no piece at all."""
    shutil.rmtree(root / CACHE / "runs", ignore_errors=True)
    return subprocess.run([sys.executable, "-m", "soapbuild", "check", "notes", "--format",
                           "json", "--now", now, *extra],
                          cwd=root, capture_output=True, timeout=300)


def cold(root: Path, *extra: str, now: str = NOW) -> bytes:
    """What check prints with no cache at all."""
    shutil.rmtree(root / CACHE, ignore_errors=True)
    done = check(root, *extra, now=now)
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


def entries(root: Path) -> dict[str, int]:
    """The cache's entries by name, with their inode: a rewritten entry gets a new one."""
    folder = root / CACHE / "notes"
    return {p.name: p.stat().st_ino for p in folder.iterdir() if not p.name.startswith(".")}


def test_a_warm_check_prints_what_a_cold_one_prints_and_writes_nothing(workspace: Path) -> None:
    first = cold(workspace)
    written = entries(workspace)
    assert len(written) == 43 + 1  # a piece per note, and the copies found among them
    again = check(workspace)
    assert again.stdout == first
    assert entries(workspace) == written  # every piece came from the cache
    found = json.loads(first)
    assert {f["code"] for f in found["findings"]} >= {"D001", "J001"}  # not a vacuous corpus


def test_the_report_is_the_same_with_the_cache(workspace: Path) -> None:
    def report() -> bytes:
        done = subprocess.run([sys.executable, "-m", "soapbuild", "report", "--format", "json",
                               "--now", NOW], cwd=workspace, capture_output=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout

    shutil.rmtree(workspace / CACHE, ignore_errors=True)
    first = report()
    assert entries(workspace)
    assert report() == first
    assert len(json.loads(first)["sessions"]) == 43


def test_now_is_not_in_the_key_and_the_rules_of_time_run_again(workspace: Path) -> None:
    check(workspace)  # warm the cache at NOW
    written = entries(workspace)
    later = check(workspace, now="2026-06-01 12:00")
    assert set(entries(workspace)) - set(written) == set()  # the pieces were reused...
    assert later.stdout == cold(workspace, now="2026-06-01 12:00")  # ...and time moved on
    assert later.stdout != cold(workspace)


def test_a_changed_setting_misses_and_gives_the_cold_result(workspace: Path) -> None:
    check(workspace)
    written = entries(workspace)
    settings = workspace / "soapbuild.toml"
    settings.write_text(settings.read_text("utf-8") + 'vocabulary.remove = ["addict"]\n', "utf-8")
    warm = check(workspace)
    assert not set(entries(workspace)) <= set(written)  # new pieces were made
    assert warm.stdout == cold(workspace)
    assert b'"addict' not in warm.stdout.lower()


def test_ignoring_a_rule_reuses_the_pieces(workspace: Path) -> None:
    """What only decides how findings are shown (--ignore, [rules] ignore) is applied after
    the cache: ignoring a rule makes no new pieces, and the finding is gone."""
    check(workspace)
    written = entries(workspace)
    warm = check(workspace, "--ignore", "J001")
    assert set(entries(workspace)) == set(written)
    assert warm.stdout == cold(workspace, "--ignore", "J001")
    assert b'"J001"' not in warm.stdout


def test_a_changed_vocabulary_file_misses(workspace: Path) -> None:
    words = workspace / "words.toml"
    words.write_text('[[term]]\nterm = "blimp"\ncode = "J001"\nsuggest = "x"\nsource = "t"\n',
                     "utf-8")
    settings = workspace / "soapbuild.toml"
    settings.write_text(settings.read_text("utf-8") + 'vocabulary.extend = ["words.toml"]\n',
                        "utf-8")
    def flagged(output: bytes) -> bool:
        return any("'zeppelin'" in f["message"] for f in json.loads(output)["findings"])

    assert not flagged(check(workspace).stdout)
    words.write_text('[[term]]\nterm = "zeppelin"\ncode = "J001"\nsuggest = "x"\n'
                     'source = "t"\n', "utf-8")
    after = check(workspace).stdout
    assert flagged(after)
    assert after == cold(workspace)


def test_a_new_soapbuild_misses(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new version changes every entry's name (in-process: the version is patched)."""
    def run() -> str:
        result = CliRunner().invoke(main, ["-C", str(workspace), "check", "notes", "--format",
                                           "json", "--now", NOW])
        assert result.exit_code in (0, 1), result.output
        return result.output

    first = run()
    written = entries(workspace)
    monkeypatch.setattr(soapbuild, "__version__", "99.0")
    assert run() == first
    assert len(set(entries(workspace)) - set(written)) == len(written)  # all made anew


def test_an_edited_package_file_changes_the_fingerprint(tmp_path: Path) -> None:
    """Files are fingerprinted by path, size and modification time: an edit that keeps the
    size still changes the time (a new install writes every file anew)."""
    package = Path(soapbuild.__file__).resolve().parent
    copy = tmp_path / "soapbuild"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    first = package_fingerprint(copy)
    assert package_fingerprint(copy) == first
    target = copy / "data" / "drafts.toml"
    stat = target.stat()
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert package_fingerprint(copy) != first
    assert package_fingerprint(package) != first  # and the copy's paths are its own


def test_truncated_and_garbled_entries_are_ignored_and_rebuilt(workspace: Path) -> None:
    first = cold(workspace)
    folder = workspace / CACHE / "notes"
    names = sorted(entries(workspace))
    for number, name in enumerate(names):
        path = folder / name
        data = path.read_bytes()
        if number % 2:
            path.write_bytes(data[: len(data) // 2])  # killed mid-write, without the rename
        else:
            path.write_bytes(data[:-40] + bytes(40))  # the end garbled
    assert check(workspace).stdout == first
    store = Store.open(workspace, "notes")
    try:
        assert all(store.read(name) is not None for name in names)  # every entry rebuilt
    finally:
        store.close()


def test_a_planted_entry_cannot_run_code(workspace: Path) -> None:
    """An entry is unpickled with only soapbuild's classes, dates and containers allowed: a
    pickle that would call os.system is a miss, with a valid checksum or not."""
    first = cold(workspace)
    folder = workspace / CACHE / "notes"
    proof = workspace / "pwned"

    class Evil:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return os.system, (f"touch {proof}",)

    store = Store.open(workspace, "notes")
    try:
        for name in entries(workspace):
            store.write(name, pickle.dumps(Evil()))
    finally:
        store.close()
    assert load(pickle.dumps(Evil())) is None
    assert check(workspace).stdout == first
    assert not proof.exists()
    assert all((folder / name).read_bytes().startswith(MAGIC) for name in entries(workspace))


def test_a_symlinked_cache_folder_is_refused(workspace: Path, tmp_path: Path) -> None:
    """The cache never reads or writes through a link (issue 16): a .soapbuild/cache that
    leads elsewhere is left alone, and the check says so on stderr and goes on."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    first = cold(workspace)
    shutil.rmtree(workspace / CACHE)
    (workspace / CACHE).symlink_to(elsewhere, target_is_directory=True)
    done = check(workspace)
    assert done.stdout == first
    assert b"not using the cache" in done.stderr
    assert list(elsewhere.iterdir()) == []
    (workspace / CACHE).unlink()
    (workspace / CACHE).mkdir()
    (workspace / CACHE / "notes").symlink_to(elsewhere, target_is_directory=True)
    assert check(workspace).stdout == first
    assert list(elsewhere.iterdir()) == []


def test_two_concurrent_runs_agree(workspace: Path) -> None:
    expected = cold(workspace)
    shutil.rmtree(workspace / CACHE)
    command = [sys.executable, "-m", "soapbuild", "check", "notes", "--format", "json",
               "--now", NOW]
    runs = [subprocess.Popen(command, cwd=workspace, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE) for _ in range(2)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [out for out, _ in outputs] == [expected, expected], [err for _, err in outputs]
    assert check(workspace).stdout == expected
    leftovers = [p.name for p in (workspace / CACHE / "notes").iterdir()
                 if p.name.endswith(".tmp")]
    assert leftovers == []


def test_the_cache_hides_itself_from_git(workspace: Path) -> None:
    check(workspace)
    assert (workspace / CACHE / ".gitignore").read_text("utf-8").splitlines()[-1] == "*"
    assert (workspace / CACHE / "CACHEDIR.TAG").read_bytes().startswith(
        b"Signature: 8a477f597d28d172789f06886806bc55")


def test_a_piece_survives_the_round_trip(workspace: Path) -> None:
    """What the cache keeps reads back equal, enums and time zones included."""
    from soapbuild.checker import make_piece
    from soapbuild.commands.check import rule_context
    from soapbuild.rules.registry import known_codes
    from soapbuild.settings import load_settings

    settings = load_settings(workspace, known_codes())
    context = rule_context(workspace, settings, datetime(2025, 1, 15, tzinfo=UTC))
    for path in sorted((workspace / "notes").glob("*.md"))[:10]:
        piece = make_piece(read_note(path, path.name, dict(settings.formats), path.name),
                           context, CHECKS, copies=True)
        assert load(dump(piece)) == piece


def test_the_cached_checks_read_nothing_but_the_note(workspace: Path) -> None:
    """NOTE_ONLY checks give the same hits whatever "now", the notes' past and the plans
    are, on the sample practice (plans, signatures, supervision, addenda) and the corpus.
    Were one of them to read the time or the ledger, its cached hits would be stale."""
    from dataclasses import replace

    from soapbuild.commands.check import rule_context
    from soapbuild.rules.registry import known_codes
    from soapbuild.settings import load_settings

    for root in (REPO, workspace):
        settings = load_settings(root, known_codes())
        real = rule_context(root, settings, datetime(2026, 12, 1, tzinfo=UTC))
        other = replace(real, now=datetime(2019, 1, 1, tzinfo=UTC), ledger=Ledger(), plans={})
        paths = sorted((root / "notes").rglob("*.md"))
        assert len(paths) > 30
        for path in paths:
            note = read_note(path, path.name, dict(settings.formats), path.name).note
            if note is None:
                continue
            for rule in NOTE_ONLY:
                assert list(rule(note, real)) == list(rule(note, other)), (path, rule)
    assert set(CHECKS) > NOTE_ONLY


def test_every_builtin_vocabulary_pattern_compiles() -> None:
    """The built-in patterns are compiled when first used (a hook meets few of them), so
    the suite compiles them all: a bad one fails here, not in some clinician's check."""
    patterns = [p for entry in builtin_entries()
                for p in (entry.after, entry.before, entry.not_after, entry.not_before)
                if p is not None]
    for lexicon in (builtin_lexicon(), builtin_allowlist()):
        patterns += [pattern for group in lexicon._index.values() for pattern, _ in group]
    assert len(patterns) > 200
    for pattern in patterns:
        assert pattern.compiled.pattern == pattern.pattern


def test_judging_some_notes_finds_what_judging_all_finds_for_them(corpus: Path) -> None:
    """The hook judges the staged notes only (find_copies' ``judged``); the others still
    fill the buckets, so each judged note gets exactly the copy a full search gives it."""
    from zoneinfo import ZoneInfo

    from soapbuild.model.formats import builtin_formats
    from soapbuild.rules.copied import find_copies, fingerprint
    from soapbuild.settings import Settings

    settings = Settings(root=corpus, timezone=ZoneInfo("America/New_York"))
    prints = []
    for path in sorted((corpus / "notes").glob("*.md")):
        note = read_note(path, path.name, builtin_formats()).note
        assert note is not None
        prints += fingerprint(note, settings)
    everything = find_copies(prints, 0.9)
    assert len(everything) >= 2
    for judged in ({p.later.path for p in everything[::2]}, {prints[0].path}, set()):
        expected = [(c.later, c.earlier) for c in everything if c.later.path in judged]
        found = find_copies(prints, 0.9, judged=judged)
        assert [(c.later, c.earlier) for c in found] == expected


def test_check_one_judges_unsaved_text_among_the_other_notes(workspace: Path) -> None:
    """check_one (for issue 17's language server) gives the findings ``check`` gives the note
    once saved, copied text against the other notes included, and writes no seal."""
    from zoneinfo import ZoneInfo

    from soapbuild.commands.check import check_one

    cold(workspace)
    note = workspace / "notes" / "2024-12-09_C-0001_zeppelin.md"
    saved = note.read_text("utf-8")
    edited = saved.replace("Her brother is an addict", "Her brother is an addict, she said")
    kept = sorted(p.name for p in (workspace / ".soapbuild").iterdir())
    seals = (workspace / ".soapbuild" / "seals.json").read_bytes()
    now = datetime(2025, 1, 15, 12, tzinfo=ZoneInfo("America/New_York"))
    found = check_one(workspace, note, edited.encode("utf-8"), now)
    assert note.read_text("utf-8") == saved
    assert sorted(p.name for p in (workspace / ".soapbuild").iterdir()) == kept
    assert (workspace / ".soapbuild" / "seals.json").read_bytes() == seals
    note.write_text(edited, "utf-8")
    shown = "notes/2024-12-09_C-0001_zeppelin.md"
    expected = [(f["line"], f["column"], f["code"], f["severity"], f["message"])
                for f in json.loads(cold(workspace))["findings"] if f["path"] == shown]
    assert [(f.line, f.column, f.code, f.severity.value, f.message) for f in found] == expected
    assert {"D001", "J001"} <= {code for _, _, code, _, _ in expected}


def test_the_hook_finds_the_same_with_the_committed_notes_from_the_cache(
        workspace: Path) -> None:
    """``check --staged`` reads the committed notes' sketches and fingerprints from the cache
    by blob id: with them, without them, and once they are kept, it prints the same."""
    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.org", *args],
                       cwd=workspace, check=True, capture_output=True)

    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "notes")
    check(workspace)  # a full check keeps every note's piece
    copied = workspace / "notes" / "2024-12-16_C-0001_copied.md"
    copied.write_text(ZEPPELIN.format(date="2024-12-16"), "utf-8")
    git("add", copied.relative_to(workspace).as_posix())

    def staged() -> bytes:
        done = subprocess.run([sys.executable, "-m", "soapbuild", "check", "--staged",
                               "--format", "json", "--now", NOW], cwd=workspace,
                              capture_output=True, timeout=300)
        assert done.returncode in (0, 1), done.stderr
        return done.stdout

    warm = staged()  # pieces from the cache, sketches made and kept
    assert staged() == warm  # sketches and fingerprints from the cache
    codes = {f["code"] for f in json.loads(warm)["findings"]}
    assert {"D001", "J001"} <= codes
    shutil.rmtree(workspace / CACHE)
    assert staged() == warm  # everything parsed from git
