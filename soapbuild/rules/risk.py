"""Risk of harm, read the way a clinician reads it (data/risk.toml).

A note's text is scanned once for risk statements: risk phrases (suicidal
ideation, self-harm, a firearm at home), stated risk levels (risk is low) and
screening results (PHQ-9 item 9, C-SSRS). Each phrase is then read from the
words around it, in its own clause, the way NegEx reads clinical findings:

* negated before ("denies SI", "no firearms") or after ("SI: denied",
  "history of SI, none currently", "self-harm at age 15, none since");
* history ("history of self-harm", "SI in the past") unless current again;
* someone else's ("her father died by suicide"), except means (a father's gun
  is still within reach) and first-person words ("kill myself");
* a topic rather than a finding ("screened for SI", "discussed suicide");
* a weak phrase (a bare "SI") is present only with a cue: "endorses passive SI".

The client's quoted words are read too: a quote is often the clearest risk
statement in a note. The reader is pure and has no idea of sections; the
completeness rule decides where it looks.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

from soapbuild.rules.anchored import matches_near
from soapbuild.rules.lexicon import trie_pattern

Kind = Literal["ideation", "behavior", "means", "concern", "level", "screen"]
Status = Literal["present", "denied", "history", "topic", "someone-else", "low", "elevated"]

_FLAGS = re.IGNORECASE | re.VERBOSE
_CLAUSE = 60  # characters of a clause read before and after a phrase
_REACH = 80  # how far before its anchor word a phrase may start
_FIRST_PERSON = re.compile(r"\b(?:I|me|my|myself)\b")
_CLAUSE_END = re.compile(r"[.;!?]|\n[ \t]*\n")
_NEGATING_VALUE = ("no", "not", "denies", "without")


@dataclass(frozen=True, slots=True)
class RiskStatement:
    """One statement about risk of harm, at ``[start, end)`` of the text."""

    start: int
    end: int
    kind: Kind
    status: Status
    name: str = ""  # the screening tool, for a screen

    @property
    def addresses_risk(self) -> bool:
        """A level, a screening result, or the client's status on a risk: what C001 asks for."""
        return self.status in ("present", "denied", "low", "elevated")

    @property
    def raises_risk(self) -> bool:
        """Risk present now: what asks for a safety step in the Plan (C003)."""
        return self.status in ("present", "elevated")


@dataclass(frozen=True, slots=True)
class _Piece:
    kind: Kind
    pattern: re.Pattern[str]
    strong: bool = True
    name: str = ""


@dataclass(frozen=True, slots=True)
class RiskReader:
    """The compiled risk vocabulary: one scan per text, then cues read per phrase."""

    pieces: tuple[_Piece, ...]
    anchors: re.Pattern[str]
    starts: re.Pattern[str]
    scan: re.Pattern[str]
    low: frozenset[str]
    elevated: frozenset[str]
    level_not_before: re.Pattern[str]
    cues: dict[str, re.Pattern[str]]
    safety: re.Pattern[str]

    def read(self, text: str, start: int, end: int,
             lowered: str | None = None) -> list[RiskStatement]:
        """Every risk statement in ``text[start:end]``, in order.

        The patterns are tried only at the word starts shortly before each
        anchor word (every pattern holds one), found on ``lowered``
        (``text.lower()``, passed in when the caller reads several sections of
        one text): a note costs one trie scan and a few anchored matches.
        """
        low = text.lower() if lowered is None else lowered
        found = []
        anchors = self.anchors.finditer(low, start, end)
        for match in matches_near(self.scan, anchors, text, end, _REACH, self.starts, low):
            piece = self.pieces[int(match.lastgroup[1:])]  # type: ignore[index]
            statement = self._read(piece, text, match.start(), match.end(), start, end)
            if statement is not None:
                found.append(statement)
        return found

    def has_safety_step(self, text: str, start: int, end: int) -> bool:
        return self.safety.search(text, start, end) is not None

    def _read(self, piece: _Piece, text: str, at: int, until: int,
              floor: int, ceiling: int) -> RiskStatement | None:
        before, after = _clause(text, at, until, floor, ceiling)
        if piece.kind in ("level", "screen"):
            value = piece.pattern.match(text, at, until)
            word = " ".join(value.group("value").lower().split()) if value and value.group(
                "value") else ""
            if piece.kind == "level" and self.level_not_before.search(before):
                return None
            status = self._value(word, piece.kind)
            return RiskStatement(at, until, piece.kind, status, piece.name)
        return RiskStatement(at, until, piece.kind, self._status(piece, text[at:until],
                                                                 before, after))

    def _value(self, word: str, kind: Kind) -> Status:
        if word.isdigit():
            return "elevated" if int(word) > 0 else "low"
        if word in self.low or word.split(" ")[0] in _NEGATING_VALUE or word == "not endorsed":
            return "low"
        if word in self.elevated or word == "endorsed" or word.startswith("positive"):
            return "elevated"
        return "elevated" if kind == "level" else "low"

    def _status(self, piece: _Piece, words: str, before: str, after: str) -> Status:
        cue = self.cues
        if piece.kind != "means" and not _FIRST_PERSON.search(words) and (
                cue["someone_else_before"].search(before)
                or cue["someone_else_after"].match(after)):
            return "someone-else"
        if _near(cue["negation_before"], before, 6) or cue["negation_after"].match(after):
            return "denied"
        if piece.kind == "means" and cue["means_secured"].match(after):
            return "denied"
        current = cue["current"].search(after) is not None
        history = _near(cue["history_before"], before, 8)
        if history is not None and not cue["current"].search(before, history.end()):
            return "present" if current else "history"
        if cue["history_after"].match(after) and not current:
            return "history"
        adjacent = cue["positive_before"].search(before) or cue["positive_after"].match(after)
        if cue["neutral_before"].search(before) and not adjacent and not current:
            return "topic"
        return "present" if piece.strong or adjacent else "topic"


