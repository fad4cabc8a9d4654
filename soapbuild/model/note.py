"""The immutable model of one parsed note.

One parse per file (:func:`soapbuild.model.parse.parse_note`) produces a :class:`Note`;
rules, formatters, the renderer and the preview read it and never re-read the file.
Every span is a pair of offsets into ``note.source.text``; ``note.prose`` is a copy
of that text of the same length in which everything that is not the clinician's
prose (front matter, code, link targets, raw HTML, Markdown markup) is blanked
out, so a match found in ``prose`` is a position in the file as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import ClassVar, Literal

# Re-exported: Moment is read where every other part of the note model is.
from soapbuild.model.moment import Moment as Moment
from soapbuild.model.source import SourceText


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open range ``[start, end)`` of offsets into the note text."""

    start: int
    end: int

    def __contains__(self, offset: object) -> bool:
        return isinstance(offset, int) and self.start <= offset < self.end

    def covers(self, other: Span) -> bool:
        return self.start <= other.start and other.end <= self.end


ValueKind = Literal["scalar", "null", "sequence", "mapping"]


@dataclass(frozen=True, slots=True)
class RawField:
    """One ``key: value`` pair of the front matter, as written.

    ``text`` is the scalar's value exactly as YAML read it (``"90837"`` for both
    ``90837`` and ``"90837"``), so that typing is ours and not YAML 1.1's (which
    would read ``0042`` as an octal number and ``no`` as false).

    A list or a map keeps its ``items`` with their positions, each a ``RawField``
    itself: a list item is named by its 1-based number (its ``key_span`` is its
    value's), a map entry by its key. Only the first levels are kept
    (:data:`soapbuild.model.frontmatter.ITEM_DEPTH`); no field needs more.
    """

    name: str
    text: str | None
    kind: ValueKind
    quoted: bool
    key_span: Span
    value_span: Span
    items: tuple[RawField, ...] = ()

    #: Values that repeat from note to note, read back from the cache or a worker as one
    #: object for all (:mod:`soapbuild.cache.pickles`): a check holds every note at once.
    REPEATED: ClassVar[tuple[str, ...]] = ("name", "text", "kind")


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """A known field whose value has the wrong type or cannot be read.

    ``unknown_key`` marks a key inside a known field's value that has no meaning
    there (``unit:`` in a ``services`` entry): reported like an unknown field.
    """

    name: str
    message: str
    span: Span
    suggestion: str | None = None
    unknown_key: bool = False


@dataclass(frozen=True, slots=True)
class Service:
    """One billed service: a code with its units, minutes and modifiers, as the note gives it.

    ``units`` and ``minutes`` are ``None`` when the note does not give them (one
    unit; the session's time). ``modifiers`` are the ones written with this code
    (``"90837-95"`` or ``modifiers:`` in a ``services`` entry); the session's own
    ``modifiers`` field applies to every service. ``shorthand`` is the value as
    written when it packed more than a code into one string (``"90837-95"``,
    ``"90839, 90840"``), which a rule points out. ``span`` is where the code is.
    """

    code: str
    span: Span
    units: int | None = None
    minutes: int | None = None
    modifiers: tuple[str, ...] = ()
    shorthand: str | None = None


@dataclass(frozen=True, slots=True)
class Listed:
    """One value of a list field as written (a diagnosis code, a goal), with its place."""

    value: str
    span: Span


@dataclass(frozen=True, slots=True)
class Header:
    """Typed front matter. A field that is absent or unreadable is ``None``.

    ``services`` are every billed code: the ``services`` list and the one code of
    ``service_code`` (which keeps working on its own), in the order written.
    ``service_code`` is that field's code alone (``"90837"`` for ``"90837-95"``).
    """

    fields: tuple[RawField, ...]
    client: str | None = None
    clinician: str | None = None
    session_date: Moment | None = None
    occurred: bool | None = None
    reason: str | None = None
    submitted: Moment | None = None
    duration: int | None = None
    end: str | None = None
    service_code: str | None = None
    format: str | None = None
    start: str | None = None
    services: tuple[Service, ...] = ()
    modifiers: tuple[str, ...] = ()
    place_of_service: str | None = None
    modality: str | None = None
    client_location: str | None = None
    extended_reason: str | None = None
    diagnosis: tuple[Listed, ...] = ()
    goals: tuple[Listed, ...] = ()
    signed_by: str | None = None
    cosigned_by: str | None = None
    cosigned: Moment | None = None
    kind: str | None = None  # "psychotherapy-notes" keeps the file apart from the record
    problems: tuple[FieldProblem, ...] = ()
    # Values read although written loosely ("duration: 50 min"), to be reported.
    loose: tuple[FieldProblem, ...] = ()
    readable: bool = True  # False when the front matter is missing or cannot be read

    def field(self, name: str) -> RawField | None:
        """The first occurrence of a field, for pointing a finding at it."""
        return next((f for f in self.fields if f.name == name), None)

    @property
    def codes(self) -> tuple[str, ...]:
        """The billed codes, each once, in the order written."""
        return tuple(dict.fromkeys(service.code for service in self.services))


