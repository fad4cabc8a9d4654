"""The Markdown body: blocks, headings, sections, addenda, prose and quotations.

Positions come from the source, never from rendered HTML: markdown-it gives the
line range of every block (``token.map``), and inside a block the prose is the
source slice with everything that is not prose blanked out by spaces of the
same length (code spans, raw HTML and comments, link targets, URLs, emphasis
markers, list and quote markers). Rules search that masked text and their
matches are offsets in the file as the clinician wrote it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal, NamedTuple

from markdown_it import MarkdownIt
from markdown_it.token import Token

from soapbuild.model.formats import NoteFormat
from soapbuild.model.note import (
    Addendum,
    Block,
    BlockKind,
    Body,
    Heading,
    LabeledLine,
    Quote,
    QuoteMark,
    Section,
    Span,
    Suppression,
    SuppressionKind,
)
from soapbuild.model.source import SourceText, blank_out
from soapbuild.model.timeparse import parse_moment

# Only block structure is needed: positions come from the source, and inline
# parsing (emphasis, links) would cost a third of the parse for nothing.
_MD = MarkdownIt("commonmark", {"html": False}).enable("table").disable("inline")

_CONTAINER_PREFIX = re.compile(r"^[ \t]*(?:(?:>[ \t]?)|(?:[-+*][ \t]+)|(?:\d{1,9}[.)][ \t]+))+",
                               re.M)
_ATX_OPEN = re.compile(r"^[ \t]{0,3}#{1,6}(?:[ \t]+|$)", re.M)
_ATX_CLOSE = re.compile(r"(?:[ \t]+#+)?[ \t]*\r?$", re.M)
_SETEXT_UNDERLINE = re.compile(r"^[ \t]{0,3}(?:=+|-+)[ \t]*\r?$", re.M)
# Pipes, and delimiter rows (|---|:--:|) with or without outer pipes.
_TABLE_MARKUP = re.compile(r"^(?=[^\n]*-)[ \t|:-]+\r?$|\|", re.M)
_INLINE_MARKUP = re.compile(
    r"<[A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*>"  # autolinks
    r"|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>"  # raw HTML tags, shown as text
    r"|\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\)"  # ](target "title")
    r"|\]\[[^\]\n]*\]"  # ][reference]
    r"|!?\[|\]"  # link and image brackets
    r"|\b(?:https?|ftp)://[^\s<>\"“”]+|\bwww\.[^\s<>\"“”]+"  # bare URLs, not a closing quote
    r"|\\(?=[!-/:-@\[-`{-~])"  # backslash escapes
    r"|(?<![\w*_~])[*_~]{1,3}(?=\S)|(?<=\S)[*_~]{1,3}(?![\w*_~])"  # emphasis markers
)
_MAY_HAVE_MARKUP = re.compile(r"[<\[\]\\*_~]|https?:|ftp:|www\.")
_BACKTICKS = re.compile(r"`+")
# The labels CMS and payers name for an amendment to a signed note. "Addendum"
# alone is always one (undated, it is A001); "Late entry", "Correction",
# "Amendment" and "Signature attestation" (soapbuild attest) only with a date, so
# "### Amendment to the treatment plan" stays a sub-heading of its section.
_ADDENDUM = re.compile(
    r"^(?:addendum\b|(?P<kind>signature\s+attestation\b)?"
    r"(?(kind)|(?:late\s+entry|correction|amendment)\b)(?=[\s:.\-–—]*\d{4}-\d{2}-\d{2}))"
    r"[\s:.\-–—]*(?P<rest>.*)$", re.I)
_DATE_IN_HEADING = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[Tt ]\d{1,2}:\d{2}(?::\d{2})?)?(?:\s?(?:[Zz]|[+-]\d{2}:?\d{2}))?")
_LABEL = re.compile(
    r"^[ \t>]*(?:[-*+][ \t]+)?[*_]{0,2}(?P<label>author|reason)[*_]{0,2}[ \t]*:"
    r"[*_]{0,2}[ \t]*(?P<value>\S.*?)[ \t]*\r?$", re.I | re.M)
_QUOTE_MARKS = re.compile(r"[\"“”]")
_ANY_QUOTE_MARK = re.compile(r"[\"“”'‘’]")  # single marks too, apostrophes among them
# 5'10" is a height, not a quotation.
_INCHES = re.compile(r"\d['’]\s?\d{1,2}(?:\.\d+)?\"")
# A section label pasted from another system: "**Subjective:**", "Plan:" or "S:"
# alone on a line, bold or italic or plain, always with its colon (the colon
# is what tells a label from a word that happens to stand alone); or a heading
# missing the space after its '#' ("#Subjective"), which Markdown reads as text.
_LABEL_LINE = re.compile(
    r"[ \t]{0,3}(?:(?P<marks>[*_]{0,3})[ \t]*(?P<name>[^\s*_:#][^*_:\r\n]{0,40}?)[ \t]*"
    r"(?::[ \t]*(?P=marks)|(?P=marks)[ \t]*:)"
    r"|#{1,3}(?P<bare>[^\s#][^#:\r\n]{0,40}?):?)[ \t]*\r?")
# An apostrophe that starts a word: '90s, '05, 'em, rock 'n' roll, 'til, 'tis.
_ELISION = re.compile(r"['‘’](?:\d\d(?:s|['’]s)?|em|n|til|tis|twas)(?![A-Za-z0-9])", re.I)
_OPENING_CONTEXT = frozenset(" \t\r\n([{—–-/\"“")
_SENTENCE_MARKS = frozenset(".,!?;:…")
# <!-- soapbuild: WORD CODE, CODE --> where WORD is ignore, disable, enable or ignore-file.
# Possessive quantifiers: a lazy code list followed by \s*--> backtracked quadratically
# on a long run of spaces with no closing -->.
_SUPPRESSION = re.compile(
    r"<!--\s*+soapbuild:[ \t]*+(?P<word>[A-Za-z]++(?:-[A-Za-z]++)*+)"
    r"(?P<codes>(?:[^\n<>-]|-(?!->))*+)(?:\n[ \t]*+)?-->", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _ParsedBlocks:
    blocks: tuple[Block, ...]
    headings: tuple[Heading, ...]
    heading_blocks: dict[int, Block]
    labels: tuple[Heading, ...] = ()  # pasted section labels read as headings (level 0)


def parse_body(
    source: SourceText, body_start: int, note_format: NoteFormat, labels: bool = True
) -> tuple[Body, str, str]:
    """Parse the Markdown after the front matter.

    Returns the body, the masked prose and the narrative (the prose with the
    quotations blanked as well: what the clinician wrote in their own words).
    ``labels``: read pasted section labels (``**Subjective:**``) as sections;
    off for a session that did not occur, whose short remark may well say
    ``Plan:`` without being a clinical section.
    """
    text = source.text
    # Blank the front matter rather than cutting it off, so that markdown-it's
    # line numbers are the file's line numbers.
    parse_text = blank_out(text[:body_start]) + text[body_start:]
    parsed = _blocks(_MD.parse(parse_text), source)
    if labels:
        parsed = _with_labels(source, parsed, note_format)
    prose, code_spans = _mask(source, parsed.blocks)
    quotes, unbalanced = _quotes(prose, parsed.blocks)
    sections, addenda, preamble = _divide(source, parsed, note_format)
    body = Body(
        start=body_start,
        first_line=source.position(body_start).line,
        blocks=parsed.blocks,
        headings=parsed.headings,
        sections=sections,
        addenda=addenda,
        preamble=preamble,
        quotes=quotes,
        unbalanced_quotes=unbalanced,
        code_spans=code_spans,
        suppressions=_suppressions(source, body_start, parsed.blocks),
    )
    return body, prose, _narrative(prose, quotes)


def masks(source: SourceText, body: Body) -> tuple[str, str]:
    """The prose and the narrative of a parsed note, made again from its text and body
    (:meth:`soapbuild.model.note.Note.lean`): the very strings :func:`parse_body` made."""
    prose = _mask(source, body.blocks)[0]
    return prose, _narrative(prose, body.quotes)


def _narrative(prose: str, quotes: Iterable[Quote]) -> str:
    return _blank_ranges(prose, [(q.span.start, q.span.end) for q in quotes])


def _blocks(tokens: list[Token], source: SourceText) -> _ParsedBlocks:
    blocks: list[Block] = []
    headings: list[Heading] = []
    heading_blocks: dict[int, Block] = {}
    lists = quotes = 0
    in_table = False
    for index, token in enumerate(tokens):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            lists += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists -= 1
        elif kind == "blockquote_open":
            quotes += 1
        elif kind == "blockquote_close":
            quotes -= 1
        elif kind == "table_close":
            in_table = False
        if token.map is None or in_table:
            continue
        block_kind = {
            "paragraph_open": BlockKind.PARAGRAPH,
            "heading_open": BlockKind.HEADING,
            "fence": BlockKind.CODE,
            "code_block": BlockKind.CODE,
            "table_open": BlockKind.TABLE,
        }.get(kind)
        if block_kind is None:
            continue
        in_table = kind == "table_open"
        first, last = token.map[0] + 1, token.map[1]
        span = Span(source.line_start(first), source.line_end(last))
        block = Block(block_kind, span, first, last, lists > 0, quotes > 0)
        blocks.append(block)
        if block_kind is BlockKind.HEADING:
            inline = tokens[index + 1].content if index + 1 < len(tokens) else ""
            heading = _heading(source, block, inline, int(token.tag[1]))
            headings.append(heading)
            heading_blocks[heading.line] = block
    return _ParsedBlocks(tuple(blocks), tuple(headings), heading_blocks)


def _with_labels(source: SourceText, parsed: _ParsedBlocks,
                 note_format: NoteFormat) -> _ParsedBlocks:
    """Split off the pasted section labels that open paragraphs, as heading blocks.

    A label (``**Subjective:**``, ``Plan:``, ``S:``, ``#Subjective``) counts when
    it is the whole first line of a top-level paragraph and names a section of
    the note's format that no heading names (a real ``## Plan`` wins, and a
    stray "Plan:" under it stays text). Its heading has level 0, which no
    Markdown heading has; the rest of the paragraph becomes a paragraph of its
    own under it.
    """
    named = {note_format.section_for(h.text) for h in parsed.headings if h.level <= 3}
    first_addendum = next((h.line for h in parsed.headings
                           if h.level <= 3 and addendum_label(h.text) is not None), None)
    blocks: list[Block] = []
    found: list[Heading] = []
    for block in parsed.blocks:
        label = None
        if (block.kind is BlockKind.PARAGRAPH and not block.in_list and not block.in_blockquote
                and (first_addendum is None or block.first_line < first_addendum)):
            label = _LABEL_LINE.fullmatch(source.text, block.span.start,
                                          source.line_end(block.first_line))
        group = "name" if label is not None and label.group("name") else "bare"
        name = note_format.section_for(label.group(group)) if label else None
        if label is None or name is None or name in named:
            blocks.append(block)
            continue
        named.add(name)  # a second label of the same section stays text
        line = block.first_line
        head = Block(BlockKind.HEADING, Span(block.span.start, source.line_end(line)), line, line)
        text_span = Span(label.start(group), label.end(group))
        found.append(Heading(label.group(group), 0, line, head.span, text_span))
        blocks.append(head)
        if block.last_line > line:
            blocks.append(Block(BlockKind.PARAGRAPH,
                                Span(source.line_start(line + 1), block.span.end),
                                line + 1, block.last_line))
    if not found:
        return parsed
    return _ParsedBlocks(tuple(blocks), parsed.headings, parsed.heading_blocks, tuple(found))


def _heading(source: SourceText, block: Block, inline: str, level: int) -> Heading:
    line_text = source.text[block.span.start:source.line_end(block.first_line)]
    found = line_text.find(inline.split("\n", 1)[0]) if inline else -1
    start = block.span.start + max(found, 0)
    text_span = Span(start, start + len(inline.split("\n", 1)[0]))
    return Heading(inline.strip(), level, block.first_line, block.span, text_span)


def _mask(source: SourceText, blocks: Iterable[Block]) -> tuple[str, tuple[Span, ...]]:
    """Build the prose text: the file with everything that is not prose blanked."""
    text = source.text
    pieces: list[str] = []
    code_spans: list[Span] = []
    position = 0
    for block in blocks:
        if block.kind is BlockKind.CODE:
            continue
        pieces.append(blank_out(text[position:block.span.start]))
        chunk = text[block.span.start:block.span.end]
        hidden = list(_markup(chunk, block))
        if "`" in chunk:
            for start, end in _code_spans(chunk):
                hidden.append((start, end))
                code_spans.append(Span(block.span.start + start, block.span.start + end))
        pieces.append(_blank_ranges(chunk, hidden))
        position = block.span.end
    pieces.append(blank_out(text[position:]))
    return "".join(pieces), tuple(code_spans)


def _markup(chunk: str, block: Block) -> Iterator[tuple[int, int]]:
    if "<!--" in chunk:
        yield from _comments(chunk)
    patterns = [_INLINE_MARKUP] if _MAY_HAVE_MARKUP.search(chunk) else []
    if block.in_list or block.in_blockquote:
        patterns.append(_CONTAINER_PREFIX)
    if block.kind is BlockKind.HEADING:
        patterns += [_ATX_OPEN, _ATX_CLOSE, _SETEXT_UNDERLINE]
    if block.kind is BlockKind.TABLE:
        patterns.append(_TABLE_MARKUP)
    for pattern in patterns:
        for match in pattern.finditer(chunk):
            if match.end() > match.start():
                yield match.start(), match.end()


def _comments(chunk: str) -> Iterator[tuple[int, int]]:
    """HTML comments (where suppressions live), found in one pass: once no
    ``-->`` is left, no later ``<!--`` can close either."""
    position = 0
    while (start := chunk.find("<!--", position)) >= 0:
        end = chunk.find("-->", start + 4)
        if end < 0:
            return
        yield start, end + 3
        position = end + 3


def _code_spans(chunk: str) -> Iterator[tuple[int, int]]:
    """CommonMark code spans: a run of n backticks up to the next run of exactly n.

    The runs are listed once and grouped by width, so pairing them is linear
    (a regex search per opener is quadratic on many unmatched backticks).
    """
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(chunk)]
    by_width: dict[int, list[int]] = {}
    for index, (start, end) in enumerate(runs):
        by_width.setdefault(end - start, []).append(index)
    next_of_width: dict[int, int] = {}  # width -> position in by_width[width] to look from
    index = 0
    while index < len(runs):
        start, end = runs[index]
        same = by_width[end - start]
        look = next_of_width.get(end - start, 0)
        while look < len(same) and same[look] <= index:
            look += 1
        next_of_width[end - start] = look
        if look == len(same):
            index += 1  # no closer of this width: the backticks are literal
            continue
        closer = same[look]
        yield start, runs[closer][1]
        index = closer + 1


def _blank_ranges(chunk: str, ranges: list[tuple[int, int]]) -> str:
    if not ranges:
        return chunk
    pieces: list[str] = []
    position = 0
    for start, end in sorted(ranges):
        if end <= position:
            continue
        start = max(start, position)
        pieces.append(chunk[position:start])
        pieces.append(blank_out(chunk[start:end]))
        position = end
    pieces.append(chunk[position:])
    return "".join(pieces)


_Strength = Literal["sure", "plain", "weak"]


class _Mark(NamedTuple):
    """A quotation mark as it reads in context (apostrophes never become one)."""

    at: int
    role: Literal["open", "close", "toggle"]
    kind: QuoteMark
    # "sure": a closer after sentence punctuation (fine.'); "weak": after a word
    # ending in s, which may be a plural possessive (the parents' house).
    strength: _Strength = "sure"


def _quotes(prose: str, blocks: Iterable[Block]) -> tuple[tuple[Quote, ...], tuple[Span, ...]]:
    """Pair quotation marks inside each block; a quote may wrap lines, not blocks.

    Double quotes ("…", “…”) and single quotes ('…', ‘…’) are both quotations.
    A single mark is read from its neighbours: inside a word (don't, client's),
    at the start of an elision ('90s) or after a plural (clients') it is an
    apostrophe. One quotation is open at a time; the marks inside it are part
    of the quoted text, so two quotations never cross.
    """
    quotes: list[Quote] = []
    unbalanced: list[Span] = []
    for block in blocks:
        if block.kind is BlockKind.CODE:
            continue
        marks = list(_marks(prose, block.span.start, block.span.end))
        index = 0
        while index < len(marks):
            mark = marks[index]
            if mark.role == "close":
                if mark.strength == "sure":
                    unbalanced.append(Span(mark.at, mark.at + 1))
                index += 1
                continue
            closer = _closer(marks, index)
            if closer is None:
                unbalanced.append(Span(mark.at, mark.at + 1))
                index = _after_unclosed(marks, index)
                continue
            quotes.append(Quote(Span(mark.at, marks[closer].at + 1), mark.kind))
            index = closer + 1
    quotes.sort(key=lambda quote: quote.span.start)
    return tuple(quotes), tuple(sorted(unbalanced, key=lambda span: span.start))


def quotation_marks(prose: str, span: Span) -> list[tuple[int, str]]:
    """The quotation marks in ``span`` of the prose, with their offsets: every ``"``,
    ``“`` and ``”`` except the inch mark of a height (5'10")."""
    inches = {m.end() - 1 for m in _INCHES.finditer(prose, span.start, span.end)}
    return [(m.start(), m.group()) for m in _QUOTE_MARKS.finditer(prose, span.start, span.end)
            if m.start() not in inches]


def _marks(prose: str, start: int, end: int) -> Iterator[_Mark]:
    inches = {m.end() - 1 for m in _INCHES.finditer(prose, start, end)}
    for match in _ANY_QUOTE_MARK.finditer(prose, start, end):
        at, char = match.start(), match.group()
        if char == '"':
            if at not in inches:
                yield _Mark(at, "toggle", "straight")
            continue
        if char == "“":
            yield _Mark(at, "open", "curly")
            continue
        if char == "”":
            yield _Mark(at, "close", "curly")
            continue
        before = prose[at - 1] if at > start else " "
        after = prose[at + 1] if at + 1 < end else " "
        if before.isalnum() and after.isalnum():
            continue  # don't, client's, 5'10"
        kind: QuoteMark = "single-curly" if char != "'" else "single"
        if before in _OPENING_CONTEXT:
            # ’ after a space is an apostrophe ('90s typed with smart quotes on).
            if char != "’" and not after.isspace() and not _ELISION.match(prose, at):
                yield _Mark(at, "open", kind)
            continue
        if char == "‘":
            yield _Mark(at, "open", kind)  # ‘ is never an apostrophe but in ‘90s
            continue
        if after.isspace() or not after.isalnum():
            strength: _Strength = ("sure" if before in _SENTENCE_MARKS else
                                   "weak" if before in "sS" else "plain")
            yield _Mark(at, "close", kind, strength)


def _after_unclosed(marks: list[_Mark], index: int) -> int:
    """Where reading goes on after a quotation that is never closed.

    After a single quote, at the next mark (it may have been an apostrophe
    after all). After a double quote, the rest is read as quoted, the marks in it
    as its text: up to the next “ for a curly quote, to the end of the block for
    a straight one; so "…" inside an unclosed “… is not taken for a quotation.
    """
    kind = marks[index].kind
    if kind == "straight":
        return len(marks)
    if kind == "curly":
        return next((later for later in range(index + 1, len(marks))
                     if marks[later].kind == "curly"), len(marks))
    return index + 1


def _closer(marks: list[_Mark], index: int) -> int | None:
    """The mark that closes the quotation opened at ``marks[index]``.

    A straight double quote is closed by the next one; a curly double quote by
    the next ”, unless a new “ comes first. A single quote is closed by the
    first closing single mark before the next opening one, preferring one that
    is not a plural possessive (the parents' house).
    """
    opener = marks[index]
    weak: int | None = None
    for later in range(index + 1, len(marks)):
        mark = marks[later]
        if opener.kind == "straight":
            if mark.kind == "straight":
                return later
        elif opener.kind == "curly":
            if mark.kind == "curly":
                return later if mark.role == "close" else None
        elif mark.kind in ("single", "single-curly"):
            if mark.role == "open":
                break
            if mark.strength != "weak":
                return later
            weak = later if weak is None else weak
    return weak


def _divide(
    source: SourceText, parsed: _ParsedBlocks, note_format: NoteFormat
) -> tuple[tuple[Section, ...], tuple[Addendum, ...], tuple[Block, ...]]:
    """Cut the body at section and addendum headings (levels 1–3)."""
    marks: list[tuple[Heading, str | None]] = []  # (heading, section name or None = addendum)
    for heading in sorted((*parsed.headings, *parsed.labels), key=lambda h: h.line):
        if heading.level > 3:
            continue
        name = note_format.section_for(heading.text)
        if name is not None:
            marks.append((heading, name))
        elif addendum_label(heading.text) is not None:
            marks.append((heading, None))
    last_line = source.line_count
    first_mark = marks[0][0].line if marks else last_line + 1
    preamble = tuple(b for b in parsed.blocks if b.last_line < first_mark)
    sections: list[Section] = []
    addenda: list[Addendum] = []
    first_lines = [b.first_line for b in parsed.blocks]  # blocks are in document order
    for index, (heading, name) in enumerate(marks):
        end_line = marks[index + 1][0].line - 1 if index + 1 < len(marks) else last_line
        span = Span(heading.span.start, source.line_end(end_line))
        inner = parsed.blocks[bisect_right(first_lines, heading.line):
                              bisect_right(first_lines, end_line)]
        if name is not None:
            sections.append(Section(name, heading, span, end_line, inner,
                                    label=heading.level == 0, roles=note_format.roles_of(name)))
        else:
            addenda.append(_addendum(source, heading, span, end_line, inner))
    return tuple(sections), tuple(addenda), preamble


def addendum_label(heading: str) -> re.Match[str] | None:
    """Match an addendum heading (Addendum, Late entry, Correction, Amendment)."""
    return _ADDENDUM.match(re.sub(r"[*_`]", "", heading).strip())


def _addendum(
    source: SourceText, heading: Heading, span: Span, last_line: int, blocks: tuple[Block, ...]
) -> Addendum:
    match = addendum_label(heading.text)
    rest = match.group("rest") if match else ""
    found = _DATE_IN_HEADING.search(rest)
    date_text = found.group() if found else rest.strip()
    date = parse_moment(found.group()) if found else None
    labels: dict[str, LabeledLine] = {}
    body_start = source.line_start(heading.line + 1)
    for label in _LABEL.finditer(source.text, body_start, span.end):
        key = label.group("label").lower()
        labels.setdefault(key, LabeledLine(label.group("value"),
                                           Span(label.start("label"), label.end("value"))))
    kind: Literal["addendum", "attestation"] = (
        "attestation" if match is not None and match.group("kind") else "addendum")
    return Addendum(heading, date, date_text, span, last_line, blocks,
                    labels.get("author"), labels.get("reason"), kind)


def _suppressions(
    source: SourceText, body_start: int, blocks: Iterable[Block]
) -> tuple[Suppression, ...]:
    """Find the soapbuild comments outside code blocks and pair each ``disable`` with the
    ``enable`` that ends it (per code: the next ``enable`` naming that code)."""
    text = source.text
    if "soapbuild" not in text:
        return ()
    code = [b.span for b in blocks if b.kind is BlockKind.CODE]
    found: list[Suppression] = []
    open_blocks: dict[str, list[int]] = {}  # code -> starts of the 'disable' comments open
    ends: dict[tuple[int, str], int] = {}  # (disable comment start, code) -> its enable's line
    disables: list[tuple[Span, int, tuple[str, ...]]] = []
    for match in _SUPPRESSION.finditer(text, body_start):
        if any(match.start() in span for span in code):
            continue
        span = Span(match.start(), match.end())
        line = source.position(match.start()).line
        codes = tuple(dict.fromkeys(c.upper() for c in re.split(r"[\s,]+", match["codes"]) if c))
        word = match["word"].lower()
        try:
            kind = SuppressionKind(word)
        except ValueError:
            kind = SuppressionKind.UNKNOWN
        if kind is SuppressionKind.LINE:
            before = text[source.line_start(line):match.start()]
            governed = line if before.strip() else source.position(match.end()).line + 1
            found.append(Suppression(span, governed, codes, kind, word=word))
        elif kind is SuppressionKind.BLOCK:
            disables.append((span, line, codes))
            for name in codes:
                open_blocks.setdefault(name, []).append(span.start)
        elif kind is SuppressionKind.ENABLE:
            stray = tuple(name for name in codes if name not in open_blocks)
            for name in codes:
                for start in open_blocks.pop(name, []):
                    ends[(start, name)] = line
            if stray or not codes:
                found.append(Suppression(span, line, stray, kind, line, word))
        else:
            found.append(Suppression(span, line, codes, kind, word=word))
    for span, line, codes in disables:
        by_end: dict[int | None, list[str]] = {}
        for name in codes:
            by_end.setdefault(ends.get((span.start, name)), []).append(name)
        for last, named in (by_end or {None: []}).items():
            found.append(Suppression(span, line, tuple(named), SuppressionKind.BLOCK, last,
                                     "disable"))
    return tuple(sorted(found, key=lambda s: (s.span.start, s.last_line is None, s.last_line or 0)))
