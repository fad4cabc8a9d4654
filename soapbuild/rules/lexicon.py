"""Vocabulary as data: terms to flag (and phrases never to flag), matched on prose.

Each entry of a vocabulary file names a term, how it inflects, a suggestion and
its source; optional context patterns narrow it (``after``/``before`` must hold,
``not_after``/``not_before`` must not) and section roles limit where it applies
(``agitated`` is an observation in an observation section, Objective, Data,
Behavior or Response, and a label elsewhere).

Matching is by token, not one giant regular expression: the prose is split into
words once, each word is looked up in a dictionary of first words, and only the
few candidate entries are tried at that position. That keeps the cost flat as
the vocabulary grows, which a 200-way alternation would not.
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from soapbuild.model.note import Section

# Whitespace between the words of a phrase: spaces, or one line break (a soft
# wrap inside a paragraph), never a blank line.
_GAP = r"(?:[ \t]+(?:\r?\n[ \t]*)?|\r?\n[ \t]*)"
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)*(?:-[A-Za-z0-9]+(?:['’][A-Za-z]+)*)*")
# A match must end at a word's end; a possessive 's may follow (the addict's family).
_WORD_AFTER = re.compile(r"[A-Za-z0-9]|[-‐‑][A-Za-z0-9]|['’](?!s\b)[A-Za-z]")
_HYPHENS = str.maketrans({"‐": "-", "‑": "-"})  # typographic and non-breaking hyphens
_CONTEXT = 80  # characters of context the before/after patterns see

BUILTIN_FILES = ("judgment", "absolutes", "hedges")
ENTRY_KEYS = {"term", "code", "inflect", "forms", "suggest", "source", "note", "after",
              "before", "not_after", "not_before", "only_in", "not_in", "case"}


class VocabularyError(Exception):
    """A vocabulary file that cannot be used; the message names the file and the entry."""


class _Pattern:
    """A context pattern's text and flags: what two patterns are equal by."""

    __slots__ = ("flags", "pattern")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags

    def __eq__(self, other: object) -> bool:
        return (type(other) is type(self) and isinstance(other, _Pattern)
                and (self.pattern, self.flags) == (other.pattern, other.flags))

    def __hash__(self) -> int:
        return hash((self.pattern, self.flags))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.pattern!r}, {self.flags})"


