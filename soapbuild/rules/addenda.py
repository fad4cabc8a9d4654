"""Addenda: dated, in order, never back-dated, attributed (codes A001–A006).

These follow the Medicare amendment rule (CMS Program Integrity Manual ch. 3
§3.3.2.5): an amendment is labelled, dated when written, attributed and keeps
the original, and a reviewer ignores one that is not.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from soapbuild.model.findings import Hit
from soapbuild.model.note import Addendum, Moment, Note
from soapbuild.model.timeparse import resolve
from soapbuild.rules.context import Context

#: The rule codes this module reports (the rule pages are data/rules/*.toml).
CODES = frozenset({"A001", "A002", "A003", "A004", "A005", "A006"})


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
