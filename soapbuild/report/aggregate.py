"""The compliance report (SPEC 6.2): per clinician and per period, from the session rows.

:func:`build_report` turns the session rows of a check run (one per note, see
:mod:`soapbuild.rules.sessions`) into a :class:`Report`: the rows that pass the
filters, per-clinician and overall aggregates, and a per-ISO-week on-time
series for charts. Three renderings consume it:

- :func:`report_json`: the JSON document of ``schemas/report-v2.schema.json``;
- :func:`report_csv`: one row per session for billing (the :data:`CSV_COLUMNS`);
- :func:`report_table`: a plain-text table for the terminal, at most 100 columns.

Definitions the numbers follow (the schema repeats them):

- a session is counted on its note's local ``session_date`` day; ``since`` and
  ``until`` are inclusive, and a note without a readable date is left out as soon
  as either is given;
- *drafts* are notes with a session date and no ``submitted``;
- *late* statistics are over the ``late`` rows' ``hours_late`` (the median of an
  even count is the mean of the two middle values);
- the on-time rate is ``on_time / (on_time + late + overdue)``: notes still
  within their deadline (drafts, due soon) and notes that cannot be judged
  (``n/a``) are not counted either way;
- *locked-note edits* are notes with a K001 finding; *language findings* are the
  judgment, absolutes, hedges and quotation findings left after inline
  suppressions, and their per-note average is over every note in the group;
- *suppressions* are the inline suppressions used (N001 findings: one per
  comment and code that silenced a finding).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol, TypeVar

from soapbuild.report.history import HistoryRow
from soapbuild.rules.deadlines import TIMELINESS
from soapbuild.rules.sessions import SessionRecord

LOCKED_NOTE_CODE = "K001"
SUPPRESSION_USED = "N001"

_Key = TypeVar("_Key", str, str | None)


class ScheduledLike(Protocol):
    """A scheduled session that has no note (:class:`soapbuild.model.schedule.ScheduledSession`)."""

    @property
    def client(self) -> str: ...

    @property
    def clinician(self) -> str | None: ...

    @property
    def start(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class MissingSession:
    """A scheduled session without a note, as the report lists it."""

    client: str
    clinician: str | None
    session_date: datetime


@dataclass(frozen=True, slots=True)
class Filters:
    """What the report was limited to; ``None`` means no limit."""

    since: date | None = None
    until: date | None = None
    clinician: str | None = None


@dataclass(frozen=True, slots=True)
class Period:
    """The days the report covers: the filter's bounds, else the first and last session."""

    start: date | None
    end: date | None


@dataclass(frozen=True, slots=True)
class Lateness:
    """Notes submitted after their deadline, and by how many hours (``None`` without any)."""

    count: int
    median_hours: float | None
    worst_hours: float | None


@dataclass(frozen=True, slots=True)
class LanguageCounts:
    """Language findings of a group of notes, by family, and the number of notes."""

    judgment: int
    absolutes: int
    hedges: int
    quotation: int
    notes: int

    @property
    def total(self) -> int:
        return self.judgment + self.absolutes + self.hedges + self.quotation

    @property
    def per_note(self) -> float | None:
        return round(self.total / self.notes, 2) if self.notes else None


@dataclass(frozen=True, slots=True)
class WeekPoint:
    """One ISO week of the on-time series (weeks without a judged note have no rate)."""

    week: str  # "2026-W47"
    start: date  # the week's Monday
    on_time: int
    late: int
    overdue: int

    @property
    def judged(self) -> int:
        return self.on_time + self.late + self.overdue

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.on_time, self.judged)


@dataclass(frozen=True, slots=True)
class Aggregate:
    """The counts of one clinician's sessions (``clinician`` is ``None`` for the overall line
    and for notes that name no clinician; :attr:`Report.overall` is the former)."""

    clinician: str | None
    sessions: int
    occurred: int
    not_occurred: int
    not_occurred_by_reason: tuple[tuple[str | None, int], ...]  # most frequent first
    occurrence_unknown: int  # no readable ``occurred``
    drafts: int
    timeliness: tuple[tuple[str, int], ...]  # every state of TIMELINESS, in that order
    lateness: Lateness
    locked_note_edits: int
    language: LanguageCounts
    billable: int
    not_billable: int
    not_billable_by_reason: tuple[tuple[str, int], ...]  # most frequent first
    missing: int
    weeks: tuple[WeekPoint, ...]
    suppressions: int = 0  # inline suppressions used (N001 findings)

    def count(self, timeliness: str) -> int:
        return dict(self.timeliness)[timeliness]

    @property
    def on_time(self) -> int:
        return self.count("on_time")

    @property
    def late(self) -> int:
        return self.count("late")

    @property
    def overdue(self) -> int:
        return self.count("overdue")

    @property
    def due_soon(self) -> int:
        return self.count("due_soon")

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.on_time, self.on_time + self.late + self.overdue)


