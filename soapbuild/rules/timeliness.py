"""Submission times against the session, the deadline and the repository (T001–T005, T008).

The comparison itself is :func:`soapbuild.rules.deadlines.judge_timeliness`,
which the report's session rows read too; this module words its verdict.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from soapbuild.model.findings import Hit
from soapbuild.model.note import Note, Span
from soapbuild.rules.context import Context
from soapbuild.rules.deadlines import judge_timeliness

#: The rule codes this module reports (the rule pages are data/rules/*.toml).
CODES = frozenset({"T001", "T002", "T003", "T004", "T005", "T008"})


def check(note: Note, context: Context) -> Iterator[Hit]:
    header = note.header
    if header.session_date is None:
        return
    verdict = judge_timeliness(note, context.settings, context.now,
                               context.ledger.history(note.key))
    assert verdict.due is not None
    shown_due = _show(verdict.due.astimezone(context.settings.timezone))
    if header.submitted is not None:
        where = _value_span(note, "submitted")
        if verdict.stamp_gap is not None and verdict.committed is not None:
            committed = _show(verdict.committed.astimezone(context.settings.timezone))
            judged = (" Timeliness is judged by the commit." if verdict.by_commit else "")
            yield Hit("T008", where,
                      f"Submitted {header.submitted.text}, but the note entered the repository "
                      f"submitted only on {committed}, {_duration(verdict.stamp_gap)} later; "
                      f"the stamp cannot be trusted.{judged}",
                      "'submitted' records when the note was signed off: let 'soapbuild "
                      "submit' write it, and commit the note when you submit it.")
        if verdict.submitted_early:
            yield Hit("T001", where,
                      f"Submitted {header.submitted.text}, before the session started "
                      f"({header.session_date.text}).",
                      "Check the date: 'submitted' is when the note was signed off.")
        elif verdict.submitted_future:
            yield Hit("T002", where, f"Submitted {header.submitted.text}, which is in the future.",
                      "Check the date: 'submitted' is when the note was signed off.")
        elif verdict.state == "late" and verdict.over is not None:
            yield Hit("T003", where,
                      f"Submitted {_duration(verdict.over)} after the deadline ({shown_due}).",
                      "A late note cannot be made on time; it is counted in the report.")
        return
    if verdict.unreadable_stamp:
        return  # 'submitted' is there but unreadable (F002): not a draft
    where = _value_span(note, "session_date")
    if verdict.state == "overdue" and verdict.over is not None:
        yield Hit("T004", where,
                  f"The note is still a draft {_duration(verdict.over)} after its deadline "
                  f"({shown_due}).", "Finish the note and run 'soapbuild submit' on it.")
    elif verdict.state == "due_soon" and verdict.left is not None:
        yield Hit("T005", where, f"The note is due in {_duration(verdict.left)} ({shown_due}).",
                  "Finish the note and run 'soapbuild submit' on it.")


def _value_span(note: Note, name: str) -> Span:
    raw = note.header.field(name)
    return raw.value_span if raw is not None else Span(0, 3)


def _duration(delta: timedelta) -> str:
    """'30 h 5 min (1.3 days)': hours for billing staff, days for a sense of scale."""
    if delta < timedelta(minutes=1):
        return "less than a minute"
    minutes = int(delta.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    text = f"{hours} h {rest} min" if hours else f"{rest} min"
    if delta >= timedelta(days=1):
        text += f" ({delta.total_seconds() / 86400:.1f} days)"
    return text


def _show(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M %Z")
