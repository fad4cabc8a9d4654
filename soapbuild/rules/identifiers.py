"""Identifiers a note should not carry, and whether a value reads as an ID or a name.

The data (data/privacy/) cites HIPAA's minimum-necessary standard (45 CFR
164.502(b)) and the Safe Harbor identifiers (45 CFR 164.514(b)(2)). This module
only reads text; the privacy rule decides what to report, and the renderer asks
:func:`looks_like_id` before it puts a client value into a file name, so that
one judgment serves both.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from soapbuild.rules.anchored import matches_near
from soapbuild.rules.lexicon import trie_pattern

_FLAGS = re.IGNORECASE | re.VERBOSE
_DIGITS = re.compile(r"\d+")
_AT = re.compile(r"@")
_REACH = 40  # how far before its first digit an identifier may start
_EMAIL_REACH = 64  # the longest local part of an e-mail address
# An ID: no spaces, a digit, and no run of more than three letters (C-1042,
# JD-88, 2026-0412); "client-017" or "jdoe88" may hide a name, so they are not.
_ID = re.compile(r"(?=[^\s]*\d)[A-Za-z0-9._#/-]+")
_LETTER_RUN = re.compile(r"[A-Za-z]{4,}")
_NAME_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))*")
# First Last, with a hyphenated or particled surname (Ana García-López, Liam O'Brien).
_FULL_NAME = re.compile(
    r"(?<![\w'’-])(?P<first>[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’]+(?:-[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’]+)?)[ \t]+"
    r"(?:[A-Z]\.[ \t]+)?"
    r"(?P<last>(?:Mc|Mac|O['’]|D['’]|De|Di|Da|Le|La|Van|Von|St\.?[ \t]?)?"
    r"[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’]+(?:-[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’]+)?)(?![\w'’-])")


@dataclass(frozen=True, slots=True)
class Identifier:
    """An identifier found at ``[start, end)``: its rule, what it is, and the advice."""

    start: int
    end: int
    code: str
    kind: str
    suggest: str


@dataclass(frozen=True, slots=True)
class _Kind:
    code: str
    kind: str
    suggest: str
    pattern: re.Pattern[str]


@cache
def _data() -> dict[str, Any]:
    text = resources.files("soapbuild").joinpath("data/privacy/privacy.toml").read_text("utf-8")
    return tomllib.loads(text)


@dataclass(frozen=True, slots=True)
class _Scan:
    """The identifier patterns joined in two scans: those near a digit, and e-mail
    addresses near an "@"; with the words a digit pattern may start with."""

    kinds: tuple[_Kind, ...]
    digits: re.Pattern[str]
    at: re.Pattern[str]
    starts: re.Pattern[str]
    public: re.Pattern[str]


@cache
def _scan() -> _Scan:
    data = _data()
    kinds = tuple(_Kind(entry["code"], entry["kind"], entry["suggest"],
                        re.compile(entry["pattern"], _FLAGS)) for entry in data["identifier"])
    by_anchor: dict[bool, list[str]] = {True: [], False: []}
    for index, (entry, kind) in enumerate(zip(data["identifier"], kinds, strict=True)):
        by_anchor[entry.get("anchor") == "@"].append(f"(?P<k{index}>{kind.pattern.pattern})")
    words = [w for entry in data["identifier"] for w in entry.get("starts", [])]
    starts = re.compile(r"(?<![a-z0-9])(?:[0-9(+#]|" + trie_pattern(words) + ")")
    return _Scan(kinds, re.compile("|".join(by_anchor[False]), _FLAGS),
                 re.compile("|".join(by_anchor[True]), _FLAGS), starts,
                 re.compile(data["public_numbers"]["pattern"], _FLAGS))


def identifiers(text: str, start: int, end: int) -> Iterator[Identifier]:
    """Social security, record and account numbers, dates of birth, phone numbers,
    e-mail and street addresses in ``text[start:end]``.

    Every identifier holds a digit or an "@", so the patterns are tried only
    near those, at the words they may start with (rules/anchored.py).
    """
    scan = _scan()
    lowered = text.lower() if len(text.lower()) == len(text) else text
    near_digits = matches_near(scan.digits, _DIGITS.finditer(text, start, end), text, end,
                               _REACH, scan.starts, lowered)
    near_at = matches_near(scan.at, _AT.finditer(text, start, end), text, end, _EMAIL_REACH)
    taken = -1
    for match in sorted([*near_digits, *near_at], key=lambda m: m.start()):
        if match.start() < taken:
            continue
        kind = scan.kinds[int(match.lastgroup[1:])]  # type: ignore[index]
        if kind.kind == "a phone number" and scan.public.search(match.group()):
            continue  # 988, a toll-free help line
        taken = match.end()
        yield Identifier(match.start(), match.end(), kind.code, kind.kind, kind.suggest)


@cache
def given_names() -> frozenset[str]:
    """The given names of data/privacy/given_names.txt, case-folded."""
    text = resources.files("soapbuild").joinpath("data/privacy/given_names.txt")
    return frozenset(line.strip().casefold() for line in text.read_text("utf-8").splitlines()
                     if line.strip() and not line.startswith("#"))


def looks_like_id(value: str) -> bool:
    """Whether a client value reads as an identifier (C-1042) rather than a name.

    Only such a value may appear in an output file name.
    """
    text = value.strip()
    return bool(_ID.fullmatch(text)) and not _LETTER_RUN.search(text)


def looks_like_name(value: str) -> bool:
    """Whether a client value reads as a person's name: "Jane Doe", "Doe, Jane",
    or a single given name ("Jane"). A value with a digit is an ID."""
    text = value.strip()
    if not text or any(c.isdigit() for c in text):
        return False
    words = [w for w in re.split(r"[\s,]+", text) if w]
    if not all(_NAME_WORD.fullmatch(w) for w in words) or not 1 <= len(words) <= 4:
        return False
    if len(words) == 1:
        return words[0].casefold() in given_names()
    return all(len(w) >= 2 for w in words) and not all(w.isupper() for w in words)


def is_group_note(service_code: str | None, text: str, start: int, end: int) -> bool:
    """A group note: a group service code, or words that say so ("group members")."""
    group = _data()["group"]
    if service_code is not None and service_code.strip().upper() in group["service_codes"]:
        return True
    if "roup" not in text[start:end]:  # Group, group: the words need the word
        return False
    return _group_words().search(text, start, end) is not None


@cache
def _group_words() -> re.Pattern[str]:
    return re.compile(_data()["group"]["pattern"], re.IGNORECASE)


@cache
def _name_cues() -> tuple[frozenset[str], re.Pattern[str], re.Pattern[str]]:
    names = _data()["names"]
    return (frozenset(w.casefold() for w in names["not_surnames"]),
            re.compile(names["credentials"], re.IGNORECASE),
            re.compile(names["professional_before"], re.IGNORECASE))


def full_names(text: str, start: int, end: int,
               except_names: frozenset[str] = frozenset()) -> Iterator[tuple[int, int]]:
    """Spans of "First Last" names of people in ``text[start:end]``: the first word
    a given name, the second a capitalised word that is not a day, month or skill.
    Professionals (Dr. Ana Lee; Sam Ortiz, LCSW) and ``except_names`` are left out."""
    given = given_names()
    not_surnames, credentials, professional = _name_cues()
    for match in _FULL_NAME.finditer(text, start, end):
        first, last = match.group("first"), match.group("last")
        if first.casefold() not in given or last.casefold() in not_surnames:
            continue
        if " ".join(match.group().split()).casefold() in except_names:
            continue
        if credentials.match(text, match.end()) or professional.search(
                text, max(start, match.start() - 40), match.start()):
            continue
        yield match.start(), match.end()
