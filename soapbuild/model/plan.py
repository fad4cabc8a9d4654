"""A client's treatment plan: ``notes/<client>/plan.md`` (SPEC 3.1), parsed once.

The plan is a Markdown file with front matter, beside the client's notes::

    ---
    client: C-1042
    diagnosis: ["F41.1"]
    goals:
      - "G1: Panic attacks fewer than one a week"
      - "G2: Back at work full-time"
    start: 2026-10-05
    review: 2027-01-03        # optional: when it is next reviewed
    reviewed: 2026-11-16      # optional: its last review
    ---
    Objectives, interventions and anything else, in Markdown.

Goals are written ``ID: text`` (a YAML list of such lines, or a map from ID to
text); a session note names the goals it worked on by their IDs (``goals:
["G1"]``). The plan is not a session note: discovery leaves ``plan.md`` out of
the notes (:func:`soapbuild.discover.is_plan`) and the checker reads it here.
Like a note, a plan that cannot be read yields findings, never an exception.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from soapbuild.discover import display_path, is_plan, workspace_key
from soapbuild.model.findings import Hit
from soapbuild.model.frontmatter import read_front_matter
from soapbuild.model.header import read_listed
from soapbuild.model.note import FieldProblem, Listed, Moment, RawField, Span
from soapbuild.model.parse import unreadable, unreadable_bytes
from soapbuild.model.raw import read_note_bytes
from soapbuild.model.source import SourceText
from soapbuild.model.timeparse import parse_moment

_GOAL = re.compile(r"\s*(?P<id>[A-Za-z][A-Za-z0-9.-]{0,9})\s*:\s*(?P<text>\S.*?)\s*", re.S)
PLAN_FIELDS = ("client", "clinician", "diagnosis", "goals", "start", "review", "reviewed")


@dataclass(frozen=True, slots=True)
class Goal:
    """One goal of a plan: its ID (``G1``), its text and where it is written."""

    ident: str
    text: str
    span: Span

    @property
    def key(self) -> str:
        return self.ident.upper()


@dataclass(frozen=True, slots=True)
class Plan:
    """A parsed treatment plan. Fields that are absent or unreadable are ``None`` / empty.

    ``folder`` is the name of the folder it is in (the client's, by SPEC 3.1);
    ``problems`` are the fields whose values could not be read.
    """

    path: str
    key: str | None
    folder: str
    source: SourceText
    fields: tuple[RawField, ...]
    body_start: int
    client: str | None = None
    clinician: str | None = None
    diagnosis: tuple[Listed, ...] = ()
    goals: tuple[Goal, ...] = ()
    start: Moment | None = None
    review: Moment | None = None
    reviewed: Moment | None = None
    problems: tuple[FieldProblem, ...] = ()

    @property
    def client_id(self) -> str:
        """The client the plan is for: its ``client`` field, else its folder."""
        return self.client or self.folder

    @property
    def body(self) -> str:
        return self.source.text[self.body_start:]

    def field(self, name: str) -> RawField | None:
        return next((f for f in self.fields if f.name == name), None)

    def goal(self, ident: str) -> Goal | None:
        return next((g for g in self.goals if g.key == ident.upper()), None)


@dataclass(frozen=True, slots=True)
class PlanResult:
    """A plan file read: the plan (``None`` when it cannot be read) and read problems."""

    path: str
    plan: Plan | None
    problems: tuple[Hit, ...]
    source: SourceText | None = None
    digest: str | None = None  # of the bytes read from disk, as a note's (digest_of)


def read_plan(path: Path, display: str, key: str | None = None) -> PlanResult:
    """Read a plan from disk; never raises for anything the file holds."""
    try:
        data = read_note_bytes(path)
    except OSError as error:
        reason = error.strerror or str(error) or type(error).__name__
        return PlanResult(display, None, unreadable(display, reason).problems, digest="-")
    return replace(parse_plan(data, display, path.parent.name, key),
                   digest=hashlib.sha256(data).hexdigest())


def parse_plan(data: bytes, display: str, folder: str, key: str | None = None) -> PlanResult:
    """Parse the bytes of a plan found in the folder ``folder``."""
    problem = unreadable_bytes(data)
    if problem is not None:
        return PlanResult(display, None, (problem,))
    source = SourceText.from_str(data.decode("utf-8"))
    front = read_front_matter(source)
    if front.problems:
        return PlanResult(display, None, front.problems, source)
    values: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    for raw in front.fields:
        if raw.name not in PLAN_FIELDS or raw.name in values or raw.kind == "null":
            continue
        value, wrong = _read(raw)
        values[raw.name] = value
        problems.extend(wrong)
    plan = Plan(display, key, folder, source, front.fields, front.body_start,
                problems=tuple(problems), **values)
    return PlanResult(display, plan, (), source)


def load_plans(notes: Path, root: Path, base: Path) -> dict[str, PlanResult]:
    """Every client's plan (``notes/<client>/plan.md``), by the client it is for.

    Read once per run, before the rules, like the schedule: a note's goals are
    judged against its client's plan. Only the folders directly under the notes
    folder are clients' folders. Paths are shown relative to ``base``.
    """
    plans: dict[str, PlanResult] = {}
    if not notes.is_dir():
        return plans
    with os.scandir(notes) as entries:  # the kind of each entry without a stat of each
        folders = sorted(Path(e.path) for e in entries
                         if not e.name.startswith(".") and e.is_dir())
    for folder in folders:
        file = next((f for f in folder.iterdir() if is_plan(f) and f.is_file()), None)
        key = workspace_key(file, root) if file is not None else None
        if file is None or key is None:  # a plan linked out of the workspace is not read
            continue
        result = read_plan(file, display_path(file, base), key)
        client = result.plan.client_id if result.plan is not None else folder.name
        plans.setdefault(client, result)
    return plans


def _read(raw: RawField) -> tuple[Any, list[FieldProblem]]:
    if raw.name == "diagnosis":
        return read_listed(raw, 'a list of ICD-10-CM codes such as ["F41.1"]')
    if raw.name == "goals":
        return _goals(raw)
    text = (raw.text or "").strip() if raw.kind == "scalar" else ""
    if raw.name in ("client", "clinician"):
        if text:
            return text, []
        return None, [FieldProblem(raw.name, f"'{raw.name}' should be text, not "
                                   f"{_shown(raw)}.", raw.value_span)]
    moment = parse_moment(text) if text else None
    if moment is None:
        return None, [FieldProblem(raw.name, f"'{raw.name}' should be a date such as 2026-11-20, "
                                   f"not {_shown(raw)}.", raw.value_span)]
    return moment, []


def _shown(raw: RawField) -> str:
    return repr(raw.text) if raw.kind == "scalar" else f"a {raw.kind}"


def _goals(raw: RawField) -> tuple[tuple[Goal, ...], list[FieldProblem]]:
    """Goals as a list of ``ID: text`` lines (YAML reads an unquoted one as a map of one
    entry) or as one map from ID to text."""
    entries = raw.items if raw.kind in ("sequence", "mapping") else ()
    if raw.kind == "mapping":
        entries = (raw,)  # one map: every entry is a goal
    goals: list[Goal] = []
    problems: list[FieldProblem] = []
    for entry in entries:
        for goal, problem in _entry_goals(entry):
            if goal is not None:
                goals.append(goal)
            if problem is not None:
                problems.append(problem)
    if raw.kind not in ("sequence", "mapping"):
        problems.append(FieldProblem("goals", "'goals' should be a list of goals such as "
                                     "- \"G1: Panic attacks fewer than one a week\", not "
                                     f"{_shown(raw)}.", raw.value_span))
    return tuple(goals), problems


def _entry_goals(entry: RawField) -> Iterator[tuple[Goal | None, FieldProblem | None]]:
    expected = "a goal written 'G1: what the client works toward'"
    if entry.kind == "scalar" and entry.text is not None:
        match = _GOAL.fullmatch(entry.text)
        if match is None:
            yield None, FieldProblem("goals", f"{entry.text!r} is not {expected}.",
                                     entry.value_span)
        else:
            yield Goal(match.group("id"), match.group("text"), entry.value_span), None
        return
    if entry.kind == "mapping":
        for item in entry.items:
            text = (item.text or "").strip() if item.kind == "scalar" else ""
            if _GOAL.fullmatch(f"{item.name}: {text}") and text:
                yield Goal(item.name, text, Span(item.key_span.start, item.value_span.end)), None
            else:
                yield None, FieldProblem("goals", f"goal {item.name!r} is not {expected}.",
                                         item.key_span)
        return
    yield None, FieldProblem("goals", f"item {entry.name} of 'goals' is not {expected}.",
                             entry.value_span)