@dataclass(frozen=True, slots=True)
class SupervisorQueue:
    """The notes awaiting one supervisor's co-signature, the soonest due first.

    ``supervisor`` is the name the settings give (``None`` for notes whose
    clinician has no supervisor in the settings).
    """

    supervisor: str | None
    sessions: tuple[SessionRecord, ...]

    @property
    def overdue(self) -> int:
        return sum(1 for row in self.sessions if row.cosignature == "overdue")


@dataclass(frozen=True, slots=True)
class Report:
    """The compliance report: filters, period, aggregates, and the rows it was built from."""

    now: datetime
    filters: Filters
    period: Period
    overall: Aggregate
    clinicians: tuple[Aggregate, ...]  # by name; notes without a clinician last
    sessions: tuple[SessionRecord, ...]  # the rows that pass the filters, in input order
    missing: tuple[MissingSession, ...]
    history: tuple[HistoryRow, ...] = ()  # each note's past (report --history, report.html)
    queues: tuple[SupervisorQueue, ...] = ()  # by supervisor; none named last

    @property
    def weeks(self) -> tuple[WeekPoint, ...]:
        """The practice-wide on-time series, one point per ISO week, gaps included."""
        return self.overall.weeks


def build_report(sessions: Sequence[SessionRecord], *, since: date | None = None,
                 until: date | None = None, clinician: str | None = None,
                 missing: Sequence[ScheduledLike] = (), now: datetime) -> Report:
    """The report of the sessions (and scheduled sessions without a note) that pass the filters.

    ``clinician`` matches a note's clinician case-insensitively, either whole
    (``"Jordan Rivera, LCSW"``) or without the credentials after the first comma
    (``"jordan rivera"``).
    """
    filters = Filters(since, until, clinician)
    rows = tuple(row for row in sessions
                 if _wanted(row.session_date, row.clinician, filters))
    absent = tuple(MissingSession(item.client, item.clinician, item.start) for item in missing
                   if _wanted(item.start, item.clinician, filters))
    days = sorted(row.session_date.date() for row in rows if row.session_date is not None)
    period = Period(since if since is not None else (days[0] if days else None),
                    until if until is not None else (days[-1] if days else None))
    weeks = _week_range(days)
    names = {_name(row.clinician) for row in rows} | {_name(item.clinician) for item in absent}
    clinicians = tuple(
        _aggregate(name, [r for r in rows if _name(r.clinician) == name],
                   sum(1 for item in absent if _name(item.clinician) == name), weeks)
        for name in sorted(names, key=lambda n: (n is None, (n or "").casefold(), n or "")))
    return Report(now, filters, period, _aggregate(None, rows, len(absent), weeks), clinicians,
                  rows, absent, queues=supervisor_queues(rows))


def supervisor_queues(rows: Sequence[SessionRecord]) -> tuple[SupervisorQueue, ...]:
    """Each supervisor's notes awaiting co-signature (signed, not co-signed), by supervisor."""
    waiting: dict[str | None, list[SessionRecord]] = {}
    for row in rows:
        if row.cosignature in ("awaiting", "overdue"):
            waiting.setdefault(row.supervisor, []).append(row)
    order = sorted(waiting, key=lambda name: (name is None, (name or "").casefold()))
    return tuple(SupervisorQueue(name, tuple(sorted(waiting[name], key=_due_first)))
                 for name in order)


def _due_first(row: SessionRecord) -> tuple[float, str]:
    return (row.cosign_due.timestamp() if row.cosign_due is not None else float("inf"), row.path)


