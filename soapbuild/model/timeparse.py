"""Reading the dates and times clinicians write in front matter."""

from __future__ import annotations

import re
from datetime import date, datetime, tzinfo

from soapbuild.model.moment import Moment

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$",
    re.I | re.ASCII)
# A clinical record's dates lie in this range; outside it a date is a typo, and
# deadline arithmetic near year 1 or 9999 would overflow.
YEARS = range(1900, 2200)


def parse_moment(text: str) -> Moment | None:
    """Read ``YYYY-MM-DD``, ``YYYY-MM-DD HH:MM[:SS]`` or ISO 8601 with an offset.

    Returns ``None`` for anything else, so the caller can say what it expected.
    """
    text = text.strip()
    if _DATE_ONLY.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return None
        if day.year not in YEARS:
            return None
        return Moment(datetime(day.year, day.month, day.day), True, text)
    if not _DATE_TIME.match(text):
        return None
    normal = text.replace(" ", "T", 1).replace("t", "T")
    normal = re.sub(r"\s+(?=[Zz+-]\d*)", "", normal)
    if normal[11:13].endswith(":"):  # a one-digit hour, 9:05
        normal = normal[:11] + "0" + normal[11:]
    try:
        value = datetime.fromisoformat(normal.replace("z", "Z"))
    except ValueError:
        return None
    return Moment(value, False, text) if value.year in YEARS else None


def resolve(moment: Moment, zone: tzinfo) -> datetime:
    """The moment as an aware datetime: a time without an offset is in ``zone``."""
    value = moment.value
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)
