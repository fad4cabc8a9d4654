"""The compliance report written out: JSON (``schemas/report-v2``), CSV and a terminal table.

The schema's version follows one rule: it changes only when a field changes meaning
or disappears; fields are added within a version (signatures, co-signatures,
diagnoses, goals and the supervisors' queues were added to version 2).

All three read the :class:`~soapbuild.report.aggregate.Report` that
:func:`~soapbuild.report.aggregate.build_report` made, so they cannot disagree.
"""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from soapbuild import __version__
from soapbuild.report.aggregate import (
    Aggregate,
    Report,
    tally,
)
from soapbuild.report.history import HISTORY_COLUMNS, history_cells, history_json, history_text
from soapbuild.rules.sessions import SessionRecord

SCHEMA_VERSION = 2

CSV_COLUMNS = ("note", "client", "clinician", "session_date", "occurred", "reason",
               "timeliness", "hours_late", "billable", "not_billable_reason",
               "service_code", "minutes", "submitted", "deadline",
               # version 2: the claim (after version 1's columns, which keep their places)
               "services", "modifiers", "place_of_service", "modality", "client_location",
               "start", "end", "duration", "clock_minutes",
               # signed, co-signed, diagnosed (still version 2: columns only added at the end)
               "signed_by", "signed", "signature", "cosignature", "supervisor", "cosigned_by",
               "cosigned", "cosign_due", "diagnosis", "goals")
"""The session row, in this order, in the CSV (its header row) and in the JSON ``sessions``."""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet may run a cell starting with one of these as a formula (OWASP CSV injection)."""
_AFTER_SEPARATOR = re.compile(r"([;\t\r\n][ ]*)([=+\-@])")
"""A formula start after a semicolon, tab or line break inside a field: a spreadsheet whose
list separator is ';' (most of Europe) reads a comma-separated file's quotes as text and
splits the field there, so ``Sam Lee;=2+5;LCSW`` would give the cell ``=2+5`` (issue 16,
finding 4). Such a start gets a ``'`` too, as at the start of a field."""

TABLE_WIDTH = 100
_NAME_WIDTH = 20
_MISSING_SHOWN = 10

# --- JSON -----------------------------------------------------------------------------

def report_json(report: Report, history: bool = False) -> dict[str, Any]:
    """The report as the JSON document of ``schemas/report-v2.schema.json``.

    The ``version`` changes only when a field changes meaning or disappears; new
    fields may be added within a version. ``history`` adds each note's history.
    """
    filters = report.filters
    document = {
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
        "supervisor_queues": [
            {"supervisor": queue.supervisor, "overdue": queue.overdue,
             "notes": [{"note": row.path, "client": row.client, "clinician": row.clinician,
                        "session_date": _moment(row.session_date), "signed": _moment(row.signed),
                        "cosign_due": _moment(row.cosign_due),
                        "overdue": row.cosignature == "overdue"} for row in queue.sessions]}
            for queue in report.queues],
    }
    if history:
        document["history"] = history_json(report.history, report.now.tzinfo)
    return document


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
        "suppressions": group.suppressions,
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
        "services": [{"code": line.code, "units": line.units, "modifiers": list(line.modifiers),
                      "minutes": line.minutes} for line in row.services],
        "modifiers": list(row.modifiers),
        "place_of_service": row.place_of_service,
        "modality": row.modality,
        "client_location": row.client_location,
        "start": _moment(row.start),
        "end": _moment(row.end),
        "duration": row.duration,
        "clock_minutes": row.clock_minutes,
        "signed_by": row.signed_by,
        "signed": _moment(row.signed),
        "signature": row.signature,
        "cosignature": row.cosignature,
        "supervisor": row.supervisor,
        "cosigned_by": row.cosigned_by,
        "cosigned": _moment(row.cosigned),
        "cosign_due": _moment(row.cosign_due),
        "diagnosis": list(row.diagnosis),
        "goals": list(row.goals),
    }


def csv_row(row: SessionRecord) -> dict[str, Any]:
    """The session row with its lists as text: ``services`` in billing shorthand
    (``90839-95 x1; 90840-95 x1``), ``modifiers`` separated by spaces."""
    return {**session_row(row), "services": "; ".join(line.shorthand for line in row.services),
            "modifiers": " ".join(row.modifiers), "diagnosis": " ".join(row.diagnosis),
            "goals": " ".join(row.goals)}


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

def report_csv(report: Report, history: bool = False) -> str:
    """One row per session (scheduled sessions without a note are in the JSON only).

    RFC 4180: a header row of :data:`CSV_COLUMNS`, CRLF line ends, fields quoted
    when needed. Dates are RFC 3339 (``2026-11-20T15:00:00-05:00``), booleans
    ``true``/``false``, an absent value an empty field, the claim lines in billing
    shorthand (:func:`csv_row`). A text field that a
    spreadsheet would run as a formula (starting with ``= + - @``, tab or
    carriage return) is prefixed with ``'``. ``history`` adds the columns of
    :data:`~soapbuild.report.history.HISTORY_COLUMNS`.
    """
    lines = [csv_line(CSV_COLUMNS + (HISTORY_COLUMNS if history else ()))]
    pasts = {row.note: row for row in report.history}
    for row in report.sessions:
        values: dict[str, Any] = csv_row(row)
        columns: tuple[str, ...] = CSV_COLUMNS
        if history and row.path in pasts:
            values |= history_cells(pasts[row.path], report.now.tzinfo)
            columns += HISTORY_COLUMNS
        lines.append(csv_line([csv_cell(values.get(column)) for column in columns]))
    return "".join(lines)


def csv_line(cells: Sequence[str]) -> str:
    """One RFC 4180 record: fields joined by commas, CRLF at the end, a field quoted (its
    quotes doubled) when it holds a comma, a quotation mark or a line break, and also
    when it holds a semicolon or a tab, so that a reader that honours quotes keeps such
    a field one cell whatever its list separator. (A spreadsheet that splits at ';'
    without honouring the quotes is why :func:`csv_cell` also escapes a formula start
    after a ';'.)"""
    return ",".join('"' + cell.replace('"', '""') + '"' if _NEEDS_QUOTES.search(cell) else cell
                    for cell in cells) + "\r\n"


_NEEDS_QUOTES = re.compile('[,;"\t\r\n]')


def csv_cell(value: object) -> str:
    """A value as a CSV field that a spreadsheet shows as text, never runs."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = _AFTER_SEPARATOR.sub(r"\1'\2", str(value))
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


def report_table(report: Report, history: bool = False) -> str:
    """The report for a terminal: two tables of per-clinician rows and an overall line,
    then the reasons behind the counts (and with ``history`` each note's history)."""
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
        notes.append("Not billable: " + _reasons(tally(kinds.elements()), ""))
    for queue in report.queues:
        notes.append(f"Awaiting co-signature by {queue.supervisor or '(no supervisor named)'}: "
                     + "; ".join(f"{row.client} {_when(row.session_date)} ({row.clinician}, "
                                 + ("overdue" if row.cosignature == "overdue" else "due")
                                 + f" {_when(row.cosign_due, '%Y-%m-%d')})"
                                 for row in queue.sessions))
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
    if history:
        lines += ["", *history_text(report.history, report.now.tzinfo)]
    return "\n".join(lines) + "\n"


def _when(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    return moment.strftime(pattern) if moment is not None else "date unknown"


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