def _wanted(when: datetime | None, who: str | None, filters: Filters) -> bool:
    if filters.since is not None or filters.until is not None:
        if when is None:
            return False
        day = when.date()
        if filters.since is not None and day < filters.since:
            return False
        if filters.until is not None and day > filters.until:
            return False
    return filters.clinician is None or clinician_matches(who, filters.clinician)


def clinician_matches(name: str | None, wanted: str) -> bool:
    """Whether ``--clinician wanted`` names ``name`` (whole, or without its credentials)."""
    if name is None:
        return False
    key = wanted.strip().casefold()
    return key in (name.strip().casefold(), name.split(",", 1)[0].strip().casefold())


def closest_clinicians(sessions: Sequence[SessionRecord], missing: Sequence[ScheduledLike],
                       wanted: str) -> list[str]:
    """Every clinician the notes and the schedule name, the closest to ``wanted`` first
    (for ``--clinician`` with no match)."""
    import difflib

    names = {_name(row.clinician) for row in sessions} | {_name(m.clinician) for m in missing}
    key = wanted.strip().casefold()

    def distance(name: str) -> tuple[float, str]:
        whole = difflib.SequenceMatcher(None, key, name.casefold()).ratio()
        short = difflib.SequenceMatcher(None, key, name.split(",", 1)[0].casefold()).ratio()
        return -max(whole, short), name.casefold()

    return sorted((name for name in names if name is not None), key=distance)


def _name(clinician: str | None) -> str | None:
    return (clinician or "").strip() or None


def _aggregate(clinician: str | None, rows: Sequence[SessionRecord], missing: int,
               weeks: Sequence[date]) -> Aggregate:
    states = Counter(row.timeliness for row in rows)
    hours = [row.hours_late for row in rows
             if row.timeliness == "late" and row.hours_late is not None]
    families = Counter(f.family for row in rows for f in row.findings)
    not_held = [row for row in rows if row.occurred is False]
    not_billable = [row for row in rows if not row.billable]
    return Aggregate(
        clinician=clinician,
        sessions=len(rows),
        occurred=sum(1 for row in rows if row.occurred is True),
        not_occurred=len(not_held),
        not_occurred_by_reason=tally(_name(row.reason) for row in not_held),
        occurrence_unknown=sum(1 for row in rows if row.occurred is None),
        drafts=sum(1 for row in rows if row.submitted is None and row.session_date is not None),
        timeliness=tuple((state, states[state]) for state in TIMELINESS),
        lateness=Lateness(states["late"],
                          round(statistics.median(hours), 2) if hours else None,
                          max(hours) if hours else None),
        locked_note_edits=sum(1 for row in rows
                              if any(f.code == LOCKED_NOTE_CODE for f in row.findings)),
        language=LanguageCounts(families["judgment"], families["absolutes"],
                                families["hedges"], families["quotation"], len(rows)),
        billable=len(rows) - len(not_billable),
        not_billable=len(not_billable),
        not_billable_by_reason=tally(row.not_billable_because or "not known"
                                      for row in not_billable),
        missing=missing,
        weeks=_weeks(rows, weeks),
        suppressions=sum(1 for row in rows for f in row.findings if f.code == SUPPRESSION_USED),
    )


def tally(values: Iterable[_Key]) -> tuple[tuple[_Key, int], ...]:
    counts = Counter(values)
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0] is None,
                                                          item[0] or "")))


def _week_range(days: Sequence[date]) -> list[date]:
    """Every Monday from the first session's week to the last one's (``days`` sorted)."""
    if not days:
        return []
    monday = days[0] - timedelta(days=days[0].weekday())
    last = days[-1] - timedelta(days=days[-1].weekday())
    return [monday + timedelta(weeks=n) for n in range((last - monday).days // 7 + 1)]


def _weeks(rows: Sequence[SessionRecord], mondays: Sequence[date]) -> tuple[WeekPoint, ...]:
    counts: dict[date, Counter[str]] = {}
    for row in rows:
        if row.session_date is not None:
            day = row.session_date.date()
            counts.setdefault(day - timedelta(days=day.weekday()), Counter())[row.timeliness] += 1
    points = []
    for monday in mondays:
        week = counts.get(monday, Counter())
        year, number, _ = monday.isocalendar()
        points.append(WeekPoint(f"{year}-W{number:02d}", monday, week["on_time"], week["late"],
                                week["overdue"]))
    return tuple(points)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
