"""``soapbuild submit`` and :mod:`soapbuild.atomic`: one line changes, nothing is ever lost."""

from __future__ import annotations

import difflib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import pytest
from click.testing import CliRunner

from soapbuild import atomic, checker
from soapbuild.cli import main
from soapbuild.commands import submit
from soapbuild.model.formats import builtin_formats
from soapbuild.model.parse import parse_note
from soapbuild.model.timeparse import parse_moment, resolve

NEW_YORK = ZoneInfo("America/New_York")
NOW = "2026-11-24 09:12"
STAMP = b"submitted: 2026-11-24 09:12"
SIGNED = b'signed_by: "Jordan Rivera, LCSW"'
DONE = ("submitted notes/x.md at 2026-11-24 09:12 (America/New_York), "
        "signed by Jordan Rivera, LCSW")
# The clinicians of the tests, so that submit signs without --as.
SETTINGS = """timezone = "America/New_York"

[clinicians."Jordan Rivera"]
credential = "LCSW"

[clinicians."Zoë Ångström"]
credential = "LCSW"
"""

DRAFT = """---
client: C-1042
clinician: Jordan Rivera, LCSW
session_date: 2026-11-23 15:00
occurred: true
duration: 53
service_code: "90837"
---
## Subjective
Client reported sleeping about 6 hours per night this week, up from 4 hours last week.
Client stated, "The breathing exercise helped me fall asleep on most nights."

## Objective
Client arrived on time and was cooperative; speech was normal in rate and volume.

## Assessment
Sleep is improving with the relaxation practice. Client denies SI/HI; risk is low.

## Plan
Client will continue the breathing exercise nightly. Next session in one week.
"""
NON_ASCII = (DRAFT.replace("Jordan Rivera", "Zoë Ångström")
             .replace("cooperative;", "cooperative at the Kölner café (☕);"))
WITH_EMPTY = DRAFT.replace("occurred: true\n", "occurred: true\nsubmitted:\n")
WITH_TILDE = DRAFT.replace("occurred: true\n", "occurred: true\nsubmitted: ~\n")
WITH_COMMENT = DRAFT.replace("occurred: true\n",
                             "occurred: true\nsubmitted:      # filled in by soapbuild submit\n")
MISSING_OBJECTIVE = DRAFT.replace(
    "## Objective\nClient arrived on time and was cooperative; speech was normal in rate and "
    "volume.\n\n", "")


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "soapbuild.toml").write_text(SETTINGS, "utf-8")
    (tmp_path / "notes").mkdir()
    return tmp_path


def _write(workspace: Path, data: bytes, name: str = "x.md") -> Path:
    path = workspace / "notes" / name
    path.write_bytes(data)
    return path


def _submit(workspace: Path, *args: str, now: str = NOW) -> click.testing.Result:
    return CliRunner().invoke(main, ["-C", str(workspace), "submit", "--now", now, *args])


