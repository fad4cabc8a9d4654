"""``soapbuild report``: the compliance report of a check run, on the terminal or as data."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import click

from soapbuild.checker import CheckRun
from soapbuild.commands.check import run_checks
from soapbuild.commands.common import write_output
from soapbuild.console import UsageProblem
from soapbuild.report.aggregate import Report, clinician_matches, closest_clinicians
from soapbuild.settings import Settings


@dataclass(frozen=True, slots=True)
class ReportOptions:
    since: date | None = None
    until: date | None = None
    clinician: str | None = None
    output_format: str = "text"
    output: Path | None = None
    history: bool = False


def compliance_report(run: CheckRun, now: datetime, *, since: date | None = None,
                      until: date | None = None, clinician: str | None = None) -> Report:
    """The compliance report of a check run, with the schedule's sessions that have no note
    and each note's history."""
    from dataclasses import replace

    from soapbuild.report.aggregate import build_report
    from soapbuild.report.history import history_rows

    built = build_report(run.sessions, since=since, until=until, clinician=clinician,
                         missing=run.unmatched, now=now)
    return replace(built, history=history_rows(built.sessions, run.notes, run.ledger))


def report(directory: Path, settings: Settings, now: datetime, options: ReportOptions) -> int:
    """Check the notes as 'check' does and write the report; exit 0 whatever it shows."""
    from soapbuild.report.formats import report_csv, report_json, report_table

    if options.since is not None and options.until is not None and options.since > options.until:
        raise UsageProblem(f"--since {options.since:%Y-%m-%d} is after "
                           f"--until {options.until:%Y-%m-%d}")
    run = run_checks(directory, settings, now)
    if options.clinician is not None and not any(
            clinician_matches(who, options.clinician)
            for who in [r.clinician for r in run.sessions] + [m.clinician for m in run.unmatched]):
        known = closest_clinicians(run.sessions, run.unmatched, options.clinician)
        listed = "; ".join(known) if known else "none: no note names a clinician"
        raise UsageProblem(f"--clinician {options.clinician!r}: no note or scheduled session "
                           f"names this clinician. The clinicians: {listed}")
    built = compliance_report(run, now, since=options.since, until=options.until,
                              clinician=options.clinician)
    if options.output_format == "json":
        text = json.dumps(report_json(built, options.history), indent=2,
                          ensure_ascii=False) + "\n"
    elif options.output_format == "csv":
        text = report_csv(built, options.history)
    else:
        text = report_table(built, options.history)
    if options.output is None:
        click.echo(text, nl=False)
    else:
        write_output(options.output, text)
    return 0
