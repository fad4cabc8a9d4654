"""The language server: editor events in, the checker's findings out (pygls, over stdio).

Each open note is checked from the editor's text on open, on every change and on
save (:func:`soapbuild.lsp.workspace.note_findings`, the pipeline of ``check``), and
its findings are published as diagnostics in the position encoding the client chose.
A note is one of its workspace's notes (under the notes folder of the settings found
from the note's folder, as ``check`` finds them); any other Markdown file is left
alone. What the other notes contribute is read once per workspace and refreshed
when the client reports files changed on disk (``workspace/didChangeWatchedFiles``,
which the server registers for when the client allows it) and when a note is saved.

The link of each diagnostic (``codeDescription``) is the rule's page in the
workspace's built record (``output/rules/CODE.html``) when ``soapbuild build`` has
written it: soapbuild has no documentation on the web to point to, and a note's
editor should not send its reader there. Without the page there is no link; the
hover carries the rule's documentation either way.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from soapbuild import __version__
from soapbuild.console import UsageProblem
from soapbuild.history.git import GitError
from soapbuild.history.lock import lock_time
from soapbuild.history.seals import SealError
from soapbuild.lsp.actions import Action, note_actions
from soapbuild.lsp.completion import Item, Kind, complete
from soapbuild.lsp.hover import hover_text
from soapbuild.lsp.positions import Encoding, LineIndex
from soapbuild.lsp.workspace import (
    Checked,
    OtherNotes,
    Workspace,
    note_findings,
    parsed,
)
from soapbuild.model.findings import Finding, Severity
from soapbuild.model.history import Ledger
from soapbuild.settings import SETTINGS_FILE

log = logging.getLogger("soapbuild.lsp")

_SEVERITY = {Severity.ERROR: lsp.DiagnosticSeverity.Error,
             Severity.WARNING: lsp.DiagnosticSeverity.Warning,
             Severity.INFO: lsp.DiagnosticSeverity.Information}
_KIND = {Kind.FIELD: lsp.CompletionItemKind.Field, Kind.VALUE: lsp.CompletionItemKind.Value,
         Kind.HEADING: lsp.CompletionItemKind.Keyword}
AT_ONCE = 500  # a workspace of up to this many notes is sketched before its first check
_WATCHED = ("**/*.md", "**/*.markdown", f"**/{SETTINGS_FILE}", "**/.soapbuild/*")


@dataclass
class Open:
    """An open note: its workspace, its past and its last findings."""

    file: Path
    workspace: Workspace
    ledger: Ledger | None
    checked: Checked | None = None


class SoapbuildServer(LanguageServer):
    """The server's state: the workspaces met so far and the open notes."""

    def __init__(self, now_text: str | None) -> None:
        super().__init__("soapbuild", __version__)
        self.now_text = now_text
        self.workspaces: dict[Path, Workspace] = {}
        self.open: dict[str, Open] = {}

    # --- what the checks need ------------------------------------------------------------

    def workspace_for(self, file: Path) -> Workspace | None:
        """The workspace holding ``file`` (loaded the first time), None when the file is not
        one of a workspace's notes; a settings problem is shown to the user."""
        from soapbuild.commands.check import rule_context
        from soapbuild.commands.common import run_now, workspace_settings
        from soapbuild.settings import find_settings

        root, _ = find_settings(file.parent)
        known = self.workspaces.get(root)
        if known is None:
            try:
                settings = workspace_settings(root)
                now_text = self.now_text
                context = rule_context(root, settings, run_now(now_text, settings))
            except UsageProblem as problem:
                self.window_show_message(lsp.ShowMessageParams(lsp.MessageType.Error,
                                                               f"soapbuild: {problem}"))
                return None
            known = Workspace(settings, context, OtherNotes(settings),
                              lambda: run_now(now_text, settings))
            self.workspaces[root] = known
            self.read_notes(known)
        return known if known.holds(file) else None

    def read_notes(self, workspace: Workspace) -> None:
        """Sketch the workspace's notes for the copy search: at once in a small workspace,
        in the background in a large one (its open notes are checked again when done)."""
        others = workspace.others
        files = others.files()
        if len(files) <= AT_ONCE:
            others.load(files)
            return
        loop = asyncio.get_running_loop()
        self.window_log_message(lsp.LogMessageParams(
            lsp.MessageType.Info, f"soapbuild: reading {len(files):,} notes for copied text"))

        def read() -> None:
            others.load(files)
            # what was read stays for the session: keep the collector from walking it
            # again on every check (the collections would otherwise grow with the notes)
            gc.freeze()
            loop.call_soon_threadsafe(self.refresh_workspace, workspace)

        threading.Thread(target=read, name="soapbuild-notes", daemon=True).start()

    def load_ledger(self, uri: str) -> None:
        """The note's past as ``check`` loads it (git or the seal file), kept while it is typed;
        read now, when the note is opened."""
        state = self.open[uri]
        ledger, problem = _past(state, self.workspace.get_text_document(uri).source)
        self._keep(uri, state, ledger, problem)

    def reload_ledger(self, uri: str) -> None:
        """Read the note's past again in the background (it was saved, or the seals changed):
        in a large repository git takes a while, and the note is being typed meanwhile."""
        state = self.open[uri]
        text = self.workspace.get_text_document(uri).source
        loop = asyncio.get_running_loop()

        def read() -> None:
            ledger, problem = _past(state, text)
            loop.call_soon_threadsafe(self._keep, uri, state, ledger, problem, True)

        threading.Thread(target=read, name="soapbuild-past", daemon=True).start()

    def _keep(self, uri: str, state: Open, ledger: Ledger | None, problem: str | None,
              check: bool = False) -> None:
        if self.open.get(uri) is not state:
            return  # closed (or opened again) meanwhile
        state.ledger = ledger
        if problem is not None:
            self.window_show_message(lsp.ShowMessageParams(lsp.MessageType.Warning,
                                                           f"soapbuild: {problem}"))
        if check:
            self.refresh(uri)

    def refresh(self, uri: str) -> None:
        """Check the open note from the editor's text and publish its diagnostics."""
        state = self.open.get(uri)
        if state is None:
            return
        document = self.workspace.get_text_document(uri)
        state.checked = note_findings(state.workspace, state.file, document.source, state.ledger)
        index = self.index(uri)
        pages = rule_pages(state.workspace)
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
            uri, [diagnostic(f, index, pages) for f in state.checked.findings],
            document.version))

    def index(self, uri: str) -> LineIndex:
        chosen = self.workspace.position_encoding or Encoding.UTF16  # an enum, or a string
        encoding = Encoding(getattr(chosen, "value", chosen))
        return LineIndex.of(self.workspace.get_text_document(uri).source, encoding)

    def refresh_workspace(self, workspace: Workspace, ledgers: bool = False) -> None:
        for uri, state in list(self.open.items()):
            if state.workspace is workspace:
                self.refresh(uri)
                if ledgers:
                    self.reload_ledger(uri)


