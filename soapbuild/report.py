"""The compliance report (SPEC 6.2): per clinician and per period, from the session rows.

:func:`build_report` turns the session rows of a check run (one per note, see
:mod:`soapbuild.sessions`) into a :class:`Report`: the rows that pass the
filters, per-clinician and overall aggregates, and a per-ISO-week on-time
series for charts. Three renderings consume it:

- :func:`report_json`: the JSON document of ``schemas/report-v1.schema.json``;
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
  suppressions, and their per-note average is over every note in the group.
"""

from __future__ import annotations

import csv
import io
import statistics
import textwrap
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol, TypeVar

from soapbuild import __version__
from soapbuild.sessions import TIMELINESS, SessionRecord

SCHEMA_VERSION = 1

LOCKED_NOTE_CODE = "K001"

CSV_COLUMNS = ("note", "client", "clinician", "session_date", "occurred", "reason",
               "timeliness", "hours_late", "billable", "not_billable_reason",
               "service_code", "minutes", "submitted", "deadline")
"""The session row, in this order, in the CSV (its header row) and in the JSON ``sessions``."""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet may run a cell starting with one of these as a formula (OWASP CSV injection)."""

TABLE_WIDTH = 100
_Key = TypeVar("_Key", str, str | None)
_NAME_WIDTH = 20
_MISSING_SHOWN = 10


class ScheduledLike(Protocol):
    """A scheduled session that has no note (:class:`soapbuild.schedule.ScheduledSession`)."""

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
class Report:
    """The compliance report: filters, period, aggregates, and the rows it was built from."""

    now: datetime
    filters: Filters
    period: Period
    overall: Aggregate
    clinicians: tuple[Aggregate, ...]  # by name; notes without a clinician last
    sessions: tuple[SessionRecord, ...]  # the rows that pass the filters, in input order
    missing: tuple[MissingSession, ...]

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
                  rows, absent)


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
        not_occurred_by_reason=_tally(_name(row.reason) for row in not_held),
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
        not_billable_by_reason=_tally(row.not_billable_because or "not known"
                                      for row in not_billable),
        missing=missing,
        weeks=_weeks(rows, weeks),
    )


def _tally(values: Iterable[_Key]) -> tuple[tuple[_Key, int], ...]:
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


# --- JSON -----------------------------------------------------------------------------

def report_json(report: Report) -> dict[str, Any]:
    """The report as the JSON document of ``schemas/report-v1.schema.json``.

    The ``version`` changes only when a field changes meaning or disappears; new
    fields may be added within a version.
    """
    filters = report.filters
    return {
        "schema": "soapbuild-report",
        "version": SCHEMA_VERSION,
        "tool": {"name": "soapbuild", "version": __version__},
        "generated_at": _moment(report.now),
        "filters": {"since": _day(filters.since), "until": _day(filters.until),
                    "clinician": filters.clinician},
        "period": {"start": _day(report.period.start), "end": _day(report.period.end)},
        "overall": _aggregate_json(report.overall),
        "clinicians": [_aggregate_json(group) for group in report.clinicians],
        "sessions": [session_row(row) for row in report.sessions],
        "missing": [{"client": item.client, "clinician": item.clinician,
                     "session_date": _moment(item.session_date)} for item in report.missing],
    }


def _aggregate_json(group: Aggregate) -> dict[str, Any]:
    language = group.language
    return {
        "clinician": group.clinician,
        "sessions": group.sessions,
        "occurred": group.occurred,
        "not_occurred": {"total": group.not_occurred,
                         "by_reason": [{"reason": reason, "sessions": count}
                                       for reason, count in group.not_occurred_by_reason]},
        "occurrence_unknown": group.occurrence_unknown,
        "drafts": group.drafts,
        "timeliness": dict(group.timeliness),
        "on_time_rate": group.on_time_rate,
        "late": {"sessions": group.lateness.count, "median_hours": group.lateness.median_hours,
                 "worst_hours": group.lateness.worst_hours},
        "locked_note_edits": group.locked_note_edits,
        "language": {"judgment": language.judgment, "absolutes": language.absolutes,
                     "hedges": language.hedges, "quotation": language.quotation,
                     "total": language.total, "per_note": language.per_note},
        "billable": group.billable,
        "not_billable": {"total": group.not_billable,
                         "by_reason": [{"reason": reason, "sessions": count}
                                       for reason, count in group.not_billable_by_reason]},
        "missing": group.missing,
        "weeks": [{"week": point.week, "start": point.start.isoformat(),
                   "on_time": point.on_time, "late": point.late, "overdue": point.overdue,
                   "judged": point.judged, "on_time_rate": point.on_time_rate}
                  for point in group.weeks],
    }


def session_row(row: SessionRecord) -> dict[str, Any]:
    """One session as the JSON report and the CSV name it (keys: :data:`CSV_COLUMNS`)."""
    return {
        "note": row.path,
        "client": row.client,
        "clinician": row.clinician,
        "session_date": _moment(row.session_date),
        "occurred": row.occurred,
        "reason": row.reason,
        "timeliness": row.timeliness,
        "hours_late": row.hours_late,
        "billable": row.billable,
        "not_billable_reason": None if row.billable else row.not_billable_because,
        "service_code": row.service_code,
        "minutes": row.minutes,
        "submitted": _moment(row.submitted),
        "deadline": _moment(row.deadline),
    }


def _moment(value: datetime | None) -> str | None:
    """RFC 3339 with the note's own offset (a naive value, which should not occur, as UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat(timespec="seconds")


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


# --- CSV ------------------------------------------------------------------------------

