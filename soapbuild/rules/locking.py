"""A locked note changed other than by an appended addendum (code K001)."""

from __future__ import annotations

from collections.abc import Iterator

from soapbuild.context import Context
from soapbuild.findings import Hit
from soapbuild.locks import compare, locked_since
from soapbuild.model import Note, Span


def check(note: Note, context: Context) -> Iterator[Hit]:
    key = note.key
    if key is None or context.baseline is None:
        return
    since = locked_since(note, context.settings)
    if since is None or context.now < since:
        return
    verdict = compare(note.source.text, context.baseline.seal_for(key), context.now)
    if verdict.changed:
        raw = note.header.field("submitted")
        locked = since.astimezone(context.settings.timezone).strftime("%Y-%m-%d %H:%M")
        hours = f"{context.settings.edit_window_hours:g}"
        yield Hit("K001", raw.key_span if raw else Span(0, 3),
                  f"This note locked on {locked} ({hours} h after submission) and its text has "
                  "changed since.",
                  "Restore the locked text and append the correction as a dated addendum: "
                  "'## Addendum <today>' with 'Author:' and 'Reason:' lines.")