def _past(state: Open, text: str) -> tuple[Ledger | None, str | None]:
    """The note's ledger as ``check`` loads it, or why it could not be read."""
    from soapbuild.commands.check import history_loader

    workspace = state.workspace
    note = parsed(workspace, state.file, text)
    if note is None or note.key is None:
        return None, None
    try:
        return history_loader(workspace.settings, workspace.clock())({note.key: note}), None
    except (UsageProblem, SealError, GitError) as problem:
        return None, str(problem)


def diagnostic(finding: Finding, index: LineIndex, pages: dict[str, str]) -> lsp.Diagnostic:
    """One finding as the editor shows it: the message with its suggestion under it."""
    start = index.from_finding(finding.line, finding.column)
    end = index.from_finding(finding.end_line, finding.end_column)
    message = finding.message + (f"\n→ {finding.suggestion}" if finding.suggestion else "")
    link = pages.get(finding.code)
    return lsp.Diagnostic(
        lsp.Range(lsp.Position(*start), lsp.Position(*end)), message,
        severity=_SEVERITY[finding.severity], code=finding.code,
        code_description=lsp.CodeDescription(link) if link else None, source="soapbuild")


def rule_pages(workspace: Workspace) -> dict[str, str]:
    """The rule pages of the workspace's built record, by code (none before a build)."""
    folder = workspace.settings.root / workspace.settings.output_dir / "rules"
    try:
        names = os.listdir(folder)
    except OSError:
        return {}
    return {name[:-5]: (folder / name).as_uri() for name in names
            if name.endswith(".html") and name != "index.html"}


def _range(index: LineIndex, start: int, end: int) -> lsp.Range:
    return lsp.Range(lsp.Position(*index.from_source(start)),
                     lsp.Position(*index.from_source(end)))


def _at(findings: tuple[Finding, ...], index: LineIndex, wanted: lsp.Range) -> list[Finding]:
    """The findings whose range touches ``wanted``."""
    low = (wanted.start.line, wanted.start.character)
    high = (wanted.end.line, wanted.end.character)
    return [f for f in findings
            if index.from_finding(f.line, f.column) <= high
            and low <= index.from_finding(f.end_line, f.end_column)]


def _code_action(action: Action, uri: str, index: LineIndex,
                 pages: dict[str, str]) -> lsp.CodeAction:
    edits = [lsp.TextEdit(_range(index, e.span.start, e.span.end), e.text) for e in action.edits]
    return lsp.CodeAction(
        action.title, kind=lsp.CodeActionKind.QuickFix,
        diagnostics=[diagnostic(action.finding, index, pages)] if action.finding else None,
        is_preferred=action.preferred or None,
        edit=lsp.WorkspaceEdit(changes={uri: edits}))


def _completion(item: Item, index: LineIndex) -> lsp.CompletionItem:
    return lsp.CompletionItem(
        item.label, kind=_KIND[item.kind], detail=item.detail or None,
        text_edit=lsp.TextEdit(_range(index, item.span.start, item.span.end), item.text),
        filter_text=item.filter)


