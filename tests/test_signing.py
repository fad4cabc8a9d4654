"""Signatures through the real command line: submit signs, attest signs what was not.

A note submitted before the practice signed its notes is made complete by an
attestation its author appends, never by an edit: the bytes before it stay as
they were, the lock (a seal outside git, the commit in git) accepts it, and
the session becomes billable.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from clean_note import check_codes as codes
from clean_note import cli, note, report_json, workspace

SETTINGS = """signatures_required_from = 2026-11-25

[clinicians."Jordan Rivera"]
credential = "LCSW"
"""
# Submitted 2026-11-21 09:00, before the practice signed (2026-11-25): locked on the 22nd.
OLD = note()
NEW = note(session_date="2026-11-25 15:00", submitted="2026-11-26 09:00")


def report(root: Path, now: str) -> dict[str, Any]:
    return {row["note"]: row for row in report_json(root, now)["sessions"]}


@pytest.fixture
def practice(tmp_path: Path) -> Path:
    root = workspace(tmp_path / "practice", SETTINGS)
    (root / "notes" / "old.md").write_text(OLD, "utf-8")
    return root


def test_an_unsigned_older_note_is_made_complete_by_an_attestation_not_an_edit(
        practice: Path) -> None:
    path = practice / "notes" / "old.md"
    assert codes(practice, "2026-11-26 12:00") == ["E002"]  # sealed (locked) now
    assert report(practice, "2026-11-26 12:00")["notes/old.md"]["not_billable_reason"] == (
        "the note is not signed (submitted before the practice signed its notes: attest it)")
    before = path.read_bytes()
    code, output = cli(practice, "attest", "notes/old.md", "--now", "2026-11-27 10:00")
    assert code == 0, output
    assert output == ("attested notes/old.md at 2026-11-27 10:00 (America/New_York) as "
                      "Jordan Rivera, LCSW\n")
    after = path.read_bytes()
    assert after.startswith(before)  # nothing before it changed: appended only
    assert after[len(before):].decode() == (
        "\n## Signature attestation 2026-11-27 10:00\n"
        "Author: Jordan Rivera, LCSW\n"
        "Reason: The note was submitted on 2026-11-21 09:00 without its author's signature.\n"
        "I, Jordan Rivera, LCSW, attest that this note for client C-1042, session of "
        "2026-11-20 15:00, is my record of the services I provided, entered by me on "
        "2026-11-21 09:00, and that this attestation is my signature on it.\n")
    assert codes(practice, "2026-11-28 12:00") == []  # the seal accepts it; no K001
    row = report(practice, "2026-11-28 12:00")["notes/old.md"]
    assert (row["billable"], row["signature"], row["signed_by"], row["signed"]) == (
        True, "attested", "Jordan Rivera, LCSW", "2026-11-27T10:00:00-05:00")


def test_attest_refuses_what_it_must_not_sign(practice: Path) -> None:
    (practice / "notes" / "draft.md").write_text(note(submitted=None), "utf-8")
    (practice / "notes" / "signed.md").write_text(
        note(signed_by='"Jordan Rivera, LCSW"'), "utf-8")
    for name, why in (
            ("draft.md", "the note is a draft; sign it as you submit it"),
            ("signed.md", "already signed by Jordan Rivera, LCSW on 2026-11-21 09:00")):
        old = (practice / "notes" / name).read_bytes()
        code, output = cli(practice, "attest", f"notes/{name}", "--now", "2026-11-27 10:00")
        assert code == 1 and f"notes/{name}: not attested: {why}" in output, output
        assert (practice / "notes" / name).read_bytes() == old
    code, output = cli(practice, "attest", "notes/old.md", "--as", "Amara Osei, PsyD",
                       "--now", "2026-11-27 10:00")
    assert code == 1 and ("Amara Osei is not the note's clinician (Jordan Rivera, LCSW); only "
                          "the note's author attests it") in output
    assert (practice / "notes" / "old.md").read_text("utf-8") == OLD


def test_attest_refuses_a_locked_note_whose_text_changed(practice: Path) -> None:
    assert codes(practice, "2026-11-26 12:00") == ["E002"]  # sealed
    path = practice / "notes" / "old.md"
    changed = OLD.replace("six hours", "eight hours")
    path.write_text(changed, "utf-8")
    code, output = cli(practice, "attest", "notes/old.md", "--now", "2026-11-27 10:00")
    assert code == 1
    assert "K001" in output and "its locked text has changed" in output
    assert path.read_text("utf-8") == changed


def test_a_note_submitted_from_the_signing_day_needs_a_signature(practice: Path) -> None:
    (practice / "notes" / "new.md").write_text(NEW, "utf-8")
    found = codes(practice, "2026-11-26 12:00")
    assert sorted(found) == ["E001", "E002"]
    assert report(practice, "2026-11-26 12:00")["notes/new.md"]["not_billable_reason"] == (
        "the note has errors: E001")
    # submit signs: a draft for the same session, submitted by the command
    (practice / "notes" / "new.md").write_text(note(session_date="2026-11-25 15:00",
                                                    submitted=None), "utf-8")
    code, output = cli(practice, "submit", "notes/new.md", "--now", "2026-11-26 09:00")
    assert code == 0 and "signed by Jordan Rivera, LCSW" in output, output
    row = report(practice, "2026-11-26 12:00")["notes/new.md"]
    assert (row["billable"], row["signature"], row["signed"]) == (
        True, "signed", "2026-11-26T09:00:00-05:00")


def test_without_the_setting_signatures_are_not_checked(tmp_path: Path) -> None:
    root = workspace(tmp_path / "legacy")
    (root / "notes" / "old.md").write_text(OLD, "utf-8")
    assert codes(root, "2026-11-26 12:00") == []
    row = report(root, "2026-11-26 12:00")["notes/old.md"]
    assert (row["billable"], row["signature"]) == (True, None)


def test_attest_in_git_appends_to_the_committed_locked_note(tmp_path: Path) -> None:
    """In git the commit is the lock: the attested note extends it by an attributed,
    dated entry, which check accepts; an edit in place next to it is still K001."""
    root = workspace(tmp_path / "git", SETTINGS)
    path = root / "notes" / "old.md"
    path.write_text(OLD, "utf-8")
    for command in (["init", "-q"], ["add", "-A"],
                    ["-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "-qm",
                     "notes"]):
        subprocess.run(["git", *command], cwd=root, check=True, capture_output=True)
    done = subprocess.run([sys.executable, "-m", "soapbuild", "-C", str(root), "attest",
                           "notes/old.md", "--now", "2026-11-27 10:00"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert codes(root, "2026-11-28 12:00") == []
    assert not (root / ".soapbuild" / "seals.json").exists()  # in git, nothing is sealed
    path.write_text(path.read_text("utf-8").replace("six hours", "eight hours"), "utf-8")
    assert codes(root, "2026-11-28 12:00") == ["K001"]


def test_signature_rules_point_at_what_is_wrong(practice: Path) -> None:
    (practice / "notes" / "old.md").unlink()
    (practice / "notes" / "a.md").write_text(
        note(session_date="2026-11-25 15:00", submitted="2026-11-26 09:00",
             signed_by='"Amara Osei, PsyD"'), "utf-8")
    (practice / "notes" / "b.md").write_text(
        note(session_date="2026-11-25 15:00", submitted="2026-11-26 09:00",
             signed_by="Jordan Rivera"), "utf-8")
    (practice / "notes" / "c.md").write_text(
        note(session_date="2026-11-25 15:00", submitted=None,
             signed_by='"Jordan Rivera, LCSW"'), "utf-8")
    code, output = cli(practice, "check", "--now", "2026-11-26 12:00")
    assert code == 1
    lines = [line for line in output.splitlines() if line.startswith("notes/")]
    assert lines == [
        "notes/a.md:6:12: error E001 The note is submitted but not signed by its author.",
        "notes/a.md:9:12: error E003 The note is signed by Amara Osei, but its author is Jordan "
        "Rivera; only the author signs a note.",
        "notes/b.md:6:12: error E001 The note is submitted but not signed by its author.",
        "notes/b.md:9:12: error E004 The signature 'Jordan Rivera' has no credential.",
        "notes/c.md:8:12: warning E006 The note carries a signature but no 'submitted' time, "
        "so it is still a draft.",
    ]

