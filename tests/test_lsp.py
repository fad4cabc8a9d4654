"""``soapbuild lsp`` end to end: a real client (pytest-lsp) drives the real server over stdio.

The workspace is a copy of the sample practice, checked once with ``soapbuild check``
(which records the seals of its locked notes, as outside git it does), plus a note of
a client whose lines hold curly quotes, accents and an emoji before the flagged
words. What the server publishes for each note is compared with what
``soapbuild check --format json`` reports for it, the ranges converted from code
points to the encoding the client negotiated, independently of the server's code.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient

REPO = Path(__file__).resolve().parents[1]
NOW = "2026-12-01 12:00"
ENV = {**os.environ, "SOAPBUILD_NOW": NOW}
SERVER = ClientServerConfig([sys.executable, "-m", "soapbuild", "lsp"], server_env=ENV)
LOCKED = "notes/C-1085/2026-11-10.md"  # submitted 2026-10-11: locked long before NOW
NEW = "notes/C-2001/2026-11-30.md"  # the note below
WINDOWS = "notes/C-2001/2026-12-01.md"  # another, saved with a byte order mark and CRLF

# Client C-2001's note: multi-byte characters (’ “ ” é 😊 …) before flagged words on
# the same line, a pasted duration (F007) and a client's words left unquoted (Q001).
MULTIBYTE = """\
---
client: C-2001
clinician: Dr. Amara Osei, PsyD
session_date: 2026-11-30 10:00
occurred: true
duration: 50 min
service_code: "90834"
---
## Subjective

Client’s week: “okay” at the café 😊 — she claims she slept well. Client said I can't focus at work.

## Objective

Client was alert and oriented; résumé in hand 😊😊, she is always late.

## Assessment

Client denies SI/HI. Symptoms of anxiety persist.

## Plan

Next session 2026-12-07 at 10:00.
"""


@pytest.fixture(scope="module")
def practice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sample practice with one more client, checked once (seals recorded)."""
    root = tmp_path_factory.mktemp("practice")
    shutil.copytree(REPO / "notes", root / "notes")
    shutil.copy(REPO / "soapbuild.toml", root / "soapbuild.toml")
    (root / "notes" / "C-2001").mkdir()
    (root / NEW).write_text(MULTIBYTE, "utf-8")
    (root / WINDOWS).write_bytes(("\ufeff" + MULTIBYTE.replace("2026-11-30", "2026-12-01")
                                  .replace("she claims she slept", "she insists 👩‍⚕️ slept"))
                                 .replace("\n", "\r\n").encode("utf-8"))
    _check(root)
    return root


def _check(root: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "soapbuild", "check", "--format", "json"],
                          cwd=root, env=ENV, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode in (0, 1), done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


@pytest.fixture(scope="module")
def expected(practice: Path) -> dict[str, list[dict[str, Any]]]:
    """``check --format json``'s findings by note."""
    found: dict[str, list[dict[str, Any]]] = {}
    for finding in _check(practice)["findings"]:
        found.setdefault(finding["path"], []).append(finding)
    return found


def _capabilities(encodings: list[str] | None) -> lsp.ClientCapabilities:
    return lsp.ClientCapabilities(
        general=lsp.GeneralClientCapabilities(position_encodings=encodings),
        workspace=lsp.WorkspaceClientCapabilities(
            did_change_watched_files=lsp.DidChangeWatchedFilesClientCapabilities(
                dynamic_registration=True)),
        text_document=lsp.TextDocumentClientCapabilities(
            code_action=lsp.CodeActionClientCapabilities(), hover=lsp.HoverClientCapabilities(),
            completion=lsp.CompletionClientCapabilities()))


@pytest_lsp.fixture(config=SERVER, scope="module")
async def client(lsp_client: LanguageClient, practice: Path):  # type: ignore[no-untyped-def]
    _accept_registrations(lsp_client)
    await lsp_client.initialize_session(lsp.InitializeParams(
        capabilities=_capabilities(None), root_uri=practice.as_uri()))
    yield
    await lsp_client.shutdown_session()


REGISTERED: list[lsp.Registration] = []


def _accept_registrations(client: LanguageClient) -> None:
    """Answer ``client/registerCapability`` as an editor does, keeping what was asked."""
    @client.feature(lsp.CLIENT_REGISTER_CAPABILITY)
    def register(ls: LanguageClient, params: lsp.RegistrationParams) -> None:
        REGISTERED.extend(params.registrations)


