"""Front matter: finding the block, reading YAML nodes with positions, refusing the bad ones."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable

import pytest
import yaml

from soapbuild.model.frontmatter import MAX_DEPTH, MAX_NODES, FrontMatter, read_front_matter
from soapbuild.model.note import Note, RawField, Span
from soapbuild.model.parse import ParseResult
from soapbuild.model.source import SourceText

LineCol = Callable[[SourceText, int], tuple[int, int]]

BILLION_LAUGHS = textwrap.dedent("""\
    ---
    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
    b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
    c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
    d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
    e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
    f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
    g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
    h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
    i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
    ---
    ## Subjective
    text
    """)


def front(text: str) -> FrontMatter:
    return read_front_matter(SourceText.from_str(text))


def by_name(fields: tuple[RawField, ...]) -> dict[str, RawField]:
    return {raw.name: raw for raw in fields}


# --- where the block is ---------------------------------------------------------------


def test_fields_in_order_with_raw_text() -> None:
    result = front("---\nclient: C-1\nclinician: Jordan Rivera, LCSW\n---\nbody\n")
    assert result.problems == ()
    assert [(f.name, f.text, f.kind, f.quoted) for f in result.fields] == [
        ("client", "C-1", "scalar", False),
        ("clinician", "Jordan Rivera, LCSW", "scalar", False),
    ]
    assert result.span == Span(0, len("---\nclient: C-1\nclinician: Jordan Rivera, LCSW\n---\n"))
    assert result.content == Span(4, len("---\nclient: C-1\nclinician: Jordan Rivera, LCSW\n"))
    assert result.body_start == result.span.end


def test_closed_by_three_dots() -> None:
    text = "---\nclient: C-1\n...\n## Subjective\n"
    result = front(text)
    assert result.problems == ()
    assert [f.name for f in result.fields] == ["client"]
    assert text[result.body_start:] == "## Subjective\n"


def test_closing_fence_may_carry_trailing_spaces() -> None:
    text = "--- \nclient: C-1\n---\t \nbody\n"
    result = front(text)
    assert result.problems == ()
    assert text[result.body_start:] == "body\n"


def test_crlf_fences_and_body_start() -> None:
    text = "---\r\nclient: C-1\r\n---\r\nbody\r\n"
    result = front(text)
    assert result.problems == ()
    assert text[result.body_start:] == "body\r\n"
    assert result.fields[0].text == "C-1"


def test_empty_front_matter_has_no_fields_and_no_problem() -> None:
    result = front("---\n---\nbody\n")
    assert result.fields == ()
    assert result.problems == ()
    assert result.body_start == 8


@pytest.mark.parametrize("inside", ["   \n", "# just a comment\n", "\n\n"])
def test_blank_or_comment_only_front_matter(inside: str) -> None:
    result = front(f"---\n{inside}---\nbody\n")
    assert result.fields == ()
    assert result.problems == ()


def test_front_matter_ending_the_file_without_newline() -> None:
    text = "---\nclient: C-1\n---"
    result = front(text)
    assert result.problems == ()
    assert result.body_start == len(text)
    assert [f.text for f in result.fields] == ["C-1"]


@pytest.mark.parametrize(
    "text",
    [
        "## Subjective\ntext\n",
        "\n---\nclient: C-1\n---\n",  # a blank line before the fence
        "----\nclient: C-1\n----\n",
        "-- \nclient: C-1\n---\n",
        " ---\nclient: C-1\n---\n",
    ],
)
def test_no_front_matter_is_R005(text: str) -> None:
    result = front(text)
    assert [p.code for p in result.problems] == ["R005"]
    assert result.problems[0].span is None
    assert result.span is None
    assert result.fields == ()
    assert result.body_start == 0


@pytest.mark.parametrize("text", ["---\n", "---", "---\r\n", "---\nclient: C-1\n## Subjective\n"])
def test_unclosed_front_matter_is_R010(text: str) -> None:
    result = front(text)
    assert [p.code for p in result.problems] == ["R010"]
    assert result.problems[0].span == Span(0, len(text.split("\n")[0]) + ("\n" in text))
    assert result.fields == ()
    assert result.body_start == len(text)


def test_fence_inside_an_indented_block_scalar_does_not_close() -> None:
    text = "---\nclient: C-1\nremark: |\n  ---\n  still yaml\n---\nbody\n"
    result = front(text)
    assert result.problems == ()
    assert by_name(result.fields)["remark"].text == "---\nstill yaml\n"
    assert text[result.body_start:] == "body\n"


# --- YAML types stay ours ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "text", "kind", "quoted"),
    [
        ("client: 0042", "0042", "scalar", False),  # not octal 34
        ("occurred: no", "no", "scalar", False),  # not YAML 1.1 false
        ("occurred: On", "On", "scalar", False),
        ("service_code: 90837", "90837", "scalar", False),  # not an int
        ('duration: "53"', "53", "scalar", True),
        ('reason: "true"', "true", "scalar", True),
        ("end: 15:53", "15:53", "scalar", False),  # not sexagesimal 953
        ("duration: 1e3", "1e3", "scalar", False),
        ("session_date: 2026-11-20 15:00", "2026-11-20 15:00", "scalar", False),
        ("client: 'C-1'", "C-1", "scalar", True),
        ('client: "~"', "~", "scalar", True),
        ("reason:", None, "null", False),
        ("reason: ~", None, "null", False),
        ("reason: null", None, "null", False),
        ("client: !!str 0042", "0042", "scalar", False),
        ("client: [a, b]", None, "sequence", False),
        ("client: {id: 1}", None, "mapping", False),
    ],
)
def test_scalars_keep_their_text(line: str, text: str | None, kind: str, quoted: bool) -> None:
    result = front(f"---\n{line}\n---\n")
    assert result.problems == ()
    (raw,) = result.fields
    assert (raw.text, raw.kind, raw.quoted) == (text, kind, quoted)


def test_block_scalars_keep_their_text() -> None:
    result = front("---\nreason: >\n  client was\n  unwell\nclinician: |\n  A\n  B\n---\n")
    fields = by_name(result.fields)
    assert fields["reason"].text == "client was unwell\n"
    assert fields["clinician"].text == "A\nB\n"
    assert fields["reason"].quoted  # folded style counts as written with care


def test_duplicate_keys_are_all_kept() -> None:
    result = front("---\nclient: A\nclinician: X\nclient: B\n---\n")
    assert result.problems == ()
    assert [(f.name, f.text) for f in result.fields] == [
        ("client", "A"), ("clinician", "X"), ("client", "B")]


def test_non_scalar_key_is_named_by_its_tag() -> None:
    result = front("---\n? [a, b]\n: x\nclient: C-1\n---\n")
    assert result.problems == ()
    assert [f.name for f in result.fields] == ["tag:yaml.org,2002:seq", "client"]


# --- positions ------------------------------------------------------------------------

POSITION_NOTE = (
    "---\n"
    "client: 0042\n"
    "clinician:   Zoë Ñúñez, LCSW\n"
    "session_date: 2026-11-20 15:00  # local time\n"
    "clïent😀: é\n"
    "中文名: 王小明\n"
    "{a: 1}: x\n"
    "occurred: yes\n"
    "---\n"
    "## Subjective\n"
)
# name -> (key line, key column, value line, value column, value text in the file)
POSITIONS = {
    "client": (2, 1, 2, 9, "0042"),
    "clinician": (3, 1, 3, 14, "Zoë Ñúñez, LCSW"),
    "session_date": (4, 1, 4, 15, "2026-11-20 15:00"),
    "clïent😀": (5, 1, 5, 10, "é"),
    "中文名": (6, 1, 6, 6, "王小明"),
    "tag:yaml.org,2002:map": (7, 1, 7, 9, "x"),
    "occurred": (8, 1, 8, 11, "yes"),
}


@pytest.mark.parametrize("bom", [False, True], ids=["no-bom", "bom"])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_key_and_value_spans_map_to_line_and_column(
    parsed: Callable[[str], Note], at: LineCol, newline: str, bom: bool
) -> None:
    text = POSITION_NOTE.replace("\n", newline)
    note = parsed(("\ufeff" if bom else "") + text)
    assert note.source.had_bom is bom
    assert [f.name for f in note.header.fields] == list(POSITIONS)
    for raw in note.header.fields:
        key_line, key_col, value_line, value_col, value_text = POSITIONS[raw.name]
        assert at(note.source, raw.key_span.start) == (key_line, key_col), raw.name
        assert at(note.source, raw.value_span.start) == (value_line, value_col), raw.name
        assert note.text_of(raw.value_span) == value_text, raw.name


def test_positions_in_a_flow_mapping_after_non_ascii_text(
    parsed: Callable[[str], Note], at: LineCol
) -> None:
    note = parsed("---\n{clïent: é😀中, clinician: Zoë 中}\n---\n")
    fields = by_name(note.header.fields)
    assert at(note.source, fields["clïent"].value_span.start) == (2, 10)
    assert at(note.source, fields["clinician"].key_span.start) == (2, 15)
    assert at(note.source, fields["clinician"].value_span.start) == (2, 26)
    assert note.text_of(fields["clinician"].value_span) == "Zoë 中"


def test_key_span_covers_the_key(parsed: Callable[[str], Note]) -> None:
    note = parsed("---\nclient: C-1\n'quoted key': 2\n---\n")
    assert [note.text_of(f.key_span) for f in note.header.fields] == ["client", "'quoted key'"]
    assert [note.text_of(f.value_span) for f in note.header.fields] == ["C-1", "2"]


def test_value_span_of_a_quoted_value_includes_the_quotes(parsed: Callable[[str], Note]) -> None:
    note = parsed('---\nservice_code: "90837"\n---\n')
    assert note.text_of(note.header.fields[0].value_span) == '"90837"'


def test_value_span_of_a_null_value_is_empty_at_the_key_line(
    parsed: Callable[[str], Note], at: LineCol
) -> None:
    note = parsed("---\nreason:\nclient: C-1\n---\n")
    reason = note.header.fields[0]
    assert reason.kind == "null"
    assert reason.value_span.start == reason.value_span.end
    assert at(note.source, reason.key_span.start) == (2, 1)


def test_value_span_of_a_block_list(parsed: Callable[[str], Note], at: LineCol) -> None:
    note = parsed("---\nclient:\n  - a\n  - b\nclinician: X\n---\n")
    client = note.header.fields[0]
    assert client.kind == "sequence"
    assert at(note.source, client.value_span.start) == (3, 3)
    assert note.text_of(client.value_span).rstrip() == "- a\n  - b"


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"],
                         ids=["line-separator", "paragraph-separator", "next-line"])
def test_unicode_line_separators_do_not_shift_positions(
    parsed: Callable[[str], Note], at: LineCol, separator: str
) -> None:
    note = parsed(f'---\nclient: "a{separator}b"\nclinician: Zoë\n---\n')
    clinician = by_name(note.header.fields)["clinician"]
    assert at(note.source, clinician.key_span.start) == (3, 1)
    assert note.text_of(clinician.value_span) == "Zoë"


# --- broken front matter -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("---\nclient: C-1\nclinician: Jordan: Rivera\n---\nbody\n", 3, 18),
        ("\ufeff---\r\nclient: C-1\r\nclinician: Jordan: Rivera\r\n---\r\nbody\r\n", 3, 18),
        ("---\rclient: C-1\rclinician: Jordan: Rivera\r---\rbody\r", 3, 18),
        ("---\nclient: é😀 x: y\n---\n", 2, 13),
        ("---\nclient: a\n\tclinician: b\n---\n", 3, 1),
        ('---\nclient: "unclosed\nclinician: x\n---\n', 4, 1),
        ("---\nclient: [a, b\nclinician: x\n---\nbody\n", 3, 10),
        ("---\nclient: C-1\n--- # not a fence\nclinician: x\n---\n", 3, 1),
    ],
)
def test_broken_yaml_is_R006_at_the_right_place(
    parse: Callable[[str], ParseResult], at: LineCol, text: str, line: int, column: int
) -> None:
    result = parse(text)
    assert [p.code for p in result.problems] == ["R006"]
    problem = result.problems[0]
    assert problem.span is not None and result.note is not None
    assert at(result.note.source, problem.span.start) == (line, column)
    assert problem.message.startswith("The front matter is not valid YAML: ")
    assert result.note.header.fields == ()
    assert result.note.header.readable is False


def test_control_character_in_yaml_is_R006(parse: Callable[[str], ParseResult]) -> None:
    result = parse("---\nclient: a\x07b\n---\nbody\n")
    assert [p.code for p in result.problems] == ["R006"]


@pytest.mark.parametrize(
    ("inside", "kind", "line"),
    [
        ("- client: C-1\n- clinician: X\n", "a list", 2),
        ("just a sentence\n", "a single value", 2),
        ("\n\n42\n", "a single value", 4),
        ("# comment\n[client, clinician]\n", "a list", 3),
    ],
)
def test_front_matter_that_is_not_a_mapping_is_R007(
    parse: Callable[[str], ParseResult], at: LineCol, inside: str, kind: str, line: int
) -> None:
    result = parse(f"---\n{inside}---\n## Subjective\n")
    assert [p.code for p in result.problems] == ["R007"]
    problem = result.problems[0]
    assert f"is {kind}," in problem.message
    assert result.note is not None and problem.span is not None
    assert at(result.note.source, problem.span.start) == (line, 1)
    assert result.note.header.readable is False


def test_a_simple_alias_is_R009(parse: Callable[[str], ParseResult], at: LineCol) -> None:
    result = parse("---\nclient: &c C-1\nclinician: *c\n---\n")
    assert [p.code for p in result.problems] == ["R009"]
    assert result.note is not None and result.problems[0].span is not None
    assert at(result.note.source, result.problems[0].span.start)[0] in (2, 3)
    assert result.note.header.fields == ()


def test_an_anchor_without_alias_is_accepted(parse: Callable[[str], ParseResult]) -> None:
    result = parse("---\nclient: &c C-1\n---\n")
    assert result.problems == ()
    assert result.note is not None and result.note.header.client == "C-1"


def test_billion_laughs_is_R009_and_is_not_expanded(parse: Callable[[str], ParseResult]) -> None:
    # Expanded, this is 9**9 strings; refusing the aliases keeps it to a few hundred nodes.
    result = parse(BILLION_LAUGHS)
    assert [p.code for p in result.problems] == ["R009"]
    assert result.note is not None
    assert result.note.header.fields == ()
    assert [s.name for s in result.note.body.sections] == ["Subjective"]


def test_more_values_than_the_limit_is_R009(parse: Callable[[str], ParseResult]) -> None:
    items = "\n".join(f"  - {i}" for i in range(MAX_NODES + 1))
    result = parse(f"---\nclient: C-1\nlist:\n{items}\n---\n")
    assert [p.code for p in result.problems] == ["R009"]


def test_values_just_under_the_limit_are_read(parse: Callable[[str], ParseResult]) -> None:
    # root + 2 keys + client value + list node + items: stay below MAX_NODES
    items = "\n".join(f"  - {i}" for i in range(MAX_NODES - 10))
    result = parse(f"---\nclient: C-1\nlist:\n{items}\n---\n")
    assert result.problems == ()
    assert result.note is not None and result.note.header.client == "C-1"


def _block_maps(levels: int) -> str:
    return "".join("\n" + " " * level + "a:" for level in range(1, levels + 1)) + " 1"


@pytest.mark.parametrize("loader", ["CSafeLoader", "SafeLoader"])
@pytest.mark.parametrize(
    ("value", "codes"),
    [
        ("[" * MAX_DEPTH + "]" * MAX_DEPTH, []),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), ["R009"]),
        ("{a: " * MAX_DEPTH + "1" + "}" * MAX_DEPTH, []),
        ("{a: " * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1), ["R009"]),
        (_block_maps(MAX_DEPTH), []),
        (_block_maps(MAX_DEPTH + 1), ["R009"]),
        ("\n  " + "- " * MAX_DEPTH + "1", []),
        ("\n  " + "- " * (MAX_DEPTH + 1) + "1", ["R009"]),
        # libyaml 0.2.5 as PyYAML 6.0.4 builds it refuses 1,000 levels itself (R006),
        # earlier builds read them; soapbuild refuses them before either happens.
        ("[" * 1000 + "]" * 1000, ["R009"]),
        ("{a: " * 1000 + "1" + "}" * 1000, ["R009"]),
        ("[" * 10_000, ["R009"]),  # too deep, before it is found never closed
        ('"' + "[" * 1000 + '"', []),  # brackets in a quoted value open nothing
    ],
    ids=["lists-100", "lists-101", "maps-100", "maps-101", "block-maps-100", "block-maps-101",
         "block-lists-100", "block-lists-101", "lists-1000", "maps-1000", "unclosed-10000",
         "quoted-1000"],
)
def test_deep_nesting_is_read_or_refused(
    parse: Callable[[str], ParseResult], monkeypatch: pytest.MonkeyPatch, loader: str,
    value: str, codes: list[str]
) -> None:
    # The same finding whether PyYAML composes with libyaml or in pure Python.
    monkeypatch.setattr("soapbuild.model.frontmatter._Loader", getattr(yaml, loader))
    result = parse("---\nx: " + value + "\n---\nbody\n")
    assert result.note is not None
    assert [p.code for p in result.problems] == codes


def test_too_deep_nesting_is_reported_where_it_goes_too_deep(
    parse: Callable[[str], ParseResult], at: LineCol
) -> None:
    result = parse("---\nclient: C-1\nx: " + "[" * 500 + "]" * 500 + "\n---\nbody\n")
    assert [p.code for p in result.problems] == ["R009"]
    problem = result.problems[0]
    assert f"more than {MAX_DEPTH} levels deep" in problem.message
    assert result.note is not None and problem.span is not None
    assert at(result.note.source, problem.span.start) == (3, len("x: ") + MAX_DEPTH + 1)


def test_very_deep_nesting_does_not_crash_the_process() -> None:
    script = textwrap.dedent("""\
        from soapbuild.model.formats import builtin_formats
        from soapbuild.model.parse import parse_note
        data = b"---\\nclient: " + b"[" * 100_000 + b"\\n---\\nbody\\n"
        result = parse_note(data, "x.md", builtin_formats())
        print(",".join(p.code for p in result.problems))
        """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "R009"
