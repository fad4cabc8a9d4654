"""Named frameworks and spelled-out acronyms: words that name a model, not the client.

"Client reviewed HALT (Hungry, Angry, Lonely, Tired)" uses "Angry" as part of a
relapse-prevention acronym, not as a label of the client. Two readings find
such spans: the frameworks listed in data/vocabulary/frameworks.toml (their
words together, in order), and any acronym written next to its expansion,
whose words' initials spell it. The vocabulary rule drops a match inside one.
Both run only on a note that has a vocabulary match at all.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources

_SEPARATOR = r"(?:[\s,;:/&()\-–—]|\band\b|\bor\b)+"
_ACRONYM = re.compile(r"(?<![A-Za-z])(?:(?:[A-Z]\.){3,8}|[A-Z]{3,8}(?![a-z]))")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_FILLER = frozenset({"and", "or", "of", "the", "a", "an", "to", "for", "in", "with", "on"})
_SENTENCE_END = re.compile(r"[.!?]\s|\n[ \t]*\n")


@cache
def _listed() -> re.Pattern[str]:
    text = resources.files("soapbuild").joinpath("data/vocabulary/frameworks.toml")
    alternatives = []
    for framework in tomllib.loads(text.read_text("utf-8"))["framework"]:
        words = [re.escape(word) for word in framework["words"]]
        least = int(framework.get("min", len(words)))
        # Any run of at least ``least`` of the words, in order.
        runs = [_SEPARATOR.join(words[i:j]) for i in range(len(words))
                for j in range(i + least, len(words) + 1)]
        alternatives.extend(sorted(runs, key=len, reverse=True))
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", re.IGNORECASE)


def framework_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of ``text[start:end]`` that name a framework or spell out an acronym."""
    spans = [(m.start(), m.end()) for m in _listed().finditer(text, start, end)]
    for acronym in _ACRONYM.finditer(text, start, end):
        letters = acronym.group().replace(".", "").lower()
        spans.extend(_expansions(text, acronym, letters, start, end))
    return spans


def _expansions(text: str, acronym: re.Match[str], letters: str, start: int,
                end: int) -> list[tuple[int, int]]:
    """The words next to an acronym (after it, or before it) whose initials spell it."""
    reach = 24 * len(letters)
    after = text[acronym.end():min(end, acronym.end() + reach)]
    stop = _SENTENCE_END.search(after)
    after_words = list(_WORD.finditer(after[:stop.start()] if stop else after))
    found = []
    span = _spelled(after_words, letters)
    if span is not None:
        found.append((acronym.end() + span[0], acronym.end() + span[1]))
    offset = max(start, acronym.start() - reach)
    before = text[offset:acronym.start()]
    breaks = list(_SENTENCE_END.finditer(before))
    if breaks:
        offset += breaks[-1].end()
        before = before[breaks[-1].end():]
    before_words = list(_WORD.finditer(before))
    content = [w for w in before_words if w.group().lower() not in _FILLER]
    tail = content[-len(letters):]
    if len(tail) == len(letters) and "".join(w.group()[0].lower() for w in tail) == letters:
        found.append((offset + tail[0].start(), offset + tail[-1].end()))
    return found


def _spelled(words: list[re.Match[str]], letters: str) -> tuple[int, int] | None:
    content = [w for w in words if w.group().lower() not in _FILLER][:len(letters)]
    if len(content) == len(letters) and "".join(
            w.group()[0].lower() for w in content) == letters:
        return content[0].start(), content[-1].end()
    return None
