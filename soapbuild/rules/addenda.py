"""Addenda: dated, in order, never back-dated, attributed (codes A001–A008).

These follow the Medicare amendment rule (CMS Program Integrity Manual ch. 3
§3.3.2.5): an amendment is labelled, dated when written, attributed and keeps
the original, and a reviewer ignores one that is not. An addendum appended after
the note locked is dated after the lock (A007); in git, its date is weighed
against the first commit that held it (A008).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from soapbuild.history.lock import begins_with, locked_since
from soapbuild.model.findings import Hit
from soapbuild.model.history import LockRecord, NoteHistory
from soapbuild.model.note import Addendum, Moment, Note
from soapbuild.model.timeparse import resolve
from soapbuild.rules.context import Context

#: The rule codes this module reports (the rule pages are data/rules/*.toml).
CODES = frozenset({"A001", "A002", "A003", "A004", "A005", "A006", "A007", "A008"})


def check(note: Note, context: Context) -> Iterator[Hit]:
    submitted = note.header.submitted
    previous: Addendum | None = None
    for addendum in note.body.addenda:
        where = addendum.heading.text_span
        if addendum.date is None:
            shown = f" ('{addendum.date_text}' is not a date)" if addendum.date_text else ""
            yield Hit("A001", where, f"The addendum has no readable date{shown}.",
                      "Date the heading when you write it: '## Addendum 2026-11-24 10:30'.")
        else:
            if previous is not None and previous.date is not None and _before(
                    context, addendum.date, previous.date):
                yield Hit("A002", where,
                          f"This addendum ({addendum.date.text}) is dated before the one above "
                          f"it ({previous.date.text}); addenda are appended in date order.",
                          "Move it above the later addendum or correct its date.")
            if submitted is not None and _before(context, addendum.date, submitted):
                yield Hit("A003", where,
                          f"The addendum is dated {addendum.date.text}, before the note was "
                          f"submitted ({submitted.text}); an addendum is never back-dated.",
                          "Date it with the day and time you are writing it.")
            if _after_now(context, addendum.date):
                yield Hit("A004", where,
                          f"The addendum is dated {addendum.date.text}, in the future.",
                          "Date it with the day and time you are writing it.")
            yield from _against_lock(note, addendum, addendum.date, context)
            yield from _against_commit(addendum, addendum.date,
                                       context.ledger.history(note.key), context)
            previous = addendum
        if addendum.author is None:
            yield Hit("A005", where, "The addendum does not name its author.",
                      "Add a line 'Author: <your name and credential>'.")
        if addendum.reason is None:
            yield Hit("A006", where, "The addendum does not give its reason.",
                      "Add a line 'Reason: <why the record is amended>'.")


def _before(context: Context, first: Moment, second: Moment) -> bool:
    """Whether ``first`` is earlier; a date without a time compares by day only."""
    if first.date_only or second.date_only:
        return _day(context, first) < _day(context, second)
    return resolve(first, context.settings.timezone) < resolve(second, context.settings.timezone)


def _after_now(context: Context, moment: Moment) -> bool:
    if moment.date_only:
        return moment.value.date() > context.now.astimezone(context.settings.timezone).date()
    return resolve(moment, context.settings.timezone) > context.now


def _day(context: Context, moment: Moment) -> date:
    zone = context.settings.timezone
    value: datetime = resolve(moment, zone).astimezone(zone)
    return value.date()


def _against_lock(note: Note, addendum: Addendum, dated: Moment,
                  context: Context) -> Iterator[Hit]:
    """A007: an addendum appended after the note locked, dated before the lock."""
    record: LockRecord | None = context.ledger.lock(note.key)
    if record is None or not begins_with(note.source.text, record.sha256, record.length):
        return  # not locked, or its locked text changed (K001 says so)
    start = addendum.span.start
    if start - note.source.text.count("\r\n", 0, start) < record.original_length:
        return  # part of the text as it locked
    since = record.locked_at or locked_since(note, context.settings)
    if since is None:
        return
    zone = context.settings.timezone
    early = (dated.value.date() < since.astimezone(zone).date() if dated.date_only
             else resolve(dated, zone) < since)
    if early:
        yield Hit("A007", addendum.heading.text_span,
                  f"The addendum is dated {dated.text}, before the note locked "
                  f"({since.astimezone(zone):%Y-%m-%d %H:%M}), yet it was added after the lock; "
                  "an addendum is dated when it is written.",
                  "Date it with the day and time you are writing it.")


def _against_commit(addendum: Addendum, dated: Moment, history: NoteHistory | None,
                    context: Context) -> Iterator[Hit]:
    """A008: in git, an addendum dated well before the first commit that held it."""
    if history is None or not history.in_git:
        return
    entered = history.addenda_entered.get(addendum.heading.text)
    if entered is None or entered.astimezone(UTC) > context.now.astimezone(UTC):
        return
    zone = context.settings.timezone
    # A date without a time may have been written at any hour of that day.
    written = (datetime.combine(dated.value.date() + timedelta(days=1), datetime.min.time(),
                                zone) if dated.date_only else resolve(dated, zone))
    gap = entered.astimezone(UTC) - written.astimezone(UTC)
    if gap > timedelta(hours=context.settings.history_tolerance_hours):
        hours = gap.total_seconds() / 3600
        yield Hit("A008", addendum.heading.text_span,
                  f"The addendum is dated {dated.text}, but it entered the repository only on "
                  f"{entered.astimezone(zone):%Y-%m-%d %H:%M}, {hours:.0f} h later: it may be "
                  "back-dated.",
                  "Date an addendum when you write it and commit it the same day; if the date "
                  "is right, say in the addendum why it was committed late.")
