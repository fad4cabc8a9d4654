"""The clean note the timeliness, billing and locking tests vary one field at a time.

Its four sections produce no finding, so whatever a test sees comes from the
field it changed. Field lines: 2 client, 3 clinician, 4 session_date (value at
column 15), 5 occurred, 6 submitted (column 12), 7 duration (column 11),
8 service_code (column 15).
"""

from __future__ import annotations

SOAP = """\
## Subjective
Client reported sleeping six hours a night.

## Objective
Client was alert and oriented.

## Assessment
Client denies SI/HI; risk is low.

## Plan
Next session in one week.
"""

FIELDS: dict[str, str | None] = {
    "client": "C-1042",
    "clinician": "Jordan Rivera, LCSW",
    "session_date": "2026-11-20 15:00",
    "occurred": "true",
    "submitted": "2026-11-21 09:00",  # a 24 h edit window locks it at 2026-11-22 09:00
    "duration": "53",
    "service_code": '"90837"',
}


def note(body: str = SOAP, **fields: str | None) -> str:
    """The clean template with some fields changed (None leaves a field out; new ones last)."""
    merged = {**FIELDS, **fields}
    lines = ["---", *(f"{k}: {v}" for k, v in merged.items() if v is not None), "---"]
    return "\n".join(lines) + "\n" + body