def report_csv(report: Report) -> str:
    """One row per session (scheduled sessions without a note are in the JSON only).

    RFC 4180: a header row of :data:`CSV_COLUMNS`, CRLF line ends, fields quoted
    when needed. Dates are RFC 3339 (``2026-11-20T15:00:00-05:00``), booleans
    ``true``/``false``, an absent value an empty field. A text field that a
    spreadsheet would run as a formula (starting with ``= + - @``, tab or
    carriage return) is prefixed with ``'``.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.sessions:
        values = session_row(row)
        writer.writerow([csv_cell(values[column]) for column in CSV_COLUMNS])
    return buffer.getvalue()


def csv_cell(value: object) -> str:
    """A value as a CSV field that a spreadsheet shows as text, never runs."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


# --- terminal table ---------------------------------------------------------------------

_MAIN_COLUMNS: tuple[tuple[str, Callable[[Aggregate], object]], ...] = (
    ("sessions", lambda g: g.sessions),
    ("held", lambda g: g.occurred),
    ("drafts", lambda g: g.drafts),
    ("on time", lambda g: g.on_time),
    ("late", lambda g: g.late),
    ("overdue", lambda g: g.overdue),
    ("edited", lambda g: g.locked_note_edits),
    ("lang/note", lambda g: _number(g.language.per_note, 2)),
    ("billable", lambda g: g.billable),
)
_DETAIL_COLUMNS: tuple[tuple[str, Callable[[Aggregate], object]], ...] = (
    ("not held", lambda g: g.not_occurred),
    ("median h late", lambda g: _number(g.lateness.median_hours)),
    ("worst h late", lambda g: _number(g.lateness.worst_hours)),
    ("due soon", lambda g: g.due_soon),
    ("missing", lambda g: g.missing),
    ("not billable", lambda g: g.not_billable),
)


def report_table(report: Report) -> str:
    """The report for a terminal: two tables of per-clinician rows and an overall line,
    then the reasons behind the counts; no line is longer than 100 columns."""
    overall = report.overall
    lines = [_title(report), ""]
    lines += _table(report, _MAIN_COLUMNS)
    lines.append("")
    lines += _table(report, _DETAIL_COLUMNS)
    notes = [
        "held: sessions that occurred; edited: locked notes changed (K001); lang/note: "
        "judgment, absolutes, hedges and quotation findings per note.",
        _on_time_line(overall),
    ]
    if overall.not_occurred_by_reason:
        notes.append("Not held: " + _reasons(overall.not_occurred_by_reason, "no reason given"))
    if overall.not_billable_by_reason:
        # The rule codes after "the note has errors:" are in the JSON and the CSV.
        kinds: Counter[str | None] = Counter()
        for reason, count in overall.not_billable_by_reason:
            kinds[reason.split(":", 1)[0]] += count
        notes.append("Not billable: " + _reasons(_tally(kinds.elements()), ""))
    if report.missing:
        shown = [f"{item.client} {item.session_date:%Y-%m-%d %H:%M}"
                 + (f" ({item.clinician})" if item.clinician else "")
                 for item in report.missing[:_MISSING_SHOWN]]
        more = len(report.missing) - len(shown)
        notes.append("Missing notes: " + "; ".join(shown)
                     + (f"; and {more} more (--format json lists them all)" if more else ""))
    lines.append("")
    for note in notes:
        lines += textwrap.wrap(note, TABLE_WIDTH, subsequent_indent="  ",
                               break_on_hyphens=False)
    return "\n".join(lines) + "\n"


def _on_time_line(group: Aggregate) -> str:
    due = group.on_time + group.late + group.overdue
    if not due:
        return "On time: no note is due yet."
    return (f"On time: {group.on_time} of {due} notes that are due "
            f"({group.on_time_rate:.0%}; the others are late or overdue).")


def _title(report: Report) -> str:
    period = report.period
    span = (f"{_day(period.start)} to {_day(period.end)}" if period.start and period.end
            else "no dated sessions")
    filters = report.filters
    limits = [f"clinician {filters.clinician!r}"] if filters.clinician else []
    sessions = report.overall.sessions
    title = (f"Compliance report, {span}: {sessions} session{'' if sessions == 1 else 's'}"
             + (f" ({', '.join(limits)})" if limits else "")
             + f"; as of {report.now:%Y-%m-%d %H:%M}")
    return textwrap.shorten(title, TABLE_WIDTH, placeholder="…")


def _table(report: Report,
           columns: Sequence[tuple[str, Callable[[Aggregate], object]]]) -> list[str]:
    groups: list[tuple[str, Aggregate]] = [(_shown_name(g.clinician), g)
                                           for g in report.clinicians]
    groups.append(("all clinicians", report.overall))
    width = max(len("clinician"), *(len(name) for name, _ in groups))
    header = "clinician".ljust(width) + "".join(f"  {title}" for title, _ in columns)
    rule = "-" * width + "".join("  " + "-" * len(title) for title, _ in columns)
    lines = [header, rule]
    for index, (name, group) in enumerate(groups):
        if index == len(groups) - 1:
            lines.append(rule)
        cells = "".join(f"  {value(group)!s:>{len(title)}}" for title, value in columns)
        lines.append(name.ljust(width) + cells)
    return lines


def _shown_name(clinician: str | None) -> str:
    name = clinician or "(no clinician)"
    return name if len(name) <= _NAME_WIDTH else name[:_NAME_WIDTH - 1] + "…"


def _number(value: float | None, decimals: int = 1) -> str:
    return "-" if value is None else f"{value:.{decimals}f}"


def _reasons(counts: Sequence[tuple[str | None, int]], absent: str) -> str:
    return "; ".join(f"{reason or absent} ({count})" for reason, count in counts)
