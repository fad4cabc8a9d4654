"""A locked note changed other than by an appended addendum (code K001)."""

from __future__ import annotations

from collections.abc import Iterator

from soapbuild.history.seals import compare, locked_since
from soapbuild.model.findings import Hit
from soapbuild.model.note import Note, Span
from soapbuild.rules.context import Context

#: The rule codes this module reports (the rule pages are data/rules/*.toml).
CODES = frozenset({"K001"})


def check(note: Note, context: Context) -> Iterator[Hit]:
    key = note.key
    if key is None or context.baseline is None:
        return
    seal = context.baseline.seal_for(key)
    if seal is None:  # not locked when last seen: nothing to compare with yet
        return
    # A sealed note stays locked whatever its header says now: changing or
    # deleting 'submitted' must not reopen it.
    verdict = compare(note.source.text, seal, context.now)
    if verdict.changed:
        raw = note.header.field("submitted")
        since = locked_since(note, context.settings)
        when = (f"locked on {since.astimezone(context.settings.timezone):%Y-%m-%d %H:%M} "
                f"({context.settings.edit_window_hours:g} h after submission)" if since else
                f"was sealed locked on {seal.sealed_at[:16].replace('T', ' ')}")
        yield Hit("K001", raw.key_span if raw else Span(0, 3),
                  f"This note {when} and its text has changed since.",
                  "Restore the locked text and append the correction as a dated addendum: "
                  "'## Addendum <today>' with 'Author:' and 'Reason:' lines.")
