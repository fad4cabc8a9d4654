"""The Markdown body: masked prose, headings, sections, addenda, quotations, code spans."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from soapbuild.model.note import BlockKind, Note, SuppressionKind
from soapbuild.model.source import SourceText

LineCol = Callable[[SourceText, int], tuple[int, int]]

HEAD = "---\nclient: C-1\nclinician: J\nsession_date: 2026-11-20 15:00\noccurred: true\n---\n"
HEAD_LINES = HEAD.count("\n")  # the body starts on line HEAD_LINES + 1


def m(text: str) -> str:
    """Expected mask: one blank per character of ``text`` (written '·' for readability)."""
    return "·" * len(text)


def body_prose(note: Note) -> str:
    return note.prose[note.body.start:].replace(" ", "·")


def body_source(note: Note) -> str:
    return note.source.text[note.body.start:].replace(" ", "·")


# --- prose ---------------------------------------------------------------------------

# (what the clinician wrote, the prose expected: '·' for a blank)
PROSE_LINES = [
    ("## Subjective ##", m("## ") + "Subjective" + m(" ##")),
    ("", ""),
    ("See [the chart](http://x/always) today.",
     "See" + m(" [") + "the·chart" + m("](http://x/always)") + "·today."),
    ("Mood <b>bright</b> today.", "Mood·" + m("<b>") + "bright" + m("</b>") + "·today."),
    ("Calm <!-- draft: always --> now.", "Calm·" + m("<!-- draft: always -->") + "·now."),
    ("Typed ``never `x` here`` and `always` ok.",
     "Typed·" + m("``never `x` here``") + "·and·" + m("`always`") + "·ok."),
    ("She was **very** _tired_ today.",
     "She·was·" + m("**") + "very" + m("**") + "·" + m("_") + "tired" + m("_") + "·today."),
    ("Handout www.example.org/always given.",
     "Handout·" + m("www.example.org/always") + "·given."),
    ("See <https://x.org/never> too.", "See·" + m("<https://x.org/never>") + "·too."),
    ("Read [text][ref] more.", "Read·" + m("[") + "text" + m("][ref]") + "·more."),
    ("Client was", "Client·was"),
    ("never late.", "never·late."),  # a soft line break keeps both lines in place
    ("", ""),
    ("- Client **never** late", m("- ") + "Client·" + m("**") + "never" + m("**") + "·late"),
    ("", ""),
    ("1. First item", m("1. ") + "First·item"),
    ("", ""),
    ("> Quoted always", m("> ") + "Quoted·always"),
    ("", ""),
    ("```", m("```")),
    ("always in a fence", m("always in a fence")),
    ("```", m("```")),
    ("", ""),
    ("    indented code never", m("    indented code never")),
]


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_prose_is_the_source_with_non_prose_blanked(
    parsed: Callable[[str], Note], newline: str
) -> None:
    body = "\n".join(line for line, _ in PROSE_LINES) + "\n"
    note = parsed((HEAD + body).replace("\n", newline))
    expected = "\n".join(prose for _, prose in PROSE_LINES) + "\n"
    assert body_prose(note) == expected.replace("\n", newline)


def test_prose_has_the_length_of_the_text_and_agrees_on_every_prose_character(
    parsed: Callable[[str], Note]
) -> None:
    body = "\n".join(line for line, _ in PROSE_LINES) + "\n"
    note = parsed("\ufeff" + HEAD + body)
    assert len(note.prose) == len(note.source.text)
    for offset, (shown, original) in enumerate(zip(note.prose, note.source.text, strict=True)):
        assert shown == original or shown == " ", offset


def test_the_front_matter_is_blank_in_the_prose(parsed: Callable[[str], Note]) -> None:
    note = parsed(HEAD + "## Subjective\nText.\n")
    front = note.prose[:note.body.start]
    assert front == "".join(ch if ch == "\n" else " " for ch in HEAD)
    assert note.front_matter is not None and note.front_matter.end == len(HEAD)


def test_a_wrapped_phrase_keeps_its_place(parsed: Callable[[str], Note], at: LineCol) -> None:
    note = parsed(HEAD + "## Assessment\nClient is\nnon-compliant with the plan.\n")
    start = note.prose.index("Client is\nnon-compliant")
    assert at(note.source, start) == (HEAD_LINES + 2, 1)
    assert at(note.source, note.prose.index("non-compliant")) == (HEAD_LINES + 3, 1)


def test_lone_cr_prose_matches_the_lf_prose(parsed: Callable[[str], Note]) -> None:
    body = "## Plan\nSee [x](http://y) and `code`.\n"
    lf = parsed(HEAD + body)
    cr = parsed((HEAD + body).replace("\n", "\r"))
    assert cr.prose == lf.prose


def test_code_spans_are_recorded(parsed: Callable[[str], Note], at: LineCol) -> None:
    note = parsed(HEAD + "## Plan\nUse ``a ` b`` then `c`\nand `unclosed.\n")
    assert [note.text_of(span) for span in note.body.code_spans] == ["``a ` b``", "`c`"]
    assert at(note.source, note.body.code_spans[0].start) == (HEAD_LINES + 2, 5)
    assert "unclosed" in note.prose  # a lone backtick opens nothing


def test_a_code_span_may_wrap_lines(parsed: Callable[[str], Note]) -> None:
    note = parsed(HEAD + "## Plan\nRun `first\nsecond` now.\n")
    assert [note.text_of(span) for span in note.body.code_spans] == ["`first\nsecond`"]
    assert "first" not in note.prose and "second" not in note.prose


def test_a_table_delimiter_row_without_outer_pipes_is_blank(parsed: Callable[[str], Note]) -> None:
    note = parsed(HEAD + "Scale | Score\n------- | :---:\nPHQ-9 | 8\n")
    assert body_prose(note) == ("Scale·" + m("|") + "·Score\n" + m("------- | :---:") + "\n"
                                + "PHQ-9·" + m("|") + "·8\n")


@pytest.mark.parametrize(
    ("table", "newline"),
    [("| Scale | Score |\n|-------|:-----:|\n| PHQ-9 | 8 |\n", "\n"),
     ("Scale | Score\n------- | :---:\nPHQ-9 | 8\n", "\r\n")],
    ids=["outer-pipes", "crlf"],
)
def test_a_table_delimiter_row_is_blank(parsed: Callable[[str], Note], table: str,
                                        newline: str) -> None:
    note = parsed((HEAD + table).replace("\n", newline))
    delimiter = table.splitlines()[1]
    assert body_prose(note).splitlines()[1] == m(delimiter)


# --- headings ------------------------------------------------------------------------


def test_atx_and_setext_headings(parsed: Callable[[str], Note], at: LineCol) -> None:
    body = ("# One\n\n## Two ##\n\n   ### Three\n\n#### Four\n\n##### Five\n\n###### Six\n\n"
            "Seven\n=====\n\nEight\n-----\n")
    note = parsed(HEAD + body)
    got = [(h.text, h.level, h.line, at(note.source, h.text_span.start), note.text_of(h.text_span))
           for h in note.body.headings]
    first = HEAD_LINES + 1
    assert got == [
        ("One", 1, first, (first, 3), "One"),
        ("Two", 2, first + 2, (first + 2, 4), "Two"),
        ("Three", 3, first + 4, (first + 4, 8), "Three"),
        ("Four", 4, first + 6, (first + 6, 6), "Four"),
        ("Five", 5, first + 8, (first + 8, 7), "Five"),
        ("Six", 6, first + 10, (first + 10, 8), "Six"),
        ("Seven", 1, first + 12, (first + 12, 1), "Seven"),
        ("Eight", 2, first + 15, (first + 15, 1), "Eight"),
    ]
    setext = note.body.headings[-1]
    assert (note.source.position(setext.span.end).line) == first + 16  # underline included


def test_a_heading_in_a_fence_is_not_a_heading(parsed: Callable[[str], Note]) -> None:
    note = parsed(HEAD + "## Plan\nText.\n\n```\n## Subjective\n```\n")
    assert [h.text for h in note.body.headings] == ["Plan"]
    assert [s.name for s in note.body.sections] == ["Plan"]


@pytest.mark.parametrize(
    "heading",
    [
        "## Subjective", "## subjective", "## SUBJECTIVE", "## S", "## s", "## S - Subjective",
        "## S: Subjective", "## S — Subjective", "## S – Subjective", "## S. Subjective",
        "## S-Subjective", "## (S) Subjective", "## S) Subjective", "## Subjective:",
        "## **Subjective**", "## __Subjective__", "## *S: Subjective*", "# Subjective",
        "### Subjective", "Subjective\n==========", "S: Subjective\n-------------",
        "##   Subjective   ", "## Subjective ###",
    ],
)
def test_heading_aliases_name_the_section(parsed: Callable[[str], Note], heading: str) -> None:
    note = parsed(HEAD + heading + "\nClient reported poor sleep.\n")
    assert [s.name for s in note.body.sections] == ["Subjective"]
    assert note.body.preamble == ()


@pytest.mark.parametrize(
    "heading",
    [
        "#### Subjective", "##### S", "###### Plan", "## Subjective notes", "## Subjectiv",
        "## SO", "## S/O", "**Subjective**", "Subjective: see below", "## 1. Subjective",
    ],
)
def test_other_lines_are_not_sections(parsed: Callable[[str], Note], heading: str) -> None:
    note = parsed(HEAD + heading + "\nClient reported poor sleep.\n")
    assert note.body.sections == ()


def test_a_bold_line_is_not_a_heading_but_a_bold_heading_is(parsed: Callable[[str], Note]) -> None:
    note = parsed(HEAD + "**Objective**\nCalm.\n\n## **Objective**\nCalm.\n")
    assert [(s.name, s.heading.line) for s in note.body.sections] == [("Objective",
                                                                       HEAD_LINES + 4)]
    assert [b.first_line for b in note.body.preamble] == [HEAD_LINES + 1]


# --- sections ------------------------------------------------------------------------

SOAP = """\
Intro line one
intro line two.

