"""The labelled language corpus: precision and recall of the language checks, per family.

``tests/data/language_corpus.toml`` holds sentences and short notes of fictional
outpatient-therapy prose, each labelled with what must and what must not be
flagged (SPEC 4.2 and 4.5). The labels were written from the specification and
the domain research, not from the tool's output, so this file measures the
rules rather than describing them.

Each item is placed in an otherwise clean SOAP note (after the neutral sentence
of its section, as a paragraph of its own) or, for whole-note items, its
``note`` body is used with the standard front matter. The note is parsed and
checked in-process, and every finding is mapped back to the item by offset.

Scoring, per family (judgment, absolutes, hedges, quotation, completeness,
privacy):

* a labelled phrase is found (TP) when a finding of the same family overlaps it;
  whether the exact rule code matched is reported separately;
* a labelled phrase that no finding of its family overlaps is a miss (FN);
* a finding of the family that overlaps no label of that family is a false
  alarm (FP), wherever it lies in the note;
* completeness hints are note-level: a C label matches a finding of the same
  code anywhere in the note, and completeness is scored only on whole-note
  items, on items that carry a C label and on items tagged "risk";
* the client-name rule (P004) is about the front matter: an item's ``client``
  replaces the client ID, and a P004 label names a phrase of it.

Items tagged "hard-negative" are written to look like a finding and must
produce none, in any family.

Precision and recall must both reach :data:`BAR` in every family. Run this file
directly (``python tests/test_language_corpus.py``) for the full report.
"""

from __future__ import annotations

import re
import sys
import tempfile
import tomllib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from soapbuild.checker import check_result
from soapbuild.model.findings import Finding
from soapbuild.model.formats import builtin_formats
from soapbuild.model.parse import parse_note
from soapbuild.rules.context import Context
from soapbuild.settings import Settings

CORPUS = Path(__file__).parent / "data" / "language_corpus.toml"
TZ = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=TZ)
BAR = 0.95
MIN_ITEMS = 440
MIN_LABELS_PER_CODE = 3

FRONT_MATTER = (
    "---\n"
    "client: C-1001\n"
    "clinician: Jordan Rivera, LCSW\n"
    "session_date: 2026-11-20 15:00\n"
    "occurred: true\n"
    "submitted: 2026-11-21 09:00\n"
    'service_code: "90791"\n'
    "---\n"
)
#: One neutral sentence per section; together they trigger nothing.
BASELINE = {
    "Subjective": "Client reported sleeping six hours a night.",
    "Objective": "Client was alert and oriented.",
    "Assessment": "Client denies SI/HI; risk is low.",
    "Plan": "Next session in one week.",
}
SECTIONS = tuple(BASELINE)

LANGUAGE_FAMILIES = ("judgment", "absolutes", "hedges", "quotation")
FAMILIES = (*LANGUAGE_FAMILIES, "completeness", "privacy")
FAMILY_OF_PREFIX = {"J": "judgment", "U": "absolutes", "H": "hedges", "Q": "quotation",
                    "C": "completeness", "P": "privacy"}
LANGUAGE_CODES = ("J001", "J002", "J003", "J004", "J005", "J006", "J007",
                  "U001", "H001", "H002", "Q001", "Q002", "Q003",
                  "P001", "P002", "P003", "P004", "P005")
#: Labels matched anywhere in the note rather than by position in the item text.
NOTE_LEVEL = frozenset({"P004"})
#: The scare-quote rule flags the quoted words themselves.
INSIDE_QUOTES_ALLOWED = frozenset({"Q003"})


# --- the corpus -------------------------------------------------------------------

@dataclass(frozen=True)
class Label:
    code: str
    phrase: str
    nth: int = 1

    @property
    def family(self) -> str:
        return FAMILY_OF_PREFIX[self.code[0]]


