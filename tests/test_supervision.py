"""Supervision through the real command line: cosign, the deadline, billing, the queues.

An associate's (LMSW) note is not billable until their supervisor co-signs it,
and is after; anyone else's co-signature is refused; the co-signature is due
within business days that skip weekends, public holidays and closed days.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clean_note import check_codes as codes
from clean_note import cli, note, workspace
from clean_note import report_json as report

SETTINGS = """signatures_required_from = 2026-11-01

[clinicians."Riley Brooks"]
credential = "LMSW"
supervisor = "Jordan Rivera"

[clinicians."Jordan Rivera"]
credential = "LCSW"

[clinicians."Amara Osei"]
credential = "PsyD"

[calendar]
country = "US"
subdivision = "NY"
"""
# Wednesday before Thanksgiving (2026-11-26), signed at 18:05.
ASSOCIATE = note(clinician="Riley Brooks, LMSW", session_date="2026-11-25 16:00",
                 submitted=None)


@pytest.fixture
def practice(tmp_path: Path) -> Path:
    root = workspace(tmp_path / "practice", SETTINGS)
    (root / "notes" / "a.md").write_text(ASSOCIATE, "utf-8")
    code, output = cli(root, "submit", "notes/a.md", "--now", "2026-11-25 18:05")
    assert code == 0 and "signed by Riley Brooks, LMSW" in output, output
    return root


def test_an_associates_note_is_billable_only_once_co_signed(practice: Path) -> None:
    before = report(practice, "2026-11-27 12:00")
    row = before["sessions"][0]
    assert (row["billable"], row["not_billable_reason"], row["cosignature"],
            row["supervisor"], row["cosign_due"]) == (
        False, "the note awaits its co-signature by Jordan Rivera", "awaiting", "Jordan Rivera",
        # three business days after Wednesday 11-25: Thanksgiving is skipped
        "2026-12-01T23:59:59-05:00")
    assert before["supervisor_queues"] == [{
        "supervisor": "Jordan Rivera", "overdue": 0,
        "notes": [{"note": "notes/a.md", "client": "C-1042", "clinician": "Riley Brooks, LMSW",
                   "session_date": "2026-11-25T16:00:00-05:00",
                   "signed": "2026-11-25T18:05:00-05:00",
                   "cosign_due": "2026-12-01T23:59:59-05:00", "overdue": False}]}]
    assert codes(practice, "2026-11-27 12:00") == ["V001"]
    code, output = cli(practice, "cosign", "notes/a.md", "--now", "2026-11-27 09:30")
    assert code == 0, output
    assert output == ("co-signed notes/a.md at 2026-11-27 09:30 (America/New_York) as "
                      "Jordan Rivera, LCSW\n")
    after = report(practice, "2026-11-27 12:00")
    row = after["sessions"][0]
    assert (row["billable"], row["cosignature"], row["cosigned_by"], row["cosigned"]) == (
        True, "cosigned", "Jordan Rivera, LCSW", "2026-11-27T09:30:00-05:00")
    assert after["supervisor_queues"] == []
    assert codes(practice, "2026-11-27 12:00") == []
    text = (practice / "notes" / "a.md").read_text("utf-8")
    assert text == ASSOCIATE.replace(
        'service_code: "90837"\n',
        'service_code: "90837"\nsubmitted: 2026-11-25 18:05\nsigned_by: "Riley Brooks, LMSW"\n'
        'cosigned_by: "Jordan Rivera, LCSW"\ncosigned: 2026-11-27 09:30\n')


def test_a_co_signer_who_is_not_the_supervisor_is_refused(practice: Path) -> None:
    before = (practice / "notes" / "a.md").read_bytes()
    code, output = cli(practice, "cosign", "notes/a.md", "--as", "Amara Osei, PsyD",
                       "--now", "2026-11-27 09:30")
    assert code == 1
    assert output == ("notes/a.md: not co-signed: Amara Osei is not Riley Brooks's supervisor "
                      "(Jordan Rivera); only the supervisor co-signs\n")
    code, output = cli(practice, "cosign", "notes/a.md", "--as", "Riley Brooks, LMSW",
                       "--now", "2026-11-27 09:30")
    assert code == 1 and "Riley Brooks is not Riley Brooks's supervisor" in output
    assert (practice / "notes" / "a.md").read_bytes() == before


def test_cosign_refuses_an_unsigned_note_a_note_with_errors_and_a_second_cosign(
        practice: Path) -> None:
    (practice / "notes" / "draft.md").write_text(ASSOCIATE, "utf-8")
    (practice / "notes" / "broken.md").write_text(
        note(clinician="Riley Brooks, LMSW", session_date="2026-11-24 16:00",
             submitted="2026-11-24 18:00", signed_by='"Riley Brooks, LMSW"',
             duration="20"), "utf-8")
    (practice / "notes" / "licensed.md").write_text(
        note(signed_by='"Jordan Rivera, LCSW"'), "utf-8")
    for name, why in (
            ("draft.md", "the note is not signed yet; Riley Brooks signs it first"),
            ("broken.md", "1 error; a supervisor co-signs a complete note"),
            ("licensed.md", "Jordan Rivera's notes need no co-signature")):
        old = (practice / "notes" / name).read_bytes()
        code, output = cli(practice, "cosign", f"notes/{name}", "--now", "2026-11-27 09:30")
        assert code == 1 and f"notes/{name}: not co-signed: {why}" in output, output
        assert (practice / "notes" / name).read_bytes() == old
    assert cli(practice, "cosign", "notes/a.md", "--now", "2026-11-27 09:30")[0] == 0
    code, output = cli(practice, "cosign", "notes/a.md", "--now", "2026-11-27 10:00")
    assert code == 1 and "already co-signed by Jordan Rivera, LCSW" in output


def test_the_co_signature_falls_due_after_business_days(practice: Path) -> None:
    assert codes(practice, "2026-12-01 23:00") == ["V001"]
    assert codes(practice, "2026-12-02 00:01") == ["V002"]
    document = report(practice, "2026-12-02 09:00")
    assert document["sessions"][0]["cosignature"] == "overdue"
    assert document["supervisor_queues"][0]["overdue"] == 1


def test_closed_days_move_the_deadline_too(practice: Path) -> None:
    settings = practice / "soapbuild.toml"
    settings.write_text(settings.read_text("utf-8").replace(
        'subdivision = "NY"\n', 'subdivision = "NY"\nclosed_days = [2026-11-27, 2026-11-30]\n'),
        "utf-8")
    row = report(practice, "2026-11-27 12:00")["sessions"][0]
    assert row["cosign_due"] == "2026-12-03T23:59:59-05:00"


def test_an_associates_note_locks_after_its_co_signature(practice: Path) -> None:
    """Until the supervisor co-signs, the note is not final: cosign writes into it, and
    nothing is sealed; the edit window starts at the co-signature."""
    assert codes(practice, "2026-11-30 12:00") == ["V001"]
    assert not (practice / ".soapbuild" / "seals.json").exists()
    assert cli(practice, "cosign", "notes/a.md", "--now", "2026-11-30 13:00")[0] == 0
    assert codes(practice, "2026-12-01 12:00") == []
    assert not (practice / ".soapbuild" / "seals.json").exists()  # within the window
    assert codes(practice, "2026-12-01 13:30") == []
    sealed = json.loads((practice / ".soapbuild" / "seals.json").read_text("utf-8"))
    assert [(e["event"], e["note"]) for e in sealed["entries"]] == [("seal", "notes/a.md")]


def test_without_a_supervisor_in_the_settings(tmp_path: Path) -> None:
    root = workspace(tmp_path / "practice", "[clinicians.\"Riley Brooks\"]\n"
                                            "credential = \"LMSW\"\n")
    (root / "notes" / "a.md").write_text(ASSOCIATE, "utf-8")
    assert cli(root, "submit", "notes/a.md", "--now", "2026-11-25 18:05")[0] == 0
    assert sorted(codes(root, "2026-11-27 12:00")) == ["V001", "V004"]
    code, output = cli(root, "cosign", "notes/a.md", "--as", "Jordan Rivera, LCSW",
                       "--now", "2026-11-27 09:30")
    assert code == 1 and "the settings name no supervisor for Riley Brooks" in output
    # without the holidays: three weekdays after Wednesday
    row = report(root, "2026-11-27 12:00")["sessions"][0]
    assert (row["cosign_due"], row["supervisor"]) == ("2026-11-30T23:59:59-05:00", None)


def test_the_practice_names_which_credentials_need_a_co_signature(practice: Path) -> None:
    settings = practice / "soapbuild.toml"
    settings.write_text(settings.read_text("utf-8") + "\n[supervision]\ncredentials = "
                        '["LPC-A"]\n', "utf-8")
    row = report(practice, "2026-11-27 12:00")["sessions"][0]
    assert (row["cosignature"], row["billable"]) == ("not_needed", True)
