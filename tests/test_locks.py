"""Locked notes outside git (SPEC 4.3, rules K001–K003, A007; the seal file and originals).

"A locked note edited in place is an error, and the same change written as a
dated addendum is accepted." Every test works on real files in a temporary
workspace (not a git repository, so the lock is the seal and the original kept
beside it) through the real CLI: the first check after the edit window seals the
note, later checks compare. tests/test_git.py does the same in git repositories.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from pathlib import Path
from typing import Any

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
ABOUT = ("Locked notes (soapbuild SPEC 4.3): an append-only log, each entry chained to the one "
         "before by its hash. Commit this file and .soapbuild/originals/ with the notes; do not "
         "edit them.")
K001_MESSAGE = ("This note locked on 2026-11-22 09:00 (24 h after submission) and its text "
                "has changed since: 1 line differs from the locked text, the first at line 17 "
                "(Assessment).")
K001_SUGGESTION = (f"Run 'soapbuild restore {KEY}' to put the locked text back; the change "
                   "becomes a draft addendum to date and sign.")
K001_DETAIL = ("line 17 (Assessment):\n- Client denies SI/HI; risk is low.\n"
               "+ Client denies SI/HI; risk is low; sleep is improving.")
GENESIS = "0" * 64

ORIGINAL = note()
EDITED = ORIGINAL.replace("risk is low.", "risk is low; sleep is improving.")



def kept(root: Path) -> list[str]:
    """What soapbuild keeps in the workspace's .soapbuild folder, the cache aside (it may
    be there after any check and is no record of anything)."""
    folder = root / ".soapbuild"
    return sorted(p.name for p in folder.iterdir() if p.name != "cache") if folder.exists() else []


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


def entries(root: Path) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(seals_file(root).read_text("utf-8"))["entries"]
    return entries


def seals(root: Path) -> dict[str, dict[str, object]]:
    """The last sealed text of each note (its seal, or the extension by addenda)."""
    found: dict[str, dict[str, object]] = {}
    for entry in entries(root):
        if entry["event"] in ("seal", "extend"):
            found[entry["note"]] = {"sha256": entry["sha256"], "length": entry["length"],
                                    "sealed_at": entry["at"]}
    return found


def digest(text: str) -> str:
    return hashlib.sha256(text.replace("\r\n", "\n").rstrip().encode("utf-8")).hexdigest()


def seal_of(text: str, sealed_at: str) -> dict[str, object]:
    """What the seal of ``text`` must be: sha256 and length of the LF text without trailing
    whitespace, and the time of the check that recorded it."""
    body = text.replace("\r\n", "\n").rstrip()
    return {"sha256": digest(text), "length": len(body), "sealed_at": sealed_at}


def original(root: Path, text: str) -> str:
    """The original kept beside the seals for the text of ``text``."""
    path = root / ".soapbuild" / "originals" / f"{digest(text)}.md.gz"
    return gzip.decompress(path.read_bytes()).decode("utf-8")


def entry_hash(entry: dict[str, Any]) -> str:
    """The chain as the seal file documents it: SHA-256 of the entry without its hash, as
    compact JSON with sorted keys."""
    fields = {k: v for k, v in entry.items() if k != "hash"}
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


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
    assert kept(ws) == []


def test_draft_is_never_sealed(ws: Path) -> None:
    (ws / KEY).write_text(note(submitted=None), "utf-8")
    check(ws, LATER)
    assert kept(ws) == []


def test_first_check_after_the_window_writes_the_seal_file(sealed: Path) -> None:
    path = seals_file(sealed)
    document = json.loads(path.read_text("utf-8"))
    entry = {"event": "seal", "note": KEY, "at": "2026-11-22T09:00:00-05:00",
             "sha256": digest(ORIGINAL), "length": len(ORIGINAL.rstrip()), "client": "C-1042",
             "session_date": "2026-11-20 15:00", "prev": GENESIS}
    assert document == {"version": 2, "about": ABOUT,
                        "entries": [{**entry, "hash": entry_hash(entry)}]}
    assert path.read_bytes() == (json.dumps(document, indent=2) + "\n").encode("utf-8")
    # the exact text is kept beside it, compressed, named by its hash
    assert original(sealed, ORIGINAL) == ORIGINAL
    assert os.listdir(sealed / ".soapbuild" / "originals") == [f"{digest(ORIGINAL)}.md.gz"]


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
        (KEY, "K001", 17, 1, "error", K001_MESSAGE, K001_SUGGESTION)]
    assert json.loads(run.output)["findings"][0]["detail"] == K001_DETAIL
    assert run.exit_code == 1
    assert stamp(seals_file(sealed)) == before  # the seal keeps the locked text


@pytest.mark.parametrize("comment", [
    "<!-- soapbuild: ignore-file K001 -->",
    "<!-- soapbuild: disable K001 -->",
    "<!-- soapbuild: ignore K001 -->",
])
def test_no_passage_or_file_comment_silences_k001(sealed: Path, comment: str) -> None:
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



def test_k001_in_text_output_shows_the_change_under_the_finding(sealed: Path) -> None:
    (sealed / KEY).write_text(EDITED, "utf-8")
    code, output, _ = run_cli(sealed, "check", "--now", LATER)
    assert code == 1
    lines = output.splitlines()
    assert lines[0] == f"{KEY}:17:1: error K001 {K001_MESSAGE}"
    assert lines[1].startswith("    → Run 'soapbuild restore")  # the suggestion, then the change
    assert lines[2:5] == ["    " + line for line in K001_DETAIL.splitlines()]


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
    assert [(f.code, f.line, f.column) for f in late.findings] == [("K001", 25, 1)]
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
    assert kept(root) == []
    assert check(root, "2026-11-23 09:00").findings == []
    assert seals(root) == {KEY: seal_of(ORIGINAL, "2026-11-23T09:00:00-05:00")}
    (root / KEY).write_text(EDITED, "utf-8")
    run = check(root, LATER)
    assert [(f.code, f.line, f.column, f.message) for f in run.findings] == [
        ("K001", 17, 1, "This note locked on 2026-11-23 09:00 (48 h after submission) and its "
                        "text has changed since: 1 line differs from the locked text, the first "
                        "at line 17 (Assessment).")]


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


def test_seal_file_is_a_log_only_written_when_it_changes(ws: Path) -> None:
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
    # an append-only log, in the order of sealing, each entry chained to the one before
    logged = json.loads(text)["entries"]
    assert [e["note"] for e in logged] == [other, KEY]
    assert logged[0]["at"] == "2026-11-21T12:00:00-05:00"
    assert [e["prev"] for e in logged] == [GENESIS, logged[0]["hash"]]
    assert all(e["hash"] == entry_hash(e) for e in logged)
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
    assert kept(sealed) == ["originals", "seals.json"]
    # cache/ holds the seal log's lock file (soapbuild/filelocks.py), ignored by git
    assert "seals.lock" in os.listdir(sealed / ".soapbuild" / "cache")
    assert not any(name.startswith(".") and name != ".soapbuild"
                   for name in os.listdir(sealed))


# --- no way around the lock (issue 12): each escape that used to pass ---------------------

@pytest.mark.parametrize("heading", ["## Amendment", "## Correction", "## Late entry",
                                     "## Addendum", "## Notes", "### Amendment"])
def test_an_appended_section_that_is_not_a_dated_addendum_is_k001(sealed: Path,
                                                                  heading: str) -> None:
    (sealed / KEY).write_text(ORIGINAL + f"\n{heading}\nClient called on Friday.\n", "utf-8")
    run = check(sealed, LATER)
    k001 = [f for f in run.findings if f.code == "K001"]
    assert [(f.line, f.column) for f in k001] == [(22, 1)]
    assert "is not a dated, attributed addendum" in k001[0].message
    assert run.exit_code == 1


def test_an_addendum_without_an_author_is_k001_once_locked(sealed: Path) -> None:
    (sealed / KEY).write_text(ORIGINAL + ADDENDUM.replace("Author: Jordan Rivera, LCSW\n", ""),
                              "utf-8")
    run = check(sealed, LATER)
    assert sorted(run.codes) == ["A005", "K001"]
    assert "does not name its author" in next(f for f in run.findings
                                              if f.code == "K001").message


def test_a_section_after_a_valid_addendum_is_k001(sealed: Path) -> None:
    (sealed / KEY).write_text(ORIGINAL + ADDENDUM + "\n## Plan\nSee the addendum.\n", "utf-8")
    assert "K001" in check(sealed, LATER).codes


def test_text_appended_inside_the_sealed_addendum_is_k001(sealed: Path) -> None:
    amended = ORIGINAL + ADDENDUM
    (sealed / KEY).write_text(amended, "utf-8")
    assert check(sealed, LATER).findings == []
    (sealed / KEY).write_text(amended + "Dose confirmed with the pharmacy.\n", "utf-8")
    assert check(sealed, "2026-11-28 12:00").codes == ["K001"]


@pytest.mark.parametrize("where", ["line", "next-line", "top"])
def test_k001_cannot_be_suppressed(sealed: Path, where: str) -> None:
    comment = "<!-- soapbuild: ignore K001 -->"
    edited = {"line": EDITED.replace("risk is low; sleep is improving.",
                                     f"risk is low; sleep is improving. {comment}"),
              "next-line": EDITED.replace("## Assessment\n", f"## Assessment\n{comment}\n"),
              "top": comment + "\n" + EDITED}[where]
    (sealed / KEY).write_text(edited, "utf-8")
    run = check(sealed, LATER)
    assert "K001" in run.codes
    unused = [f for f in run.findings if f.code == "N002"]
    assert len(unused) == 1 and unused[0].message.startswith("K001 cannot be suppressed: ")
    assert json.loads(run.output)["summary"]["suppressed"] == 0


def test_removing_the_opening_dashes_cannot_silence_k001(sealed: Path) -> None:
    """Without its opening '---' the front matter is no front matter, so a suppression
    comment could sit on the line K001 used to point at; K001 still stands."""
    comment = "<!-- soapbuild: ignore K001 -->"
    broken = EDITED.removeprefix("---\n").replace(
        "submitted: 2026-11-21 09:00", f"submitted: 2026-11-21 09:00 {comment}")
    (sealed / KEY).write_text(broken, "utf-8")
    run = check(sealed, LATER)
    assert "K001" in run.codes and run.exit_code == 1


# --- renames keep the lock ---------------------------------------------------------------

RENAMED = "notes/C-1042/2026-11-20-session.md"


@pytest.mark.parametrize("text", [ORIGINAL, EDITED], ids=["renamed", "renamed-and-edited"])
def test_a_renamed_note_keeps_its_lock(sealed: Path, text: str) -> None:
    (sealed / KEY).unlink()
    (sealed / RENAMED).write_text(text, "utf-8")
    run = check(sealed, LATER)
    assert [(f.path, f.code) for f in run.findings] == (
        [] if text == ORIGINAL else [(RENAMED, "K001")])
    # the lock follows the note: the seal file records the move
    assert [e["event"] for e in entries(sealed)] == ["seal", "move"]
    assert entries(sealed)[1]["note"] == RENAMED
    assert entries(sealed)[1]["moved_from"] == KEY
    (sealed / RENAMED).write_text(EDITED.replace("six", "seven"), "utf-8")
    assert [(f.path, f.code) for f in check(sealed, LATER).findings] == [(RENAMED, "K001")]


def test_a_renamed_folder_keeps_the_lock(sealed: Path) -> None:
    (sealed / "notes" / "C-1042").rename(sealed / "notes" / "client-1042")
    moved = "notes/client-1042/2026-11-20.md"
    (sealed / moved).write_text(EDITED, "utf-8")
    assert [(f.path, f.code) for f in check(sealed, LATER).findings] == [(moved, "K001")]


def test_a_rewritten_note_for_the_same_session_is_the_same_note(sealed: Path) -> None:
    (sealed / KEY).unlink()
    rewritten = note("## Subjective\nClient said little.\n\n## Objective\nCalm.\n\n"
                     "## Assessment\nClient denies SI/HI.\n\n## Plan\nNext week.\n")
    (sealed / RENAMED).write_text(rewritten, "utf-8")
    assert [(f.path, f.code) for f in check(sealed, LATER).findings] == [(RENAMED, "K001")]


# --- deletion, restore and retire --------------------------------------------------------

K002_MESSAGE = ("The locked note of client C-1042, session of 2026-11-20 15:00, was deleted "
                "from the notes folder; a locked note stays in the record.")


def test_a_deleted_locked_note_is_k002_naming_client_and_date(sealed: Path) -> None:
    (sealed / KEY).unlink()
    run = check(sealed, LATER)
    assert [(f.path, f.code, f.line, f.severity, f.message) for f in run.findings] == [
        (KEY, "K002", 1, "error", K002_MESSAGE)]
    assert run.findings[0].suggestion == (
        f"Put it back with 'soapbuild restore {KEY}', or, if it was never part of the record, "
        f"'soapbuild retire {KEY} --reason \"…\"'.")
    assert run.exit_code == 1
    # a check of another folder does not report it; a check of its folder does
    (sealed / "notes" / "C-2077").mkdir()
    assert check(sealed, LATER, "notes/C-2077").findings == []
    assert check(sealed, LATER, "notes/C-1042").codes == ["K002"]


def test_a_deleted_draft_is_no_finding(ws: Path) -> None:
    (ws / KEY).write_text(note(submitted=None), "utf-8")
    check(ws, "2026-11-21 12:00")
    (ws / KEY).unlink()
    assert check(ws, LATER).findings == []


def test_restore_writes_a_deleted_note_back(sealed: Path) -> None:
    (sealed / KEY).unlink()
    code, output, _ = run_cli(sealed, "restore", KEY, "--now", LATER)
    assert (code, output) == (0, f"restored {KEY}: written back as it was locked\n")
    assert (sealed / KEY).read_text("utf-8") == ORIGINAL
    assert check(sealed, LATER).findings == []


def test_retire_ends_k002_and_keeps_the_reason(sealed: Path) -> None:
    code, output, _ = run_cli(sealed, "retire", KEY, "--reason", "Wrong client", "--now", LATER)
    assert code == 1 and "is still there" in output  # only a deleted note can be retired
    (sealed / KEY).unlink()
    code, output, _ = run_cli(sealed, "retire", KEY, "--reason", "Written for the wrong client; "
                              "the right note is C-2077/2026-11-20.md", "--now", LATER)
    assert code == 0, output
    assert output.startswith(f"retired {KEY} (client C-1042, session of 2026-11-20 15:00)")
    retired = entries(sealed)[-1]
    assert (retired["event"], retired["note"], retired["reason"], retired["at"]) == (
        "retire", KEY, "Written for the wrong client; the right note is C-2077/2026-11-20.md",
        "2026-11-27T12:00:00-05:00")
    assert check(sealed, LATER).findings == []
    code, output, _ = run_cli(sealed, "report", "--history", "--now", LATER)
    assert "retired: Written for the wrong client" in output
    # the original is still kept; a restore brings it back
    assert run_cli(sealed, "restore", KEY, "--now", LATER)[0] == 0
    assert (sealed / KEY).read_text("utf-8") == ORIGINAL


def test_restore_and_retire_option_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOAPBUILD_NOW", raising=False)
    restore = main.commands["restore"]
    with restore.make_context("restore", ["a.md"]) as ctx:
        assert ctx.params == {"notes": (Path("a.md"),), "now_text": None}
    retire = main.commands["retire"]
    with retire.make_context("retire", ["a.md", "--reason", "r"]) as ctx:
        assert ctx.params == {"note": Path("a.md"), "reason": "r", "now_text": None}
    for command in (restore, retire):
        assert next(p for p in command.params if p.name == "now_text").envvar == "SOAPBUILD_NOW"
    assert CliRunner().invoke(main, ["restore"]).exit_code == 2  # NOTE is required
    assert CliRunner().invoke(main, ["retire", "a.md"]).exit_code == 2  # --reason is required


def test_retire_refuses_a_note_that_never_locked(ws: Path) -> None:
    code, output, _ = run_cli(ws, "retire", KEY, "--reason", "x", "--now", LATER)
    assert code == 1 and "is not a locked note that was deleted" in output


def test_restore_puts_the_locked_text_back_and_keeps_the_change(sealed: Path) -> None:
    (sealed / KEY).write_text(EDITED, "utf-8")
    code, output, _ = run_cli(sealed, "restore", KEY, "--now", LATER)
    assert code == 0, output
    assert "the locked text is back; 1 changed line moved into a draft addendum" in output
    restored = (sealed / KEY).read_text("utf-8")
    assert restored.startswith(ORIGINAL.rstrip() + "\n\n## Addendum (draft: date this heading")
    # nothing typed is lost: the changed line is in the draft, word for word
    assert "~~~text\nClient denies SI/HI; risk is low; sleep is improving.\n~~~" in restored
    assert "~~~text\nClient denies SI/HI; risk is low.\n~~~" in restored
    # until it is dated and signed, the draft is no addendum
    run = check(sealed, LATER)
    assert sorted(run.codes) == ["A001", "A005", "A006", "K001"]
    signed = restored.replace("## Addendum (draft: date this heading and sign it)",
                              "## Addendum 2026-11-27 11:30").replace(
        "Author:\n", "Author: Jordan Rivera, LCSW\n").replace(
        "Reason:\n", "Reason: Sleep had improved, which the note did not say.\n")
    (sealed / KEY).write_text(signed, "utf-8")
    assert check(sealed, LATER).findings == []
    assert seals(sealed)[KEY]["sha256"] == digest(signed)  # the lock now covers the addendum


def test_restore_keeps_crlf_line_ends(sealed: Path) -> None:
    (sealed / KEY).write_bytes(EDITED.replace("\n", "\r\n").encode("utf-8"))
    assert run_cli(sealed, "restore", KEY, "--now", LATER)[0] == 0
    data = (sealed / KEY).read_bytes()
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")


def test_restore_of_an_unchanged_or_unlocked_note_changes_nothing(sealed: Path) -> None:
    before = stamp(sealed / KEY)
    code, output, _ = run_cli(sealed, "restore", KEY, "--now", LATER)
    assert (code, output) == (0, f"nothing to restore in {KEY}: unchanged since it locked\n")
    assert stamp(sealed / KEY) == before


def test_restore_refuses_when_only_a_hash_was_kept(sealed: Path) -> None:
    """A seal from before originals were kept: the text cannot be written back, and the
    changed note is left exactly as it is."""
    for kept in (sealed / ".soapbuild" / "originals").iterdir():
        kept.unlink()
    (sealed / ".soapbuild" / "originals").rmdir()
    (sealed / KEY).write_text(EDITED, "utf-8")
    run = check(sealed, LATER)
    assert run.codes == ["K001"]
    assert "kept only the hash of the locked text" in run.findings[0].message
    code, output, _ = run_cli(sealed, "restore", KEY, "--now", LATER)
    assert code == 1 and "only the hash of its locked text was kept" in output
    assert (sealed / KEY).read_text("utf-8") == EDITED


# --- A007: an addendum appended after the lock, dated before it ----------------------------

def test_an_addendum_appended_after_the_lock_is_not_dated_before_it(sealed: Path) -> None:
    early = ADDENDUM.replace("2026-11-26 10:00", "2026-11-21 18:00")  # after submission
    (sealed / KEY).write_text(ORIGINAL + early, "utf-8")
    run = check(sealed, LATER)
    assert [(f.code, f.line, f.message) for f in run.findings] == [
        ("A007", 22, "The addendum is dated 2026-11-21 18:00, before the note locked "
                     "(2026-11-22 09:00), yet it was added after the lock; an addendum is "
                     "dated when it is written.")]
    # written inside the edit window, the same addendum is part of the locked note
    fresh = workspace(sealed.parent / "fresh", notes="notes/C-1042")
    (fresh / KEY).write_text(ORIGINAL + early, "utf-8")
    assert check(fresh, "2026-11-21 19:00").findings == []
    assert check(fresh, LATER).findings == []


# --- the seal file is tamper-evident --------------------------------------------------------

def _rewrite(root: Path, change: Any) -> None:
    document = json.loads(seals_file(root).read_text("utf-8"))
    change(document)
    seals_file(root).write_text(json.dumps(document, indent=2) + "\n", "utf-8")


def _recompute(document: dict[str, Any]) -> None:
    """Recompute every hash of the chain, as someone covering an edit would."""
    prev = GENESIS
    for entry in document["entries"]:
        entry["prev"] = prev
        entry["hash"] = entry_hash(entry)
        prev = entry["hash"]


def test_a_seal_recomputed_for_an_edit_is_an_error(sealed: Path) -> None:
    (sealed / KEY).write_text(EDITED, "utf-8")

    def cover(document: dict[str, Any]) -> None:
        document["entries"][0]["sha256"] = digest(EDITED)
        document["entries"][0]["length"] = len(EDITED.rstrip())

    _rewrite(sealed, cover)
    code, output, _ = run_cli(sealed, "check", "--now", LATER)
    assert code == 2
    assert ("entry 1 (seal of notes/C-1042/2026-11-20.md) does not match its hash: the seal "
            "file was edited by hand") in output
    # recomputing the whole chain still leaves the kept original named by no entry
    _rewrite(sealed, _recompute)
    code, output, _ = run_cli(sealed, "check", "--now", LATER)
    assert code == 2
    assert f".soapbuild/originals/{digest(ORIGINAL)}.md.gz is named by no entry" in output


def test_a_deleted_seal_file_is_an_error(sealed: Path) -> None:
    seals_file(sealed).unlink()
    (sealed / KEY).write_text(EDITED, "utf-8")
    code, output, _ = run_cli(sealed, "check", "--now", LATER)
    assert code == 2
    assert "missing, but .soapbuild/originals/ keeps 1 locked notes: the seals were lost" in output
    assert not seals_file(sealed).exists()  # nothing was sealed anew


@pytest.mark.parametrize("content", [b"", b'{"version": 2, "entries": []}', b"{}"],
                         ids=["empty", "no-entries", "empty-table"])
def test_an_emptied_seal_file_is_an_error(sealed: Path, content: bytes) -> None:
    seals_file(sealed).write_bytes(content)
    code, output, _ = run_cli(sealed, "check", "--now", LATER)
    assert code == 2 and "seal" in output and "restore it from version control" in output
    assert seals_file(sealed).read_bytes() == content


def test_cutting_the_last_entries_is_an_error(sealed: Path) -> None:
    (sealed / KEY).write_text(ORIGINAL + ADDENDUM, "utf-8")
    assert check(sealed, LATER).findings == []  # the seal grows: a second entry
    _rewrite(sealed, lambda document: document["entries"].pop())
    code, output, _ = run_cli(sealed, "check", "--now", LATER)
    assert code == 2 and "is named by no entry" in output


def test_an_edited_original_is_an_error(sealed: Path) -> None:
    path = sealed / ".soapbuild" / "originals" / f"{digest(ORIGINAL)}.md.gz"
    path.write_bytes(gzip.compress(EDITED.encode("utf-8")))
    (sealed / KEY).write_text(EDITED, "utf-8")
    code, output, _ = run_cli(sealed, "check", "--now", LATER)
    assert code == 2 and "does not hold the text of its seal" in output


def test_a_version_1_seal_file_is_read_and_chained_on_the_next_write(ws: Path) -> None:
    (ws / KEY).write_text(ORIGINAL, "utf-8")
    path = seals_file(ws)
    path.parent.mkdir()
    path.write_text(json.dumps({"version": 1, "about": "old", "seals": {
        KEY: seal_of(ORIGINAL, "2026-11-22T09:00:00-05:00")}}), "utf-8")
    (ws / KEY).write_text(EDITED, "utf-8")
    run = check(ws, LATER)
    assert run.codes == ["K001"]
    assert "kept only the hash" in run.findings[0].message
    (ws / KEY).write_text(ORIGINAL + ADDENDUM, "utf-8")
    assert check(ws, LATER).findings == []
    assert [e["event"] for e in entries(ws)] == ["seal", "extend"]
    assert all(e["hash"] == entry_hash(e) for e in entries(ws))


# --- notes outside the workspace --------------------------------------------------------------

@pytest.mark.parametrize("settings", [True, False], ids=["settings-file", "no-settings-file"])
def test_a_symlinked_notes_folder_outside_the_workspace_is_refused(tmp_path: Path,
                                                                   settings: bool) -> None:
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "C-1042").mkdir(parents=True)
    (elsewhere / "C-1042" / "2026-11-20.md").write_text(ORIGINAL, "utf-8")
    root = tmp_path / "ws"
    root.mkdir()
    if settings:
        (root / "soapbuild.toml").write_text('timezone = "America/New_York"\n', "utf-8")
    (root / "notes").symlink_to(elsewhere, target_is_directory=True)
    code, output, _ = run_cli(root, "check", "--now", LATER)
    assert code == 2
    assert ("'notes_dir' = 'notes' is a link that leads outside the workspace" if settings
            else "the notes folder leads outside the workspace") in output
    assert kept(root) == []


def test_a_symlinked_note_outside_the_workspace_is_k003(ws: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text(ORIGINAL, "utf-8")
    (ws / KEY).symlink_to(outside)
    run = check(ws, LATER)
    assert [(f.path, f.code, f.severity) for f in run.findings] == [(KEY, "K003", "error")]
    assert kept(ws) == []  # never sealed where it cannot be kept
