"""Scheduled sessions without a note (codes T006, T007), with a schedule (SPEC 6.4).

This looks across notes, so it runs after every note is parsed, and only when
the whole notes folder is checked: a git hook that checks a few staged notes
would otherwise call every other scheduled session missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC

from soapbuild.model.findings import Hit
from soapbuild.model.note import Moment
from soapbuild.model.schedule import ScheduledSession
from soapbuild.rules.context import Context
from soapbuild.rules.deadlines import deadline

#: The rule codes this module reports (the rule pages are data/rules/*.toml).
CODES = frozenset({"T006", "T007"})


def check(unmatched: Sequence[ScheduledSession],
          context: Context) -> list[tuple[ScheduledSession, Hit]]:
    """A hit per scheduled session that no note covers (to be placed at its schedule line).

    ``unmatched`` is :attr:`soapbuild.checker.CheckRun.unmatched`, matched once
    for the rules and the report alike.
    """
    hits = []
    zone = context.settings.timezone
    for session in unmatched:
        start = session.start.astimezone(zone)
        moment = Moment(start.replace(tzinfo=None), False, f"{start:%Y-%m-%d %H:%M}")
        due = deadline(moment, (), context.settings).astimezone(UTC)
        now = context.now.astimezone(UTC)
        if now < session.start.astimezone(UTC):
            continue  # still in the future: nothing is missing yet
        who = f" with {session.clinician}" if session.clinician else ""
        when = f"{start:%Y-%m-%d %H:%M}"
        if now > due:
            hours = (now - due).total_seconds() / 3600
            hits.append((session, Hit(
                "T007", None, f"The session of {session.client}{who} on {when} has no note, "
                f"{hours:.0f} h past its deadline.",
                "Write the note (soapbuild new --client …); if the session did not take place, "
                "document it with 'occurred: false' and a reason.")))
        else:
            hits.append((session, Hit(
                "T006", None, f"The session of {session.client}{who} on {when} has no note yet.",
                f"Write it before {due.astimezone(zone):%Y-%m-%d %H:%M}.")))
    return hits
