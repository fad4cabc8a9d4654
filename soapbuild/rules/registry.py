"""The rule registry: every rule's code, family, default severity and documentation.

Rule documentation is data (``data/rules/*.toml``, one file per family) with
fixed parts, as Ruff keeps one page per rule: a summary, what the rule finds,
why it matters, and examples of notes it flags and notes it passes. The
examples are executed by the test suite, so documentation cannot drift from
behaviour, and a rule without examples fails the build.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from soapbuild.model.severity import Severity

FAMILY_ORDER = ("input", "fields", "sections", "addenda", "timeliness", "billing", "locking",
                "signatures", "supervision", "diagnosis", "plans", "copied", "judgment",
                "absolutes", "hedges", "quotation", "completeness", "privacy", "suppression")
LANGUAGE_FAMILIES = ("judgment", "absolutes", "hedges")


@dataclass(frozen=True, slots=True)
class Example:
    """A note (or a situation) used to show and test a rule."""

    text: str
    now: str | None = None
    settings: str | None = None  # TOML text of a soapbuild.toml
    setup: str | None = None  # "directory": a folder; "deleted": deleted after a first check;
    #                           "outside": a symlink to a file outside the workspace;
    #                           "folder": the whole notes folder is checked
    encoding: str = "utf-8"
    pad_bytes: int = 0  # append this many bytes of filler (for the size limit)
    before: str | None = None  # the note as first checked (then changed to ``text``)
    earlier: str | None = None  # another, earlier note checked alongside
    schedule: str | None = None  # a schedule.csv; the whole notes folder is then checked
    committed: str | None = None  # the workspace is a git repository; the note committed then
    plan: str | None = None  # the client's treatment plan, notes/<its client>/plan.md


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule's stable identity and its documentation page."""

    code: str
    name: str
    family: str
    severity: Severity
    summary: str
    what: str
    why: str
    fix: str
    sources: tuple[str, ...]
    message: str  # for vocabulary rules: "{text}" is the phrase found, "{term}" the entry
    flagged: tuple[Example, ...]
    passes: tuple[Example, ...]
    # False for what no comment, setting or option may silence: a file that cannot be
    # read (R), a change to a locked note (K001), the suppression findings themselves.
    suppressible: bool = True


def _example(entry: dict[str, Any]) -> Example:
    return Example(**entry)


def _rule(code: str, family: str, entry: dict[str, Any]) -> Rule:
    return Rule(
        code=code,
        name=entry["name"],
        family=family,
        severity=Severity(entry["severity"]),
        summary=entry["summary"],
        what=entry["what"].strip(),
        why=entry["why"].strip(),
        fix=entry.get("fix", "").strip(),
        sources=tuple(entry.get("sources", ())),
        message=entry.get("message", ""),
        flagged=tuple(_example(e) for e in entry.get("flagged", ())),
        passes=tuple(_example(e) for e in entry.get("passes", ())),
        suppressible=entry.get("suppressible", True),
    )


@cache
def all_rules() -> dict[str, Rule]:
    """Every rule by code, in family order then code order."""
    folder = resources.files("soapbuild").joinpath("data/rules")
    rules: list[Rule] = []
    for family in FAMILY_ORDER:
        data = tomllib.loads(folder.joinpath(f"{family}.toml").read_text("utf-8"))
        rules.extend(_rule(code, family, entry) for code, entry in data.items())
    return {rule.code: rule for rule in sorted(rules, key=_order)}


def _order(rule: Rule) -> tuple[int, str]:
    return FAMILY_ORDER.index(rule.family), rule.code


@dataclass(frozen=True, slots=True)
class PageHeads:
    """What every command needs of the rule pages, read from their lines without parsing
    them: each family's codes (the ``[T001]`` table headers) and the codes whose table
    says ``suppressible = false``. Parsing all 19 pages cost each run (a commit's hook
    too) tens of milliseconds (issue 15); tests/test_registry.py holds this to
    :func:`all_rules`."""

    families: dict[str, frozenset[str]]
    unsuppressible: frozenset[str]


@cache
def page_heads() -> PageHeads:
    folder = resources.files("soapbuild").joinpath("data/rules")
    families: dict[str, frozenset[str]] = {}
    fixed: set[str] = set()
    for family in FAMILY_ORDER:
        codes: list[str] = []
        for line in folder.joinpath(f"{family}.toml").read_text("utf-8").splitlines():
            header = _CODE_TABLE.fullmatch(line)
            if header is not None:
                codes.append(header.group(1))
            elif codes and _FIXED.fullmatch(line):
                fixed.add(codes[-1])
        families[family] = frozenset(codes)
    return PageHeads(families, frozenset(fixed))


def codes_by_family() -> dict[str, frozenset[str]]:
    """Every rule's code by family (:func:`page_heads`)."""
    return page_heads().families


_CODE_TABLE = re.compile(r"\[([A-Z][0-9]{3})\][ \t]*")
_FIXED = re.compile(r"suppressible[ \t]*=[ \t]*false[ \t]*")


def known_codes() -> frozenset[str]:
    return frozenset().union(*codes_by_family().values())


def vocabulary_codes() -> frozenset[str]:
    """Codes a vocabulary entry may carry: the judgment, absolutes and hedges rules."""
    return frozenset().union(*(codes for family, codes in codes_by_family().items()
                               if family in LANGUAGE_FAMILIES))


class SelectorError(ValueError):
    """A ``--select``/``--ignore`` value that names no rule; the message has a suggestion."""


def expand(selectors: Iterable[str], option: str) -> frozenset[str]:
    """The codes that ``selectors`` name: codes (``J002``), families (``judgment``) or
    code prefixes (``J``, ``J00``), each possibly a comma-separated list.

    Raises :class:`SelectorError` naming the option and the closest valid name,
    as a settings error does.
    """
    rules = all_rules()
    families = {rule.family for rule in rules.values()}
    codes: set[str] = set()
    for selector in selectors:
        for item in (part.strip() for part in selector.split(",")):
            if not item:
                continue
            if item.lower() in families:
                codes.update(c for c, r in rules.items() if r.family == item.lower())
                continue
            named = {code for code in rules if code.startswith(item.upper())}
            if not named:
                close = (difflib.get_close_matches(item.lower(), sorted(families), n=1)
                         or difflib.get_close_matches(item.upper(), list(rules), n=1))
                hint = f"; did you mean {close[0]}?" if close else "; 'soapbuild rules' lists them"
                raise SelectorError(f"{option} {item}: not a rule code, family or code "
                                    f"prefix{hint}")
            codes.update(named)
    return frozenset(codes)


ALWAYS_REPORTED = ("problems reading a note, changes to a locked note and the suppression "
                   "findings are always reported")


def unsuppressible_codes() -> frozenset[str]:
    """Codes that are always reported (see :attr:`Rule.suppressible`; :func:`page_heads`)."""
    return page_heads().unsuppressible
