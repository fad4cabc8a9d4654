"""Drafts belong in git: findings that only mean "not finished yet" are warnings on a draft.

Which findings, and why each, is data (``data/drafts.toml``). The checker applies
:func:`soften` to every note that has no ``submitted`` value, unless it is asked
to judge the note as submitted (``soapbuild submit`` does, so completeness is
enforced where the record becomes one).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import replace
from functools import cache
from importlib import resources

from soapbuild.model.findings import Finding, Severity
from soapbuild.model.note import Note

NOTE = "Draft: needed before 'soapbuild submit'."


@cache
def draft_warnings() -> Mapping[str, str]:
    """The codes that are warnings on a draft, each with the reason."""
    text = resources.files("soapbuild").joinpath("data/drafts.toml").read_text("utf-8")
    return {code: " ".join(entry["reason"].split()) for code, entry in tomllib.loads(text).items()}


def submitted_value(note: Note) -> str | None:
    """Why the note counts as submitted, or ``None`` for a draft (every ``submitted`` empty).

    Any value counts, even one that cannot be read as a time (F002): the note
    was meant to be signed off, so it is judged in full.
    """
    for field in note.header.fields:
        if field.name != "submitted" or field.kind == "null":
            continue
        if field.kind != "scalar":
            return f"already has a 'submitted' value (a {field.kind})"
        if (field.text or "").strip():
            return f"already submitted on {field.text}"
    return None


def soften(note: Note, findings: list[Finding]) -> list[Finding]:
    """On a draft, the "not finished yet" errors become warnings that say so."""
    if submitted_value(note) is not None:
        return findings
    lenient = draft_warnings()
    return [replace(f, severity=Severity.WARNING, message=f"{f.message} {NOTE}")
            if f.severity is Severity.ERROR and f.code in lenient else f
            for f in findings]