def _changes(old: bytes, new: bytes) -> list[tuple[str, list[bytes], list[bytes]]]:
    """The lines that differ, as (kind, old lines, new lines) for each changed block."""
    before, after = old.splitlines(keepends=True), new.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    return [(tag, before[i1:i2], after[j1:j2])
            for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def test_submit_option_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOAPBUILD_NOW", raising=False)
    command = main.commands["submit"]
    with command.make_context("submit", ["a.md"]) as ctx:
        assert ctx.params == {"notes": (Path("a.md"),), "signer": None, "now_text": None}
    assert next(p for p in command.params if p.name == "now_text").envvar == "SOAPBUILD_NOW"
    assert CliRunner().invoke(main, ["submit"]).exit_code == 2  # NOTE is required


# --- the bytes -------------------------------------------------------------------

INSERTED = {
    "lf": (DRAFT.encode(), b"\n"),
    "crlf": (DRAFT.replace("\n", "\r\n").encode(), b"\r\n"),
    "bom": (b"\xef\xbb\xbf" + DRAFT.encode(), b"\n"),
    "bom-crlf": (b"\xef\xbb\xbf" + DRAFT.replace("\n", "\r\n").encode(), b"\r\n"),
    "lone-cr": (DRAFT.replace("\n", "\r").encode(), b"\r"),
    "no-final-newline": (DRAFT.rstrip("\n").encode(), b"\n"),
    "non-ascii": (NON_ASCII.encode(), b"\n"),
}


@pytest.mark.parametrize("name", INSERTED)
def test_the_stamp_and_the_signature_are_inserted_before_the_closing_fence(
        workspace: Path, name: str) -> None:
    old, ending = INSERTED[name]
    path = _write(workspace, old)
    result = _submit(workspace, "notes/x.md")
    assert result.exit_code == 0, result.output
    signed = SIGNED.replace(b"Jordan Rivera", "Zoë Ångström".encode()) \
        if name == "non-ascii" else SIGNED
    assert result.output.splitlines()[0] == DONE.replace(
        "Jordan Rivera", "Zoë Ångström" if name == "non-ascii" else "Jordan Rivera")
    new = path.read_bytes()
    lines = STAMP + ending + signed + ending
    assert _changes(old, new) == [("insert", [], [STAMP + ending, signed + ending])]
    closing = new.index(lines) + len(lines)
    assert new[closing:closing + 3] == b"---"
    assert new.startswith(b"\xef\xbb\xbf") == old.startswith(b"\xef\xbb\xbf")
    assert new.replace(lines, b"", 1) == old  # every other byte kept


@pytest.mark.parametrize(("text", "old_line", "new_line"), [
    (WITH_EMPTY, b"submitted:\n", STAMP + b"\n"),
    (WITH_TILDE, b"submitted: ~\n", STAMP + b"\n"),
    (WITH_COMMENT, b"submitted:      # filled in by soapbuild submit\n",
     STAMP + b"      # filled in by soapbuild submit\n"),
    (WITH_EMPTY.replace("\n", "\r\n"), b"submitted:\r\n", STAMP + b"\r\n"),
], ids=["empty", "tilde", "comment", "empty-crlf"])
def test_an_empty_submitted_value_is_filled_in(workspace: Path, text: str, old_line: bytes,
                                               new_line: bytes) -> None:
    old = text.encode()
    path = _write(workspace, old)
    result = _submit(workspace, "notes/x.md")
    assert result.exit_code == 0, result.output
    ending = b"\r\n" if b"\r\n" in old else b"\n"
    assert _changes(old, path.read_bytes()) == [("replace", [old_line], [new_line]),
                                                ("insert", [], [SIGNED + ending])]


def test_the_stamp_is_checked_like_any_submission(workspace: Path) -> None:
    path = _write(workspace, DRAFT.encode())
    assert _submit(workspace, "notes/x.md").exit_code == 0
    check = CliRunner().invoke(main, ["-C", str(workspace), "check", "--now", NOW])
    assert check.exit_code == 0 and "no findings" in check.output, check.output
    note = parse_note(path.read_bytes(), "x.md", builtin_formats()).note
    assert note is not None and note.header.submitted is not None
    assert note.header.submitted.text == "2026-11-24 09:12"


# --- what "now" is -----------------------------------------------------------------

@pytest.mark.parametrize(("now", "written", "instant"), [
    ("2026-11-24 09:12", "2026-11-24 09:12", datetime(2026, 11, 24, 14, 12, tzinfo=UTC)),
    ("2026-11-24T14:12:59Z", "2026-11-24 09:12", datetime(2026, 11, 24, 14, 12, tzinfo=UTC)),
    # Clocks go back at 02:00 EDT on 2026-11-01: 01:30 happens twice.
    ("2026-11-01T01:30:00-04:00", "2026-11-01 01:30", datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
    ("2026-11-01T01:30:00-05:00", "2026-11-01 01:30-05:00",
     datetime(2026, 11, 1, 6, 30, tzinfo=UTC)),
    # Clocks go forward at 02:00 EST on 2026-03-08: 02:30 never happens; it is 03:30 EDT.
    ("2026-03-08 02:30", "2026-03-08 03:30", datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),
    ("2026-03-08T07:30:00Z", "2026-03-08 03:30", datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),
])
def test_the_stamp_reads_back_as_now_in_the_practice_zone(
        workspace: Path, now: str, written: str, instant: datetime) -> None:
    # A session long before: the note is late, which is reported but never refused.
    path = _write(workspace, DRAFT.replace("2026-11-23 15:00", "2026-01-05 10:00").encode())
    result = _submit(workspace, "notes/x.md", now=now)
    assert result.exit_code == 0, result.output
    assert f"at {written} (America/New_York)" in result.output
    assert "T003 Submitted" in result.output  # late, shown as information
    note = parse_note(path.read_bytes(), "x.md", builtin_formats()).note
    assert note is not None and note.header.submitted is not None
    assert note.header.submitted.text == written
    assert resolve(note.header.submitted, NEW_YORK).timestamp() == instant.timestamp()


def test_stamp_text_writes_an_offset_only_where_the_wall_clock_is_ambiguous() -> None:
    second = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert submit.stamp_text(second, NEW_YORK) == "2026-11-01 01:30-05:00"
    assert submit.stamp_text(datetime(2026, 11, 1, 5, 30, tzinfo=UTC), NEW_YORK) == \
        "2026-11-01 01:30"
    assert submit.stamp_text(datetime(2026, 11, 1, 7, 30, tzinfo=UTC), NEW_YORK) == \
        "2026-11-01 02:30"
    moment = parse_moment(submit.stamp_text(second, NEW_YORK))
    assert moment is not None and resolve(moment, NEW_YORK).timestamp() == second.timestamp()


def test_now_comes_from_the_environment_like_check(workspace: Path) -> None:
    path = _write(workspace, DRAFT.encode())
    result = CliRunner().invoke(main, ["-C", str(workspace), "submit", "notes/x.md"],
                                env={"SOAPBUILD_NOW": "2026-11-24T08:05:00-05:00"})
    assert result.exit_code == 0, result.output
    assert b"submitted: 2026-11-24 08:05\n" in path.read_bytes()
    bad = CliRunner().invoke(main, ["-C", str(workspace), "submit", "notes/x.md",
                                    "--now", "soon"])
    assert bad.exit_code == 2 and "'soon' is not a date-time" in bad.output


def test_an_overdue_draft_can_be_submitted_even_where_overdue_is_an_error(
        workspace: Path) -> None:
    (workspace / "soapbuild.toml").write_text(
        SETTINGS + '[rules.severity]\nT004 = "error"\nT003 = "error"\n', "utf-8")
    path = _write(workspace, DRAFT.encode())
    overdue = CliRunner().invoke(main, ["-C", str(workspace), "check", "--now", "2026-11-30"])
    assert overdue.exit_code == 1 and "T004" in overdue.output
    result = _submit(workspace, "notes/x.md", now="2026-11-30 10:00")
    assert result.exit_code == 0, result.output
    assert "T003 Submitted 91 h 0 min (3.8 days) after the deadline" in result.output
    assert b"submitted: 2026-11-30 10:00\n" in path.read_bytes()


def test_a_note_for_a_session_that_has_not_started_is_refused(workspace: Path) -> None:
    old = DRAFT.encode()
    path = _write(workspace, old)
    result = _submit(workspace, "notes/x.md", now="2026-11-23 14:00")
    assert result.exit_code == 1
    assert "not submitted: T001 Submitted 2026-11-23 14:00, before the session started" \
        in result.output
    assert path.read_bytes() == old


# --- refusals ----------------------------------------------------------------------

def test_a_note_with_errors_is_refused_and_left_as_it_is(workspace: Path) -> None:
    old = MISSING_OBJECTIVE.replace("\n", "\r\n").encode()
    path = _write(workspace, old)
    before = path.stat()
    result = _submit(workspace, "notes/x.md")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("notes/x.md:13:4: error S001 Section 'Objective' is missing")
    assert lines[-1] == "notes/x.md: not submitted: 1 error"
    assert path.read_bytes() == old and path.stat().st_mtime_ns == before.st_mtime_ns
    assert os.listdir(path.parent) == ["x.md"]


def test_unreadable_and_broken_notes_are_refused(workspace: Path) -> None:
    _write(workspace, b"\x00\x01binary", "bin.md")
    _write(workspace, b"---\nclient: [\n---\n## Subjective\n", "yaml.md")
    _write(workspace, b"no front matter\n", "bare.md")
    for name, code in (("bin.md", "R003"), ("yaml.md", "R006"), ("bare.md", "R005")):
        old = (workspace / "notes" / name).read_bytes()
        result = _submit(workspace, f"notes/{name}")
        assert result.exit_code == 1 and f" {code} " in result.output, result.output
        assert (workspace / "notes" / name).read_bytes() == old


@pytest.mark.parametrize("value", ["2026-11-21 09:00", "soon", "2026-11-21", "[]",
                                   '"2026-11-21 09:00"'])
def test_a_submitted_note_is_never_re_stamped(workspace: Path, value: str) -> None:
    old = DRAFT.replace("occurred: true\n", f"occurred: true\nsubmitted: {value}\n").encode()
    path = _write(workspace, old)
    result = _submit(workspace, "notes/x.md")
    assert result.exit_code == 1
    assert "not submitted: already" in result.output
    assert "a submitted note is corrected with a dated addendum" in result.output
    assert path.read_bytes() == old


def test_submitting_twice_refuses_the_second_time(workspace: Path) -> None:
    path = _write(workspace, DRAFT.encode())
    assert _submit(workspace, "notes/x.md").exit_code == 0
    stamped = path.read_bytes()
    again = _submit(workspace, "notes/x.md", now="2026-11-25 10:00")
    assert again.exit_code == 1
    assert again.output == ("notes/x.md: not submitted: already submitted on 2026-11-24 09:12; "
                            "a submitted note is corrected with a dated addendum\n")
    assert path.read_bytes() == stamped


def test_front_matter_it_cannot_edit_safely_is_refused(workspace: Path) -> None:
    flow = ('---\n{client: C-1042, clinician: "Jordan Rivera, LCSW", session_date: '
            '2026-11-23 15:00, occurred: true}\n---\n' + DRAFT.split("---\n", 2)[2])
    old = flow.encode()
    path = _write(workspace, old)
    assert CliRunner().invoke(main, ["-C", str(workspace), "check", "--now", NOW]).exit_code == 0
    result = _submit(workspace, "notes/x.md")
    assert result.exit_code == 1
    assert ("add 'submitted: 2026-11-24 09:12' and 'signed_by: \"Jordan Rivera, LCSW\"' to "
            "the front matter by hand") in result.output
    assert path.read_bytes() == old


def test_several_notes_exit_1_when_one_is_refused(workspace: Path) -> None:
    good = _write(workspace, DRAFT.encode(), "good.md")
    bad = _write(workspace, MISSING_OBJECTIVE.encode(), "bad.md")
    result = _submit(workspace, "notes/good.md", "notes/bad.md", "notes/good.md")
    assert result.exit_code == 1
    assert STAMP in good.read_bytes() and STAMP not in bad.read_bytes()
    assert result.output.count("submitted notes/good.md") == 1  # named twice, stamped once


def test_usage_problems_exit_2(workspace: Path) -> None:
    _write(workspace, DRAFT.encode())
    missing = _submit(workspace, "notes/x.md", "notes/nope.md")
    assert missing.exit_code == 2 and "notes/nope.md: no such file" in missing.output
    assert STAMP not in (workspace / "notes" / "x.md").read_bytes()  # nothing done
    folder = _submit(workspace, "notes")
    assert folder.exit_code == 2 and "is a folder" in folder.output
    (workspace / "soapbuild.toml").write_text("deadline_hour = 72\n", "utf-8")
    settings = _submit(workspace, "notes/x.md")
    assert settings.exit_code == 2 and "'deadline_hour' is not a setting" in settings.output


# --- nothing lost ------------------------------------------------------------------

@pytest.mark.parametrize("step", ["mkstemp", "fsync", "replace"])
def test_a_failing_write_leaves_the_original_and_no_temporary_file(
        workspace: Path, monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    # mkstemp failing is what a read-only folder does (which root, running CI, cannot see).
    old = DRAFT.encode()
    path = _write(workspace, old)

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile if step == "mkstemp" else os, step, fail)
    result = _submit(workspace, "notes/x.md")
    assert result.exit_code == 2
    assert "not submitted: cannot write the file (No space left on device); it was left as it " \
        "was" in result.output
    assert path.read_bytes() == old
    assert os.listdir(path.parent) == ["x.md"]


def _bound_by_permission_bits() -> list[str]:
    """A command prefix under which the kernel applies a folder's permission bits.

    Root writes to a read-only folder through the capability CAP_DAC_OVERRIDE,
    and CI runs as root; setpriv (util-linux) starts the command with that one
    capability dropped from its bounding and inheritable sets, so the write is
    refused as it is for any other user, with the same EACCES.
    """
    if not hasattr(os, "geteuid"):
        pytest.skip("this system has no POSIX permission bits to test")
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("root can write to a read-only folder, and setpriv (util-linux) is "
                    "missing to drop that power")
    return [setpriv, "--bounding-set=-dac_override", "--inh-caps=-dac_override"]


def test_a_read_only_folder_leaves_the_original(workspace: Path) -> None:
    old = DRAFT.encode()
    path = _write(workspace, old)
    path.parent.chmod(0o555)
    try:
        result = subprocess.run([*_bound_by_permission_bits(), sys.executable, "-m",
                                 "soapbuild", "-C", str(workspace), "submit", "--now", NOW,
                                 "notes/x.md"], capture_output=True, text=True, timeout=120)
    finally:
        path.parent.chmod(0o755)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "not submitted: cannot write the file (Permission denied)" in result.stdout
    assert path.read_bytes() == old and os.listdir(path.parent) == ["x.md"]


def test_a_note_edited_while_being_submitted_is_not_overwritten(
        workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(workspace, DRAFT.encode())
    edited = DRAFT.replace("one week", "two weeks").encode()
    real_check = checker.check_result

    def check_while_an_editor_saves(*args: object, **kwargs: object) -> object:
        path.write_bytes(edited)  # the clinician saves in the editor mid-submit
        return real_check(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("soapbuild.commands.submit.check_result", check_while_an_editor_saves)
    result = _submit(workspace, "notes/x.md")
    assert result.exit_code == 1
    assert "changed on disk while soapbuild was stamping it" in result.output
    assert path.read_bytes() == edited
    assert os.listdir(path.parent) == ["x.md"]


def test_permission_bits_are_kept(workspace: Path) -> None:
    path = _write(workspace, DRAFT.encode())
    path.chmod(0o640)
    assert _submit(workspace, "notes/x.md").exit_code == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_a_symlinked_note_is_stamped_where_it_lives(workspace: Path, tmp_path: Path) -> None:
    elsewhere = workspace / "archive"
    elsewhere.mkdir()
    real = elsewhere / "x.md"
    real.write_bytes(DRAFT.encode())
    link = workspace / "notes" / "x.md"
    link.symlink_to(real)
    assert _submit(workspace, "notes/x.md").exit_code == 0
    assert link.is_symlink() and STAMP in real.read_bytes()
    assert sorted(os.listdir(elsewhere)) == ["x.md"]


def test_submit_in_a_real_process(workspace: Path) -> None:
    old = DRAFT.replace("\n", "\r\n").encode()
    path = _write(workspace, old)
    done = subprocess.run([sys.executable, "-m", "soapbuild", "-C", str(workspace), "submit",
                           "notes/x.md"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "SOAPBUILD_NOW": "2026-11-24T14:12:00Z"})
    assert done.returncode == 0, done.stderr
    assert done.stdout == DONE + "\n"
    assert _changes(old, path.read_bytes()) == [("insert", [], [STAMP + b"\r\n",
                                                                SIGNED + b"\r\n"])]
    again = subprocess.run([sys.executable, "-m", "soapbuild", "-C", str(workspace), "submit",
                            "notes/x.md"], capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and "already submitted on 2026-11-24 09:12" in again.stdout


# --- who signs --------------------------------------------------------------------

def test_submit_signs_as_the_clinician_given_with_as(workspace: Path) -> None:
    (workspace / "soapbuild.toml").write_text('timezone = "America/New_York"\n', "utf-8")
    path = _write(workspace, DRAFT.encode())
    result = _submit(workspace, "notes/x.md", "--as", "Jordan Rivera, LCSW")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == DONE
    note = parse_note(path.read_bytes(), "x.md", builtin_formats()).note
    assert note is not None and note.header.signed_by == "Jordan Rivera, LCSW"
    check = CliRunner().invoke(main, ["-C", str(workspace), "check", "--now", NOW])
    assert check.exit_code == 0 and "no findings" in check.output, check.output


def test_without_as_or_settings_submit_refuses_and_never_guesses(workspace: Path) -> None:
    (workspace / "soapbuild.toml").write_text('timezone = "America/New_York"\n', "utf-8")
    old = DRAFT.encode()
    path = _write(workspace, old)
    result = _submit(workspace, "notes/x.md")
    assert result.exit_code == 1
    assert result.output == (
        "notes/x.md: not submitted: soapbuild does not guess who signs: pass --as \"NAME, "
        "CREDENTIAL\", or give the clinician's credential in soapbuild.toml "
        "([clinicians.\"Jordan Rivera\"] credential = \"…\")\n")
    assert path.read_bytes() == old


@pytest.mark.parametrize(("signer", "why"), [
    ("Amara Osei, PsyD", "Amara Osei is not the note's clinician (Jordan Rivera, LCSW)"),
    ("Jordan Rivera, LMSW", "Jordan Rivera, LMSW does not match the clinician's credential "
                            "(LCSW)"),
])
def test_a_signer_who_is_not_the_author_is_refused(workspace: Path, signer: str,
                                                   why: str) -> None:
    old = DRAFT.encode()
    path = _write(workspace, old)
    result = _submit(workspace, "notes/x.md", "--as", signer)
    assert result.exit_code == 1
    assert result.output == f"notes/x.md: not submitted: {why}; only the note's author signs it\n"
    assert path.read_bytes() == old


def test_names_compare_without_case_spacing_or_title(workspace: Path) -> None:
    path = _write(workspace, DRAFT.replace("Jordan Rivera, LCSW", "Dr. Jordan  Rivera, LCSW")
                  .encode())
    result = _submit(workspace, "notes/x.md", "--as", "jordan rivera, LCSW")
    assert result.exit_code == 0, result.output
    assert b'signed_by: "jordan rivera, LCSW"' in path.read_bytes()


@pytest.mark.parametrize("signer", ["Jordan Rivera", ", LCSW", ""])
def test_as_without_a_credential_is_a_usage_problem(workspace: Path, signer: str) -> None:
    old = DRAFT.encode()
    path = _write(workspace, old)
    result = _submit(workspace, "notes/x.md", "--as", signer)
    assert result.exit_code == 2 and "sign as \"NAME, CREDENTIAL\"" in result.output
    assert path.read_bytes() == old


def test_a_draft_that_already_carries_a_signature_is_refused(workspace: Path) -> None:
    old = DRAFT.replace("occurred: true\n",
                        'occurred: true\nsigned_by: "Jordan Rivera, LCSW"\n').encode()
    path = _write(workspace, old)
    result = _submit(workspace, "notes/x.md")
    assert result.exit_code == 1 and "'signed_by' already has a value" in result.output
    assert path.read_bytes() == old


# --- soapbuild.atomic --------------------------------------------------------------

def test_replace_file_and_write_atomic(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"one")
    snapshot = atomic.read_snapshot(path)
    atomic.replace_file(snapshot, b"two")
    assert path.read_bytes() == b"two"
    with pytest.raises(atomic.ChangedOnDisk):
        atomic.replace_file(snapshot, b"three")  # the file is no longer what was read
    assert path.read_bytes() == b"two"
    fresh = tmp_path / "seals.json"
    atomic.write_atomic(fresh, b"{}")
    atomic.write_atomic(fresh, b"{\"a\": 1}")
    assert fresh.read_bytes() == b"{\"a\": 1}"
    assert sorted(os.listdir(tmp_path)) == ["a.txt", "seals.json"]


def test_create_new_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "n.md"
    atomic.create_new(path, b"first")
    with pytest.raises(FileExistsError):
        atomic.create_new(path, b"second")
    assert path.read_bytes() == b"first"


def test_a_snapshot_cut_at_the_size_limit_is_never_written_back(tmp_path: Path) -> None:
    path = tmp_path / "big.md"
    path.write_bytes(b"x" * 20)
    snapshot = atomic.read_snapshot(path, limit=10)
    assert not snapshot.complete and len(snapshot.data) == 11
    with pytest.raises(atomic.ChangedOnDisk):
        atomic.replace_file(snapshot, b"y")
    assert path.read_bytes() == b"x" * 20
