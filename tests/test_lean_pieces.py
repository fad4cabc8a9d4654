"""What a cold check keeps of every note at once (issue 15, peak memory), read back right.

The parent of a check holds every note's piece: the notes are lean (their prose and
narrative made again when asked for), line starts and shingle hashes are packed, and
values that repeat from note to note are read back as one object. Each must give back
exactly what the parse made.
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soapbuild.cache.pickles import dump, load
from soapbuild.model.note import Note
from soapbuild.model.packed import pack, unpack
from soapbuild.model.parse import ParseResult
from soapbuild.model.source import SourceText
from soapbuild.rules.copied import Shingles

PROPERTIES = settings(max_examples=150, deadline=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture])
HEAD = "---\nclient: C-1\nclinician: J\nsession_date: 2026-11-20 15:00\noccurred: true\n---\n"

# Markdown pieces that the prose mask and the quotations treat differently.
PARTS = ["## Subjective\n", "## Plan\n", "**Objective:**\n", "Client said \"I slept\" today.",
         "In client's words: “Some days I stay in.”", "`code` and <b>tag</b> and [a](http://x)",
         "> quoted line", "- a list item", "1. numbered", "```\nfenced\n```",
         "| a | b |\n|---|---|", "<!-- soapbuild: ignore V001 -->", "5'10\" tall", "\r\n",
         "\n", "\n\n", " ", "word"]
body = st.lists(st.sampled_from(PARTS), max_size=25).map("".join)


@PROPERTIES
@given(text=body)
def test_a_lean_note_makes_its_prose_and_narrative_again_exactly(
        parsed: Callable[[str | bytes], Note], text: str) -> None:
    note = parsed(HEAD + text)
    lean = note.lean()
    assert lean.masks is None
    assert (lean.prose, lean.narrative) == (note.prose, note.narrative)
    assert lean == note  # the masks are not part of what a note is


@PROPERTIES
@given(text=body)
def test_a_piece_read_back_is_the_note_it_was(parse: Callable[[str | bytes], ParseResult],
                                              text: str) -> None:
    result = parse(HEAD + text)
    assert load(dump(result)) == result


def test_values_that_repeat_from_note_to_note_are_read_back_as_one_object(
        parsed: Callable[[str | bytes], Note]) -> None:
    first = load(dump(parsed(HEAD + "## Subjective\nSlept well.\n## Plan\nWalk daily.\n")))
    second = load(dump(parsed(HEAD + "## Subjective\nSlept badly.\n## Plan\nRest.\n")))
    assert isinstance(first, Note) and isinstance(second, Note)
    for one, two in zip(first.body.sections, second.body.sections, strict=True):
        assert one.name == two.name and one.name is two.name
        assert one.roles is two.roles and one.heading.text is two.heading.text
    names = [(f.name, g.name) for f, g in zip(first.header.fields, second.header.fields,
                                              strict=True)]
    assert names and all(f is g for f, g in names)
    # A long free-text value is kept as it is, not gathered for the life of the process.
    long = "x" * 200
    kept = [load(dump(parsed(f"---\nclient: C-1\nreason: {long}\n---\n"))) for _ in range(2)]
    texts = [next(f.text for f in note.header.fields if f.name == "reason")
             for note in kept if isinstance(note, Note)]
    assert texts == [long, long] and texts[0] is not texts[1]


@given(values=st.lists(st.integers(0, 2**32 - 1)))
def test_packed_numbers_read_back_in_their_order(values: list[int]) -> None:
    assert list(unpack(pack(values))) == values


@given(values=st.lists(st.integers(0, 2**32 - 1)))
def test_shingles_are_the_distinct_hashes_ascending(values: list[int]) -> None:
    shingles = Shingles.of(values)
    assert list(shingles) == sorted(set(values)) == list(shingles.values())
    assert len(shingles) == len(set(values))
    assert load(dump(shingles)) == shingles


@given(lines=st.lists(st.text(st.characters(blacklist_characters="\r\n"), max_size=30),
                      max_size=20))
def test_line_starts_are_where_each_line_starts(lines: list[str]) -> None:
    source = SourceText.from_str("\n".join(lines))
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    assert list(source.line_starts) == starts and source.line_count == len(starts)
    for number, start in enumerate(starts, 1):
        where = source.position(start)
        assert (where.line, where.column) == (number, 1)