class Deferred(_Pattern):
    """A regular expression compiled when first used.

    The built-in vocabulary holds hundreds of patterns, and compiling them all cost
    every run about 0.2 s, more than a git hook checking one note should spend on
    anything: such a note meets a handful of them. The built-in patterns are known
    to compile (the test suite compiles them all); a workspace's own vocabulary file
    is compiled as it is read, so that a bad pattern is reported then.
    """

    __slots__ = ("_compiled",)
    # Kept in the cache with the built-in vocabulary (soapbuild.cache.vocabulary): made
    # again from its text and flags alone, which is all :meth:`__reduce__` gives.
    cache_safe = True

    def __init__(self, pattern: str, flags: int = 0) -> None:
        super().__init__(pattern, flags)
        self._compiled: re.Pattern[str] | None = None

    def __reduce__(self) -> tuple[type[Deferred], tuple[str, int]]:
        return type(self), (self.pattern, int(self.flags))

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled

    def match(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.match(text, pos, endpos)

    def search(self, text: str, pos: int = 0,
               endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.search(text, pos, endpos)


class Linear(_Pattern):
    """A workspace's own context pattern, compiled now and run by RE2.

    Python's ``re`` backtracks: a pattern like ``(a+)+$`` in a vocabulary file that
    ``vocabulary.extend`` names takes time exponential in the words it is tried on,
    and ``check`` would hang on the note (issue 16). RE2 matches in time linear in
    the text, whatever the pattern; what it cannot do in linear time (lookarounds,
    backreferences) it refuses, and so does :func:`_regex`, naming the pattern. Its word
    and space classes and word boundaries are ASCII, which English prose hardly notices. The
    built-in vocabulary's patterns (which use lookaheads) stay on ``re``: they are
    soapbuild's own, and the suite runs them.
    """

    __slots__ = ("compiled",)

    def __init__(self, pattern: str, flags: int = 0) -> None:
        import re2

        super().__init__(pattern, flags)
        options = re2.Options()
        options.case_sensitive = not flags & re.IGNORECASE
        options.log_errors = False  # the error is raised, and reported by the caller
        self.compiled = re2.compile(pattern, options)

    def match(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> object:
        return self.compiled.match(text, pos, min(endpos, len(text)))

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> object:
        return self.compiled.search(text, pos, min(endpos, len(text)))


Context = Deferred | Linear


@dataclass(frozen=True, slots=True)
class Entry:
    """One term to flag (or, in the allowlist, to leave alone)."""

    term: str
    code: str
    suggest: str
    source: str
    forms: tuple[str, ...]
    note: str = ""
    after: Context | None = None
    before: Context | None = None
    not_after: Context | None = None
    not_before: Context | None = None
    only_in: frozenset[str] = frozenset()
    not_in: frozenset[str] = frozenset()
    case_sensitive: bool = False

    def applies_in(self, section: Section | None) -> bool:
        """Whether the entry applies in ``section`` (``None``: outside the sections).

        ``only_in`` and ``not_in`` name section roles (``observation``), so one
        entry reads every format alike; a section name (``Objective``) still
        works, for vocabulary files written before roles.
        """
        scope = frozenset() if section is None else section.roles | {section.name.lower()}
        if self.only_in and not self.only_in & scope:
            return False
        return not self.not_in & scope

    def context_allows(self, text: str, start: int, end: int) -> bool:
        """Check the words around a match against the entry's context patterns."""
        before = text[max(0, start - _CONTEXT):start]
        after = text[end:end + _CONTEXT]
        if self.not_before is not None and self.not_before.search(before):
            return False
        if self.not_after is not None and self.not_after.match(after):
            return False
        if self.before is None and self.after is None:
            return True
        return bool((self.before is not None and self.before.search(before))
                    or (self.after is not None and self.after.match(after)))


@dataclass(frozen=True, slots=True)
class Match:
    """A vocabulary entry found at ``[start, end)`` of the text."""

    entry: Entry
    start: int
    end: int


@dataclass(frozen=True)
class Lexicon:
    """Entries indexed by their possible first word (lower-cased).

    ``_words`` finds only the words that begin some entry, as a regular
    expression shaped like a trie, so the scan over a note runs in the regex
    engine and Python sees a handful of candidates instead of every word.
    """

    entries: tuple[Entry, ...]
    _index: Mapping[str, tuple[tuple[Deferred, Entry], ...]] = field(repr=False)
    _words: re.Pattern[str] = field(repr=False)

    @classmethod
    def build(cls, entries: Iterable[Entry]) -> Lexicon:
        listed = tuple(entries)
        index: dict[str, list[tuple[Deferred, Entry]]] = {}
        for entry in listed:
            pattern = _pattern(entry)
            for key in {_first_word(variant) for form in entry.forms
                        for variant in _variants(form)}:
                index.setdefault(key, []).append((pattern, entry))
        frozen = {key: tuple(sorted(value, key=lambda pe: -len(pe[1].term)))
                  for key, value in index.items()}
        words = trie_pattern(frozen) if frozen else "(?!x)x"
        return cls(listed, frozen, re.compile(
            r"(?<![A-Za-z0-9'’-])(?:" + words + r")(?![A-Za-z0-9]|-[A-Za-z0-9]|['’](?!s\b)[a-z])"))

    def find(self, text: str, start: int = 0, end: int | None = None,
             context: str | None = None) -> Iterator[Match]:
        """Every entry matching at a word start in ``text[start:end]``, longest first.

        The scan for first words runs on a lower-cased copy, case-sensitively:
        a case-insensitive trie costs three times as much. (Lower-casing keeps
        every offset for the alphabets vocabularies use; where it would not, the
        scan falls back to the case-insensitive pattern.)

        ``context`` (same length as ``text``) is what the entries' before/after
        patterns read, when it differs from the text searched.
        """
        around = text if context is None else context
        end = len(text) if end is None else end
        index = self._index
        lowered = text.lower().translate(_HYPHENS)
        if len(lowered) != len(text):
            lowered, words = text, re.compile(self._words.pattern, re.IGNORECASE)
        else:
            words = self._words
        for token in words.finditer(lowered, start, end):
            candidates = index.get(token.group().lower())
            if candidates is None:
                continue
            at = token.start()
            for pattern, entry in candidates:
                found = pattern.match(text, at, end)
                if found is None or _WORD_AFTER.match(text, found.end()):
                    continue
                if entry.context_allows(around, at, found.end()):
                    yield Match(entry, at, found.end())
                    break


def trie_pattern(words: Iterable[str]) -> str:
    """One regular expression for a set of words, sharing their common prefixes."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_node(trie)


def _trie_node(node: dict[str, Any]) -> str:
    ends = "" in node
    branches = [re.escape(char) + _trie_node(child)
                for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ends:
        return "(?:" + body + ")?"
    return body


def _variants(form: str) -> set[str]:
    """``non-compliant`` is also written ``noncompliant`` and ``non compliant``."""
    if "-" not in form:
        return {form}
    return {form, form.replace("-", ""), form.replace("-", " ")}


def _first_word(form: str) -> str:
    token = _TOKEN.match(form)
    return (token.group() if token else form.split()[0]).lower()


def _pattern(entry: Entry) -> Deferred:
    alternatives = []
    for form in sorted(entry.forms, key=len, reverse=True):
        words = [re.escape(word) for word in form.split()]
        parts = [word.replace(r"\-", r"(?:[-‐‑]|" + _GAP + r")?") for word in words]
        alternatives.append(_GAP.join(parts))
    flags = 0 if entry.case_sensitive else re.IGNORECASE
    return Deferred("(?:" + "|".join(alternatives) + ")", flags)


# --- inflection ---------------------------------------------------------------

def inflect(term: str, kind: str) -> tuple[str, ...]:
    """Regular English inflections of a term's head word: enough for vocabulary lists.

    Verbs inflect their first word (``fail to`` → ``failed to``), nouns their
    last (``drug seeker`` → ``drug seekers``). Irregular forms go in ``forms``.
    """
    words = term.split()
    if kind == "verb":
        head, rest = words[0], words[1:]
        forms = {head, _suffix(head, "s"), _suffix(head, "ed"), _suffix(head, "ing")}
        return tuple(sorted(" ".join([form, *rest]) for form in forms))
    if kind == "noun":
        *rest, head = words
        return tuple(sorted({term, " ".join([*rest, _suffix(head, "s")])}))
    return (term,)


def _suffix(word: str, ending: str) -> str:
    if ending == "s":
        if re.search(r"(s|x|z|ch|sh)$", word):
            return word + "es"
        if re.search(r"[^aeiou]y$", word):
            return word[:-1] + "ies"
        return word + "s"
    if re.search(r"[^aeiou]y$", word) and ending == "ed":
        return word[:-1] + "ied"
    if word.endswith("e"):
        return word + "d" if ending == "ed" else word[:-1] + "ing"
    return word + ending


# --- loading ------------------------------------------------------------------

def parse_entries(text: str, origin: str, default_code: str | None = None,
                  builtin: bool = False) -> list[Entry]:
    """Read the ``[[term]]`` tables of one vocabulary file; a workspace's file (not
    ``builtin``) has its context patterns compiled now, to report a bad one."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise VocabularyError(f"{origin}: not valid TOML ({error})") from None
    except RecursionError:
        raise VocabularyError(f"{origin}: not valid TOML (nested too deeply)") from None
    default_code = data.get("code", default_code)
    terms = data.get("term", [])
    if not isinstance(terms, list) or not all(isinstance(raw, dict) for raw in terms):
        raise VocabularyError(f"{origin}: each term must be a [[term]] table with "
                              f"term = \"...\" in it, not term = {terms!r}")
    entries = []
    for number, raw in enumerate(terms, 1):
        where = f"{origin}: term {number} ({raw.get('term', '?')!r})"
        entries.append(_entry(raw, where, default_code, builtin))
    return entries


def _entry(raw: dict[str, Any], where: str, default_code: str | None,
           builtin: bool = False) -> Entry:
    unknown = set(raw) - ENTRY_KEYS
    if unknown:
        raise VocabularyError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    term = raw.get("term")
    if not isinstance(term, str) or not term.strip():
        raise VocabularyError(f"{where}: 'term' must be a non-empty string")
    code = raw.get("code", default_code)
    if not isinstance(code, str):
        raise VocabularyError(f"{where}: no 'code' for the term")
    kind = raw.get("inflect", "none")
    if kind not in ("none", "verb", "noun"):
        raise VocabularyError(f"{where}: 'inflect' must be none, verb or noun")
    forms = set(inflect(term, kind)) | set(_strings(raw.get("forms", []), where, "forms"))
    return Entry(
        term=term,
        code=code,
        suggest=str(raw.get("suggest", "")),
        source=str(raw.get("source", "")),
        note=str(raw.get("note", "")),
        forms=tuple(sorted(forms)),
        after=_regex(raw, "after", where, anchored=True, builtin=builtin),
        before=_regex(raw, "before", where, anchored=False, builtin=builtin),
        not_after=_regex(raw, "not_after", where, anchored=True, builtin=builtin),
        not_before=_regex(raw, "not_before", where, anchored=False, builtin=builtin),
        only_in=frozenset(v.lower() for v in _strings(raw.get("only_in", []), where, "only_in")),
        not_in=frozenset(v.lower() for v in _strings(raw.get("not_in", []), where, "not_in")),
        case_sensitive=raw.get("case") == "sensitive",
    )


def _strings(value: Any, where: str, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise VocabularyError(f"{where}: '{key}' must be a list of strings")
    return value


def _regex(raw: dict[str, Any], key: str, where: str, anchored: bool,
           builtin: bool = False) -> Context | None:
    """Compile a context pattern: ``after`` patterns start right after the match,
    ``before`` patterns must end right before it.

    The value is a pattern, ``"@name"`` (a shared pattern of contexts.toml), or
    a list of either, any of which may hold.
    """
    value = raw.get(key)
    if value is None:
        return None
    parts = value if isinstance(value, list) else [value]
    if not parts or not all(isinstance(part, str) for part in parts):
        raise VocabularyError(f"{where}: '{key}' must be a pattern or a list of patterns")
    named = contexts()
    patterns = []
    for part in parts:
        if part.startswith("@"):
            if part[1:] not in named:
                raise VocabularyError(f"{where}: '{key}' names no shared context {part!r} "
                                      f"(known: {', '.join('@' + n for n in sorted(named))})")
            part = named[part[1:]]
        patterns.append(f"(?:{part})")
    joined = "|".join(patterns)
    if anchored:
        whole = r"[ \t]*(?:\r?\n[ \t]*)?(?:" + joined + ")"
    else:
        whole = "(?:" + joined + r")[ \t]*(?:\r?\n[ \t]*)?$"
    if builtin:
        return Deferred(whole, re.IGNORECASE)
    try:
        re.compile(whole, re.IGNORECASE)
    except re.error as error:
        raise VocabularyError(f"{where}: '{key}' is not a valid pattern ({error})") from None
    import re2

    try:
        return Linear(whole, re.IGNORECASE)
    except re2.error as error:  # a lookaround, a backreference, a pattern too large
        shown = str(value if isinstance(value, str) else parts)
        reason = error.args[0].decode() if error.args and isinstance(error.args[0], bytes) \
            else str(error)
        raise VocabularyError(
            f"{where}: '{key}' = {shown!r} cannot be matched in time linear in the note "
            f"({reason}): a workspace's patterns may not use lookarounds or backreferences, "
            "so that no pattern can make check hang; write the context without them") from None


@cache
def contexts() -> dict[str, str]:
    """The shared context patterns (data/vocabulary/contexts.toml), by name."""
    text = resources.files("soapbuild").joinpath("data/vocabulary/contexts.toml")
    return {name: str(pattern) for name, pattern in tomllib.loads(text.read_text("utf-8")).items()}


_BUILTIN_ENTRIES: list[tuple[Entry, ...]] = []  # parsed, or given by use_builtin_entries


def builtin_entries() -> tuple[Entry, ...]:
    """The vocabulary shipped in ``soapbuild/data/vocabulary``, parsed once per process
    unless :func:`use_builtin_entries` gave it (from the workspace's cache)."""
    if not _BUILTIN_ENTRIES:
        _BUILTIN_ENTRIES.append(parse_builtin_entries())
    return _BUILTIN_ENTRIES[0]


def parse_builtin_entries() -> tuple[Entry, ...]:
    """The vocabulary shipped in ``soapbuild/data/vocabulary``, parsed from its files."""
    folder = resources.files("soapbuild").joinpath("data/vocabulary")
    entries: list[Entry] = []
    for name in BUILTIN_FILES:
        entries += parse_entries(folder.joinpath(f"{name}.toml").read_text("utf-8"),
                                 f"vocabulary/{name}.toml", builtin=True)
    return tuple(entries)


def use_builtin_entries(entries: tuple[Entry, ...]) -> None:
    """Take ``entries`` as the built-in vocabulary (the cache's copy of what
    :func:`parse_builtin_entries` makes of this very soapbuild), unless it was read
    already: a lexicon built from it must not change under a run."""
    if not _BUILTIN_ENTRIES:
        _BUILTIN_ENTRIES.append(entries)


@cache
def builtin_lexicon() -> Lexicon:
    """The built-in vocabulary, for a workspace that neither extends nor removes terms."""
    return Lexicon.build(builtin_entries())


@cache
def builtin_allowlist() -> Lexicon:
    """Clinical phrases that are never flagged, whatever a vocabulary says."""
    text = resources.files("soapbuild").joinpath("data/vocabulary/allowlist.toml")
    return Lexicon.build(parse_entries(text.read_text("utf-8"), "vocabulary/allowlist.toml",
                                       default_code="allow", builtin=True))


def load_lexicon(root: Path, extend: Iterable[str], remove: Iterable[str],
                 known_codes: frozenset[str]) -> Lexicon:
    """The workspace's vocabulary: built-in entries, minus removed terms, plus its files."""
    removed = {term.lower() for term in remove}
    entries = [e for e in builtin_entries() if e.term.lower() not in removed]
    for name in extend:
        path = root / name
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise VocabularyError(f"vocabulary.extend: {path} cannot be read ({error})") from None
        for entry in parse_entries(text, str(path)):
            if entry.code not in known_codes:
                raise VocabularyError(f"{path}: term {entry.term!r}: {entry.code!r} is not a "
                                      "language rule code (see 'soapbuild rules')")
            entries.append(entry)
    return Lexicon.build(entries)
