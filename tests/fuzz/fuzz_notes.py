"""Fuzz the parser, the checker and the renderer with generated hostile notes.

hypothesis drives it (atheris is not installable everywhere; hypothesis is a test
dependency already): notes are built from a grammar of front matter, Markdown
constructs and hostile fragments (raw HTML, script URLs, template syntax, bidi and
zero-width characters, NULs, lone CRs, long runs, deep nesting), then mutated
byte-wise. Each note goes through :func:`soapbuild.model.parse.parse_note`,
:func:`soapbuild.checker.check_result` and the renderer (Markdown, the highlighted
source, a Jinja template with soapbuild's environment), and must:

* raise nothing;
* render to HTML that holds only the elements and attributes soapbuild's renderer
  makes, links only to ``http:``, ``https:`` or ``mailto:``, and no code point HTML
  forbids;
* show its text (no element of the note's own making).

Run it for a fixed budget (``python tests/fuzz/fuzz_notes.py --examples 20000
--seed 1``); CI runs a small budget through tests/test_fuzz.py. A crash it finds
is printed with the note that made it, and becomes a regression test in
tests/test_fuzz.py (``REGRESSIONS``).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from soapbuild.checker import check_result
from soapbuild.model.formats import builtin_formats
from soapbuild.model.parse import parse_note
from soapbuild.render.highlight import Highlight, highlighted_lines
from soapbuild.render.markdown import MarkdownRenderer, note_text
from soapbuild.render.safe import ALLOWED_SCHEMES
from soapbuild.rules.context import Context
from soapbuild.settings import Settings

FORMATS = builtin_formats()
ZONE = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=ZONE)

#: The elements the renderer may make (markdown-it's CommonMark set without raw HTML
#: and images, tables and strikethrough, and the highlighter's marks and links).
ELEMENTS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "a", "code",
                      "pre", "ul", "ol", "li", "blockquote", "hr", "br", "table", "thead",
                      "tbody", "tr", "th", "td", "s", "mark", "span", "div", "section",
                      "dl", "dt", "dd"})
ATTRIBUTES = frozenset({"href", "rel", "class", "title", "start", "style", "id",
                        "data-finding", "data-code", "aria-label", "aria-describedby",
                        "align"})
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")

HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=x>",
           "[a](javascript:alert(1))", "<javascript:alert(1)>", "![i](data:text/html,x)",
           "[b](vbscript:x)", "[c]( JaVaScRiPt:x )", "<a href='javascript:x'>a</a>",
           "{{ 7*7 }}", "{% include '/etc/passwd' %}", "${7*7}", "\u202e", "\u2066", "\u200b",
           "\ufeff", "\x00", "\r", "\x0b", "\x1b[31m", "\ufffe", "\U0010ffff", "&amp;",
           "&#x3C;script&#x3E;", "\\<script>", "`<b>`", "```\n<b>\n```", "<!--", "-->",
           "<![CDATA[x]]>", "<?php ?>", "*", "_", "**", "~~", "[", "](", ">", "- ", "1. ",
           "|a|b|\n|-|-|\n", "\n## Addendum 2026-11-22 10:00\nAuthor: X\nReason: Y\n",
           "<!-- soapbuild: ignore[U001] -->", '"', "“", "”", "'", "Client stated, \"",
           "always", "never", "SI/HI", "suicidal", "http://example.org/", "mailto:a@b"]
FIELDS = ["client", "clinician", "session_date", "occurred", "duration", "service_code",
          "submitted", "reason", "format", "diagnosis", "goals", "signed_by", "cosigned_by",
          "modality", "place_of_service", "start", "end", "services", "modifiers"]


def context() -> Context:
    return Context(Settings(root=Path.cwd(), timezone_name="America/New_York",
                            timezone=ZONE), NOW)


fragments = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40),
                      st.builds(lambda s, n: s * n, st.sampled_from(["*", "[", ">", "`", '"',
                                                                      "a ", "- "]),
                                st.integers(1, 300)))
values = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=30),
                   st.sampled_from(["2026-11-20 15:00", "true", "53", '"90837"', "[a, b]",
                                    "{a: 1}", "!!binary aGk=", "&x a", "*x", "|\n  x", ""]))


@st.composite
def notes(draw: st.DrawFn) -> bytes:
    """A note: front matter of known and odd fields, then a body of fragments; then, now
    and then, bytes flipped, cut or inserted."""
    lines = ["---"]
    for _ in range(draw(st.integers(0, 10))):
        name = draw(st.one_of(st.sampled_from(FIELDS), st.text(min_size=1, max_size=10)))
        lines.append(f"{name}: {draw(values)}")
    if draw(st.booleans()):
        lines.append("---")
    body = []
    for _ in range(draw(st.integers(0, 25))):
        kind = draw(st.integers(0, 4))
        if kind == 0:
            body.append("\n## " + draw(st.sampled_from(["Subjective", "Objective",
                                                        "Assessment", "Plan", "Data",
                                                        "Response"])) + "\n")
        else:
            body.append(draw(fragments))
    text = "\n".join(lines) + "\n" + "".join(body)
    data = text.encode("utf-8", "surrogatepass")
    for _ in range(draw(st.integers(0, 3))):  # byte-level mutations
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.integers(0, 2))
        if action == 0:
            data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1:]
        elif action == 1:
            data = data[:at] + data[at + draw(st.integers(1, 8)):]
        else:
            data = data[:at] + draw(st.binary(max_size=8)) + data[at:]
    return data


class _Elements(HTMLParser):
    """The elements and attributes of an HTML fragment (what a browser would build)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))

    def handle_comment(self, data: str) -> None:
        self.found.append(("!--", []))

    def handle_pi(self, data: str) -> None:
        self.found.append(("?", []))

    def unknown_decl(self, data: str) -> None:
        self.found.append(("!", []))


