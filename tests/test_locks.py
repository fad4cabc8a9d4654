"""Locked notes (SPEC 4.3, rule K001, seals in ``.soapbuild/seals.json``).

"A locked note edited in place is an error, and the same change written as a
dated addendum is accepted." Every test works on real files in a temporary
workspace (not a git repository, so the baseline is the seal) through the real
CLI: the first check after the edit window seals the note, later checks compare.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from clean_note import Run, findings_of, note, workspace
from click.testing import CliRunner

from soapbuild.cli import main

KEY = "notes/C-1042/2026-11-20.md"
LOCKS = "2026-11-22 09:00"
LATER = "2026-11-27 12:00"
ADDENDUM = """
## Addendum 2026-11-26 10:00
Author: Jordan Rivera, LCSW
Reason: Client called to report a medication change.
Client started sertraline 50 mg on 2026-11-19, prescribed by the primary care physician.
"""
ABOUT = ("Content hashes of locked notes (soapbuild SPEC 4.3). Commit this file with the "
         "notes; do not edit it.")
K001_MESSAGE = ("This note locked on 2026-11-22 09:00 (24 h after submission) and its text "
                "has changed since.")
K001_SUGGESTION = ("Restore the locked text and append the correction as a dated addendum: "
                   "'## Addendum <today>' with 'Author:' and 'Reason:' lines.")




ORIGINAL = note()
EDITED = ORIGINAL.replace("risk is low.", "risk is low; sleep is improving.")





def run_cli(directory: Path, *args: str) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(main, ["-C", str(directory), *args],
                                env={"SOAPBUILD_NOW": None})
    return result.exit_code, result.output, result.exception


def check(directory: Path, now: str, *paths: str) -> Run:
    code, _output, error = run_cli(directory, "check", "--format", "json", "--now", now, *paths)
    assert error is None or isinstance(error, SystemExit), _output
    data = json.loads(_output)
    return Run(code, _output, findings_of(data))


def seals_file(root: Path) -> Path:
    return root / ".soapbuild" / "seals.json"


def seals(root: Path) -> dict[str, dict[str, object]]:
    return json.loads(seals_file(root).read_text("utf-8"))["seals"]


def seal_of(text: str, sealed_at: str) -> dict[str, object]:
    """What the seal of ``text`` must be: sha256 and length of the LF text without trailing
    whitespace, and the time of the check that recorded it."""
    body = text.replace("\r\n", "\n").rstrip()
    return {"sha256": hashlib.sha256(body.encode("utf-8")).hexdigest(), "length": len(body),
            "sealed_at": sealed_at}


def stamp(path: Path) -> tuple[bytes, int, int]:
    info = path.stat()
    return path.read_bytes(), info.st_mtime_ns, info.st_ino


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return workspace(tmp_path / "ws", notes="notes/C-1042")


@pytest.fixture
def sealed(ws: Path) -> Path:
    """A workspace whose one note was sealed by the first check after its edit window."""
    (ws / KEY).write_text(ORIGINAL, "utf-8")
    run = check(ws, LOCKS)
    assert (run.exit_code, run.findings) == (0, [])
    assert seals(ws) == {KEY: seal_of(ORIGINAL, "2026-11-22T09:00:00-05:00")}
    return ws


# --- sealing ---------------------------------------------------------------------------------

def test_check_inside_the_edit_window_does_not_seal(ws: Path) -> None:
    (ws / KEY).write_text(ORIGINAL, "utf-8")
    run = check(ws, "2026-11-22 08:59:59")
    assert (run.exit_code, run.findings) == (0, [])
    assert not (ws / ".soapbuild").exists()


def test_draft_is_never_sealed(ws: Path) -> None:
    (ws / KEY).write_text(note(submitted=None), "utf-8")
    check(ws, LATER)
    assert not (ws / ".soapbuild").exists()


def test_first_check_after_the_window_writes_the_seal_file(sealed: Path) -> None:
    path = seals_file(sealed)
    document = json.loads(path.read_text("utf-8"))
    assert document == {"version": 1, "about": ABOUT,
                        "seals": {KEY: seal_of(ORIGINAL, "2026-11-22T09:00:00-05:00")}}
    assert path.read_bytes() == (json.dumps(document, indent=2) + "\n").encode("utf-8")


def test_edits_inside_the_window_are_sealed_as_they_are(ws: Path) -> None:
    (ws / KEY).write_text(ORIGINAL, "utf-8")
    assert check(ws, "2026-11-21 12:00").findings == []
    (ws / KEY).write_text(EDITED, "utf-8")  # still editable
    run = check(ws, LATER)
    assert (run.exit_code, run.findings) == (0, [])
    assert seals(ws) == {KEY: seal_of(EDITED, "2026-11-27T12:00:00-05:00")}


# --- editing a locked note ----------------------------------------------------------------------

def test_edit_in_place_after_sealing_is_k001(sealed: Path) -> None:
    before = stamp(seals_file(sealed))
    (sealed / KEY).write_text(EDITED, "utf-8")
    run = check(sealed, LATER)
    assert [(f.path, f.code, f.line, f.column, f.severity, f.message, f.suggestion)
            for f in run.findings] == [
        (KEY, "K001", 6, 1, "error", K001_MESSAGE, K001_SUGGESTION)]
    assert run.exit_code == 1
    assert stamp(seals_file(sealed)) == before  # the seal keeps the locked text


@pytest.mark.parametrize("comment", [
    "<!-- soapbuild: ignore-file K001 -->",
    "<!-- soapbuild: disable K001 -->",
    "<!-- soapbuild: ignore K001 -->",
])
def test_k001_cannot_be_suppressed(sealed: Path, comment: str) -> None:
    """Issue 12: no comment silences a change to a locked note; the comment is N002."""
    (sealed / KEY).write_text(EDITED.replace("---\n## Subjective", f"---\n{comment}\n"
                                             "## Subjective"), "utf-8")
    run = check(sealed, LATER)
    assert [(f.code, f.severity) for f in run.findings] == [("K001", "error"),
                                                             ("N002", "warning")]
    assert run.findings[1].message.startswith("K001 cannot be suppressed")
    assert run.exit_code == 1
    code, output, _ = run_cli(sealed, "check", "--now", LATER, "--ignore", "K001")
    assert code == 2 and "--ignore K001: K001 cannot be ignored" in output


def test_k001_in_text_output(sealed: Path) -> None:
    (sealed / KEY).write_text(EDITED, "utf-8")
    code, output, _ = run_cli(sealed, "check", "--now", LATER)
    assert code == 1
    assert f"{KEY}:6:1: error K001 {K001_MESSAGE}" in output


def test_reverting_the_edit_is_clean_again(sealed: Path) -> None:
    before = stamp(seals_file(sealed))
    (sealed / KEY).write_text(EDITED, "utf-8")
    assert check(sealed, LATER).codes == ["K001"]
    (sealed / KEY).write_text(ORIGINAL, "utf-8")
    run = check(sealed, LATER)
    assert (run.exit_code, run.findings) == (0, [])
    assert stamp(seals_file(sealed)) == before


@pytest.mark.parametrize("change", [
    lambda t: t.replace("session_date: 2026-11-20 15:00", "session_date: 2026-11-20 16:00"),
    lambda t: t.replace("duration: 53", "duration: 60"),
    lambda t: t.replace("Client reported", "Client reports"),
    lambda t: t.replace("## Plan\n", "## Plan\n\n"),  # even whitespace inside the text
    lambda t: t + "Client also called on Friday.\n",  # appended, but not an addendum
    lambda t: t + "\n## Notes\nClient also called on Friday.\n",
    lambda t: t[:-1] + " Client also called on Friday.\n",
], ids=["session_date", "duration", "wording", "blank-line", "appended-line",
        "appended-heading", "last-line-extended"])
def test_any_other_change_is_k001(sealed: Path, change) -> None:  # type: ignore[no-untyped-def]
    changed = change(ORIGINAL)
    assert changed != ORIGINAL
    (sealed / KEY).write_text(changed, "utf-8")
    assert "K001" in check(sealed, LATER).codes


def test_trailing_blank_lines_are_not_a_change(sealed: Path) -> None:
    (sealed / KEY).write_text(ORIGINAL + "\n\n  \n", "utf-8")
    assert check(sealed, LATER).findings == []


@pytest.mark.parametrize(("label", "data"), [
    ("crlf", ORIGINAL.replace("\n", "\r\n").encode("utf-8")),
    ("bom-crlf", b"\xef\xbb\xbf" + ORIGINAL.replace("\n", "\r\n").encode("utf-8")),
    ("bom", b"\xef\xbb\xbf" + ORIGINAL.encode("utf-8")),
])
def test_line_ending_conversion_is_not_a_change(sealed: Path, label: str, data: bytes) -> None:
    before = stamp(seals_file(sealed))
    (sealed / KEY).write_bytes(data)
    run = check(sealed, LATER)
    assert (run.exit_code, run.findings) == (0, [])
    assert stamp(seals_file(sealed)) == before


def test_crlf_note_sealed_then_edited_is_k001(ws: Path) -> None:
    (ws / KEY).write_bytes(ORIGINAL.replace("\n", "\r\n").encode("utf-8"))
    check(ws, LOCKS)
    assert seals(ws) == {KEY: seal_of(ORIGINAL, "2026-11-22T09:00:00-05:00")}
    (ws / KEY).write_bytes(EDITED.replace("\n", "\r\n").encode("utf-8"))
    assert check(ws, LATER).codes == ["K001"]


# --- addenda ---------------------------------------------------------------------------------

def test_addendum_is_accepted_and_the_seal_grows(sealed: Path) -> None:
    amended = ORIGINAL + ADDENDUM
    (sealed / KEY).write_text(amended, "utf-8")
    run = check(sealed, LATER)
    assert (run.exit_code, run.findings) == (0, [])
    assert seals(sealed) == {KEY: seal_of(amended, "2026-11-27T12:00:00-05:00")}
    # the addendum is now part of the locked text
    (sealed / KEY).write_text(amended.replace("50 mg", "100 mg"), "utf-8")
    late = check(sealed, "2026-11-28 12:00")
    assert [(f.code, f.line, f.column) for f in late.findings] == [("K001", 6, 1)]
    assert seals(sealed) == {KEY: seal_of(amended, "2026-11-27T12:00:00-05:00")}
    # removing the addendum is a change too
    (sealed / KEY).write_text(ORIGINAL, "utf-8")
    assert check(sealed, "2026-11-28 12:00").codes == ["K001"]
    # a second addendum after the first is accepted
    second = amended + ADDENDUM.replace("2026-11-26 10:00", "2026-11-28 09:00").replace(
        "medication change", "dose change").replace("50 mg", "75 mg")
    (sealed / KEY).write_text(second, "utf-8")
    assert check(sealed, "2026-11-28 12:00").findings == []
    assert seals(sealed) == {KEY: seal_of(second, "2026-11-28T12:00:00-05:00")}


def test_addendum_with_an_edit_in_place_is_k001(sealed: Path) -> None:
    before = stamp(seals_file(sealed))
    (sealed / KEY).write_text(EDITED + ADDENDUM, "utf-8")
    assert check(sealed, LATER).codes == ["K001"]
    assert stamp(seals_file(sealed)) == before


def test_addendum_in_crlf_is_accepted(sealed: Path) -> None:
    amended = ORIGINAL + ADDENDUM
    (sealed / KEY).write_bytes(amended.replace("\n", "\r\n").encode("utf-8"))
    assert check(sealed, LATER).findings == []
    assert seals(sealed) == {KEY: seal_of(amended, "2026-11-27T12:00:00-05:00")}


# --- the edit window setting ------------------------------------------------------------

def test_edit_window_hours_setting(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", "edit_window_hours = 48\n", notes="notes/C-1042")
    (root / KEY).write_text(ORIGINAL, "utf-8")
    assert check(root, "2026-11-23 08:59:59").findings == []
    assert not (root / ".soapbuild").exists()
    assert check(root, "2026-11-23 09:00").findings == []
    assert seals(root) == {KEY: seal_of(ORIGINAL, "2026-11-23T09:00:00-05:00")}
    (root / KEY).write_text(EDITED, "utf-8")
    run = check(root, LATER)
    assert [(f.code, f.line, f.column, f.message) for f in run.findings] == [
        ("K001", 6, 1, "This note locked on 2026-11-23 09:00 (48 h after submission) and its "
                       "text has changed since.")]


# --- the seal file itself ---------------------------------------------------------------------

CORRUPT = {
    "not-json": b"{ this is not json",
    "empty": b"",
    "list": b"[]",
    "no-seals": b'{"version": 1}',
    "seals-list": b'{"version": 1, "seals": []}',
    "seal-missing-field": b'{"version": 1, "seals": {"notes/C-1042/2026-11-20.md": '
                          b'{"sha256": "00"}}}',
    "seal-not-a-table": b'{"version": 1, "seals": {"notes/C-1042/2026-11-20.md": 5}}',
    "not-utf8": b'{"version": 1, "seals": {"\xff": 1}}',
}


@pytest.mark.parametrize("content", CORRUPT.values(), ids=CORRUPT.keys())
def test_corrupt_seal_file_is_exit_2_naming_it(ws: Path, content: bytes) -> None:
    (ws / KEY).write_text(ORIGINAL, "utf-8")
    path = seals_file(ws)
    path.parent.mkdir()
    path.write_bytes(content)
    code, output, error = run_cli(ws, "check", "--now", LATER)
    assert code == 2
    assert isinstance(error, SystemExit)
    assert f"{path.resolve()}: cannot be read as a seal file" in output
    assert "Traceback" not in output
    assert path.read_bytes() == content  # never overwritten


def test_seal_with_a_wrongly_typed_field_is_exit_2(ws: Path) -> None:
    (ws / KEY).write_text(ORIGINAL, "utf-8")
    path = seals_file(ws)
    path.parent.mkdir()
    path.write_text(json.dumps({"version": 1, "seals": {KEY: {
        "sha256": "0" * 64, "length": "349", "sealed_at": "2026-11-22T09:00:00-05:00"}}}),
        "utf-8")
    code, output, error = run_cli(ws, "check", "--now", LATER)
    assert (code, isinstance(error, SystemExit)) == (2, True)
    assert f"{path.resolve()}: cannot be read as a seal file" in output


def test_seal_file_is_sorted_and_only_written_when_it_changes(ws: Path) -> None:
    other = "notes/C-2077/2026-11-19.md"
    (ws / "notes" / "C-2077").mkdir()
    (ws / other).write_text(note(client="C-2077", session_date="2026-11-19 10:00",
                                 submitted="2026-11-19 12:00"), "utf-8")
    (ws / KEY).write_text(ORIGINAL, "utf-8")
    # seal C-2077 first (it locks at 2026-11-20 12:00), then C-1042 joins later
    assert check(ws, "2026-11-21 12:00").findings == []
    assert list(seals(ws)) == [other]
    assert check(ws, LOCKS).findings == []
    path = seals_file(ws)
    text = path.read_text("utf-8")
    assert list(json.loads(text)["seals"]) == [KEY, other]  # sorted, not in order of sealing
    assert json.loads(text)["seals"][other]["sealed_at"] == "2026-11-21T12:00:00-05:00"
    before = stamp(path)
    for now in (LOCKS, LATER, "2027-06-01 08:00", "2026-11-21 12:00"):
        assert check(ws, now).findings == []
        assert stamp(path) == before, now
    # a K001 run does not rewrite it either
    (ws / KEY).write_text(EDITED, "utf-8")
    assert check(ws, LATER).codes == ["K001"]
    assert stamp(path) == before


def test_same_run_twice_gives_identical_seal_files(tmp_path: Path) -> None:
    files = []
    for name in ("one", "two"):
        root = workspace(tmp_path / name, notes="notes/C-1042")
        (root / KEY).write_text(ORIGINAL, "utf-8")
        check(root, LATER)
        files.append(seals_file(root).read_bytes())
    assert files[0] == files[1]


# --- the seal key ---------------------------------------------------------------------------

@pytest.mark.parametrize(("where", "paths"), [
    (".", ()),
    (".", ("notes",)),
    (".", ("notes/C-1042",)),
    (".", (KEY,)),
    ("notes", ("C-1042/2026-11-20.md",)),
    ("notes/C-1042", ("2026-11-20.md",)),
    ("notes/C-1042", ()),
])
def test_seal_key_is_the_path_from_the_workspace_root(ws: Path, where: str,
                                                      paths: tuple[str, ...]) -> None:
    (ws / KEY).write_text(ORIGINAL, "utf-8")
    assert check(ws / where, LATER, *paths).findings == []
    assert list(seals(ws)) == [KEY]
    before = stamp(seals_file(ws))
    # the whole folder then sees the same seal: nothing to record, nothing changed
    assert check(ws, LATER).findings == []
    assert stamp(seals_file(ws)) == before
    # and an edit is caught however the note is named
    (ws / KEY).write_text(EDITED, "utf-8")
    run = check(ws / where, LATER, *paths)
    assert run.codes == ["K001"]


def test_single_file_check_reports_the_path_as_given(sealed: Path) -> None:
    (sealed / KEY).write_text(EDITED, "utf-8")
    run = check(sealed / "notes" / "C-1042", LATER, "2026-11-20.md")
    assert [(f.path, f.code) for f in run.findings] == [("2026-11-20.md", "K001")]


def test_dot_dot_path_uses_the_same_key(sealed: Path) -> None:
    (sealed / KEY).write_text(EDITED, "utf-8")
    run = check(sealed / "notes", LATER, "../" + KEY)
    assert run.codes == ["K001"]
    assert list(seals(sealed)) == [KEY]


def test_symlinked_workspace_uses_the_same_key(sealed: Path, tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(sealed, target_is_directory=True)
    (sealed / KEY).write_text(EDITED, "utf-8")
    assert check(link, LATER, KEY).codes == ["K001"]


# --- the lock cannot be lifted by editing the header ---------------------------------------

def test_moving_submitted_does_not_unlock_a_sealed_note(sealed: Path) -> None:
    (sealed / KEY).write_text(EDITED.replace("submitted: 2026-11-21 09:00",
                                             "submitted: 2026-11-27 11:00"), "utf-8")
    assert "K001" in check(sealed, LATER).codes


def test_removing_submitted_does_not_unlock_a_sealed_note(sealed: Path) -> None:
    (sealed / KEY).write_text(EDITED.replace("submitted: 2026-11-21 09:00\n", ""), "utf-8")
    assert "K001" in check(sealed, LATER).codes


def test_untouched_files_keep_their_bytes(sealed: Path) -> None:
    # check writes only .soapbuild/: the note itself is never rewritten
    before = stamp(sealed / KEY)
    check(sealed, LATER)
    assert stamp(sealed / KEY) == before
    assert sorted(p.name for p in (sealed / ".soapbuild").iterdir()) == ["seals.json"]
    assert not any(name.startswith(".") and name != ".soapbuild"
                   for name in os.listdir(sealed))
