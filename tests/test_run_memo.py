"""A check of unchanged inputs at a fixed time is the kept run (soapbuild/cache/runs.py).

Each test compares what ``check`` prints after the kept run with what it prints with
no cache at all: the memo is correct when no output can tell it is there, and every
input a check reads (a note, a plan, the settings, a vocabulary or schedule file, the
seal file, HEAD, the time, the paths asked for) makes the next run check again.
Whether the kept run was used is read from the cache folder: a run given back from
it parses no note, so it writes no note's piece.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from soapbuild.cache.runs import RunInputs
from soapbuild.checker import CheckRun
from soapbuild.cli import main
from soapbuild.commands.common import workspace_settings

REPO = Path(__file__).resolve().parents[1]
NOW = "2026-11-28 12:00"
CACHE = Path(".soapbuild") / "cache"


@pytest.fixture
def practice(tmp_path: Path) -> Path:
    """Two clients of the sample practice (notes, plans, settings), outside git."""
    root = tmp_path / "practice"
    for client in ("C-1042", "C-1103"):
        shutil.copytree(REPO / "notes" / client, root / "notes" / client)
    shutil.copy(REPO / "soapbuild.toml", root / "soapbuild.toml")
    return root


def check(root: Path, *extra: str, now: str | None = NOW) -> str:
    timing = ["--now", now] if now is not None else []
    result = CliRunner().invoke(main, ["-C", str(root), "check", "--format", "json",
                                       *timing, *extra])
    assert result.exit_code in (0, 1), result.output
    return result.output


def cold(root: Path, *extra: str, now: str | None = NOW) -> str:
    shutil.rmtree(root / CACHE, ignore_errors=True)
    return check(root, *extra, now=now)


def parsed_again(root: Path, *extra: str, now: str | None = NOW) -> tuple[bool, str]:
    """Check with the note pieces gone: whether the run parsed notes, and what it printed."""
    shutil.rmtree(root / CACHE / "notes", ignore_errors=True)
    output = check(root, *extra, now=now)
    return (root / CACHE / "notes").is_dir(), output


def test_an_unchanged_workspace_is_the_kept_run(practice: Path) -> None:
    first = cold(practice)
    assert '"J004"' in first  # the practice has findings to keep
    parsed, again = parsed_again(practice)
    assert not parsed and again == first
    asked = (("notes",), ("--select", "J"))
    kept = {extra: check(practice, *extra) for extra in asked}
    for extra in asked:  # each kept apart, as its own last run
        assert parsed_again(practice, *extra) == (False, kept[extra])
    assert parsed_again(practice) == (False, first)
    assert kept[("--select", "J")] == cold(practice, "--select", "J") != first


def edit_note(root: Path) -> None:
    note = sorted((root / "notes").rglob("20*.md"))[0]
    note.write_text(note.read_text("utf-8") + "\nClient was manipulative.\n", "utf-8")


def edit_plan(root: Path) -> None:
    plan = root / "notes" / "C-1042" / "plan.md"  # its review falls due: a finding
    plan.write_text(plan.read_text("utf-8").replace("review: 2027-02-23", "review: 2026-11-20"),
                    "utf-8")


def edit_settings(root: Path) -> None:
    settings = root / "soapbuild.toml"
    settings.write_text(settings.read_text("utf-8") + '\n[rules]\nignore = ["J004"]\n', "utf-8")


def add_vocabulary(root: Path) -> None:
    (root / "words.toml").write_text('[[term]]\nterm = "session"\ncode = "J001"\n'
                                     'suggest = "x"\nsource = "test"\n', "utf-8")
    settings = root / "soapbuild.toml"
    text = settings.read_text("utf-8")
    settings.write_text('vocabulary.extend = ["words.toml"]\n' + text, "utf-8")


def drop_a_seal(root: Path) -> None:
    """The last seal taken out of the seal file, a hash chain, with the original text it
    names (the next run records both again)."""
    seals = root / ".soapbuild" / "seals.json"
    data = json.loads(seals.read_text("utf-8"))
    last = data["entries"].pop()
    (root / ".soapbuild" / "originals" / f"{last['sha256']}.md.gz").unlink()
    seals.write_text(json.dumps(data), "utf-8")


def rewrite_an_original(root: Path) -> None:
    original = sorted((root / ".soapbuild" / "originals").iterdir())[0]
    data = original.read_bytes()
    original.unlink()
    original.write_bytes(data)


@pytest.mark.parametrize("change", [edit_note, edit_plan, edit_settings, add_vocabulary,
                                    drop_a_seal, rewrite_an_original])
def test_a_changed_input_checks_again(practice: Path, change: object) -> None:
    before = cold(practice)  # and kept
    assert callable(change)
    change(practice)
    parsed, after = parsed_again(practice)
    assert parsed
    assert after == cold(practice)
    if change not in (drop_a_seal, rewrite_an_original):  # the same seals: the same findings
        assert after != before


def test_another_time_or_the_clock_checks_again(practice: Path) -> None:
    check(practice)
    later = "2027-03-01 12:00"
    parsed, output = parsed_again(practice, now=later)
    assert parsed and output == cold(practice, now=later)
    check(practice, now=None)
    assert parsed_again(practice, now=None)[0]  # a run at the clock's time is never kept


def test_a_commit_checks_again(practice: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.org", *args],
                       cwd=practice, check=True, capture_output=True)

    git("init", "-q")
    git("add", "notes", "soapbuild.toml")
    git("commit", "-q", "-m", "notes")
    check(practice)
    assert not parsed_again(practice)[0]
    note = sorted((practice / "notes").rglob("20*.md"))[0]
    git("rm", "-q", str(note.relative_to(practice)))
    git("commit", "-q", "-m", "gone")
    git("checkout", "-q", "HEAD~1", "--", str(note.relative_to(practice)))
    parsed, output = parsed_again(practice)
    assert parsed and output == cold(practice)


def test_a_run_that_read_other_bytes_than_it_hashed_is_not_kept(practice: Path) -> None:
    """A note saved while the run reads the notes: the run's findings are of bytes the key
    does not hash, so they are not kept."""
    settings = workspace_settings(practice)
    inputs = RunInputs.of(settings, practice, [], NOW)
    name = next(iter(inputs.read))
    inputs.keep(CheckRun((), (), read={name: "0" * 64}))
    assert inputs.recall() is None
    inputs.keep(CheckRun((), (), read={name: inputs.read[name]}))
    assert inputs.recall() == CheckRun((), ())
