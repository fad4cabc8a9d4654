"""The hook's index of committed sketches (soapbuild/cache/sketches.py, issue 15).

The index must answer exactly what asking every committed sketch answers, read back
whatever its file holds without raising, and be made anew only when the notes beside
it are many; the hook must find the copy wherever the copied note is (in the index or
beside it).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from soapbuild.cache import open_note_cache
from soapbuild.cache.notes import NoteCache
from soapbuild.cache.sketches import REBUILD_FLOOR, SketchIndex, worth_rebuilding
from soapbuild.commands.common import workspace_settings
from soapbuild.history.committed import CommittedPrints
from soapbuild.history.git import blob_id
from soapbuild.model.parse import parse_note
from soapbuild.rules.copied import SectionPrint, fingerprint, text_shingles

BLOB = st.binary(min_size=20, max_size=20).map(bytes.hex)
SKETCHES = st.dictionaries(BLOB, st.frozensets(st.integers(0, 2**32 - 1), max_size=40),
                           max_size=12)


@settings(max_examples=60, deadline=None)
@given(SKETCHES, st.frozensets(st.integers(0, 2**32 - 1), max_size=30))
def test_the_index_counts_what_each_sketch_holds(sketches: dict[str, frozenset[int]],
                                                 asked: frozenset[int]) -> None:
    index = SketchIndex.build(sketches)
    expected = Counter({blob: len(asked & s) for blob, s in sketches.items() if asked & s})
    assert index.counts(asked) == expected
    again = SketchIndex.from_bytes(index.to_bytes())
    assert again is not None and again.counts(asked) == expected
    assert {b: frozenset(s) for b, s in again.sketches(sketches).items()} == sketches


# Few values among many notes: postings long enough for both ways of counting.
CROWDED = st.dictionaries(BLOB, st.frozensets(st.integers(0, 40), max_size=40), max_size=80)


@settings(max_examples=150, deadline=None)
@given(CROWDED, st.frozensets(st.integers(0, 50), max_size=40), st.floats(0, 45))
def test_counting_from_the_rarest_finds_every_note_holding_enough(
        sketches: dict[str, frozenset[int]], asked: frozenset[int], least: float) -> None:
    """The hook asks only for the notes holding at least ``least`` of a section's sequences:
    they and their counts must be exactly those a full count finds."""
    index = SketchIndex.build(sketches)
    full = Counter({blob: len(asked & s) for blob, s in sketches.items() if asked & s})
    expected = Counter({blob: n for blob, n in full.items() if n >= least})
    assert index.counts(asked, least) == expected


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_read_back_as_an_index_or_none(data: bytes) -> None:
    found = SketchIndex.from_bytes(data)
    if found is not None:
        found.counts(range(50))  # a planted index answers wrongly at worst, never raises


def test_an_index_cut_short_is_none() -> None:
    data = SketchIndex.build({"ab" * 20: {1, 2, 3}, "cd" * 20: {2, 9}}).to_bytes()
    assert SketchIndex.from_bytes(data) is not None
    assert all(SketchIndex.from_bytes(data[:cut]) is None for cut in range(len(data)))


def test_rebuilding_waits_for_enough_notes_beside_the_index() -> None:
    assert not worth_rebuilding(REBUILD_FLOOR, 100)
    assert worth_rebuilding(REBUILD_FLOOR + 1, 100)
    assert not worth_rebuilding(REBUILD_FLOOR * 2, REBUILD_FLOOR * 40)


NOTE = """---
client: C-{number:04d}
clinician: Jordan Rivera, LCSW
session_date: 2024-11-{day:02d} 10:00
duration: 53
service_code: "90837"
occurred: true
submitted: 2024-11-{day:02d} 12:00
---
## Subjective
Client {number} spoke about the {word} she keeps on the windowsill and the {other} her
neighbour brought over on the first cold evening of the month number {number}.

## Objective
Client was alert and oriented; affect congruent with stated mood.

## Assessment
Progress toward the sleep goal continues. Denies SI/HI.

