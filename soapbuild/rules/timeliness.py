"""Submission times against the session, the deadline and the repository (T001–T005,
T008, T009).

The comparison itself is :func:`soapbuild.rules.deadlines.judge_timeliness`,
which the report's session rows read too; this module words its verdict. T009
is the limit on late entries (``late_entry_days``): a note or an addendum entered
more than so many days after the session, which some payers do not accept at
all (Alabama Medicaid: 45 days; CMS Program Integrity Manual ch. 3 §3.3.2.5 on
delayed entries).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from soapbuild.model.findings import Hit
from soapbuild.model.note import Note, Span
from soapbuild.model.timeparse import resolve
from soapbuild.rules.context import Context
from soapbuild.rules.deadlines import entry_limit, judge_timeliness

#: The rule codes this module reports (the rule pages are data/rules/*.toml).
CODES = frozenset({"T001", "T002", "T003", "T004", "T005", "T008", "T009"})


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
            if verdict.beyond_limit is not None and verdict.limit is not None:
                yield Hit("T009", where,
                          f"The note was entered {_entered(verdict.submitted, verdict.start)} "
                          f"after the session, past the practice's limit of "
                          f"{context.settings.late_entry_days} days ({_show(verdict.limit)}).",
                          "Keep it in the record as a late entry; the session cannot be "
                          "billed.")
        yield from _late_addenda(note, context)
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


def _late_addenda(note: Note, context: Context) -> Iterator[Hit]:
    """T009 for an addendum dated past the late-entry limit. A signature attestation adds
    nothing to the record's content and Medicare asks for one whenever a signature is
    missing, so the limit does not apply to it."""
    header, settings = note.header, context.settings
    if header.session_date is None:
        return
    limit = entry_limit(header.session_date, settings)
    if limit is None:
        return
    for addendum in note.body.addenda:
        if addendum.kind != "addendum" or addendum.date is None:
            continue
        dated = resolve(addendum.date, settings.timezone)
        if dated > limit:
            start = resolve(header.session_date, settings.timezone)
            yield Hit("T009", addendum.heading.text_span,
                      f"The addendum was written {_entered(dated, start)} after the session, "
                      f"past the practice's limit of {settings.late_entry_days} days "
                      f"({_show(limit)}).",
                      "A payer with this limit disregards it; if the record must say more, "
                      "say it in a new note of today's contact.")


def _entered(when: datetime | None, start: datetime | None) -> str:
    if when is None or start is None:
        return "too long"
    days = (when.astimezone(UTC) - start.astimezone(UTC)).total_seconds() / 86400
    return f"{days:.0f} days"


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
