"""Charts as inline SVG drawn from the data, with their text alternatives.

No JavaScript and nothing fetched: each chart is an ``<svg role="img">`` whose
``<title>`` and ``<desc>`` name it and say what it shows, and whose numbers are
printed beside the bars, so a value never has to be read from a length or a
colour. Templates put the same rows in a table under the chart (the text
alternative a screen reader or a printout can use). Every label is escaped:
clinician names and reasons come from the notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from soapbuild.render.safe import escape

WIDTH = 640
LABEL_WIDTH = 210
ROW = 26
BAR = 16
COLUMN_AREA = 180


@dataclass(frozen=True, slots=True)
class Row:
    """One bar: its label, its value (``None``: nothing to draw) and the value as shown."""

    label: str
    value: float | None
    shown: str


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart and its text alternative: a summary sentence and the rows as a table."""

    ident: str
    title: str
    summary: str
    headers: tuple[str, str]
    rows: tuple[Row, ...]
    svg: Markup


def bar_chart(ident: str, title: str, summary: str, headers: tuple[str, str],
              rows: Sequence[Row]) -> Chart:
    """Horizontal bars, one per row, scaled to the largest value, the value printed after."""
    top = max((r.value for r in rows if r.value is not None), default=0) or 1
    height = max(1, len(rows)) * ROW + 8
    area = WIDTH - LABEL_WIDTH - 70
    parts = [_open(ident, title, summary, WIDTH, height)]
    for index, row in enumerate(rows):
        y = 4 + index * ROW
        middle = y + BAR / 2 + 4
        length = 0.0 if row.value is None else max(0.0, row.value) / top * area
        parts.append(f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{middle:.1f}" '
                     f'text-anchor="end">{escape(_short(row.label, 30))}</text>')
        if length > 0:
            parts.append(f'<rect class="chart-bar" x="{LABEL_WIDTH}" y="{y}" '
                         f'width="{length:.1f}" height="{BAR}"/>')
        parts.append(f'<text class="chart-value" x="{LABEL_WIDTH + length + 6:.1f}" '
                     f'y="{middle:.1f}">{escape(row.shown)}</text>')
    parts.append("</svg>")
    return Chart(ident, title, summary, headers, tuple(rows), Markup("".join(parts)))


def rate_chart(ident: str, title: str, summary: str, headers: tuple[str, str],
               rows: Sequence[Row]) -> Chart:
    """Columns of a rate between 0 and 1 over time (weeks); ``None`` is a gap marked "–"."""
    count = max(1, len(rows))
    left, top, bottom = 44, 20, 28
    step = (WIDTH - left - 8) / count
    width = max(2.0, min(40.0, step * 0.7))
    height = top + COLUMN_AREA + bottom
    every = max(1, round(count / 12))  # at most about a dozen week labels
    parts = [_open(ident, title, summary, WIDTH, height)]
    for fraction in (0, 0.5, 1):
        y = top + COLUMN_AREA * (1 - fraction)
        parts.append(f'<line class="chart-grid" x1="{left}" x2="{WIDTH - 4}" y1="{y:.1f}" '
                     f'y2="{y:.1f}"/>')
        parts.append(f'<text class="chart-axis" x="{left - 6}" y="{y + 4:.1f}" '
                     f'text-anchor="end">{fraction:.0%}</text>')
    for index, row in enumerate(rows):
        x = left + index * step + (step - width) / 2
        centre = x + width / 2
        if row.value is None:
            parts.append(f'<text class="chart-axis" x="{centre:.1f}" y="{top + COLUMN_AREA - 4}" '
                         'text-anchor="middle">–</text>')
        else:
            tall = max(1.0, min(1.0, row.value) * COLUMN_AREA)
            parts.append(f'<rect class="chart-bar" x="{x:.1f}" y="{top + COLUMN_AREA - tall:.1f}" '
                         f'width="{width:.1f}" height="{tall:.1f}"/>')
            if step >= 34:
                parts.append(f'<text class="chart-value" x="{centre:.1f}" '
                             f'y="{top + COLUMN_AREA - tall - 4:.1f}" '
                             f'text-anchor="middle">{escape(row.shown)}</text>')
        if index % every == 0:
            parts.append(f'<text class="chart-axis" x="{centre:.1f}" '
                         f'y="{top + COLUMN_AREA + 18}" text-anchor="middle">'
                         f"{escape(_short(row.label, 10))}</text>")
    parts.append("</svg>")
    return Chart(ident, title, summary, headers, tuple(rows), Markup("".join(parts)))


def _open(ident: str, title: str, summary: str, width: int, height: int) -> str:
    ident = escape(ident)
    return (f'<svg class="chart" id="{ident}" role="img" '
            f'aria-labelledby="{ident}-title {ident}-desc" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
            f'<title id="{ident}-title">{escape(title)}</title>'
            f'<desc id="{ident}-desc">{escape(summary)}</desc>')


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
