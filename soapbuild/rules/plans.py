"""Treatment plans and the sessions that work on them (codes G001–G008).

Medical necessity rests on a diagnosis and a plan whose goals the sessions
work on: Texas's community mental health rule asks each note to name the
treatment-plan objective it addressed, Missouri's auditors look for progress
toward goals, and payers expect a plan reviewed at a regular interval (SPEC
3.1; research/domain.md b.3). A plan is ``notes/<client>/plan.md``
(:mod:`soapbuild.model.plan`): its own structure is checked here (G001–G004),
a goal left alone too long is flagged (G005), and each note is held to its
client's plan (G006–G008).

:func:`goal_progress` is the one count of the sessions per goal and when each
goal was last worked on: the idle-goal rule and the client's page read it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from soapbuild.model.findings import Hit
from soapbuild.model.note import Note, Span
from soapbuild.model.plan import PLAN_FIELDS, Goal, Plan
from soapbuild.model.timeparse import resolve
from soapbuild.rules.context import Context
from soapbuild.rules.diagnosis import code_hits
from soapbuild.settings import Settings

#: The rule codes this module reports (the rule pages are data/rules/*.toml).
CODES = frozenset({"G001", "G002", "G003", "G004", "G005", "G006", "G007", "G008"})

REQUIRED = ("goals", "start")


# --- the plan itself -----------------------------------------------------------------

def review_due(plan: Plan, settings: Settings) -> date | None:
    """The day the plan is due for review: its ``review`` date, and at the latest
    ``plans.review_days`` after its last review (else its start)."""
    base = plan.reviewed or plan.start
    if base is None:
        return plan.review.value.date() if plan.review is not None else None
    due = base.value.date() + timedelta(days=settings.plan_review_days)
    return min(due, plan.review.value.date()) if plan.review is not None else due


def plan_hits(plan: Plan, settings: Settings, now: datetime) -> Iterator[Hit]:
    """The plan's own checks: its fields, goals, diagnosis and review date."""
    for name in REQUIRED:
        if plan.field(name) is None:
            yield Hit("G001", Span(0, 3), f"The treatment plan has no '{name}'.",
                      "A plan's front matter names its goals ('G1: …') and its start date.")
    for problem in plan.problems:
        code = "G002" if problem.name == "goals" else "G001"
        yield Hit(code, problem.span, problem.message,
                  "Write each goal as 'G1: what the client works toward'." if code == "G002"
                  else None)
    goals = plan.field("goals")
    if goals is not None and not plan.goals and not plan.problems:
        yield Hit("G001", goals.value_span, "The treatment plan lists no goals.",
                  "Add at least one goal: - \"G1: what the client works toward\".")
    seen: set[str] = set()
    for goal in plan.goals:
        if goal.key in seen:
            yield Hit("G002", goal.span, f"The goal {goal.ident} is listed twice.",
                      "Give each goal its own ID (G1, G2, …).")
        seen.add(goal.key)
    if plan.client is not None and plan.client != plan.folder:
        field = plan.field("client")
        yield Hit("G001", field.value_span if field else None,
                  f"The plan is for client {plan.client}, but it is in the folder of "
                  f"{plan.folder}.",
                  f"Move it to the folder {plan.client}/, or correct 'client'.")
    for raw in plan.fields:
        if raw.name not in PLAN_FIELDS:
            close = difflib.get_close_matches(raw.name, PLAN_FIELDS, n=1)
            yield Hit("G003", raw.key_span, f"'{raw.name}' is not a field of a treatment plan.",
                      f"Did you mean '{close[0]}'?" if close else
                      "A plan's fields: " + ", ".join(PLAN_FIELDS) + ".")
    yield from code_hits(plan.diagnosis)
    due = review_due(plan, settings)
    today = now.astimezone(settings.timezone).date()
    if due is not None and today > due:
        where = plan.field("review") or plan.field("reviewed") or plan.field("start")
        yield Hit("G004", where.value_span if where else None,
                  f"The treatment plan was due for review on {due} ({(today - due).days} days "
                  "ago).",
                  "Review the plan with the client, then record the day in 'reviewed' and the "
                  "next review in 'review'.")