class BlockKind(StrEnum):
    """What kind of Markdown block a run of prose comes from."""

    PARAGRAPH = "paragraph"
    HEADING = "heading"
    TABLE = "table"
    CODE = "code"


@dataclass(frozen=True, slots=True)
class Block:
    """A Markdown block with its place in the file.

    ``span`` covers the block's source lines; ``first_line``/``last_line`` are
    1-based and inclusive. ``in_list``/``in_quote`` say which containers hold it.
    """

    kind: BlockKind
    span: Span
    first_line: int
    last_line: int
    in_list: bool = False
    in_blockquote: bool = False


@dataclass(frozen=True, slots=True)
class Heading:
    """A Markdown heading (ATX or setext) and its plain text."""

    text: str
    level: int
    line: int
    span: Span
    text_span: Span

    #: Values that repeat from note to note, read back from the cache or a worker as one
    #: object for all (:mod:`soapbuild.cache.pickles`): a check holds every note at once.
    REPEATED: ClassVar[tuple[str, ...]] = ("text",)


@dataclass(frozen=True, slots=True)
class Section:
    """A section of the note's format, from its heading to the next one.

    ``name`` is the canonical section name of the format (``"Subjective"``) and
    ``heading`` how the note wrote it (``"S: Subjective"``). ``blocks`` are the
    blocks under it, sub-headings included. ``label`` marks a section opened by
    a pasted label line (``**Subjective:**``) instead of a Markdown heading; its
    heading then has level 0 and spans the label's line. ``roles`` say
    what the section is for (``observation``, ``assessment``, …; see
    :mod:`soapbuild.model.formats`): rules scope by role, so they read every format alike.
    """

    name: str
    heading: Heading
    span: Span
    last_line: int
    blocks: tuple[Block, ...]
    label: bool = False
    roles: frozenset[str] = frozenset()

    #: Values that repeat from note to note, read back from the cache or a worker as one
    #: object for all (:mod:`soapbuild.cache.pickles`): a check holds every note at once.
    REPEATED: ClassVar[tuple[str, ...]] = ("name", "roles")


@dataclass(frozen=True, slots=True)
class LabeledLine:
    """A ``Label: value`` line inside an addendum (``Author: …``, ``Reason: …``)."""

    value: str
    span: Span


@dataclass(frozen=True, slots=True)
class Addendum:
    """An ``## Addendum YYYY-MM-DD`` entry after the last section.

    A ``## Signature attestation YYYY-MM-DD`` is one too (``kind``): a dated,
    attributed entry appended by ``soapbuild attest``, the author's signature on a
    note that was submitted without one.
    """

    heading: Heading
    date: Moment | None
    date_text: str
    span: Span
    last_line: int
    blocks: tuple[Block, ...]
    author: LabeledLine | None
    reason: LabeledLine | None
    kind: Literal["addendum", "attestation"] = "addendum"  # a signature attestation


#: Which marks a quotation is in: "…", “…”, '…' or ‘…’.
QuoteMark = Literal["straight", "curly", "single", "single-curly"]


@dataclass(frozen=True, slots=True)
class Quote:
    """Text between quotation marks, marks included: the client's own words."""

    span: Span
    mark: QuoteMark

    #: Values that repeat from note to note, read back from the cache or a worker as one
    #: object for all (:mod:`soapbuild.cache.pickles`): a check holds every note at once.
    REPEATED: ClassVar[tuple[str, ...]] = ("mark",)


class SuppressionKind(StrEnum):
    """The soapbuild comments, by the word after ``soapbuild:``."""

    LINE = "ignore"  # one line
    BLOCK = "disable"  # from the comment to its ``enable`` (or to the end of the file)
    FILE = "ignore-file"  # the whole file
    ENABLE = "enable"  # only kept when it ends no ``disable`` (``codes`` are the unmatched ones)
    UNKNOWN = "unknown"  # ``<!-- soapbuild: WORD … -->`` with a word that is none of these


