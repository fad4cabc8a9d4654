"""Markdown to HTML for the record, with nothing in a note able to run or fetch.

SPEC 7 ("Safe output"): note text can never run in the browser or the PDF, and
rendering fetches nothing. markdown-it-py's default preset passes raw HTML
through (its own security notes say it is not safe for user content), so the
renderer starts from ``js-default`` (``html: False``: ``<script>`` and
``<img onerror=…>`` come out as text) and narrows two more things:

* links keep only ``http:``, ``https:`` and ``mailto:`` targets. markdown-it's
  own ``validateLink`` already refuses ``javascript:``, ``vbscript:``,
  ``file:`` and ``data:`` (except ``data:image/…``), but keeps relative links
  and any other scheme; here anything else stays the text the clinician typed,
  and every link gets ``rel="noopener noreferrer nofollow"``;
* images are switched off: an image would be fetched when the page or the PDF
  is opened. ``![x](url)`` becomes ``!`` followed by an ordinary link.

Note headings are shifted so that the note's top level sits below the page's
own headings (``##`` in a note becomes ``<h3>`` under a page's ``<h2>``):
pages keep one ``<h1>`` and an unbroken heading order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from soapbuild.model.note import Addendum, Note
from soapbuild.model.source import SourceText
from soapbuild.render.safe import LINK_REL, allowed_link, clean_html

MAX_INLINE_MARKUP = 200
"""A paragraph with more inline elements than this is shown as its plain text.

WeasyPrint lays out a paragraph's inline boxes in time that grows with the square
of their number: ``*a`` repeated 8,000 times (16 KB) took 88 s to print, with the
build lock held (issue 16, finding 6). No note emphasises 200 words in one
paragraph; past that the text is kept, its markup shown as typed."""


class _SafeMarkdown(MarkdownIt):
    def validateLink(self, url: str) -> bool:  # markdown-it's hook, with its name
        return allowed_link(url)


def _link_open(renderer: RendererHTML, tokens: Sequence[Token], index: int,
               options: OptionsDict, env: EnvType) -> str:
    tokens[index].attrSet("rel", LINK_REL)
    return renderer.renderToken(tokens, index, options, env)


def _parser() -> MarkdownIt:
    md = _SafeMarkdown("js-default", {"html": False, "linkify": False, "typographer": False})
    md.disable("image")
    md.add_render_rule("link_open", _link_open)
    return md


def _markup_count(inline: Token) -> int:
    return sum(1 for child in inline.children or ()
               if child.nesting == 1 or child.type == "code_inline")


def _plain_text(inline: Token) -> Token:
    """The paragraph's source as one text token (escaped when rendered, as all text is)."""
    token = Token("text", "", 0)
    token.content = inline.content
    return token


@dataclass
class MarkdownRenderer:
    """One markdown-it instance, reused for every note of a build."""

    md: MarkdownIt

    @classmethod
    def create(cls) -> MarkdownRenderer:
        return cls(_parser())

    def render(self, text: str, top_level: int = 3) -> str:
        """``text`` as HTML, its highest heading level shown as ``<h{top_level}>``."""
        tokens = self.md.parse(text)
        for token in tokens:
            if token.type == "inline" and _markup_count(token) > MAX_INLINE_MARKUP:
                token.children = [_plain_text(token)]
        levels = [int(t.tag[1]) for t in tokens if t.type == "heading_open"]
        if levels:
            shift = top_level - min(levels)
            for token in tokens:
                if token.type in ("heading_open", "heading_close"):
                    token.tag = f"h{min(6, max(1, int(token.tag[1]) + shift))}"
        rendered: str = self.md.renderer.render(tokens, self.md.options, {})
        return str(clean_html(rendered))


@dataclass(frozen=True, slots=True)
class AddendumText:
    """An addendum as the record shows it: its label, date, author, reason and text."""

    heading: str
    date: str
    author: str | None
    reason: str | None
    text: str  # Markdown source without the heading and the Author/Reason lines


@dataclass(frozen=True, slots=True)
class NoteText:
    """The Markdown of a note cut where the record shows it: the note, then each addendum."""

    main: str
    addenda: tuple[AddendumText, ...]


def note_text(note: Note) -> NoteText:
    """Split the body (after the front matter) into the note proper and its addenda."""
    text = note.source.text
    addenda = note.body.addenda
    end = addenda[0].span.start if addenda else len(text)
    return NoteText(text[note.body.start:end], tuple(_addendum(note.source, a) for a in addenda))


def _addendum(source: SourceText, addendum: Addendum) -> AddendumText:
    heading = addendum.heading.span
    last_heading_line = source.position(max(heading.start, heading.end - 1)).line
    start = min(source.line_start(last_heading_line + 1), addendum.span.end)
    drop = [label.span.start for label in (addendum.author, addendum.reason) if label]
    kept, offset = [], start
    for line in source.text[start:addendum.span.end].splitlines(keepends=True):
        if not any(offset <= at < offset + len(line) for at in drop):
            kept.append(line)
        offset += len(line)
    return AddendumText(
        heading=addendum.heading.text,
        date=addendum.date_text,
        author=addendum.author.value if addendum.author else None,
        reason=addendum.reason.value if addendum.reason else None,
        text="".join(kept),
    )
