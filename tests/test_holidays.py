"""Business days skip weekends, public holidays ([calendar], the holidays package) and the
practice's closed days: note deadlines and co-signature deadlines alike."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from clean_note import note, workspace
from click.testing import CliRunner

from soapbuild.cli import main
from soapbuild.rules.deadlines import is_business_day, public_holidays
from soapbuild.settings import Settings

NY = ZoneInfo("America/New_York")
# A Wednesday session, the day before Thanksgiving (Thursday 2026-11-26).
WEDNESDAY = note(session_date="2026-11-25 15:00", submitted=None)


def deadline(tmp_path: Path, settings: str, now: str = "2026-11-25 16:00") -> tuple[str, str]:
    root = workspace(tmp_path, "deadline_business_days = 2\n" + settings)
    (root / "notes" / "a.md").write_text(WEDNESDAY, "utf-8")
    result = CliRunner().invoke(main, ["-C", str(root), "report", "--format", "json",
                                       "--now", now])
    assert result.exit_code == 0, result.output
    row = json.loads(result.output)["sessions"][0]
    return row["deadline"], row["timeliness"]


def test_a_business_day_deadline_skips_thanksgiving(tmp_path: Path) -> None:
    # weekdays only: Thursday and Friday
    assert deadline(tmp_path / "a", "")[0] == "2026-11-27T23:59:59-05:00"
    # US public holidays: Thanksgiving is skipped, so Friday and Monday
    assert deadline(tmp_path / "b", '[calendar]\ncountry = "US"\n')[0] == \
        "2026-11-30T23:59:59-05:00"
    # and the practice closed on the Friday after: Monday and Tuesday
    assert deadline(tmp_path / "c", '[calendar]\ncountry = "US"\n'
                                    "closed_days = [2026-11-27]\n")[0] == \
        "2026-12-01T23:59:59-05:00"


def test_the_holiday_decides_whether_a_draft_is_overdue(tmp_path: Path) -> None:
    now = "2026-11-28 12:00"
    assert deadline(tmp_path / "a", "", now)[1] == "overdue"  # due at the end of Friday
    assert deadline(tmp_path / "b", '[calendar]\ncountry = "US"\n', now)[1] == "draft"


def test_subdivisions_add_their_own_holidays() -> None:
    ny = Settings(root=Path("."), timezone=NY, holiday_country="US", holiday_subdivision="NY")
    us = Settings(root=Path("."), timezone=NY, holiday_country="US")
    election_day = date(2026, 11, 3)  # a public holiday in New York State
    assert not is_business_day(election_day, ny)
    assert is_business_day(election_day, us)
    assert date(2026, 11, 26) in public_holidays("US", None, 2026)
    assert not is_business_day(date(2026, 11, 28), us)  # a Saturday


@pytest.mark.parametrize(("text", "message"), [
    ('[calendar]\ncountry = "UZZ"\n',
     "'calendar.country' = 'UZZ' is not a country the holidays package knows; did you mean "
     "'UZ'?"),
    ('[calendar]\ncountry = "US"\nsubdivision = "QQ"\n',
     "'calendar.subdivision' = 'QQ' is not a subdivision of US"),
    ('[calendar]\nsubdivision = "NY"\n',
     "'calendar.subdivision' needs 'calendar.country' beside it"),
    ('[calendar]\nclosed_days = ["tomorrow"]\n',
     "'calendar.closed_days' must be a date such as 2026-11-27, not 'tomorrow'"),
])
def test_a_wrong_calendar_stops_soapbuild_naming_the_key(tmp_path: Path, text: str,
                                                        message: str) -> None:
    root = workspace(tmp_path, text)
    result = CliRunner().invoke(main, ["-C", str(root), "check"])
    assert result.exit_code == 2 and message in result.output, result.output


PROBE = ("import sys\nfrom soapbuild.cli import main\n"
         "try:\n    main(['-C', sys.argv[1], 'check', '--now', '2026-11-25 16:00'])\n"
         "except SystemExit:\n    pass\n"
         "print('holidays' in sys.modules)")


@pytest.mark.parametrize(("settings", "imported"), [
    ('deadline_business_days = 2\n', "False"),  # business days, but no country named
    ('[calendar]\ncountry = "US"\n', "True"),  # named: checked when the settings are read
    ('', "False"),
])
def test_holidays_is_imported_only_for_a_practice_that_names_its_country(
        tmp_path: Path, settings: str, imported: str) -> None:
    root = workspace(tmp_path, settings)
    (root / "notes" / "a.md").write_text(WEDNESDAY, "utf-8")
    done = subprocess.run([sys.executable, "-c", PROBE, str(root)], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == imported


def test_a_deadline_hours_practice_counts_real_hours_across_the_holiday(tmp_path: Path) -> None:
    root = workspace(tmp_path, '[calendar]\ncountry = "US"\n')
    (root / "notes" / "a.md").write_text(WEDNESDAY, "utf-8")
    result = CliRunner().invoke(main, ["-C", str(root), "report", "--format", "json",
                                       "--now", "2026-11-25 16:00"])
    row = json.loads(result.output)["sessions"][0]
    assert datetime.fromisoformat(row["deadline"]) == datetime(2026, 11, 28, 15, 0, tzinfo=NY)
