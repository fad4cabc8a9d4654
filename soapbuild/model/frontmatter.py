"""Splitting and reading the YAML front matter of a note, with positions.

python-frontmatter returns values but no positions, and PyYAML's constructors
read ``0042`` as octal and ``no`` as false; soapbuild needs the line of every
field and its own typing, so it composes the YAML node tree (with libyaml when
present) and reads the scalars itself. Nothing here ever constructs Python
objects from YAML, so anchors and aliases (the "billion laughs" bomb) cannot
expand; they are refused outright because a note has no use for them.

Nesting is limited by soapbuild, not left to the YAML library: libyaml stops at
its own limit since PyYAML 6.0.4 (a syntax error, R006), older builds recurse
until the C stack overflows, and the pure-Python composer hits Python's
recursion limit near 500 levels. Refusing everything past :data:`MAX_DEPTH`
levels first, with R009, gives the same finding with every PyYAML.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import yaml

from soapbuild.model.findings import Hit
from soapbuild.model.note import RawField, Span
from soapbuild.model.source import SourceText

#: The rule codes this module reports: front matter that cannot be read.
CODES = frozenset({"R005", "R006", "R007", "R009", "R010"})

try:  # libyaml is several times faster; the pure-Python loader is the fallback.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_OPEN = re.compile(r"---[ \t]*\r?(\n|$)")
_CLOSE = re.compile(r"^(---|\.\.\.)[ \t]*\r?$", re.M)
MAX_NODES = 2_000
MAX_DEPTH = 100
"""How deeply a value may nest lists and maps (``x: [[1]]`` is 2; ``services:`` needs 3)."""
_INDENT = re.compile(r"^[ \t?:-]*", re.M)
ITEM_DEPTH = 4
"""How many levels of a value's lists and maps keep their items (``services:`` -> an
entry -> its ``modifiers`` -> one modifier is 4); deeper values keep only their kind."""

_NULL_TAG = "tag:yaml.org,2002:null"
_RESOLVER = yaml.resolver.Resolver()
_YAML_KINDS = {"int": "a number", "float": "a number", "bool": "a boolean",
               "timestamp": "a date", "null": "nothing (null)"}


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """Where the front matter is and what it holds."""

    span: Span | None  # the whole block, fences included
    content: Span | None  # between the fences
    fields: tuple[RawField, ...]
    body_start: int
    problems: tuple[Hit, ...]


def read_front_matter(source: SourceText) -> FrontMatter:
    """Find the ``---`` fenced block at the top of the note and read its fields."""
    text = source.text
    opening = _OPEN.match(text)
    if opening is None:
        hit = Hit("R005", None, "The note has no front matter: it must start with a '---' line.",
                  "Add the front matter (client, clinician, session_date, occurred) between "
                  "'---' lines at the top of the file.")
        return FrontMatter(None, None, (), 0, (hit,))
    start = opening.end()
    closing = _CLOSE.search(text, start)
    if closing is None:
        hit = Hit("R010", Span(0, opening.end()),
                  "The front matter is never closed: no '---' line follows the opening one.",
                  "Add a line with '---' after the last field.")
        return FrontMatter(Span(0, len(text)), Span(start, len(text)), (), len(text), (hit,))
    body_start = closing.end()
    if body_start < len(text) and text[body_start] == "\n":
        body_start += 1
    content = Span(start, closing.start())
    fields, problems = _read_fields(text[content.start:content.end], content.start, source)
    return FrontMatter(Span(0, body_start), content, fields, body_start, problems)


def _read_fields(
    yaml_text: str, base: int, source: SourceText
) -> tuple[tuple[RawField, ...], tuple[Hit, ...]]:
    if not yaml_text.strip():
        return (), ()
    too_deep = _too_deep(yaml_text)
    if too_deep is not None:
        offset = min(base + too_deep, len(source.text))
        return (), (Hit("R009", Span(offset, offset + 1),
                        f"The front matter nests lists or maps more than {MAX_DEPTH} levels "
                        "deep; a note needs none of that.", "Write every value out in full."),)
    try:
        root = yaml.compose(yaml_text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        offset = _offset(source, base, mark)
        problem = (error.problem or error.context or "invalid YAML").strip()
        return (), (Hit("R006", Span(offset, offset + 1),
                        f"The front matter is not valid YAML: {problem}.",
                        "Write each field as 'name: value' on its own line; quote values "
                        "that contain ':' or '#'."),)
    except (yaml.YAMLError, RecursionError, ValueError) as error:
        return (), (Hit("R006", Span(base, base + 1),
                        f"The front matter is not valid YAML: {type(error).__name__}."),)
    if root is None:
        return (), ()
    if not isinstance(root, yaml.MappingNode):
        offset = _offset(source, base, root.start_mark)
        kind = "a list" if isinstance(root, yaml.SequenceNode) else "a single value"
        return (), (Hit("R007", Span(offset, offset + 1),
                        f"The front matter is {kind}, not a set of 'name: value' fields."),)
    bomb = _find_alias(root)
    if bomb is not None:
        offset = _offset(source, base, bomb.start_mark)
        return (), (Hit("R009", Span(offset, offset + 1),
                        "The front matter uses YAML aliases ('*name') or holds more than "
                        f"{MAX_NODES} values; a note needs neither.",
                        "Write every value out in full."),)
    def span(node: yaml.Node) -> Span:
        start = _offset(source, base, node.start_mark)
        return Span(start, max(_offset(source, base, node.end_mark), start))

    return tuple(_raw_field(_key_name(key), value, span(key), span, 1)
                 for key, value in root.value), ()


def _key_name(node: yaml.Node) -> str:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else str(node.tag)


def _raw_field(name: str, node: yaml.Node, key_span: Span,
               span: Callable[[yaml.Node], Span], depth: int) -> RawField:
    """One value with its position; lists and maps with their items down to ITEM_DEPTH.

    The depth is bounded (and the node count by MAX_NODES), so the recursion is too.
    """
    value_span = span(node)
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _NULL_TAG and not node.style:
            return RawField(name, None, "null", False, key_span, value_span)
        return RawField(name, str(node.value), "scalar", bool(node.style), key_span, value_span)
    deeper = depth < ITEM_DEPTH
    if isinstance(node, yaml.SequenceNode):
        items = tuple(_raw_field(str(number), item, span(item), span, depth + 1)
                      for number, item in enumerate(node.value, 1)) if deeper else ()
        return RawField(name, None, "sequence", False, key_span, value_span, items)
    entries = tuple(_raw_field(_key_name(key), value, span(key), span, depth + 1)
                    for key, value in node.value) if deeper else ()
    return RawField(name, None, "mapping", False, key_span, value_span, entries)


def yaml_reading(text: str) -> str | None:
    """What a YAML 1.1 reader (PyYAML, python-frontmatter, many editors' plugins) makes
    of ``text`` written plain, unquoted, when that is not text: "a number", "true or
    false", "a date"; ``None`` when it reads it as text.

    soapbuild types the front matter itself and reads ``0042`` as written; other
    tools reading the same note would see the octal number 34.
    """
    tag: str = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return _YAML_KINDS.get(tag.rsplit(":", 1)[-1])


def _too_deep(text: str) -> int | None:
    """The index of the character where a value first nests past MAX_DEPTH levels, if any.

    Each level opens a bracket (``[``, ``{``) or, in block style, sits at least
    one column further in every second level (a list may start at its key's
    column); so the brackets plus twice the widest indentation bound the depth,
    and the YAML events are only counted when that bound is over the limit.
    They are counted with the pure-Python parser, which neither recurses nor
    has a limit of its own (libyaml's scanner, reading ahead, would stop at
    its limit before the events got here), and which honours quotes: a bracket
    in a quoted value opens nothing.
    """
    widest = max(len(indent) for indent in _INDENT.findall(text))
    if text.count("[") + text.count("{") + 2 * widest + 2 <= MAX_DEPTH:
        return None
    depth = -1  # the fields themselves are the top-level map, level 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    return int(mark.index) if mark is not None else 0
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None  # not valid YAML before it got too deep: composing reports the error
    return None


def _find_alias(root: yaml.Node) -> yaml.Node | None:
    """Return a node reached twice (an alias) or the node past the size limit."""
    seen: set[int] = set()
    stack: list[yaml.Node] = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen or len(seen) >= MAX_NODES:
            return node
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return None


def _offset(source: SourceText, base: int, mark: yaml.Mark | None) -> int:
    """Turn a YAML mark into a file offset.

    The mark's character index is used, not its line and column: YAML counts
    U+2028, U+2029 and U+0085 as line breaks, which an editor (and
    :class:`SourceText`) does not.
    """
    if mark is None:
        return base
    return min(base + mark.index, len(source.text))