## Subjective
Client reported poor sleep.

### History
Long-standing.

#### Detail
Since 2019.

## Objective
Calm.

## Assessment
Denies SI/HI.

## Plan
Weekly sessions.
"""


def test_sections_lines_blocks_and_preamble(parsed: Callable[[str], Note]) -> None:
    note = parsed(HEAD + SOAP)
    b = HEAD_LINES  # line numbers below are relative to the body
    sections = note.body.sections
    assert [(s.name, s.heading.line, s.last_line) for s in sections] == [
        ("Subjective", b + 4, b + 12),
        ("Objective", b + 13, b + 15),
        ("Assessment", b + 16, b + 18),
        ("Plan", b + 19, note.source.line_count),
    ]
    subjective = sections[0]
    assert [(blk.kind, blk.first_line, blk.last_line) for blk in subjective.blocks] == [
        (BlockKind.PARAGRAPH, b + 5, b + 5),
        (BlockKind.HEADING, b + 7, b + 7),  # sub-headings belong to their section
        (BlockKind.PARAGRAPH, b + 8, b + 8),
        (BlockKind.HEADING, b + 10, b + 10),
        (BlockKind.PARAGRAPH, b + 11, b + 11),
    ]
    assert note.text_of(subjective.span).startswith("## Subjective\n")
    assert note.text_of(subjective.span).endswith("Since 2019.\n")
    assert [(blk.first_line, blk.last_line) for blk in note.body.preamble] == [(b + 1, b + 2)]
    assert note.text_of(sections[-1].span) == "## Plan\nWeekly sessions.\n"


def test_section_positions_with_crlf_bom_and_non_ascii(
    parsed: Callable[[str], Note], at: LineCol
) -> None:
    body = "Préambule 😀\r\n\r\n## S — Subjective\r\nÉtat “stable”.\r\n"
    note = parsed("\ufeff" + HEAD.replace("\n", "\r\n") + body)
    (section,) = note.body.sections
    assert section.name == "Subjective"
    assert at(note.source, section.heading.text_span.start) == (HEAD_LINES + 3, 4)
    assert note.text_of(section.heading.text_span) == "S — Subjective"
    assert section.last_line == HEAD_LINES + 5


def test_repeated_and_unordered_sections_are_all_listed(parsed: Callable[[str], Note]) -> None:
    note = parsed(HEAD + "## Plan\na\n## Subjective\nb\n## Plan\nc\n")
    assert [s.name for s in note.body.sections] == ["Plan", "Subjective", "Plan"]


def test_a_note_without_headings(parsed: Callable[[str], Note]) -> None:
    note = parsed(HEAD + "Just text.\n")
    assert note.body.sections == ()
    assert note.body.addenda == ()
    assert [b.first_line for b in note.body.preamble] == [HEAD_LINES + 1]


@pytest.mark.parametrize(
    ("note_format", "headings", "names"),
    [
        ("dap", ["Data", "Assessment", "Plan"], ["Data", "Assessment", "Plan"]),
        ("dap", ["D: Data", "A - Assessment", "P"], ["Data", "Assessment", "Plan"]),
        ("DAP", ["**Data**", "A — Assessment", "Plan:"], ["Data", "Assessment", "Plan"]),
        ("birp", ["Behavior", "Intervention", "Response", "Plan"],
         ["Behavior", "Intervention", "Response", "Plan"]),
        ("birp", ["B - Behavior", "I: Intervention", "R", "P. Plan"],
         ["Behavior", "Intervention", "Response", "Plan"]),
        ("dap", ["Subjective", "Data", "Objective", "Plan"], ["Data", "Plan"]),
        ("birp", ["S", "O", "A", "Plan"], ["Plan"]),
        ("soap", ["Data", "Behavior", "Subjective"], ["Subjective"]),
    ],
)
def test_dap_and_birp_sections(parsed: Callable[[str], Note], note_format: str,
                               headings: list[str], names: list[str]) -> None:
    head = HEAD.replace("occurred: true\n", f"occurred: true\nformat: {note_format}\n")
    body = "".join(f"## {h}\nText under {h}.\n\n" for h in headings)
    note = parsed(head + body)
    assert [s.name for s in note.body.sections] == names


def test_an_unknown_format_falls_back_to_soap_sections(parsed: Callable[[str], Note]) -> None:
    head = HEAD.replace("occurred: true\n", "occurred: true\nformat: pie\n")
    note = parsed(head + "## Problem\nx\n## Subjective\ny\n")
    assert [s.name for s in note.body.sections] == ["Subjective"]


# --- addenda -------------------------------------------------------------------------

EST = timezone(timedelta(hours=-5))


@pytest.mark.parametrize(
    ("heading", "value", "date_only", "date_text"),
    [
        ("## Addendum 2026-11-24 10:30", datetime(2026, 11, 24, 10, 30), False,
         "2026-11-24 10:30"),
        ("## Addendum 2026-11-24", datetime(2026, 11, 24), True, "2026-11-24"),
        ("## Addendum: 2026-11-24T10:30-05:00", datetime(2026, 11, 24, 10, 30, tzinfo=EST),
         False, "2026-11-24T10:30-05:00"),
        ("## Addendum — 2026-11-24 9:05", datetime(2026, 11, 24, 9, 5), False, "2026-11-24 9:05"),
        ("## Addendum (2026-11-24 10:30)", datetime(2026, 11, 24, 10, 30), False,
         "2026-11-24 10:30"),
        ("## ADDENDUM 2026-11-24", datetime(2026, 11, 24), True, "2026-11-24"),
        ("## **Addendum 2026-11-24**", datetime(2026, 11, 24), True, "2026-11-24"),
        ("# Addendum 2026-11-24", datetime(2026, 11, 24), True, "2026-11-24"),
        ("### Addendum 2026-11-24", datetime(2026, 11, 24), True, "2026-11-24"),
        ("Addendum 2026-11-24\n-------------------", datetime(2026, 11, 24), True, "2026-11-24"),
        ("## Late entry 2026-11-24 10:30", datetime(2026, 11, 24, 10, 30), False,
         "2026-11-24 10:30"),
        ("## Correction 2026-11-24", datetime(2026, 11, 24), True, "2026-11-24"),
        ("## Amendment 2026-11-24", datetime(2026, 11, 24), True, "2026-11-24"),
        ("## Addendum", None, None, ""),
        ("## Addendum:", None, None, ""),
        ("## Addendum tomorrow", None, None, "tomorrow"),
        ("## Addendum 2026-13-45", None, None, "2026-13-45"),
        ("## Addendum 11/24/2026", None, None, "11/24/2026"),
    ],
)
def test_addendum_headings_and_dates(
    parsed: Callable[[str], Note], heading: str, value: datetime | None,
    date_only: bool | None, date_text: str,
) -> None:
    note = parsed(HEAD + "## Plan\nWeekly.\n\n" + heading + "\nAuthor: J\nReason: r\n")
    (addendum,) = note.body.addenda
    assert [s.name for s in note.body.sections] == ["Plan"]
    assert note.body.sections[0].last_line == HEAD_LINES + 3
    assert addendum.heading.line == HEAD_LINES + 4
    assert addendum.date_text == date_text
    if value is None:
        assert addendum.date is None
    else:
        assert addendum.date is not None
        assert addendum.date.value == value
        assert addendum.date.value.utcoffset() == value.utcoffset()
        assert addendum.date.date_only is date_only


@pytest.mark.parametrize("heading", ["#### Addendum 2026-11-24", "## Addenda 2026-11-24",
                                     "## Addendums", "## Re: Addendum 2026-11-24"])
def test_not_addendum_headings(parsed: Callable[[str], Note], heading: str) -> None:
    note = parsed(HEAD + "## Plan\nWeekly.\n\n" + heading + "\nAuthor: J\n")
    assert note.body.addenda == ()


@pytest.mark.parametrize(
    ("author_line", "reason_line", "author", "reason"),
    [
        ("Author: Jordan Rivera, LCSW", "Reason: corrected the dose", "Jordan Rivera, LCSW",
         "corrected the dose"),
        ("**Author:** Jordan", "**Reason:** typo in Plan", "Jordan", "typo in Plan"),
        ("**Author**: Jordan", "__Reason:__ typo", "Jordan", "typo"),
        ("- Author: Jordan", "* Reason: typo", "Jordan", "typo"),
        ("author: jordan", "REASON :  late lab result  ", "jordan", "late lab result"),
        ("> Author: Jordan", "> Reason: typo", "Jordan", "typo"),
        ("Author:", "Reason:   ", None, None),
        ("Written by Jordan", "Because of a typo", None, None),
        ("Co-author: Jordan", "The reason: typo", None, None),
    ],
)
def test_addendum_author_and_reason_lines(
    parsed: Callable[[str], Note], author_line: str, reason_line: str,
    author: str | None, reason: str | None,
) -> None:
    body = f"## Plan\nWeekly.\n\n## Addendum 2026-11-24 10:30\n{author_line}\n\n{reason_line}\n"
    note = parsed(HEAD + body)
    (addendum,) = note.body.addenda
    assert (addendum.author.value if addendum.author else None) == author
    assert (addendum.reason.value if addendum.reason else None) == reason


def test_label_spans_and_the_first_label_wins(parsed: Callable[[str], Note],
                                              at: LineCol) -> None:
    body = ("## Plan\nWeekly.\n\n## Addendum 2026-11-24 10:30\n**Author:** Zoë Ñ\n"
            "Reason: first\nReason: second\n")
    note = parsed(HEAD + body)
    (addendum,) = note.body.addenda
    assert addendum.author is not None and addendum.reason is not None
    assert at(note.source, addendum.author.span.start) == (HEAD_LINES + 5, 3)
    assert note.text_of(addendum.author.span) == "Author:** Zoë Ñ"
    assert addendum.reason.value == "first"
    assert at(note.source, addendum.reason.span.start) == (HEAD_LINES + 6, 1)


def test_each_addendum_reads_only_its_own_labels(parsed: Callable[[str], Note]) -> None:
    body = ("## Plan\nWeekly.\n\n## Addendum 2026-11-24\nAuthor: A\n\n"
            "## Addendum 2026-11-25\nReason: r\n\n## Addendum\n")
    note = parsed(HEAD + body)
    first, second, third = note.body.addenda
    b = HEAD_LINES
    assert [(a.heading.line, a.last_line) for a in note.body.addenda] == [
        (b + 4, b + 6), (b + 7, b + 9), (b + 10, note.source.line_count)]
    assert (first.author and first.author.value, first.reason) == ("A", None)
    assert (second.author, second.reason and second.reason.value) == (None, "r")
    assert (third.author, third.reason, third.date, third.date_text) == (None, None, None, "")
    assert [(blk.kind, blk.first_line) for blk in first.blocks] == [(BlockKind.PARAGRAPH, b + 5)]


def test_addenda_in_a_dap_note(parsed: Callable[[str], Note]) -> None:
    head = HEAD.replace("occurred: true\n", "occurred: true\nformat: dap\n")
    body = "## Data\nd\n## Assessment\na\n## Plan\np\n## Addendum 2026-11-24 10:30\nAuthor: J\n"
    note = parsed(head + body)
    assert [s.name for s in note.body.sections] == ["Data", "Assessment", "Plan"]
    assert [a.date_text for a in note.body.addenda] == ["2026-11-24 10:30"]


def test_an_amendment_sub_heading_belongs_to_its_section(parsed: Callable[[str], Note]) -> None:
    body = "## Plan\nWeekly.\n\n### Amendment to the treatment plan\nAdd a sleep diary.\n"
    note = parsed(HEAD + body)
    assert note.body.addenda == ()
    assert note.body.sections[0].last_line == note.source.line_count


# --- quotations ----------------------------------------------------------------------


def quotes_of(note: Note) -> list[tuple[str, str]]:
    return [(q.mark, note.text_of(q.span)) for q in note.body.quotes]


def test_straight_and_curly_quotes(parsed: Callable[[str], Note], at: LineCol) -> None:
    note = parsed(HEAD + 'Client said "I can\'t sleep" and “I’m tired” today.\n')
    assert quotes_of(note) == [("straight", '"I can\'t sleep"'), ("curly", "“I’m tired”")]
    assert [at(note.source, q.span.start) for q in note.body.quotes] == [
        (HEAD_LINES + 1, 13), (HEAD_LINES + 1, 33)]
    assert note.body.unbalanced_quotes == ()


def test_a_quote_may_wrap_a_soft_line_break(parsed: Callable[[str], Note], at: LineCol) -> None:
    note = parsed(HEAD + 'Client stated,\n"I never get\nanything done."\n')
    (quote,) = note.body.quotes
    assert note.text_of(quote.span) == '"I never get\nanything done."'
    assert at(note.source, quote.span.start) == (HEAD_LINES + 2, 1)
    assert at(note.source, quote.span.end - 1) == (HEAD_LINES + 3, 15)
    assert note.is_quoted(quote.span)


def test_a_quote_does_not_cross_paragraphs(parsed: Callable[[str], Note], at: LineCol) -> None:
    note = parsed(HEAD + 'Client said "it was\n\nfine" today.\n')
    assert note.body.quotes == ()
    assert [at(note.source, s.start) for s in note.body.unbalanced_quotes] == [
        (HEAD_LINES + 1, 13), (HEAD_LINES + 3, 5)]


@pytest.mark.parametrize(
    ("line", "quotes", "unbalanced_columns"),
    [
        ('Client said "I am fine.', [], [13]),
        ("Client said I am fine” and left.", [], [22]),
        ("“one “two” three", [("curly", "“two”")], [1]),
        ('"a" "b" "c', [("straight", '"a"'), ("straight", '"b"')], [9]),
        ("The client's mom loved the '90s and 'rock'.", [("single", "'rock'")], []),
        # Single quotes, straight and typographic, told apart from apostrophes.
        ("Client stated, 'I always fail at everything.'",
         [("single", "'I always fail at everything.'")], []),
        ("Client called herself 'I'm lazy' twice.", [("single", "'I'm lazy'")], []),
        ("Client said ‘I don’t care’ and left.", [("single-curly", "‘I don’t care’")], []),
        ("Client said 'it was fine.", [], [13]),
        ("Client said ‘it was fine.", [], [13]),
        ("It was fine.' Then she left.", [], [13]),
        ("Client said 'my parents' house is cold.' today",
         [("single", "'my parents' house is cold.'")], []),
        ("The clients' rights were reviewed; the boss' schedule too.", [], []),
        ("Don't, won't, can't; the ’90s and ‘05; rock 'n' roll; y'all.", [], []),
        ("Client’s kids’ school called.", [], []),
        ('"My boss said \'you\'re done\' and I left."',
         [("straight", '"My boss said \'you\'re done\' and I left."')], []),
        ("'a' and 'b' and 'c", [("single", "'a'"), ("single", "'b'")], [17]),
        ("Client said 'it was fine. Mood: \"okay.\"", [("straight", '"okay."')], [13]),
        ("Client is 6' tall and said 'ok'.", [("single", "'ok'")], []),
        ("Client’s mother’s view.", [], []),
        ('Client is 5\'10" tall and said "ok".', [("straight", '"ok"')], []),
        ('Code `"x"` and "y".', [("straight", '"y"')], []),
        ('[a](http://x "title") and "z"', [("straight", '"z"')], []),
        ('<span title="t">said</span> "w"', [("straight", '"w"')], []),
        ('<!-- "hidden" --> "v"', [("straight", '"v"')], []),
        ('Café 😀 中文 said "hi"', [("straight", '"hi"')], []),
        ("“unclosed curly", [], [1]),
        ('"', [], [1]),
    ],
)
def test_quote_pairing(parsed: Callable[[str], Note], at: LineCol, line: str,
                       quotes: list[tuple[str, str]], unbalanced_columns: list[int]) -> None:
    note = parsed(HEAD + line + "\n")
    assert quotes_of(note) == quotes
    assert [at(note.source, s.start) for s in note.body.unbalanced_quotes] == [
        (HEAD_LINES + 1, column) for column in unbalanced_columns]


def test_quote_columns_after_non_ascii(parsed: Callable[[str], Note], at: LineCol) -> None:
    note = parsed(HEAD + 'Café 😀 中文 said "hi"\n')
    (quote,) = note.body.quotes
    assert at(note.source, quote.span.start) == (HEAD_LINES + 1, 16)


def test_quotes_in_code_blocks_and_headings(parsed: Callable[[str], Note]) -> None:
    note = parsed(HEAD + '## Plan "x"\n\n```\nsaid "nothing\n```\n\n    "indented\n')
    assert quotes_of(note) == [("straight", '"x"')]
    assert note.body.unbalanced_quotes == ()


@pytest.mark.parametrize("bom", [False, True], ids=["no-bom", "bom"])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_heading_and_quote_positions_for_every_line_ending(
    parsed: Callable[[str], Note], make_note: Callable[..., str], at: LineCol,
    newline: str, bom: bool,
) -> None:
    body = ('Intro.\n\n## S: Subjective\nÉlise 😀 said,\n"je suis “fatiguée”"\n\n'
            "Objective\n---------\n中文 “ok”.\n")
    note = parsed(make_note(body, newline=newline, bom=bom))
    first = 10  # 7 fields + 2 fences: the body starts on line 10
    subjective, objective = note.body.sections
    assert at(note.source, subjective.heading.text_span.start) == (first + 2, 4)
    assert note.text_of(subjective.heading.text_span) == "S: Subjective"
    assert at(note.source, objective.heading.text_span.start) == (first + 6, 1)
    assert subjective.last_line == first + 5
    spans = [(at(note.source, q.span.start), at(note.source, q.span.end)) for q in
             note.body.quotes]
    # The curly quote inside the straight one is part of it: one quotation is open at a time.
    assert spans == [((first + 4, 1), (first + 4, 21)), ((first + 8, 4), (first + 8, 8))]


def test_narrative_blanks_the_quotations(parsed: Callable[[str], Note]) -> None:
    note = parsed(HEAD + 'Client said "I never sleep" today.\n')
    start = note.body.start
    assert note.narrative[start:] == "Client said " + " " * len('"I never sleep"') + " today.\n"
    assert len(note.narrative) == len(note.source.text)


@pytest.mark.parametrize("url", ["www.webmd.com", "https://example.org/sleep"])
def test_a_url_at_the_end_of_a_quote_leaves_the_quote_closed(
    parsed: Callable[[str], Note], url: str
) -> None:
    note = parsed(HEAD + f'Client said "I read it on {url}" today.\n')
    assert quotes_of(note) == [("straight", f'"I read it on {url}"')]
    assert note.body.unbalanced_quotes == ()


def test_quotations_never_cross(parsed: Callable[[str], Note]) -> None:
    note = parsed(HEAD + 'Client said "I “think" so”.\n')
    spans = sorted((q.span.start, q.span.end) for q in note.body.quotes)
    for (_, end), (start, later_end) in itertools.pairwise(spans):
        assert start >= end or later_end <= end, spans


# --- suppressions --------------------------------------------------------------------


def test_inline_suppressions(parsed: Callable[[str], Note]) -> None:
    body = ("## Plan\nClient refused. <!-- soapbuild: ignore j001, H002 -->\n"
            "<!-- soapbuild: ignore A003 -->\nNext line.\n\n```\n<!-- soapbuild: ignore X1 -->\n"
            "```\n")
    note = parsed(HEAD + body)
    assert [(s.line, s.codes) for s in note.body.suppressions] == [
        (HEAD_LINES + 2, ("J001", "H002")), (HEAD_LINES + 4, ("A003",))]
    assert "soapbuild" not in note.prose


def test_passages_pair_each_code_with_its_enable(parsed: Callable[[str], Note]) -> None:
    lines = ["## Plan",                                        # +1
             "<!-- soapbuild: disable J001, j002 -->",          # +2
             "Text.",                                          # +3
             "<!-- soapbuild: enable J002 -->",                 # +4
             "<!-- soapbuild: enable J002, H001 -->",           # +5: J002 already ended
             "<!-- soapbuild: ignore-file U001 H002 -->",       # +6
             "<!--soapbuild:ignroe J002-->",                    # +7
             "<!-- soapbuild: disable -->",                     # +8
             "```", "<!-- soapbuild: disable J003 -->", "```"]  # in code: not a comment
    note = parsed(HEAD + "\n".join(lines) + "\n")
    start = HEAD_LINES
    found = [(s.kind, s.line, s.last_line, s.codes) for s in note.body.suppressions]
    assert found == [
        (SuppressionKind.BLOCK, start + 2, start + 4, ("J002",)),
        (SuppressionKind.BLOCK, start + 2, None, ("J001",)),  # never enabled: to the end
        (SuppressionKind.ENABLE, start + 5, start + 5, ("J002", "H001")),
        (SuppressionKind.FILE, start + 6, None, ("U001", "H002")),
        (SuppressionKind.UNKNOWN, start + 7, None, ("J002",)),
        (SuppressionKind.BLOCK, start + 8, None, ()),
    ]
    assert note.body.suppressions[4].word == "ignroe"
    governs = note.body.suppressions[0].governs
    assert [governs(line) for line in range(start + 1, start + 6)] == [
        False, True, True, True, False]
    assert note.body.suppressions[3].governs(1)  # the whole note, front matter included
    assert "soapbuild" not in note.prose


def test_an_enable_ends_every_open_disable_of_its_code(parsed: Callable[[str], Note]) -> None:
    body = ("## Plan\n<!-- soapbuild: disable J002 -->\nA.\n<!-- soapbuild: disable J002 -->\n"
            "B.\n<!-- soapbuild: enable J002 -->\nC.\n")
    note = parsed(HEAD + body)
    assert [(s.line, s.last_line) for s in note.body.suppressions] == [
        (HEAD_LINES + 2, HEAD_LINES + 6), (HEAD_LINES + 4, HEAD_LINES + 6)]


def test_a_long_unclosed_comment_is_read_in_one_pass(parsed: Callable[[str], Note]) -> None:
    """A comment opened and never closed, followed by 300,000 spaces: the old pattern (a
    lazy code list before \\s*-->) backtracked quadratically and took hours here."""
    note = parsed(HEAD + "## Plan\nNext week. <!-- soapbuild: ignore J002" + " " * 300_000 + "x\n")
    assert note.body.suppressions == ()