@dataclass(frozen=True)
class Item:
    id: str
    section: str
    text: str | None
    note: str | None
    flag: tuple[Label, ...]
    passes: tuple[str, ...]
    tags: tuple[str, ...]
    client: str = "C-1001"
    format: str | None = None

    @property
    def body(self) -> str:
        """The item's own text: the passage, or the whole note body."""
        return self.note if self.note is not None else self.text or ""

    @property
    def scores_completeness(self) -> bool:
        return (self.note is not None or "risk" in self.tags
                or any(lab.family == "completeness" for lab in self.flag))

    def where(self, label: Label) -> str:
        """The text a label's phrase is part of."""
        return self.client if label.code in NOTE_LEVEL else self.body


@cache
def raw_corpus() -> list[dict[str, Any]]:
    with CORPUS.open("rb") as handle:
        items: list[dict[str, Any]] = tomllib.load(handle)["item"]
    return items


@cache
def corpus() -> tuple[Item, ...]:
    items = []
    for entry in raw_corpus():
        items.append(Item(
            id=entry["id"],
            section=entry.get("section", "Subjective"),
            text=entry.get("text"),
            note=entry.get("note"),
            flag=tuple(Label(**label) for label in entry.get("flag", ())),
            passes=tuple(entry.get("pass", ())),
            tags=tuple(entry.get("tags", ())),
            client=entry.get("client", "C-1001"),
            format=entry.get("format"),
        ))
    return tuple(items)


def occurrence(text: str, phrase: str, nth: int = 1) -> int:
    """Offset of the ``nth`` occurrence of ``phrase`` in ``text``, or -1."""
    at = -1
    for _ in range(nth):
        at = text.find(phrase, at + 1)
        if at < 0:
            return -1
    return at


def build(item: Item) -> tuple[str, int]:
    """The full note for ``item`` and the offset at which the item's body starts in it."""
    front = FRONT_MATTER.replace("client: C-1001", f"client: {item.client}")
    if item.format is not None:
        front = front.replace("occurred: true\n", f"occurred: true\nformat: {item.format}\n")
    if item.note is not None:
        return front + item.note, len(front)
    parts = [front]
    start = -1
    for name in SECTIONS:
        parts.append(f"## {name}\n{BASELINE[name]}\n")
        if name == item.section:
            parts.append("\n")
            start = sum(len(part) for part in parts)
            parts.append(f"{item.text}\n")
        parts.append("\n")
    return "".join(parts), start


# --- quotation-mark spans (the test's own, independent reading) -------------------

_HEIGHT = re.compile(r"\d'\d{1,2}\"")
# A single quote opens after a space or bracket and before a letter; it closes
# after a letter or sentence mark and before a space or sentence mark. Marks
# inside words, and those that do neither, are apostrophes.
_SINGLE = re.compile(r"(?:(?<=^)|(?<=[\s(\[—]))['‘](?=[A-Za-z])"
                     r"|(?<=[A-Za-z.,!?])['’](?=[\s.,;:!?)]|$)", re.M)


def quote_spans(text: str) -> list[tuple[int, int]]:
    """Spans of text between matched quotation marks, per paragraph.

    Straight ``"`` and curly ``“ ”`` count, and single quotes (``'…'``, ``‘…’``);
    apostrophes never do, nor the inch mark of a height such as ``5'10"``. A
    paragraph whose marks do not pair up is skipped: it belongs to the
    unbalanced-quote rule.
    """
    return _double_spans(text) + _single_spans(text)


def _single_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for paragraph in re.finditer(r"(?:[^\n]|\n(?!\s*\n))+", text):
        marks = [m.start() for m in _SINGLE.finditer(text, paragraph.start(), paragraph.end())
                 if not (text[m.start()] in "'’" and m.start() > 0
                         and text[m.start() - 1] in "sS")]  # a plural possessive
        if len(marks) % 2 == 0:
            spans.extend((marks[i], marks[i + 1] + 1) for i in range(0, len(marks), 2))
    return spans


