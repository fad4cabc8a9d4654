"""Typed front-matter fields (SPEC 3) and the dates and times clinicians write."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from soapbuild.model.header import FIELDS, KNOWN_FIELDS, type_header
from soapbuild.model.note import Header, Moment, Note, RawField, Span
from soapbuild.model.source import SourceText
from soapbuild.model.timeparse import parse_moment, resolve

LineCol = Callable[[SourceText, int], tuple[int, int]]
NEW_YORK = ZoneInfo("America/New_York")
EST = timezone(timedelta(hours=-5))


def header_of(parsed: Callable[[str], Note], make_note: Callable[..., str],
              **fields: str | None) -> Header:
    return parsed(make_note(**fields)).header


# --- the field table ---------------------------------------------------------------------


def test_the_field_table_matches_the_spec() -> None:
    assert [(spec.name, spec.required) for spec in FIELDS] == [
        ("client", True), ("clinician", True), ("session_date", True), ("occurred", True),
        ("reason", False), ("submitted", False), ("duration", False), ("start", False),
        ("end", False), ("service_code", False), ("services", False), ("modifiers", False),
        ("place_of_service", False), ("modality", False), ("client_location", False),
        ("extended_reason", False), ("format", False), ("diagnosis", False), ("goals", False),
        ("signed_by", False), ("cosigned_by", False), ("cosigned", False), ("kind", False),
    ]
    assert set(KNOWN_FIELDS) == {spec.name for spec in FIELDS}


def test_a_complete_note_is_typed(parsed: Callable[[str], Note],
                                  make_note: Callable[..., str]) -> None:
    header = header_of(parsed, make_note, reason="none needed", end="15:53", format="soap")
    assert header.client == "C-1042"
    assert header.clinician == "Jordan Rivera, LCSW"
    assert header.session_date == Moment(datetime(2026, 11, 20, 15, 0), False, "2026-11-20 15:00")
    assert header.occurred is True
    assert header.reason == "none needed"
    assert header.submitted == Moment(datetime(2026, 11, 21, 9, 12), False, "2026-11-21 09:12")
    assert header.duration == 53
    assert header.end == "15:53"
    assert header.service_code == "90837"
    assert header.format == "soap"
    assert header.problems == ()
    assert header.readable is True


# --- YAML types stay ours ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "written", "expected"),
    [
        ("client", "0042", "0042"),
        ("client", "'0042'", "0042"),
        ("client", "true", "true"),
        ("client", "  C-1  ", "C-1"),
        ("clinician", "Zoë Ñúñez, LCSW", "Zoë Ñúñez, LCSW"),
        ("occurred", "no", False),
        ("occurred", "No", False),
        ("occurred", "false", False),
        ("occurred", "FALSE", False),
        ("occurred", "yes", True),
        ("occurred", "True", True),
        ("occurred", '"true"', True),
        ("occurred", "'no'", False),
        ("reason", '"true"', "true"),
        ("reason", "no-show", "no-show"),
        ("reason", "no", "no"),
        ("service_code", "90837", "90837"),
        ("service_code", '"90837"', "90837"),
        ("service_code", "H0031", "H0031"),
        ("service_code", "99214-95", "99214"),  # modifier 95 goes with the service
        ("service_code", "0042", "0042"),
        ("duration", "53", 53),
        ("duration", '"53"', 53),
        ("duration", "053", 53),
        ("duration", "0", 0),
        ("end", "15:53", "15:53"),  # YAML 1.1 would read 953 (base 60)
        ("end", "9:05", "9:05"),
        ("end", "2026-11-20 15:53", "2026-11-20 15:53"),
        ("format", "DAP", "dap"),
        ("format", "birp", "birp"),
        ("format", "girp", "girp"),  # unknown formats are F005's business, not typing's
    ],
)
def test_values_are_typed_by_soapbuild_not_by_yaml(
    parsed: Callable[[str], Note], make_note: Callable[..., str], field: str, written: str,
    expected: object,
) -> None:
    header = header_of(parsed, make_note, **{field: written})
    assert getattr(header, field) == expected
    assert type(getattr(header, field)) is type(expected)
    assert header.problems == ()


@pytest.mark.parametrize("field", ["client", "clinician", "reason", "format", "duration",
                                   "occurred", "session_date", "submitted"])
@pytest.mark.parametrize("written", ["", "~", "null", '""', "'   '"])
def test_empty_values_are_absent_not_wrong(
    parsed: Callable[[str], Note], make_note: Callable[..., str], field: str, written: str
) -> None:
    header = header_of(parsed, make_note, **{field: written})
    assert getattr(header, field) is None
    assert header.problems == ()
    assert header.field(field) is not None  # still listed, so F001 can point at it


def test_a_missing_field_is_none(parsed: Callable[[str], Note],
                                 make_note: Callable[..., str]) -> None:
    header = header_of(parsed, make_note, client=None, occurred=None)
    assert header.client is None
    assert header.occurred is None
    assert header.field("client") is None
    assert header.problems == ()


# --- wrong types ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "written", "shown"),
    [
        ("occurred", "maybe", "'maybe'"),
        ("occurred", "1", "'1'"),
        ("occurred", "on", "'on'"),
        ("duration", "fifty", "'fifty'"),
        ("duration", "53.5", "'53.5'"),
        ("duration", "-5", "'-5'"),
        ("duration", "53 hours", "'53 hours'"),
        ("duration", "12345", "'12345'"),
        ("session_date", "tomorrow", "'tomorrow'"),
        ("session_date", "2026-02-30", "'2026-02-30'"),
        ("session_date", "11/20/2026", "'11/20/2026'"),
        ("session_date", "2026-11-20 25:00", "'2026-11-20 25:00'"),
        ("submitted", "yesterday", "'yesterday'"),
        ("service_code", "908 37", "'908 37'"),
        ("service_code", "-90837", "'-90837'"),
        ("end", "later", "'later'"),
        ("end", "1553", "'1553'"),
        ("client", "[C-1, C-2]", "'a sequence'"),
        ("clinician", "{name: Jordan}", "'a mapping'"),
        ("occurred", "[true]", "'a sequence'"),
    ],
)
def test_wrong_types_are_field_problems_at_the_value(
    parsed: Callable[[str], Note], make_note: Callable[..., str], at: LineCol,
    field: str, written: str, shown: str,
) -> None:
    note = parsed(make_note(**{field: written}))
    header = note.header
    assert getattr(header, field) is None
    (problem,) = header.problems
    assert problem.name == field
    assert problem.message.startswith(f"'{field}' should be {KNOWN_FIELDS[field].expected}, ")
    assert problem.message.endswith(f"not {shown}.")
    raw = header.field(field)
    assert raw is not None
    assert problem.span == raw.value_span
    assert note.text_of(problem.span) == written
    line = note.source.text[:note.source.text.index(f"\n{field}:") + 1].count("\n") + 1
    assert at(note.source, problem.span.start) == (line, len(field) + 3)


def test_submitted_needs_a_time(parsed: Callable[[str], Note], make_note: Callable[..., str],
                                at: LineCol) -> None:
    note = parsed(make_note(submitted="2026-11-21"))
    assert note.header.submitted is None
    (problem,) = note.header.problems
    assert problem.name == "submitted"
    assert problem.message == ("'submitted' should include the time, not only the date "
                               "'2026-11-21'.")
    assert note.text_of(problem.span) == "2026-11-21"
    assert at(note.source, problem.span.start) == (8, 12)


def test_session_date_may_be_a_date_alone(parsed: Callable[[str], Note],
                                          make_note: Callable[..., str]) -> None:
    header = header_of(parsed, make_note, session_date="2026-11-20")
    assert header.session_date == Moment(datetime(2026, 11, 20), True, "2026-11-20")
    assert header.problems == ()


def test_problem_positions_with_crlf_and_bom(
    parsed: Callable[[str], Note], make_note: Callable[..., str], at: LineCol
) -> None:
    note = parsed(make_note(duration="fifty", newline="\r\n", bom=True))
    (problem,) = note.header.problems
    assert at(note.source, problem.span.start) == (6, 11)
    assert note.text_of(problem.span) == "fifty"


def test_every_wrong_field_gets_its_own_problem(
    parsed: Callable[[str], Note], make_note: Callable[..., str]
) -> None:
    header = header_of(parsed, make_note, occurred="maybe", duration="long", session_date="soon")
    assert [p.name for p in header.problems] == ["session_date", "occurred", "duration"]


# --- repeated and unknown fields ---------------------------------------------------------


def test_the_first_of_repeated_fields_counts(parsed: Callable[[str], Note],
                                             make_note: Callable[..., str]) -> None:
    note = parsed(make_note().replace("client: C-1042\n", "client: C-1\nclient: C-2\n"))
    assert note.header.client == "C-1"
    assert [f.text for f in note.header.fields if f.name == "client"] == ["C-1", "C-2"]
    first = note.header.field("client")
    assert first is not None and first.text == "C-1"
    assert note.header.problems == ()


def test_a_wrong_repeat_is_not_typed(parsed: Callable[[str], Note],
                                     make_note: Callable[..., str]) -> None:
    note = parsed(make_note().replace("duration: 53\n", "duration: 53\nduration: long\n"))
    assert note.header.duration == 53
    assert note.header.problems == ()


def test_unknown_fields_are_kept_but_not_typed(parsed: Callable[[str], Note],
                                               make_note: Callable[..., str]) -> None:
    header = header_of(parsed, make_note, ocurred="true", mood="anxious")
    assert [f.name for f in header.fields][-2:] == ["ocurred", "mood"]
    assert header.problems == ()


def test_type_header_marks_unreadable_front_matter() -> None:
    header = type_header((), readable=False)
    assert header.readable is False
    assert header.client is None
    assert header.problems == ()


def test_type_header_reads_raw_fields_directly() -> None:
    fields = (
        RawField("client", "0042", "scalar", False, Span(0, 6), Span(8, 12)),
        RawField("occurred", None, "sequence", False, Span(13, 21), Span(23, 30)),
        RawField("duration", "45", "scalar", True, Span(31, 39), Span(41, 45)),
    )
    header = type_header(fields)
    assert header.client == "0042"
    assert header.occurred is None
    assert header.duration == 45
    (problem,) = header.problems
    assert problem.span == Span(23, 30)
    assert header.fields is fields


# --- dates and times ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "date_only"),
    [
        ("2026-11-20", datetime(2026, 11, 20), True),
        ("2026-11-20 15:00", datetime(2026, 11, 20, 15, 0), False),
        ("2026-11-20T15:00", datetime(2026, 11, 20, 15, 0), False),
        ("2026-11-20 15:00:30", datetime(2026, 11, 20, 15, 0, 30), False),
        ("2026-11-20 9:05", datetime(2026, 11, 20, 9, 5), False),
        ("2026-11-20 9:05:07", datetime(2026, 11, 20, 9, 5, 7), False),
        ("2026-11-20T15:00:00-05:00", datetime(2026, 11, 20, 15, 0, tzinfo=EST), False),
        ("2026-11-20 15:00 -05:00", datetime(2026, 11, 20, 15, 0, tzinfo=EST), False),
        ("2026-11-20 15:00-0500", datetime(2026, 11, 20, 15, 0, tzinfo=EST), False),
        ("2026-11-20T20:00:00Z", datetime(2026, 11, 20, 20, 0, tzinfo=UTC), False),
        ("2026-11-20t20:00z", datetime(2026, 11, 20, 20, 0, tzinfo=UTC), False),
        ("2026-11-20 20:00 Z", datetime(2026, 11, 20, 20, 0, tzinfo=UTC), False),
        ("  2026-11-20 15:00  ", datetime(2026, 11, 20, 15, 0), False),
        ("2024-02-29", datetime(2024, 2, 29), True),
    ],
)
def test_parse_moment_reads_the_documented_forms(text: str, value: datetime,
                                                 date_only: bool) -> None:
    moment = parse_moment(text)
    assert moment is not None
    assert moment.value == value
    assert moment.value.utcoffset() == value.utcoffset()
    assert moment.date_only is date_only
    assert moment.text == text.strip()


@pytest.mark.parametrize(
    "text",
    ["", "tomorrow", "2026-11-20 15", "20-11-2026", "11/20/2026", "2026-02-30", "2025-02-29",
     "2026-11-20 24:00", "2026-11-20 15:60", "2026-13-01", "2026-11-20 15:00 EST",
     "2026-11-20 15:00+5", "2026-11-20T", "2026-11-2", "0000-01-01", "2026-11-20 115:00"],
)
def test_parse_moment_refuses_anything_else(text: str) -> None:
    assert parse_moment(text) is None


def test_a_naive_moment_is_read_in_the_practice_zone() -> None:
    moment = parse_moment("2026-11-20 15:00")
    assert moment is not None
    aware = resolve(moment, NEW_YORK)
    assert aware == datetime(2026, 11, 20, 20, 0, tzinfo=UTC)


def test_an_offset_wins_over_the_practice_zone() -> None:
    moment = parse_moment("2026-11-20T15:00:00+01:00")
    assert moment is not None
    assert resolve(moment, NEW_YORK) == datetime(2026, 11, 20, 14, 0, tzinfo=UTC)


def test_a_date_counts_from_midnight_local_time() -> None:
    moment = parse_moment("2026-11-20")
    assert moment is not None
    assert resolve(moment, NEW_YORK) == datetime(2026, 11, 20, 5, 0, tzinfo=UTC)
