"""Many patterns over a note, tried only where they can match.

A big alternation of case-insensitive patterns costs its full price at every
position of the text, because Python's regex engine cannot skip ahead to a
likely start. But each pattern of the risk reader and of the identifiers holds
an anchor (a word such as "suicid" or "risk", a digit, an "@") that one cheap
scan finds. The pattern is then tried only at the word starts shortly before
each anchor, and the leftmost match that reaches the anchor is taken: the same
matches as a scan of the whole text (tests/test_risk.py and
tests/test_identifiers.py hold the two to that), at a fraction of the cost.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

_WORD_START = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9+(#]")


def matches_near(pattern: re.Pattern[str], anchors: Iterable[re.Match[str]], text: str,
                 end: int, reach: int, starts: re.Pattern[str] | None = None,
                 lowered: str | None = None) -> Iterator[re.Match[str]]:
    """The matches of ``pattern`` in ``text`` (up to ``end``) that reach an anchor,
    each starting at most ``reach`` characters before it, in order, never overlapping.

    ``starts``, searched in ``lowered`` (``text.lower()``), finds the places a
    match can begin (the first words of the patterns, at a word start); without
    it every word start is tried.
    """
    covered = 0
    for anchor in anchors:
        if anchor.start() < covered:
            continue
        low = max(covered, anchor.start() - reach)
        places = (starts.finditer(lowered, low, end)
                  if starts is not None and lowered is not None
                  else _WORD_START.finditer(text, low, end))
        for word in places:
            if word.start() > anchor.start():
                break
            match = pattern.match(text, word.start(), end)
            if match is None or match.end() <= anchor.start():
                continue
            yield match
            covered = match.end()
            break
