"""Property tests: no input makes parsing or checking raise, and the model stays consistent.

Whatever the bytes, ``parse_note`` and ``check_result`` return; every finding is
placed on a real line and column; every span lies within the text; the prose
has the length of the text and differs from it only by blanks; quotations
with the same mark never overlap.

The strategies keep dates between 1900 and 2100: a year-9999 date is a known
bug with its own test (test_bad_input.py), and crossing straight/curly quotes
another (test_body.py::test_quotations_never_cross).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soapbuild.checker import check_result
from soapbuild.model.formats import NoteFormat, builtin_formats
from soapbuild.model.header import KNOWN_FIELDS
from soapbuild.model.note import Note, Span, SuppressionKind
from soapbuild.model.parse import ParseResult, parse_note
from soapbuild.rules.context import Context

FORMATS: dict[str, NoteFormat] = builtin_formats()
PROPERTY_SETTINGS = settings(
    max_examples=250, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def spans_of(note: Note) -> Iterator[Span]:
    if note.front_matter is not None:
        yield note.front_matter
    for raw in note.header.fields:
        yield raw.key_span
        yield raw.value_span
    for problem in note.header.problems:
        yield problem.span
    for service in note.header.services:
        yield service.span
    body = note.body
    for block in body.blocks:
        yield block.span
    for heading in body.headings:
        yield heading.span
        yield heading.text_span
    for section in body.sections:
        yield section.span
    for addendum in body.addenda:
        yield addendum.span
        for label in (addendum.author, addendum.reason):
            if label is not None:
                yield label.span
    for quote in body.quotes:
        yield quote.span
    yield from body.unbalanced_quotes
    yield from body.code_spans
    for suppression in body.suppressions:
        yield suppression.span


def check_invariants(result: ParseResult, context: Context) -> None:
    findings = check_result(result, context).findings
    source = result.note.source if result.note is not None else result.source
    lines = source.line_count if source is not None else 1
    for finding in findings:
        assert 1 <= finding.line <= lines, finding
        assert finding.column >= 1, finding
        assert (finding.end_line, finding.end_column) >= (finding.line, finding.column), finding
        if finding.span is not None and source is not None:
            assert 0 <= finding.span.start <= finding.span.end <= len(source.text), finding
    note = result.note
    if note is None:
        return
    text = note.source.text
    assert len(note.prose) == len(text)
    assert len(note.narrative) == len(text)
    for offset, (shown, original) in enumerate(zip(note.prose, text, strict=True)):
        assert shown == original or shown == " ", offset
        if original in "\r\n":
            assert shown == original, offset
    for span in spans_of(note):
        assert 0 <= span.start <= span.end <= len(text), span
    for suppression in note.body.suppressions:
        assert text[suppression.span.start:suppression.span.start + 4] == "<!--", suppression
        assert suppression.last_line is None or suppression.last_line >= suppression.line
        assert all(code == code.upper() and code for code in suppression.codes), suppression
    quotes = note.body.quotes
    assert [q.span.start for q in quotes] == sorted(q.span.start for q in quotes)
    for index, quote in enumerate(quotes):
        opening, closing = {"straight": ('"', '"'), "curly": ("“", "”"),
                            "single": ("'", "'’"), "single-curly": ("‘’", "'’")}[quote.mark]
        assert text[quote.span.start] in opening, quote
        assert text[quote.span.end - 1] in closing, quote
        for later in quotes[index + 1:]:  # one quotation open at a time: none crosses another
            assert later.span.start >= quote.span.end, (quote, later)


def run(data: bytes, context: Context) -> None:
    check_invariants(parse_note(data, "notes/x.md", FORMATS), context)


# --- arbitrary input ---------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(st.binary(max_size=400))
def test_arbitrary_bytes(context: Context, data: bytes) -> None:
    run(data, context)


@PROPERTY_SETTINGS
@given(st.binary(max_size=300))
def test_arbitrary_bytes_after_a_front_matter_fence(context: Context, data: bytes) -> None:
    run(b"---\n" + data, context)


MARKDOWNISH = st.sampled_from([*"\r\n\t\x00 \"“”'‘’`*_~[]()<>!#-=:|\\>.,",
                               "\r\n", "---\n", "```\n", "## ", "\n## Plan\n", "<!--", "-->",
                               "http://x", "www.y.z", "\u2028", "\ufeff", "😀", "é", "中"])
# st.text() draws no surrogates; the pieces add the characters Markdown and YAML care about.
TEXT = st.lists(st.one_of(st.characters(codec="utf-8"), MARKDOWNISH), max_size=120).map("".join)


@PROPERTY_SETTINGS
@given(TEXT)
def test_arbitrary_text(context: Context, text: str) -> None:
    run(text.encode("utf-8"), context)


@PROPERTY_SETTINGS
@given(TEXT, st.sampled_from(["---\n", "---\r\n", "\ufeff---\n", "---\nclient: C-1\n---\n"]))
def test_arbitrary_text_after_a_front_matter(context: Context, text: str, start: str) -> None:
    run((start + text).encode("utf-8"), context)


# --- structured-ish notes ----------------------------------------------------------------

KEYS = st.one_of(st.sampled_from(sorted(KNOWN_FIELDS)), st.text(max_size=12))
MOMENTS = st.one_of(
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 12, 31)).map(
        lambda moment: moment.strftime("%Y-%m-%d %H:%M")),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)).map(str),
    st.sampled_from(["2026-11-20T15:00:00-05:00", "2026-11-20 9:05", "2026-11-21T02:00Z",
                     "2026-11-27 11:59", "2026-11-27 12:01", "2026-11-24"]),
)
VALUES = st.one_of(
    st.text(max_size=20), st.integers(), st.booleans(), st.none(),
    st.lists(st.one_of(st.text(max_size=8), st.integers()), max_size=3),
    MOMENTS,
    st.sampled_from(["true", "no", "yes", "dap", "birp", "soap", "girp", "90837", "90832",
                     "90839", "53", "15:53", "no-show", ""]),
)
FRONT = st.dictionaries(KEYS, VALUES, max_size=12)

HEADINGS = ["Subjective", "Objective", "Assessment", "Plan", "Data", "Behavior",
            "Intervention", "Response", "S", "O: Objective", "A — Assessment", "**Plan**",
            "Addendum 2026-11-24 10:30", "Addendum 2026-11-28", "Addendum", "Late entry 2026-11-25",
            "Amendment", "Subjectiv", "History"]
HEADING_LINES = st.tuples(st.sampled_from(["#", "##", "###", "####"]),
                          st.sampled_from(HEADINGS)).map(" ".join)
SETEXT = st.tuples(st.sampled_from(HEADINGS), st.sampled_from(["===", "---"])).map("\n".join)
WORDS = st.text(alphabet=st.sampled_from(list("abc xyz.,;'‘’\"“”`*_<>[]()é😀中")), max_size=40)
BODY_LINES = st.one_of(
    HEADING_LINES, SETEXT, WORDS,
    st.sampled_from([
        "", "Client said \"I can't sleep\".", "Client stated “I never do anything.”",
        "“unclosed", 'open "only', "Use ``a ` b`` and `c`.", "```", "    code", "> quoted",
        "- item", "1. item", "| a | b |", "|---|---|", "Author: Jordan", "**Reason:** typo",
        "<!-- soapbuild: ignore J001 -->", "See [x](http://y/never) <b>ok</b>.", "---", "...",
        "<!-- soapbuild: disable J002, U001 -->", "<!-- soapbuild: enable J002 -->",
        "<!-- soapbuild: ignore-file H002 -->", "<!-- soapbuild: enable -->",
        "Client was non-compliant and always late. <!-- soapbuild: ignore J002 -->",
        "5'10\" tall", "Client denies SI/HI.", "Client refused medication.",
    ]),
)
BODY = st.lists(BODY_LINES, max_size=30).map("\n".join)


@PROPERTY_SETTINGS
@given(FRONT, BODY, st.sampled_from(["\n", "\r\n", "\r"]), st.booleans(), st.booleans())
def test_structured_notes(context: Context, fields: dict[str, object], body: str, newline: str,
                          bom: bool, allow_unicode: bool) -> None:
    front = yaml.safe_dump(fields, allow_unicode=allow_unicode, sort_keys=False) if fields else ""
    text = ("---\n" + front + "---\n" + body + "\n").replace("\n", newline)
    run((("\ufeff" if bom else "") + text).encode("utf-8"), context)


@PROPERTY_SETTINGS
@given(st.lists(st.tuples(st.sampled_from(sorted(KNOWN_FIELDS)), VALUES), max_size=12), BODY)
def test_structured_notes_with_repeated_fields(
    context: Context, pairs: list[tuple[str, object]], body: str
) -> None:
    lines = [yaml.safe_dump({name: value}, allow_unicode=True).rstrip("\n")
             for name, value in pairs]
    text = "---\n" + "\n".join(lines) + ("\n" if lines else "") + "---\n" + body + "\n"
    run(text.encode("utf-8"), context)


# --- the billing fields (issue 10) -------------------------------------------------------

CODES = st.one_of(st.sampled_from(["90832", "90834", "90837", "90839", "90840", "90785", "90833",
                                   "99213", "90791", "H0004", "90837-95", "90839, 90840",
                                   "90834-95-HO", "9083", "-95", "90837-", ""]),
                  st.text(max_size=10))
ENTRY = st.one_of(
    CODES, st.integers(),
    st.fixed_dictionaries({"code": CODES}, optional={
        "units": st.one_of(st.integers(-2, 200), st.text(max_size=4)),
        "minutes": st.one_of(st.integers(-5, 20000), st.text(max_size=4)),
        "modifiers": st.one_of(st.lists(st.sampled_from(["95", "93", "GT", "HO", "x", ""]),
                                        max_size=3), st.text(max_size=6)),
        "unit": st.integers(0, 3)}),
    st.lists(CODES, max_size=2))
CLOCK = st.one_of(st.times().map(lambda t: t.strftime("%H:%M")), MOMENTS,
                  st.sampled_from(["01:30", "02:30", "03:15", "01:10", "25:00", "3:53", ""]))
BILLING = st.fixed_dictionaries({}, optional={
    "session_date": st.one_of(MOMENTS, st.sampled_from(["2026-03-08 01:30", "2026-11-01 01:40",
                                                        "2026-11-01"])),
    "occurred": st.sampled_from([True, "yes", False]),
    "duration": st.one_of(st.integers(-5, 300), st.text(max_size=5)),
    "start": CLOCK, "end": CLOCK,
    "service_code": CODES,
    "services": st.one_of(st.lists(ENTRY, max_size=5), CODES,
                          st.dictionaries(st.text(max_size=4), CODES, max_size=2)),
    "modifiers": st.one_of(st.lists(st.one_of(st.text(max_size=3), st.integers()), max_size=4),
                           st.text(max_size=8)),
    "place_of_service": st.one_of(st.sampled_from(["02", "10", "11", "12", "98", "2", "x"]),
                                  st.integers(0, 120)),
    "modality": st.sampled_from(["video", "audio", "in-person", "In Person", "phone", ""]),
    "client_location": st.text(max_size=10),
})


@PROPERTY_SETTINGS
@given(BILLING, st.booleans())
def test_billing_fields(context: Context, fields: dict[str, object], clock_required: bool) -> None:
    front = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False) if fields else ""
    data = ("---\n" + front + "---\n## Subjective\nText.\n").encode("utf-8")
    result = parse_note(data, "notes/x.md", FORMATS)
    settings = replace(context.settings, require_clock_times=clock_required)
    check_invariants(result, replace(context, settings=settings))
    note = result.note
    assert note is not None
    for service in note.header.services:
        assert service.code.lower() in note.text_of(service.span).lower(), service


# --- disable / enable passages -------------------------------------------------------------

PASSAGE_CODES = ["J002", "U001", "H002"]
PASSAGE_LINES = st.one_of(
    st.tuples(st.sampled_from(["disable", "enable"]),
              st.lists(st.sampled_from(PASSAGE_CODES), min_size=1, max_size=3, unique=True)),
    st.just(("text", [])),
)


@PROPERTY_SETTINGS
@given(st.lists(PASSAGE_LINES, max_size=25))
def test_passages_match_a_line_by_line_reading(lines: list[tuple[str, list[str]]]) -> None:
    """Read line by line, a code is silenced from the line of its 'disable' through the
    line of the next 'enable' naming it; the model's passages say the same for every line."""
    head = "---\nclient: C-1\n---\n## Plan\n"
    first = head.count("\n") + 1
    text = head + "".join(f"<!-- soapbuild: {word} {', '.join(codes)} -->\n" if codes
                          else "Text.\n" for word, codes in lines)
    result = parse_note(text.encode("utf-8"), "notes/x.md", FORMATS)
    assert result.note is not None
    passages = [s for s in result.note.body.suppressions if s.kind is SuppressionKind.BLOCK]
    silenced: set[str] = set()
    for offset, (word, codes) in enumerate(lines):
        line = first + offset
        if word == "disable":
            silenced |= set(codes)
        for code in PASSAGE_CODES:
            expected = code in silenced
            actual = any(code in s.codes and s.governs(line) for s in passages)
            assert actual == expected, (line, code, lines)
        if word == "enable":
            silenced -= set(codes)