def _double_spans(text: str) -> list[tuple[int, int]]:
    inches = {match.end() - 1 for match in _HEIGHT.finditer(text)}
    spans: list[tuple[int, int]] = []
    for paragraph in re.finditer(r"(?:[^\n]|\n(?!\s*\n))+", text):
        opened: int | None = None
        found: list[tuple[int, int]] = []
        balanced = True
        for at in range(paragraph.start(), paragraph.end()):
            mark = text[at]
            if mark not in "\"“”" or at in inches:
                continue
            if opened is None:
                if mark == "”":
                    balanced = False
                    break
                opened = at
            else:
                if mark == "“":
                    balanced = False
                    break
                found.append((opened, at + 1))
                opened = None
        if balanced and opened is None:
            spans.extend(found)
    return spans


# --- checking -----------------------------------------------------------------------

@dataclass
class Placed:
    """A finding with its offsets relative to the item body (may be negative or past it)."""

    finding: Finding
    start: int
    end: int

    def overlaps(self, start: int, end: int) -> bool:
        if self.end == self.start:  # an empty span marks a point
            return start <= self.start < end
        return self.start < end and start < self.end


@dataclass
class Outcome:
    item: Item
    text: str  # the whole note
    offset: int  # where the item body starts in it
    findings: list[Placed]


def check(item: Item, root: Path) -> Outcome:
    note, offset = build(item)
    settings = Settings(root=root, timezone=TZ)
    context = Context(settings, NOW)
    result = parse_note(note.encode("utf-8"), f"corpus/{item.id}.md", builtin_formats())
    assert result.note is not None, f"{item.id}: the note did not parse"
    assert result.note.source.text == note, f"{item.id}: source text differs from the note"
    placed = []
    for finding in check_result(result, context).findings:
        if finding.span is None:
            placed.append(Placed(finding, -offset - 1, -offset - 1))
        else:
            placed.append(Placed(finding, finding.span.start - offset,
                                 finding.span.end - offset))
    return Outcome(item, note, offset, placed)


# --- scoring ------------------------------------------------------------------------

@dataclass
class FamilyScore:
    family: str
    labels: int = 0
    tp: int = 0
    exact: int = 0
    misses: list[str] = field(default_factory=list)
    alarms: list[str] = field(default_factory=list)
    wrong_code: list[str] = field(default_factory=list)

    @property
    def fn(self) -> int:
        return len(self.misses)

    @property
    def fp(self) -> int:
        return len(self.alarms)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def _quoted(text: str) -> str:
    return text.replace("\n", "\\n")


def _snippet(outcome: Outcome, placed: Placed) -> str:
    span = placed.finding.span
    if span is None:
        return "(whole note)"
    return _quoted(outcome.text[span.start:span.end])


def _describe(placed: Placed, outcome: Outcome) -> str:
    finding = placed.finding
    where = "" if 0 <= placed.start < len(outcome.item.body) else " [outside the item text]"
    return (f"{finding.code} at {finding.line}:{finding.column} on '{_snippet(outcome, placed)}'"
            f"{where}: {finding.message}")


def score(outcomes: list[Outcome]) -> dict[str, FamilyScore]:
    scores = {family: FamilyScore(family) for family in FAMILIES}
    for outcome in outcomes:
        item = outcome.item
        body = item.body
        matched: set[int] = set()
        for label in item.flag:
            family = label.family
            board = scores[family]
            board.labels += 1
            start = occurrence(body, label.phrase, label.nth)
            end = start + len(label.phrase)
            note_level = family == "completeness" or label.code in NOTE_LEVEL
            candidates = [
                (index, placed) for index, placed in enumerate(outcome.findings)
                if placed.finding.family == family
                and (placed.finding.code == label.code if note_level
                     else start >= 0 and placed.overlaps(start, end))
            ]
            if not candidates:
                board.misses.append(
                    f"{item.id} [{item.section if item.note is None else 'note'}] "
                    f"{label.code} '{_quoted(label.phrase)}' not flagged in: "
                    f"{_quoted(body.strip())}"
                    + _others(outcome, start, end, family))
                continue
            board.tp += 1
            matched.update(index for index, _ in candidates)
            if any(placed.finding.code == label.code for _, placed in candidates):
                board.exact += 1
            else:
                codes = ", ".join(sorted({placed.finding.code for _, placed in candidates}))
                board.wrong_code.append(
                    f"{item.id}: labelled {label.code} '{_quoted(label.phrase)}', "
                    f"found as {codes}")
        for index, placed in enumerate(outcome.findings):
            family = placed.finding.family
            if family not in scores or index in matched:
                continue
            if family == "completeness" and not item.scores_completeness:
                continue
            hits_pass = [phrase for phrase in item.passes
                         if (at := body.find(phrase)) >= 0
                         and placed.overlaps(at, at + len(phrase))]
            note = f" (a must-pass phrase: {hits_pass})" if hits_pass else ""
            scores[family].alarms.append(
                f"{item.id} [{item.section if item.note is None else 'note'}] "
                f"{_describe(placed, outcome)}{note}\n      text: {_quoted(body.strip())}")
    return scores