## Plan
Next session in one week.
"""
WORDS = ["fern", "kettle", "atlas", "violin", "lantern", "compass", "teapot", "quilt"]


def note(number: int) -> bytes:
    return NOTE.format(number=number, day=1 + number % 28, word=WORDS[number % 8],
                       other=WORDS[(number // 8) % 8]).encode()


def committed(workspace: Path, cache: NoteCache, numbers: range) -> tuple[CommittedPrints,
                                                                           dict[str, bytes]]:
    texts = {blob_id(note(n)): note(n) for n in numbers}
    notes = {f"notes/{n:04d}.md": blob_id(note(n)) for n in numbers}
    prints = CommittedPrints(notes, workspace_settings(workspace), workspace, cache=cache,
                             variant="test", read=lambda blobs: {b: texts[b] for b in blobs})
    return prints, texts


def staged_prints(workspace: Path, number: int) -> list[SectionPrint]:
    settings_ = workspace_settings(workspace)
    parsed = parse_note(note(number), "notes/staged.md", dict(settings_.formats), "notes/s.md")
    assert parsed.note is not None
    return fingerprint(parsed.note, settings_)


def test_the_hook_finds_the_copied_note_in_the_index_and_beside_it(tmp_path: Path) -> None:
    (tmp_path / "soapbuild.toml").write_text('timezone = "America/New_York"\n', "utf-8")
    (tmp_path / "notes").mkdir()
    cache = open_note_cache(workspace_settings(tmp_path))
    assert cache is not None

    def index_bytes() -> bytes:
        index = cache.sketch_index()
        assert index is not None
        return index.to_bytes()

    def paths(found: list[SectionPrint]) -> set[str]:
        return {p.path for p in found}

    first, _ = committed(tmp_path, cache, range(40))
    assert "notes/0007.md" in paths(first(staged_prints(tmp_path, 7)))
    made = index_bytes()  # the first hook made the index of the 40 notes
    assert len(SketchIndex.from_bytes(made).blobs) == 40  # type: ignore[union-attr]

    # A few notes committed since: sketched beside the index, which stays as it was.
    later, _ = committed(tmp_path, cache, range(45))
    assert "notes/0043.md" in paths(later(staged_prints(tmp_path, 43)))
    assert "notes/0007.md" in paths(later(staged_prints(tmp_path, 7)))
    assert index_bytes() == made

    # Many committed since: the index is made anew, holding them all, and is the index
    # made from every note's text.
    many, texts = committed(tmp_path, cache, range(45 + REBUILD_FLOOR + 1))
    assert "notes/0290.md" in paths(many(staged_prints(tmp_path, 290)))
    remade = SketchIndex.from_bytes(index_bytes())
    assert remade is not None and len(remade.blobs) == len(texts)
    fresh = SketchIndex.build({b: text_shingles(t.decode()) for b, t in texts.items()})
    assert remade.to_bytes() == fresh.to_bytes()
    cache.close()


def test_a_note_that_is_no_copy_is_not_a_candidate(tmp_path: Path) -> None:
    (tmp_path / "soapbuild.toml").write_text('timezone = "America/New_York"\n', "utf-8")
    settings_ = workspace_settings(tmp_path)
    cache = open_note_cache(settings_)
    assert cache is not None
    prints, _ = committed(tmp_path, cache, range(20))
    text = note(7).decode()
    start, end = text.index("Client 7 spoke"), text.index("## Objective")
    other = text[:start] + ("Client described the drive to her mother's house on Saturday "
                            "and the long talk they had about the garden and the roof.\n\n")
    parsed = parse_note((other + text[end:]).encode(), "notes/staged.md",
                        dict(settings_.formats), "notes/s.md")
    assert parsed.note is not None
    checked = fingerprint(parsed.note, settings_)
    assert [p.section for p in checked] == ["Subjective"]
    assert prints(checked) == []
    assert prints(staged_prints(tmp_path, 7)) != []  # the same note unchanged finds its copy
    cache.close()