# --- the goals against the sessions ----------------------------------------------------

GoalSession = tuple[datetime | None, bool | None, tuple[str, ...]]
"""A session as the goal count sees it: when (aware), whether it occurred, its goals."""


@dataclass(frozen=True, slots=True)
class GoalProgress:
    """How much a goal has been worked on: sessions that named it, and the last one.

    ``idle_days`` counts from the last such session, else from the plan's start;
    ``idle`` says it is more than ``plans.goal_idle_days``.
    """

    goal: Goal
    sessions: int
    last: datetime | None
    idle_days: int | None
    idle: bool


def goal_progress(plan: Plan, sessions: Iterable[GoalSession], settings: Settings,
                  now: datetime) -> tuple[GoalProgress, ...]:
    counts: dict[str, int] = {}
    last: dict[str, datetime] = {}
    for when, occurred, goals in sessions:
        if occurred is not True or when is None:
            continue
        for ident in {g.upper() for g in goals}:
            counts[ident] = counts.get(ident, 0) + 1
            if ident not in last or when.astimezone(UTC) > last[ident].astimezone(UTC):
                last[ident] = when
    zone = settings.timezone
    today = now.astimezone(zone).date()
    start = resolve(plan.start, zone) if plan.start is not None else None
    progress = []
    for goal in plan.goals:
        since = last.get(goal.key) or start
        days = (today - since.astimezone(zone).date()).days if since is not None else None
        progress.append(GoalProgress(goal, counts.get(goal.key, 0), last.get(goal.key), days,
                                     days is not None and days > settings.goal_idle_days))
    return tuple(progress)


def idle_hits(progress: Iterable[GoalProgress], settings: Settings) -> Iterator[Hit]:
    """G005 for each goal no session has worked on in ``plans.goal_idle_days``."""
    for item in progress:
        if not item.idle:
            continue
        since = (f"since {item.last:%Y-%m-%d}" if item.last is not None
                 else "since the plan started")
        yield Hit("G005", item.goal.span,
                  f"No session has worked on {item.goal.ident} {since} ({item.idle_days} days; "
                  f"the practice looks for one within {settings.goal_idle_days}).",
                  f"Work on {item.goal.ident} in the next session and name it in the note's "
                  "'goals', or revise the plan if the goal no longer fits.")


# --- each note against its client's plan -------------------------------------------------

def check(note: Note, context: Context) -> Iterator[Hit]:
    header, settings = note.header, context.settings
    if context.plans is None or header.client is None:
        return
    has_plan_file = header.client in context.plans
    plan = context.plan_of(header.client)
    for listed in header.goals:
        if plan is not None and plan.goal(listed.value) is None:
            known = ", ".join(g.ident for g in plan.goals) or "none"
            yield Hit("G006", listed.span,
                      f"The plan of {header.client} has no goal {listed.value} (its goals: "
                      f"{known}).", "Name a goal of the plan, or add the goal to plan.md.")
        elif not has_plan_file:
            yield Hit("G006", listed.span,
                      f"The note names the goal {listed.value}, but {header.client} has no "
                      "treatment plan.",
                      f"Write the plan: {settings.notes_dir}/{header.client}/plan.md.")
    if header.occurred is not True:
        return
    occurred = header.field("occurred")
    where = occurred.key_span if occurred is not None else None
    if not has_plan_file:
        if settings.plans_required:
            yield Hit("G007", where, f"{header.client} has no treatment plan.",
                      f"Write it: {settings.notes_dir}/{header.client}/plan.md with the "
                      "diagnosis, goals ('G1: …'), start and review dates.")
        return
    if plan is None or plan.start is None or header.goals or header.session_date is None:
        return
    zone = settings.timezone
    if resolve(header.session_date, zone).astimezone(zone).date() >= plan.start.value.date():
        yield Hit("G008", where, "The session names none of the treatment plan's goals.",
                  "Add the goals it worked on: goals: [\"G1\"] ("
                  + ", ".join(f"{g.ident}: {g.text}" for g in plan.goals[:3]) + ").")