@dataclass(frozen=True, slots=True)
class Suppression:
    """A soapbuild comment that silences rules on some lines of the note.

    ``<!-- soapbuild: ignore CODE -->`` governs one line: the line it ends when text
    precedes it there, otherwise the next line. ``<!-- soapbuild: disable CODE -->``
    governs from its own line to the line of the ``<!-- soapbuild: enable CODE -->``
    that ends it, or to the end of the file (``last_line`` None); a comment that
    disables several codes ended at different places is one Suppression per end.
    ``<!-- soapbuild: ignore-file CODE -->`` governs every line. ``codes`` may be
    empty: a comment that names no rule (reported, it silences nothing).
    """

    span: Span
    line: int
    codes: tuple[str, ...]
    kind: SuppressionKind = SuppressionKind.LINE
    last_line: int | None = None  # a block's last line; None: to the end of the file
    word: str = "ignore"  # the word as written (for UNKNOWN: what was not understood)

    def governs(self, line: int) -> bool:
        """Whether a finding starting on ``line`` is in this comment's reach."""
        if self.kind is SuppressionKind.FILE:
            return True
        if self.kind is SuppressionKind.LINE:
            return line == self.line
        if self.kind is SuppressionKind.BLOCK:
            return self.line <= line and (self.last_line is None or line <= self.last_line)
        return False


@dataclass(frozen=True, slots=True)
class Body:
    """The Markdown part of a note."""

    start: int
    first_line: int
    blocks: tuple[Block, ...]
    headings: tuple[Heading, ...]
    sections: tuple[Section, ...]
    addenda: tuple[Addendum, ...]
    preamble: tuple[Block, ...]
    quotes: tuple[Quote, ...]
    unbalanced_quotes: tuple[Span, ...]
    code_spans: tuple[Span, ...]
    suppressions: tuple[Suppression, ...] = ()


@dataclass(frozen=True, slots=True)
class Note:
    """One note file, parsed once."""

    path: str
    source: SourceText
    front_matter: Span | None
    header: Header
    body: Body
    key: str | None = None  # path relative to the workspace root; None outside it
    # The prose and the narrative once made (the parse makes them; see :meth:`lean`).
    masks: tuple[str, str] | None = field(default=None, repr=False, compare=False)

    @property
    def prose(self) -> str:
        """The text with everything that is not the clinician's prose blanked, offsets kept."""
        return self._masks()[0]

    @property
    def narrative(self) -> str:
        """``prose`` with the quotations blanked too: the clinician's own words."""
        return self._masks()[1]

    def _masks(self) -> tuple[str, str]:
        made = self.masks
        if made is None:
            from soapbuild.model.body import masks

            made = masks(self.source, self.body)
            object.__setattr__(self, "masks", made)  # made once, as the parse makes them
        return made

    def lean(self) -> Note:
        """This note without its prose and narrative, two more copies of its text that only
        the note-only rules read: what a checker's worker sends back and the cache keeps,
        since a check of a whole practice holds every note at once. Asked for, they are
        made again from the text and the body's blocks and quotations, as the parse made
        them."""
        return replace(self, masks=None)

    @property
    def psychotherapy_notes(self) -> bool:
        """Whether the file is the clinician's psychotherapy notes (``kind:
        psychotherapy-notes``, 45 CFR 164.501): checked, but never part of the record,
        the report or an export, and never a session."""
        return self.header.kind == "psychotherapy-notes"

    def text_of(self, span: Span) -> str:
        return self.source.text[span.start : span.end]

    def section(self, name: str) -> Section | None:
        return next((s for s in self.body.sections if s.name == name), None)

    def section_at(self, offset: int) -> str | None:
        """The name of the section holding ``offset`` (``"Addendum"`` for addenda)."""
        section = self.section_holding(offset)
        if section is not None:
            return section.name
        if any(offset in addendum.span for addendum in self.body.addenda):
            return "Addendum"
        return None

    def section_holding(self, offset: int) -> Section | None:
        """The section of the format that holds ``offset`` (``None`` in the
        preamble and in addenda)."""
        return next((s for s in self.body.sections if offset in s.span), None)

    def sections_with(self, role: str) -> tuple[Section, ...]:
        """The note's sections that play ``role``, in order."""
        return tuple(s for s in self.body.sections if role in s.roles)

    def is_quoted(self, span: Span) -> bool:
        """Whether ``span`` lies inside the client's quoted words."""
        return any(q.span.covers(span) for q in self.body.quotes)