def _others(outcome: Outcome, start: int, end: int, family: str) -> str:
    """Findings of other families on the missed phrase: a hint for the developer."""
    if start < 0:
        return ""
    other = [placed.finding.code for placed in outcome.findings
             if placed.finding.family != family and placed.finding.family in LANGUAGE_FAMILIES
             and placed.overlaps(start, end)]
    return f" (flagged there instead: {', '.join(other)})" if other else ""


def report(scores: dict[str, FamilyScore], detail: tuple[str, ...] = FAMILIES) -> str:
    lines = [
        f"{'family':<13}{'labels':>7}{'TP':>5}{'FN':>5}{'FP':>5}{'P':>8}{'R':>8}"
        f"{'exact code':>12}",
    ]
    for board in scores.values():
        lines.append(
            f"{board.family:<13}{board.labels:>7}{board.tp:>5}{board.fn:>5}{board.fp:>5}"
            f"{board.precision:>8.3f}{board.recall:>8.3f}{board.exact:>7}/{board.tp:<4}")
    for family in detail:
        board = scores[family]
        if board.misses:
            lines.append(f"\n{family}: missed (FN) {board.fn}")
            lines.extend(f"  - {entry}" for entry in board.misses)
        if board.alarms:
            lines.append(f"\n{family}: false alarms (FP) {board.fp}")
            lines.extend(f"  - {entry}" for entry in board.alarms)
        if board.wrong_code:
            lines.append(f"\n{family}: found under another code of the family")
            lines.extend(f"  - {entry}" for entry in board.wrong_code)
    return "\n".join(lines)


def run_all(root: Path) -> list[Outcome]:
    return [check(item, root) for item in corpus()]


# --- fixtures -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> list[Outcome]:
    return run_all(tmp_path_factory.mktemp("corpus-workspace"))


@pytest.fixture(scope="module")
def scores(outcomes: list[Outcome]) -> dict[str, FamilyScore]:
    return score(outcomes)


# --- the corpus itself ------------------------------------------------------------------

def test_corpus_is_large_enough() -> None:
    assert len(corpus()) >= MIN_ITEMS


def test_ids_are_unique() -> None:
    counts = Counter(entry["id"] for entry in raw_corpus())
    assert not [name for name, count in counts.items() if count > 1]


def test_items_are_well_formed() -> None:
    known = {"id", "section", "text", "note", "flag", "pass", "tags", "client", "format"}
    problems = []
    for entry in raw_corpus():
        name = entry.get("id", "?")
        if set(entry) - known:
            problems.append(f"{name}: unknown keys {sorted(set(entry) - known)}")
        if ("text" in entry) == ("note" in entry):
            problems.append(f"{name}: needs exactly one of text and note")
        if "note" in entry and "section" in entry:
            problems.append(f"{name}: a whole-note item has no section")
        if entry.get("section", "Subjective") not in SECTIONS:
            problems.append(f"{name}: unknown section {entry['section']!r}")
        if "flag" not in entry:
            problems.append(f"{name}: flag is required (flag = [] for a negative example)")
        for label in entry.get("flag", ()):
            if set(label) - {"code", "phrase", "nth"} or label.get("code", "?")[0] not in \
                    FAMILY_OF_PREFIX:
                problems.append(f"{name}: bad label {label}")
    assert not problems, "\n".join(problems)