def problems_in(html: str) -> list[str]:
    """Why ``html`` is not what the renderer may make (empty when it is)."""
    found = []
    if FORBIDDEN.search(html):
        found.append(f"a forbidden code point: {FORBIDDEN.search(html)!r}")
    parser = _Elements()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.found:
        if tag not in ELEMENTS:
            found.append(f"element <{tag}>")
        for name, value in attrs:
            if name not in ATTRIBUTES or name.startswith("on"):
                found.append(f"attribute {name} on <{tag}>")
            if name == "href" and value is not None and not value.startswith("#") \
                    and not value.strip().lower().startswith(ALLOWED_SCHEMES):
                found.append(f"link to {value!r}")
    return found


def exercise(data: bytes, check_context: Context, renderer: MarkdownRenderer,
             template: Callable[..., str]) -> list[str]:
    """Parse, check and render one note; the problems with what it rendered."""
    result = parse_note(data, "notes/fuzz.md", FORMATS, "notes/fuzz.md")
    findings = check_result(result, check_context).findings
    note = result.note
    if note is None:
        return []
    text = note_text(note)
    parts = [renderer.render(text.main)]
    parts += [renderer.render(addendum.text) for addendum in text.addenda]
    marks = [Highlight(number, note.source.line_start(f.line) + f.column - 1,
                       note.source.line_start(f.end_line) + f.end_column - 1, f.code,
                       f.severity.value, f.message)
             for number, f in enumerate(findings, start=1)]
    parts += [str(line) for line in highlighted_lines(note.source, marks)]
    header = note.header
    parts.append(template(client=header.client, clinician=header.clinician,
                          reason=header.reason, body=parts[0]))
    problems = []
    for part in parts:
        problems += problems_in(part)
    return problems


def run(examples: int, seed_value: int, report: Callable[[str], None] = print) -> int:
    """Fuzz ``examples`` notes from ``seed_value``; return how many ran. Raises the first
    failure (hypothesis shrinks it to a small note first)."""
    import jinja2

    from soapbuild.render.safe import finalize

    check_context = context()
    renderer = MarkdownRenderer.create()
    environment = jinja2.Environment(autoescape=True, finalize=finalize,
                                     undefined=jinja2.StrictUndefined)
    page = environment.from_string('<p class="client">{{ client }}</p><dd>{{ clinician }}</dd>'
                                   "<dd>{{ reason }}</dd>{{ body }}")
    count = 0

    @seed(seed_value)
    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(notes())
    def fuzz(data: bytes) -> None:
        nonlocal count
        count += 1
        problems = exercise(data, check_context, renderer, page.render)
        assert not problems, (problems, data)

    try:
        fuzz()
    except Exception:
        report(f"fuzz_notes: failed after {count} notes")
        raise
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args(argv)
    done = run(options.examples, options.seed)
    print(f"fuzz_notes: {done} notes, no failure")
    return 0


if __name__ == "__main__":
    sys.exit(main())