def _units(text: str, encoding: str) -> int:
    """Code units of ``text``: what the protocol counts, computed with Python's codecs."""
    if encoding == "utf-16":
        return len(text.encode("utf-16-le")) // 2
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    return len(text)


def _text(file: Path) -> str:
    """A note's text as an editor holds it: a byte order mark and CRLF line ends kept."""
    return file.read_bytes().decode("utf-8")


def _position(lines: list[str], line: int, column: int, encoding: str) -> tuple[int, int]:
    return line - 1, _units(lines[line - 1][:column - 1], encoding)


def _expected_diagnostics(text: str, findings: list[dict[str, Any]],
                          encoding: str = "utf-16") -> list[tuple[Any, ...]]:
    """``check``'s findings as the client should see them. soapbuild's columns count code
    points of the text without its byte order mark, which the client's first line holds."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    lines = [*text.removeprefix(bom).split("\n"), ""]
    lines[0] = bom + lines[0]
    shifted = [{**f, "column": f["column"] + len(bom) * (f["line"] == 1),
                "end_column": f["end_column"] + len(bom) * (f["end_line"] == 1)}
               for f in findings]
    findings = shifted
    rows = []
    for f in findings:
        message = f["message"] + (f"\n→ {f['suggestion']}" if f.get("suggestion") else "")
        rows.append((_position(lines, f["line"], f["column"], encoding),
                     _position(lines, f["end_line"], f["end_column"], encoding),
                     f["code"], f["severity"], message))
    return sorted(rows)


_SEVERITY = {lsp.DiagnosticSeverity.Error: "error", lsp.DiagnosticSeverity.Warning: "warning",
             lsp.DiagnosticSeverity.Information: "info"}


def _published(diagnostics: list[lsp.Diagnostic]) -> list[tuple[Any, ...]]:
    return sorted(((d.range.start.line, d.range.start.character),
                   (d.range.end.line, d.range.end.character), d.code,
                   _SEVERITY[d.severity] if d.severity else None, d.message)
                  for d in diagnostics)


async def _published_now(client: LanguageClient, uri: str) -> list[lsp.Diagnostic]:
    """Wait for the server's diagnostics of ``uri`` (cleared before the event that sends
    them); a server error would otherwise hang the test."""
    try:
        while uri not in client.diagnostics:
            await asyncio.wait_for(client.wait_for_notification(
                lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 60)
    except TimeoutError:
        pytest.fail(f"no diagnostics within 60 s; the server said: {client.messages}")
    return list(client.diagnostics[uri])


async def _open(client: LanguageClient, file: Path, text: str | None = None,
                ) -> list[lsp.Diagnostic]:
    uri = file.as_uri()
    client.diagnostics.pop(uri, None)
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(
        uri, "markdown", 1, _text(file) if text is None else text)))
    return await _published_now(client, uri)


async def _change(client: LanguageClient, file: Path, version: int, text: str,
                  ) -> list[lsp.Diagnostic]:
    uri = file.as_uri()
    client.diagnostics.pop(uri, None)
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        lsp.VersionedTextDocumentIdentifier(version, uri),
        [lsp.TextDocumentContentChangeWholeDocument(text)]))
    return await _published_now(client, uri)


async def _close(client: LanguageClient, file: Path) -> None:
    """Close the note; the server clears its diagnostics."""
    client.diagnostics.pop(file.as_uri(), None)
    client.text_document_did_close(lsp.DidCloseTextDocumentParams(
        lsp.TextDocumentIdentifier(file.as_uri())))
    assert await _published_now(client, file.as_uri()) == []


def _apply(text: str, edits: list[lsp.TextEdit]) -> str:
    """The client's side of a workspace edit (UTF-16 positions), last edit first."""
    lines = text.split("\n")

    def offset(position: lsp.Position) -> int:
        start = sum(len(line) + 1 for line in lines[:position.line])
        line = lines[position.line] if position.line < len(lines) else ""
        units = 0
        for column, character in enumerate(line):
            if units >= position.character:
                return start + column
            units += 2 if ord(character) > 0xFFFF else 1
        return start + len(line)

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character),
                       reverse=True):
        text = text[:offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
    return text


def _session_notes(practice: Path) -> list[str]:
    return sorted(p.relative_to(practice).as_posix() for p in (practice / "notes").rglob("*.md")
                  if p.name != "plan.md")


@pytest.mark.asyncio(loop_scope="module")
async def test_diagnostics_match_check_for_every_note_of_the_practice(
        client: LanguageClient, practice: Path, expected: dict[str, list[dict[str, Any]]],
        ) -> None:
    notes = _session_notes(practice)
    assert len(notes) >= 30 and NEW in notes
    with_findings = 0
    for name in notes:
        file = practice / name
        published = await _open(client, file)
        text = _text(file)
        assert _published(published) == _expected_diagnostics(text, expected.get(name, [])), name
        with_findings += bool(published)
        await _close(client, file)
    assert with_findings >= 10


@pytest.mark.asyncio(loop_scope="module")
async def test_a_treatment_plan_gets_its_own_findings(
        client: LanguageClient, practice: Path, expected: dict[str, list[dict[str, Any]]],
        ) -> None:
    """A plan is checked as a plan; only its idle goals (G005), which need every session
    of the practice, are left to ``check``."""
    plans = sorted((practice / "notes").glob("*/plan.md"))
    assert len(plans) >= 5
    compared = 0
    for file in plans:
        name = file.relative_to(practice).as_posix()
        wanted = [f for f in expected.get(name, []) if f["code"] != "G005"]
        published = await _open(client, file)
        assert _published(published) == _expected_diagnostics(_text(file), wanted), name
        compared += bool(wanted)
        await _close(client, file)
    assert compared >= 1


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(("name", "word"), [(NEW, "claims"), (WINDOWS, "insists")])
async def test_ranges_count_utf16_code_units_after_multibyte_characters(
        client: LanguageClient, practice: Path, name: str, word: str) -> None:
    """What the client finds under a diagnostic's range is the flagged word, though emoji
    and curly quotes before it take more UTF-16 units than characters (and the second
    note begins with a byte order mark and ends its lines with CRLF)."""
    file = practice / name
    published = await _open(client, file)
    lines = _text(file).split("\n")
    flagged = next(d for d in published if d.code == "J004")
    line = lines[flagged.range.start.line]
    encoded = line.encode("utf-16-le")
    start, end = flagged.range.start.character, flagged.range.end.character
    assert encoded[2 * start:2 * end].decode("utf-16-le") == word
    assert start != line.index(word)  # the emoji makes the two counts differ
    always = next(d for d in published if d.code == "U001")
    encoded = lines[always.range.start.line].encode("utf-16-le")
    assert encoded[2 * always.range.start.character:2 * always.range.end.character].decode(
        "utf-16-le") == "always"
    await _close(client, file)


@pytest.mark.asyncio(loop_scope="module")
async def test_an_edit_that_removes_the_flagged_word_clears_its_diagnostic(
        client: LanguageClient, practice: Path) -> None:
    file = practice / NEW
    text = file.read_text("utf-8")
    before = await _open(client, file)
    assert [d.code for d in before].count("J004") == 1
    after = await _change(client, file, 2, text.replace("she claims she slept",
                                                        "she reports she slept"))
    assert "J004" not in [d.code for d in after]
    assert {d.code for d in before} - {"J004"} == {d.code for d in after}
    again = await _change(client, file, 3, text)
    assert _published(again) == _published(before)
    await _close(client, file)


async def _actions(client: LanguageClient, file: Path, diagnostic: lsp.Diagnostic | None,
                   whole: lsp.Range | None = None) -> list[lsp.CodeAction]:
    where = whole if whole is not None else diagnostic.range  # type: ignore[union-attr]
    result = await client.text_document_code_action_async(lsp.CodeActionParams(
        lsp.TextDocumentIdentifier(file.as_uri()), where,
        lsp.CodeActionContext([diagnostic] if diagnostic else [])))
    return [a for a in result or [] if isinstance(a, lsp.CodeAction)]


def _edits(action: lsp.CodeAction, file: Path) -> list[lsp.TextEdit]:
    assert action.edit is not None and action.edit.changes is not None
    return list(action.edit.changes[file.as_uri()])


@pytest.mark.asyncio(loop_scope="module")
async def test_each_code_action_makes_its_edit_and_resolves_its_finding(
        client: LanguageClient, practice: Path) -> None:
    file = practice / NEW
    text = file.read_text("utf-8")
    published = await _open(client, file)
    by_code = {d.code: d for d in published}
    assert {"J004", "U001", "Q001", "F007"} <= set(by_code)
    version = 1

    async def actions(code: str) -> list[lsp.CodeAction]:
        """The actions for ``code``'s finding in the note as it was opened."""
        nonlocal version
        version += 1
        published = await _change(client, file, version, text)
        return await _actions(client, file, next(d for d in published if d.code == code))

    async def outcome(action: lsp.CodeAction) -> tuple[str, set[Any]]:
        """The note with the action's edits made, and the codes then found in it."""
        nonlocal version
        changed = _apply(text, _edits(action, file))
        version += 1
        after = await _change(client, file, version, changed)
        return changed, {d.code for d in after}

    replace = {a.title: a for a in await actions("J004") if a.title.startswith("Replace")}
    assert set(replace) == {"Replace 'claims' with 'reports'", "Replace 'claims' with 'states'"}
    changed, codes = await outcome(replace["Replace 'claims' with 'reports'"])
    assert "she reports she slept well" in changed and "J004" not in codes

    quote = next(a for a in await actions("Q001")
                 if "quotation marks" in a.title)
    changed, codes = await outcome(quote)
    # the note quotes with curly marks (“okay”), so the client's words get them too
    assert "Client said “I can't focus at work”.\n" in changed
    assert "Q001" not in codes

    fix = next(a for a in await actions("F007") if "fix" in a.title)
    changed, codes = await outcome(fix)
    assert "\nduration: 50\n" in changed and "F007" not in codes

    ignore = next(a for a in await actions("U001")
                  if a.title.startswith("Ignore U001"))
    changed, codes = await outcome(ignore)
    assert "she is always late. <!-- soapbuild: ignore U001 -->\n" in changed
    assert "U001" not in codes and "N001" in codes  # the suppression is counted
    await _close(client, file)


@pytest.mark.asyncio(loop_scope="module")
async def test_a_locked_note_only_ever_gets_an_addendum(
        client: LanguageClient, practice: Path) -> None:
    file = practice / LOCKED
    text = file.read_text("utf-8")
    await _open(client, file)
    lines = text.split("\n")
    whole = lsp.Range(lsp.Position(0, 0), lsp.Position(len(lines) - 1, 0))
    # flag a word in the locked text: the edit itself is K001, and no quick fix may touch it
    changed = text.replace("Client was alert", "Client claims she was alert", 1)
    assert changed != text
    after = await _change(client, file, 2, changed)
    codes = {d.code for d in after}
    assert {"K001", "J004"} <= codes
    end = len(changed)
    for diagnostic in [*after, None]:
        actions = await _actions(client, file, diagnostic, whole if diagnostic is None else None)
        assert [a.title for a in actions] == [
            "Add an addendum (the note is locked: its text cannot change)"]
        for edit in _edits(actions[0], file):
            assert edit.range.start == edit.range.end  # an insertion, nothing replaced
            assert _apply(changed, [edit]).startswith(changed)  # after every character
            assert edit.new_text.lstrip("\n").startswith("## Addendum 2026-12-01 12:00\n")
    assert len(_apply(changed, _edits(actions[0], file))) > end
    await _close(client, file)


@pytest.mark.asyncio(loop_scope="module")
async def test_hover_explains_the_finding_under_the_cursor(
        client: LanguageClient, practice: Path) -> None:
    file = practice / NEW
    published = await _open(client, file)
    claims = next(d for d in published if d.code == "J004")
    hover = await client.text_document_hover_async(lsp.HoverParams(
        lsp.TextDocumentIdentifier(file.as_uri()), claims.range.start))
    assert hover is not None and isinstance(hover.contents, lsp.MarkupContent)
    shown = hover.contents.value
    assert shown.startswith("**J004**") and "'claims' casts doubt" in shown
    assert "Instead: reports, states." in shown and "soapbuild explain J004" in shown
    nothing = await client.text_document_hover_async(lsp.HoverParams(
        lsp.TextDocumentIdentifier(file.as_uri()), lsp.Position(19, 2)))  # Assessment: clean
    assert nothing is None
    await _close(client, file)


async def _complete(client: LanguageClient, file: Path, text: str, line: int,
                    ) -> dict[str, lsp.CompletionItem]:
    await _change(client, file, 10 + line, text)
    column = len(text.split("\n")[line])
    result = await client.text_document_completion_async(lsp.CompletionParams(
        lsp.TextDocumentIdentifier(file.as_uri()), lsp.Position(line, column)))
    assert isinstance(result, lsp.CompletionList)
    return {item.label: item for item in result.items}


@pytest.mark.asyncio(loop_scope="module")
async def test_completion_offers_fields_values_and_the_formats_headings(
        client: LanguageClient, practice: Path) -> None:
    file = practice / NEW
    text = file.read_text("utf-8")
    await _open(client, file)
    head, body = text.split("---\n", 2)[1:]

    def with_line(line: str) -> tuple[str, int]:
        return f"---\n{head}{line}\n---\n{body}", head.count("\n") + 1

    fields = await _complete(client, file, *with_line("pla"))
    assert "place_of_service" in fields and "client" not in fields  # client is there already
    edit = fields["place_of_service"].text_edit
    assert isinstance(edit, lsp.TextEdit) and edit.new_text == "place_of_service: "
    places = await _complete(client, file, *with_line("place_of_service: "))
    assert places["11"].text_edit.new_text == '"11"'  # type: ignore[union-attr]
    assert places["10"].detail and "home" in places["10"].detail
    codes = await _complete(client, file, *with_line("service_code: 908"))
    assert codes["90837"].text_edit.new_text == '"90837"'  # type: ignore[union-attr]
    who = await _complete(client, file, *with_line("cosigned_by: "))
    assert set(who) == {"Jordan Rivera, LCSW", "Amara Osei, PsyD", "Riley Brooks, LMSW"}
    clients = await _complete(client, file, *with_line("client: C-1"))
    assert {"C-1042", "C-1057", "C-2001"} <= set(clients)
    formats = await _complete(client, file, *with_line("format: "))
    assert {"soap", "dap", "birp"} <= set(formats)
    without_plan = text.replace("## Plan\n", "")
    lines = without_plan.split("\n")
    at = lines.index("Next session 2026-12-07 at 10:00.")
    headings = await _complete(client, file, "\n".join([*lines[:at], "## ", *lines[at:]]), at)
    assert set(headings) == {"## Plan"}
    await _close(client, file)


@pytest_lsp.fixture(config=SERVER, params=["utf-8", "utf-32"])
async def other_client(lsp_client: LanguageClient, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    _accept_registrations(lsp_client)
    result = await lsp_client.initialize_session(lsp.InitializeParams(
        capabilities=_capabilities([request.param, "utf-16"])))
    assert result.capabilities.position_encoding == request.param
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
async def test_ranges_in_the_encoding_the_client_negotiated(
        other_client: LanguageClient, practice: Path,
        expected: dict[str, list[dict[str, Any]]]) -> None:
    encoding = other_client.capabilities and other_client.capabilities.general
    assert encoding is not None and encoding.position_encodings is not None
    name = NEW
    file = practice / name
    published = await _open(other_client, file)
    text = file.read_text("utf-8")
    assert _published(published) == _expected_diagnostics(
        text, expected[name], encoding.position_encodings[0])



@pytest.mark.asyncio(loop_scope="module")
async def test_a_note_changed_on_disk_is_compared_again(
        client: LanguageClient, practice: Path) -> None:
    """The server asks to hear of changed files; an earlier note written on disk that
    holds this note's Subjective makes this one a copy (D001), until it goes away."""
    for _ in range(100):  # the server registers after 'initialized', when it likes
        watched = [r for r in REGISTERED if r.method == lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES]
        if watched:
            break
        await asyncio.sleep(0.1)
    options = watched[0].register_options  # the protocol types it as any JSON
    assert isinstance(options, dict)
    assert "**/*.md" in [w["globPattern"] for w in options["watchers"]]
    file = practice / "notes/C-1057/2026-11-24.md"
    text = file.read_text("utf-8")
    assert "D001" not in {d.code for d in await _open(client, file)}
    subjective = text[text.index("## Subjective"):text.index("## Objective")]
    earlier = practice / "notes/C-1057/2026-11-01.md"
    earlier.write_text("---\nclient: C-1057\nclinician: Dr. Amara Osei, PsyD\n"
                       "session_date: 2026-11-01 10:00\noccurred: true\n---\n" + subjective,
                       "utf-8")

    async def told(kind: lsp.FileChangeType) -> set[Any]:
        client.diagnostics.pop(file.as_uri(), None)
        client.workspace_did_change_watched_files(lsp.DidChangeWatchedFilesParams(
            [lsp.FileEvent(earlier.as_uri(), kind)]))
        return {d.code for d in await _published_now(client, file.as_uri())}

    try:
        copied = await told(lsp.FileChangeType.Created)
        assert "D001" in copied
        assert any("notes/C-1057/2026-11-01.md" in d.message
                   for d in client.diagnostics[file.as_uri()] if d.code == "D001")
    finally:
        earlier.unlink()
    assert "D001" not in await told(lsp.FileChangeType.Deleted)
    await _close(client, file)


@pytest.mark.asyncio(loop_scope="module")
async def test_a_seal_recorded_meanwhile_locks_the_open_note(
        client: LanguageClient, tmp_path: Path) -> None:
    """Outside git a note's lock is its seal: when ``check`` records one while the note
    is open, the server reads the note's past again and the edit in the editor is K001."""
    shutil.copytree(REPO / "notes", tmp_path / "notes")
    shutil.copy(REPO / "soapbuild.toml", tmp_path / "soapbuild.toml")
    file = tmp_path / LOCKED
    text = file.read_text("utf-8")
    await _open(client, file)
    edited = text.replace("Client was alert", "Client was very alert", 1)
    assert "K001" not in {d.code for d in await _change(client, file, 2, edited)}  # no seal yet
    _check(tmp_path)  # records the seals of the locked notes, this one as it is on disk
    seals = tmp_path / ".soapbuild" / "seals.json"
    assert seals.is_file()
    client.diagnostics.pop(file.as_uri(), None)
    client.workspace_did_change_watched_files(lsp.DidChangeWatchedFilesParams(
        [lsp.FileEvent(seals.as_uri(), lsp.FileChangeType.Changed)]))
    for _ in range(3):  # checked at once, then again once the past is read
        codes = {d.code for d in await _published_now(client, file.as_uri())}
        if "K001" in codes:
            break
        client.diagnostics.pop(file.as_uri(), None)
    assert "K001" in codes
    await _close(client, file)


@pytest.mark.asyncio(loop_scope="module")
async def test_diagnostics_link_to_the_rule_pages_of_the_built_record(
        client: LanguageClient, tmp_path: Path) -> None:
    """No link before a build (soapbuild has no pages on the web); after ``soapbuild build``
    each diagnostic links to its rule's page in output/rules/."""
    shutil.copytree(REPO / "notes", tmp_path / "notes")
    shutil.copy(REPO / "soapbuild.toml", tmp_path / "soapbuild.toml")
    file = tmp_path / "notes/C-1042/2026-10-12.md"
    before = await _open(client, file)
    assert before and all(d.code_description is None for d in before)
    done = subprocess.run([sys.executable, "-m", "soapbuild", "build", "--no-pdf"],
                          cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=600,
                          check=False)
    assert done.returncode == 0, done.stderr
    after = await _change(client, file, 2, file.read_text("utf-8"))
    for diagnostic in after:
        assert diagnostic.code_description is not None
        page = tmp_path / "output" / "rules" / f"{diagnostic.code}.html"
        assert diagnostic.code_description.href == page.as_uri() and page.is_file()
    await _close(client, file)


@pytest.mark.asyncio(loop_scope="module")
async def test_changed_settings_apply_to_the_open_notes(
        client: LanguageClient, tmp_path: Path) -> None:
    """The settings are the note's workspace's, read again when soapbuild.toml changes."""
    shutil.copytree(REPO / "notes", tmp_path / "notes")
    settings = tmp_path / "soapbuild.toml"
    shutil.copy(REPO / "soapbuild.toml", settings)
    file = tmp_path / "notes/C-1042/2026-10-12.md"
    assert {"J004", "U001"} <= {d.code for d in await _open(client, file)}
    text = settings.read_text("utf-8")
    settings.write_text(text.replace("[clinicians.", '[rules]\nignore = ["J004"]\n\n'
                                     "[clinicians.", 1), "utf-8")
    client.diagnostics.pop(file.as_uri(), None)
    client.workspace_did_change_watched_files(lsp.DidChangeWatchedFilesParams(
        [lsp.FileEvent(settings.as_uri(), lsp.FileChangeType.Changed)]))
    codes = {d.code for d in await _published_now(client, file.as_uri())}
    assert "J004" not in codes and "U001" in codes
    await _close(client, file)


@pytest.mark.asyncio(loop_scope="module")
async def test_in_git_the_locks_come_from_the_history_as_for_check(
        client: LanguageClient) -> None:
    """This repository's own sample practice, in git: a note's lock is its committed
    version, as ``check`` reads it (K001 on the note changed after it locked)."""
    report = _check(REPO)
    expected: dict[str, list[dict[str, Any]]] = {}
    for finding in report["findings"]:
        expected.setdefault(finding["path"], []).append(finding)
    assert any(f["code"] == "K001" for f in expected.get(LOCKED, []))
    for name in _session_notes(REPO):
        file = REPO / name
        published = await _open(client, file)
        assert _published(published) == _expected_diagnostics(_text(file),
                                                              expected.get(name, [])), name
        await _close(client, file)
