"""The note as written, with every finding marked at its exact span.

Why the source and not the rendered Markdown: a finding is a span of offsets
into the file (STYLE.md, "check the source, not the rendering"), and many
findings are not in rendered text at all (a front-matter value, a heading that
is out of order, the ``>`` of a quote). Rendering loses positions (inline
markup, entities, soft breaks), so mapping spans into markdown-it's output
would be approximate, and marks that cross element boundaries cannot be
written as valid HTML. Marking the escaped source is exact by construction:
each character of the file appears once, in order, and a mark wraps precisely
the characters of its span. The page shows this view (with line numbers, so
``path:line:col`` can be found) and the rendered note beside it.

Marks never cross each other or a line: within each line, spans that overlap
nest (the one that ends later outside), and a span that crosses another is
split into nested pieces, so every character of every span is inside a mark
of that finding. The first piece carries the ``id`` the finding list links
to; the last piece ends with a visible badge naming the rule code, so a
highlight does not rely on colour, and the badge links to the explanation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from soapbuild.model.source import SourceText
from soapbuild.render.safe import escape


@dataclass(frozen=True, slots=True)
class Highlight:
    """One finding to mark: its number on the page, span and explanation."""

    number: int
    start: int
    end: int
    code: str
    severity: str
    title: str


@dataclass(frozen=True, slots=True)
class _Piece:
    start: int
    end: int
    mark: Highlight

    @property
    def order(self) -> tuple[int, int, int]:
        return (-self.end, self.start, self.mark.number)


def highlighted_lines(source: SourceText, marks: Sequence[Highlight]) -> list[Markup]:
    """One HTML fragment per line of ``source`` (no line break), marks included."""
    text = source.text
    marks = [_widen(source, m) for m in marks]
    opened: set[int] = set()
    lines: list[Markup] = []
    for line in range(1, source.line_count + 1):
        start, end = source.line_start(line), source.line_end(line)
        pieces = [_Piece(max(m.start, start), min(m.end, end), m) for m in marks
                  if m.start < end and m.end > start]
        points = [m for m in marks if m.start == m.end and start <= m.start <= end]
        lines.append(_line(text, start, end, pieces, points, opened))
    return lines


def _widen(source: SourceText, mark: Highlight) -> Highlight:
    """A span of no width marks the character it points at, when there is one on its line."""
    start = max(0, min(mark.start, len(source.text)))
    end = max(start, min(mark.end, len(source.text)))
    while end > start and source.text[end - 1] in "\r\n":  # the badge goes on the last line
        end -= 1
    if start == end:
        line_end = source.line_end(source.position(start).line)
        if start < line_end:
            end = start + 1
    if (start, end) == (mark.start, mark.end):
        return mark
    return Highlight(mark.number, start, end, mark.code, mark.severity, mark.title)


def _line(text: str, start: int, end: int, pieces: list[_Piece], points: list[Highlight],
          opened: set[int]) -> Markup:
    out: list[str] = []
    stack: list[_Piece] = []
    cuts = sorted({start, end, *(p.start for p in pieces), *(p.end for p in pieces),
                   *(m.start for m in points)})
    for index, at in enumerate(cuts):
        active = [p for p in pieces if p.start <= at < p.end]
        keep = 0
        while keep < len(stack) and stack[keep] in active:
            keep += 1
        while len(stack) > keep:
            out.append(_close(stack.pop(), at))
        for mark in points:
            if mark.start == at:
                out.append(_open(mark, opened) + _close_mark(mark, final=True))
        for piece in sorted((p for p in active if p not in stack), key=lambda p: p.order):
            out.append(_open(piece.mark, opened))
            stack.append(piece)
        if index + 1 < len(cuts):
            out.append(str(escape(text[at:cuts[index + 1]])))
    while stack:
        out.append(_close(stack.pop(), end))
    return Markup("".join(out))


def _open(mark: Highlight, opened: set[int]) -> str:
    first = mark.number not in opened
    opened.add(mark.number)
    ident = f' id="m{mark.number}"' if first else ""
    return (f'<mark class="finding sev-{escape(mark.severity)}" data-finding="{mark.number}"'
            f' data-code="{escape(mark.code)}"{ident} title="{escape(mark.title)}">')


def _close(piece: _Piece, at: int) -> str:
    return _close_mark(piece.mark, final=at == piece.mark.end and piece.end == piece.mark.end)


def _close_mark(mark: Highlight, final: bool) -> str:
    if not final:
        return "</mark>"
    return (f'<a class="badge" href="#f{mark.number}" aria-describedby="f{mark.number}">'
            f"{escape(mark.code)}</a></mark>")