def _near(pattern: re.Pattern[str], before: str, words: int) -> re.Match[str] | None:
    """The last match of a cue that ends at most ``words`` words before the phrase
    (NegEx reads a window of a few words, not the whole clause)."""
    last = _last(pattern, before)
    if last is None or len(before[last.end():].split()) > words:
        return None
    return last


def _last(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    matches = list(pattern.finditer(text))
    return matches[-1] if matches else None


def _clause(text: str, at: int, until: int, floor: int, ceiling: int) -> tuple[str, str]:
    """The words of the phrase's clause before it and after it (at most _CLAUSE each)."""
    window = text[max(floor, at - _CLAUSE):at]
    ends = list(_CLAUSE_END.finditer(window))
    if ends:
        window = window[ends[-1].end():]
    stop = _CLAUSE_END.search(text, until, min(ceiling, until + _CLAUSE))
    after = text[until:stop.start() if stop else min(ceiling, until + _CLAUSE)]
    return _after_terminator(window), after


@cache
def _terminators() -> re.Pattern[str]:
    return re.compile(_data()["cues"]["terminators"], _FLAGS)


def _after_terminator(before: str) -> str:
    """What follows the last clause terminator ("denies SI but reports …")."""
    last = _last(_terminators(), before)
    return before[last.end():] if last is not None else before


@cache
def _data() -> dict[str, Any]:
    text = resources.files("soapbuild").joinpath("data/risk.toml").read_text("utf-8")
    return tomllib.loads(text)


def _words(values: list[str]) -> str:
    ordered = sorted(values, key=len, reverse=True)
    return "(?:" + "|".join(r"\s+".join(map(re.escape, v.split())) for v in ordered) + r")\b"


@cache
def risk_reader() -> RiskReader:
    """The risk vocabulary of data/risk.toml, compiled once."""
    data = _data()
    level = data["level"]
    levels = data["levels"]
    names = {"level": _words(levels["low"] + levels["elevated"]), "qualifier": level["qualifier"],
             "harm": level["harm"], "not_after": level["not_after"]}
    pieces: list[_Piece] = []
    for pattern in level["patterns"]:
        for key, value in names.items():
            pattern = pattern.replace(f"<<{key}>>", value)
        pieces.append(_Piece("level", re.compile(pattern, _FLAGS)))
    for screen in data["screen"]:
        pieces.append(_Piece("screen", re.compile(screen["pattern"], _FLAGS), name=screen["name"]))
    for phrase in data["phrase"]:
        pieces.append(_Piece(phrase["kind"], re.compile(phrase["pattern"], _FLAGS),
                             phrase["strength"] == "strong"))
    alternatives = [f"(?P<g{index}>{_unnamed(piece.pattern.pattern)})"
                    for index, piece in enumerate(pieces)]
    scan = re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(alternatives) + r")(?![A-Za-z0-9])",
                      _FLAGS)
    cues = {name: re.compile(value, _FLAGS) for name, value in data["cues"].items()}
    anchors = re.compile(r"(?<![a-z0-9])" + trie_pattern(data["scan"]["anchors"]))
    words = "|".join(re.escape(word) for word in data["scan"]["whole_words"])
    starts = re.compile(r"(?<![a-z0-9])(?:" + trie_pattern(data["scan"]["starts"])
                        + r"|(?:" + words + r")(?![a-z0-9]))")
    return RiskReader(tuple(pieces), anchors, starts, scan, frozenset(levels["low"]),
                      frozenset(levels["elevated"]),
                      re.compile(level["not_before"], _FLAGS), cues,
                      re.compile(data["safety"]["pattern"], _FLAGS))


def _unnamed(pattern: str) -> str:
    """The pattern without its named groups, to join it with others in one scan."""
    return pattern.replace("(?P<value>", "(?:")