def make_server(now_text: str | None = None) -> SoapbuildServer:
    """The server with its features; ``now_text`` fixes "now" as ``--now`` does."""
    server = SoapbuildServer(now_text)

    @server.feature(lsp.INITIALIZED)
    def initialized(ls: SoapbuildServer, params: lsp.InitializedParams) -> None:
        watch = ls.client_capabilities.workspace
        changes = watch.did_change_watched_files if watch else None
        if changes is not None and changes.dynamic_registration:
            ls.client_register_capability(lsp.RegistrationParams([lsp.Registration(
                "soapbuild-files", lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                lsp.DidChangeWatchedFilesRegistrationOptions(
                    [lsp.FileSystemWatcher(glob) for glob in _WATCHED]))]))

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: SoapbuildServer, params: lsp.DidOpenTextDocumentParams) -> None:
        uri = params.text_document.uri
        path = to_fs_path(uri)
        workspace = ls.workspace_for(Path(path)) if path else None
        if path is None or workspace is None:
            return
        ls.open[uri] = Open(Path(path).absolute(), workspace, None)
        ls.load_ledger(uri)
        ls.refresh(uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: SoapbuildServer, params: lsp.DidChangeTextDocumentParams) -> None:
        ls.refresh(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: SoapbuildServer, params: lsp.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        state = ls.open.get(uri)
        if state is None:
            return
        state.workspace.others.update(state.file)
        ls.refresh(uri)
        ls.reload_ledger(uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: SoapbuildServer, params: lsp.DidCloseTextDocumentParams) -> None:
        if ls.open.pop(params.text_document.uri, None) is not None:
            ls.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(params.text_document.uri, []))

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def files_changed(ls: SoapbuildServer, params: lsp.DidChangeWatchedFilesParams) -> None:
        touched: dict[int, tuple[Workspace, bool]] = {}
        for change in params.changes:
            path = to_fs_path(change.uri)
            if path is None:
                continue
            file = Path(path).absolute()
            if file.name == SETTINGS_FILE:  # the workspace is read anew, its notes again
                for root in [r for r in ls.workspaces if file.parent.resolve() == r]:
                    del ls.workspaces[root]
                    for uri, state in list(ls.open.items()):
                        if state.workspace.settings.root == root:
                            del ls.open[uri]
                            did_open(ls, lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(
                                uri, "markdown", 0, ls.workspace.get_text_document(uri).source)))
                continue
            for workspace in ls.workspaces.values():
                root = workspace.settings.root.resolve()
                if not file.resolve().is_relative_to(root):
                    continue
                seals = ".soapbuild" in file.relative_to(root).parts if file.is_relative_to(
                    root) else False
                if workspace.holds(file):
                    workspace.others.update(file)
                    if file.name.lower() == "plan.md":
                        workspace.reload_plans()
                before = touched.get(id(workspace), (workspace, False))[1]
                touched[id(workspace)] = (workspace, before or seals)
        for workspace, seals in touched.values():
            ls.refresh_workspace(workspace, ledgers=seals)

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(ls: SoapbuildServer, params: lsp.HoverParams) -> lsp.Hover | None:
        state = ls.open.get(params.text_document.uri)
        if state is None or state.checked is None:
            return None
        index = ls.index(params.text_document.uri)
        here = lsp.Range(params.position, params.position)
        found = _at(state.checked.findings, index, here)
        if not found:
            return None
        return lsp.Hover(lsp.MarkupContent(lsp.MarkupKind.Markdown,
                                           hover_text(found, rule_pages(state.workspace))))

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                    lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
    def code_action(ls: SoapbuildServer, params: lsp.CodeActionParams,
                    ) -> list[lsp.CodeAction] | None:
        uri = params.text_document.uri
        state = ls.open.get(uri)
        if state is None or state.checked is None or state.checked.note is None:
            return None
        note = state.checked.note
        workspace = state.workspace
        now = workspace.clock()
        since = lock_time(note.header, workspace.settings)
        locked = ((state.ledger is not None and state.ledger.lock(note.key) is not None)
                  or (since is not None and since <= now))
        index = ls.index(uri)
        found = _at(state.checked.findings, index, params.range)
        context = replace(workspace.context, now=now)
        pages = rule_pages(workspace)
        return [_code_action(action, uri, index, pages)
                for action in note_actions(note, found, context, locked)] or None

    @server.feature(lsp.TEXT_DOCUMENT_COMPLETION,
                    lsp.CompletionOptions(trigger_characters=[":", " ", "#", "["]))
    def completion(ls: SoapbuildServer, params: lsp.CompletionParams,
                   ) -> lsp.CompletionList | None:
        uri = params.text_document.uri
        state = ls.open.get(uri)
        if state is None:
            return None
        index = ls.index(uri)
        offset = index.to_source(params.position.line, params.position.character)
        text = ls.workspace.get_text_document(uri).source[index.bom:]
        items = complete(text, offset, state.workspace.settings)
        return lsp.CompletionList(False, [_completion(item, index) for item in items])

    return server


def serve(now_text: str | None = None) -> int:
    """Run the server on standard input and output until the client ends it."""
    make_server(now_text).start_io()
    return 0