def test_labelled_phrases_are_in_the_text() -> None:
    problems = []
    for item in corpus():
        for label in item.flag:
            if occurrence(item.where(label), label.phrase, label.nth) < 0:
                problems.append(f"{item.id}: {label.code} phrase {label.phrase!r} not in the text")
        problems.extend(f"{item.id}: pass phrase {phrase!r} not in the text"
                        for phrase in item.passes if phrase not in item.body)
    assert not problems, "\n".join(problems)


def test_every_language_code_is_labelled() -> None:
    counts = Counter(label.code for item in corpus() for label in item.flag)
    thin = {code: counts[code] for code in LANGUAGE_CODES if counts[code] < MIN_LABELS_PER_CODE}
    assert not thin, f"codes labelled fewer than {MIN_LABELS_PER_CODE} times: {thin}"


def test_baseline_note_is_clean(tmp_path: Path) -> None:
    """The neutral note the items are placed in must not itself produce any finding."""
    empty = Item("baseline", "Plan", "Client will call if anything changes.", None, (), (), ())
    outcome = check(empty, tmp_path)
    assert not [_describe(placed, outcome) for placed in outcome.findings]


# --- what the tool does -------------------------------------------------------------------

@pytest.mark.parametrize("family", FAMILIES)
def test_precision_and_recall(family: str, scores: dict[str, FamilyScore]) -> None:
    board = scores[family]
    if board.precision < BAR or board.recall < BAR:
        pytest.fail(f"{family}: precision {board.precision:.3f}, recall {board.recall:.3f} "
                    f"(bar {BAR})\n\n{report(scores, (family,))}", pytrace=False)


def _inside_quotes(outcomes: list[Outcome]) -> Iterator[str]:
    for outcome in outcomes:
        spans = quote_spans(outcome.item.body)
        for placed in outcome.findings:
            finding = placed.finding
            if finding.family not in LANGUAGE_FAMILIES or finding.code in INSIDE_QUOTES_ALLOWED:
                continue
            for start, end in spans:
                if placed.overlaps(start + 1, end - 1):
                    yield (f"{outcome.item.id}: {_describe(placed, outcome)}\n"
                           f"      quoted: {_quoted(outcome.item.body[start:end])}")
                    break


def test_nothing_flagged_inside_quotation_marks(outcomes: list[Outcome]) -> None:
    found = list(_inside_quotes(outcomes))
    assert not found, f"{len(found)} findings inside quotation marks:\n" + "\n".join(found)


def _on_hard_negatives(outcomes: list[Outcome]) -> Iterator[str]:
    for outcome in outcomes:
        if "hard-negative" not in outcome.item.tags:
            continue
        for placed in outcome.findings:
            if placed.finding.family in FAMILIES:
                yield f"{outcome.item.id}: {_describe(placed, outcome)}"


def test_hard_negatives_raise_nothing(outcomes: list[Outcome]) -> None:
    found = list(_on_hard_negatives(outcomes))
    assert not found, f"{len(found)} findings on hard negatives:\n" + "\n".join(found)


def test_standard_clinical_phrases_pass(outcomes: list[Outcome]) -> None:
    found = [f"{outcome.item.id}: {_describe(placed, outcome)}"
             for outcome in outcomes if "standard-phrase" in outcome.item.tags
             for placed in outcome.findings if placed.finding.family in LANGUAGE_FAMILIES]
    assert not found, (f"{len(found)} language findings on standard clinical phrases:\n"
                       + "\n".join(found))


if __name__ == "__main__":  # pragma: no cover - a developer's report
    with tempfile.TemporaryDirectory() as folder:
        every = run_all(Path(folder))
    print(report(score(every)))
    inside = list(_inside_quotes(every))
    print(f"\nfindings inside quotation marks: {len(inside)}")
    for line in inside:
        print(f"  - {line}")
    hard = list(_on_hard_negatives(every))
    negatives = sum("hard-negative" in item.tags for item in corpus())
    print(f"findings on the {negatives} hard negatives: {len(hard)}")
    for line in hard:
        print(f"  - {line}")
    sys.exit(0)
