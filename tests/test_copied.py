"""Copied documentation (D001): found end to end, and found in linear time."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from soapbuild.cli import main
from soapbuild.model.formats import builtin_formats
from soapbuild.model.parse import read_note
from soapbuild.rules.copied import BUCKET_LIMIT, SKETCH, CopyStats, find_copies, fingerprint
from soapbuild.settings import Settings

REPO = Path(__file__).resolve().parents[1]
NOTE = """---
client: {client}
clinician: Jordan Rivera, LCSW
session_date: {date} 15:00
duration: 53
service_code: "90837"
occurred: true
submitted: {date} 18:00
---
## Subjective
{subjective}

## Objective
Client was alert and oriented; affect congruent with stated mood.

## Assessment
Progress toward the sleep goal continues. Denies SI/HI.

## Plan
Next session in one week.
"""
FIRST = ("Client reported that the argument with her sister on Sunday left her tearful for "
         "most of the evening and that she skipped two meals afterwards. She described "
         "lying awake until about two in the morning and calling in late to work the next "
         "day, which she said had not happened since the spring.")
OTHER = ("Client reported sleeping seven hours on five nights this week after moving the "
         "phone out of the bedroom, and described the mornings as less rushed.")


def _workspace(tmp_path: Path, notes: dict[str, tuple[str, str, str]]) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "soapbuild.toml").write_text('timezone = "America/New_York"\n', "utf-8")
    for name, (client, date, subjective) in notes.items():
        path = tmp_path / "notes" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(NOTE.format(client=client, date=date, subjective=subjective), "utf-8")
    return tmp_path


def _findings(workspace: Path) -> list[dict[str, object]]:
    result = CliRunner().invoke(main, ["-C", str(workspace), "check", "--format", "json",
                                       "--now", "2026-11-27 12:00"])
    return [f for f in json.loads(result.output)["findings"] if f["code"] == "D001"]


def test_a_subjective_copied_from_the_previous_note_is_flagged(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, {
        "C-1/2026-11-13.md": ("C-1", "2026-11-13", FIRST),
        "C-1/2026-11-20.md": ("C-1", "2026-11-20", FIRST.replace("Sunday", "Saturday")),
        "C-1/2026-11-06.md": ("C-1", "2026-11-06", OTHER)})
    findings = _findings(workspace)
    assert len(findings) == 1
    finding = findings[0]
    assert (finding["path"], finding["line"], finding["column"]) == (
        "notes/C-1/2026-11-20.md", 10, 4)
    assert finding["severity"] == "warning"
    message = str(finding["message"])
    assert "This Subjective is 9" in message and "the same client's note of 2026-11-13" in message
    assert "notes/C-1/2026-11-13.md" in message


def test_another_clients_copy_is_named_and_short_sections_are_not_judged(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, {
        "C-1/2026-11-13.md": ("C-1", "2026-11-13", FIRST),
        "C-2/2026-11-20.md": ("C-2", "2026-11-20", FIRST)})
    findings = _findings(workspace)
    assert [f["path"] for f in findings] == ["notes/C-2/2026-11-20.md"]
    assert "another client's (C-1) note" in str(findings[0]["message"])
    # The identical Objective/Assessment/Plan sections are under 15 words: not flagged.
    short = _workspace(tmp_path / "short", {
        "C-1/2026-11-13.md": ("C-1", "2026-11-13", "Client reported a calm week."),
        "C-1/2026-11-20.md": ("C-1", "2026-11-20", "Client reported a calm week.")})
    assert _findings(short) == []


def test_threshold_setting(tmp_path: Path) -> None:
    edited = FIRST.replace("Sunday", "Saturday").replace("two meals", "both meals")
    workspace = _workspace(tmp_path, {
        "C-1/2026-11-13.md": ("C-1", "2026-11-13", FIRST),
        "C-1/2026-11-20.md": ("C-1", "2026-11-20", edited)})
    assert _findings(workspace) == []  # two words changed: about 0.88, below 0.9
    (workspace / "soapbuild.toml").write_text(
        'timezone = "America/New_York"\n[copied]\nthreshold = 0.8\n', "utf-8")
    assert len(_findings(workspace)) == 1


def _synthetic_prints(count: int, seed: int, copies: int) -> list:
    """Sections of random clinical-ish words, with ``copies`` planted near-duplicates."""
    rng = random.Random(seed)
    vocabulary = [f"w{i}" for i in range(3000)]
    boilerplate = ["client", "was", "alert", "and", "oriented", "to", "person", "place", "time",
                   "and", "situation"]
    settings = Settings(root=Path("."), timezone=ZoneInfo("America/New_York"))
    texts = [" ".join(boilerplate + rng.choices(vocabulary, k=40)) for _ in range(count)]
    for index in range(copies):  # later note repeats an earlier one with one word changed
        source = texts[index * 7].split()
        source[-1] = "changed"
        texts[count - 1 - index] = " ".join(source)
    prints = []
    for number, text in enumerate(texts):
        day = f"2026-{1 + number // 28 % 12:02d}-{1 + number % 28:02d}"
        note = read_note_from_text(NOTE.format(client=f"C-{number % 50}", date=day,
                                               subjective=text), f"n{number}.md")
        prints += fingerprint(note, settings)
    return prints


def read_note_from_text(text: str, name: str):  # type: ignore[no-untyped-def]
    from soapbuild.model.parse import parse_note

    result = parse_note(text.encode("utf-8"), name, builtin_formats())
    assert result.note is not None
    return result.note


def test_search_is_linear_and_finds_every_planted_copy() -> None:
    """Work per section is bounded, so total work grows linearly; all-pairs would not."""
    per_section = []
    for count in (500, 2000):
        stats = CopyStats()
        found = find_copies(_synthetic_prints(count, seed=count, copies=10), 0.9, stats)
        assert stats.sections == count
        assert stats.comparisons <= stats.sections * SKETCH * BUCKET_LIMIT
        per_section.append(stats.comparisons / stats.sections)
        assert len(found) == 10  # every planted copy, nothing else
        assert all(copy.similarity >= 0.9 for copy in found)
    all_pairs_growth = (2000 * 1999) / (500 * 499)
    assert per_section[1] <= per_section[0] * 2 < all_pairs_growth


def test_the_benchmark_corpus_scales_linearly(tmp_path: Path) -> None:
    """On the benchmark corpus (5,000 of its notes, to keep the suite quick), work per
    section stays flat from 1k to 5k notes.

    The work is counted (comparisons), not timed: the count is what the time is
    made of, and it does not depend on the machine. benchmarks/bench_copied.py
    times the same search: about 0.7 ms per note at every size.
    """
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "gen_corpus.py"),
                    str(tmp_path / "notes"), "--count", "5000", "--seed", "2"],
                   check=True, capture_output=True, timeout=300)
    settings = Settings(root=tmp_path, timezone=ZoneInfo("America/New_York"))
    paths = sorted((tmp_path / "notes").rglob("*.md"))
    prints = []
    for path in paths:
        note = read_note(path, path.name, builtin_formats()).note
        assert note is not None
        prints.append(fingerprint(note, settings))
    ratios = []
    for count in (1000, 5000):
        stats = CopyStats()
        find_copies([p for group in prints[:count] for p in group], 0.9, stats)
        ratios.append(stats.comparisons / stats.sections)
    assert ratios[1] <= ratios[0] * 2.5, ratios
