"""``soapbuild watch``: the preview server's safety (SPEC 7) and live reload.

The end-to-end tests run the real command (``python -m soapbuild watch --port 0``)
on a copy of the sample practice and talk to it over real sockets; waits are
loops with a deadline, never a fixed sleep that a result depends on. The browser
test drives the system's Chromium (/usr/bin/chromium) through Playwright.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from test_build import NOW, REPO, copy_practice, note_pages
from validators import CHROMIUM, CHROMIUM_ARGS

from soapbuild.cli.output import watch
from soapbuild.preview.server import PAGE_CSP, Epoch, PreviewServer, inject, local_host
from soapbuild.preview.watcher import Watcher
from soapbuild.render.inputs import BuildInputs, scratch
from soapbuild.settings import Settings

NOTE = "notes/C-1042/2026-10-05.md"
ANCHOR = "## Subjective\n\n"
TIMEOUT = 30.0


def until(condition: Callable[[], Any], timeout: float = TIMEOUT, what: str = "") -> Any:
    """``condition()`` once it is truthy; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what or condition}")
        time.sleep(0.05)


def edit_note(workspace: Path, text: str) -> None:
    path = workspace / NOTE
    source = path.read_text("utf-8")
    assert ANCHOR in source
    path.write_text(source.replace(ANCHOR, f"{ANCHOR}{text}\n", 1), "utf-8")


@dataclass
class Watching:
    """A running ``soapbuild watch`` and what it printed."""

    process: subprocess.Popen[str]
    workspace: Path
    port: int = 0
    lines: list[str] = field(default_factory=list)

    def get(self, path: str, host: str | None = None,
            timeout: float = 10.0) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.putrequest("GET", path, skip_host=True)
            connection.putheader("Host", host if host is not None else f"127.0.0.1:{self.port}")
            connection.endheaders()
            answer = connection.getresponse()
            return answer.status, dict(answer.getheaders()), answer.read()
        finally:
            connection.close()

    def note_url(self) -> str:
        page = note_pages(self.workspace / "output")[NOTE]
        return "/" + page.relative_to(self.workspace / "output").as_posix()

    def output(self) -> str:
        return "".join(self.lines)


@pytest.fixture
def practice(tmp_path: Path) -> Path:
    return copy_practice(tmp_path / "practice")


@contextmanager
def start_watch(practice: Path, *options: str) -> Iterator[Watching]:
    """Run ``soapbuild watch`` on ``practice`` until the block ends (then Ctrl-C)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "soapbuild", "-C", str(practice), "watch", "--port", "0",
         "--now", NOW, *options], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "NO_COLOR": "1"}, cwd=practice)
    running = Watching(process, practice)

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            running.lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        found = until(lambda: re.search(r"at http://127\.0\.0\.1:(\d+)/", running.output())
                      or process.poll() is not None, what="the server's URL")
        assert process.poll() is None, running.output()
        running.port = int(found.group(1))
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # Ctrl-C
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                pytest.fail("watch did not stop on Ctrl-C:\n" + running.output())
        reader.join(5)
    assert process.returncode == 0, running.output()
    assert "Stopping." in running.output()


@pytest.fixture
def watching(practice: Path) -> Iterator[Watching]:
    with start_watch(practice) as running:
        yield running


# --- the command line ---------------------------------------------------------------------


def test_watch_defaults_are_pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    """click resolves the defaults (click 8.3 changed that and turned off mkdocs serve's
    live reload, mkdocs #4032): port 8000, no polling, no PDFs (they are slow)."""
    monkeypatch.delenv("SOAPBUILD_NOW", raising=False)
    context = watch.make_context("watch", [], obj=Path("."))
    assert context.params == {"port": 8000, "pdf": False, "poll": False, "now_text": None}
    context = watch.make_context("watch", ["--poll", "--pdf", "--port", "0"], obj=Path("."))
    assert context.params["poll"] is True and context.params["pdf"] is True
    assert context.params["port"] == 0


# --- the server alone ---------------------------------------------------------------------


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PreviewServer]:
    folder = tmp_path / "output"
    folder.mkdir()
    (folder / "index.html").write_text("<html><body><p>hello</p></body></html>", "utf-8")
    running = PreviewServer(folder, Epoch(), 0, long_poll=0.5)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running
    running.epoch.close()
    running.shutdown()
    running.server_close()
    thread.join(5)


def test_the_server_listens_on_the_loopback_address_only(server: PreviewServer) -> None:
    assert server.socket.getsockname()[0] == "127.0.0.1"
    assert server.url == f"http://127.0.0.1:{server.port}/"


def test_host_check_accepts_only_this_machine_at_this_port() -> None:
    for host in ("localhost:8000", "127.0.0.1:8000", "[::1]:8000", "LOCALHOST:8000"):
        assert local_host(host, 8000), host
    for host in (None, "", "evil.example", "evil.example:8000", "127.0.0.1:8001",
                 "localhost", "127.0.0.1.evil.example:8000", "localhost:8000@evil"):
        assert not local_host(host, 8000), host


def test_the_epoch_request_waits_for_a_change(server: PreviewServer) -> None:
    answers: list[int] = []

    def ask() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.request("GET", "/__soapbuild/epoch?since=0",
                           headers={"Host": f"localhost:{server.port}"})
        answers.append(json.loads(connection.getresponse().read())["epoch"])
        connection.close()

    server.long_poll = 10.0
    asking = threading.Thread(target=ask)
    asking.start()
    time.sleep(0.2)  # let the request wait; the assertion does not depend on it
    server.epoch.bump()
    asking.join(10)
    assert answers == [1]
    server.long_poll = 0.2  # no change: the wait is bounded and says the same epoch
    ask()
    assert answers == [1, 1]


def test_the_reload_script_is_added_to_the_answer_not_the_file() -> None:
    page = (b'<html><head><meta http-equiv="Content-Security-Policy" content="' +
            PAGE_CSP.encode() + b'"></head><body><p>x</p></body></html>')
    shown = inject(page, 7)
    assert b'<script src="/__soapbuild/reload.js" data-epoch="7"></script>\n</body>' in shown
    assert b"script-src 'self'; connect-src 'self'" in shown
    assert inject(b"<p>no body end</p>", 0).endswith(b"</script>\n")


def test_the_preview_keeps_the_pages_content_security_policy() -> None:
    base = (REPO / "templates" / "base.html").read_text("utf-8")
    found = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', base)
    assert found and found.group(1) == PAGE_CSP


# --- what is watched ----------------------------------------------------------------------


def test_only_inputs_of_the_build_count_as_changes(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    inputs = BuildInputs(Settings(root=root, schedule="schedule.csv",
                             source=root / "soapbuild.toml"))
    for path in ("notes/C-1/2026-11-20.md", "notes/new-folder", "templates/note.html",
                 "soapbuild.toml", "schedule.csv"):
        assert inputs.matter(root / path), path
    for path in ("output/index.html", "output/.staging-x/a.html", ".soapbuild/seals.json",
                 ".soapbuild/cache/build.json", "notes/C-1/.2026-11-20.md.swp",
                 "notes/C-1/2026-11-20.md~", "notes/C-1/.#2026-11-20.md", "notes/C-1/4913",
                 "README.md", "other.csv"):
        assert not inputs.matter(root / path), path
    assert scratch("note.md.swx") and not scratch("note.md")


def test_a_burst_of_changes_makes_one_build_and_a_failure_does_not_stop_watching(
        tmp_path: Path) -> None:
    root = tmp_path.resolve()
    (root / "notes").mkdir()
    builds: list[float] = []
    errors: list[str] = []
    changes: list[int] = []

    def rebuild() -> bool:
        builds.append(time.monotonic())
        if len(builds) == 1:
            raise RuntimeError("broken template")
        return True

    watcher = Watcher(Settings(root=root), rebuild, lambda: changes.append(1), errors.append,
                      poll=True, quiet=0.3)
    watcher.start()
    try:
        for number in range(5):
            (root / "notes" / f"{number}.md").write_text("x", "utf-8")
        until(lambda: builds, what="a build")
        assert errors == ["RuntimeError: broken template"]
        (root / "notes" / "0.md").write_text("changed", "utf-8")
        until(lambda: changes, what="a second build")
        assert len(builds) == 2
    finally:
        watcher.stop()


# --- the real command ---------------------------------------------------------------------


def test_a_foreign_host_is_refused(watching: Watching) -> None:
    status, _, _ = watching.get("/", host="evil.example")
    assert status == 403
    status, _, _ = watching.get("/", host=f"evil.example:{watching.port}")
    assert status == 403
    status, headers, body = watching.get("/", host=f"localhost:{watching.port}")
    assert status == 200 and b"</html>" in body
    assert headers["Cache-Control"] == "no-store"
    assert headers["Content-Security-Policy"].startswith(PAGE_CSP)


def test_only_files_inside_the_output_are_served(watching: Watching) -> None:
    output = watching.workspace / "output"
    (output / "leak.html").symlink_to(watching.workspace / "soapbuild.toml")
    (output / "notes-link").symlink_to(watching.workspace / "notes", target_is_directory=True)
    (output / ".staging-test").mkdir()
    (output / ".staging-test" / "index.html").write_text("<p>half built</p>", "utf-8")
    for path in ("/../soapbuild.toml", "/%2e%2e/soapbuild.toml", "/%2E%2E%2Fsoapbuild.toml",
                 "/notes/../../soapbuild.toml", "/notes/%2e%2e/%2e%2e/soapbuild.toml",
                 "/..%5csoapbuild.toml", "/leak.html", "/notes-link/C-1042/2026-10-05.md",
                 "/.staging-test/", "/.staging-test/index.html", "/clients/", "/notes/",
                 "/%ff", "/nothing.html", "/report.json%00.html"):
        status, _, body = watching.get(path)
        assert status == 404, path
        assert b"timezone" not in body and b"Client reported" not in body
    status, _, body = watching.get("/report.json")
    assert status == 200 and json.loads(body)
    assert "script" not in (output / "index.html").read_text("utf-8")  # the file as built


def test_editing_a_note_rebuilds_its_page(watching: Watching) -> None:
    url = watching.note_url()
    status, _, _ = watching.get(url)
    assert status == 200
    _, _, first = watching.get("/__soapbuild/epoch?since=-1")
    epoch = json.loads(first)["epoch"]
    answers: list[int] = []
    waiting = threading.Thread(target=lambda: answers.append(json.loads(
        watching.get(f"/__soapbuild/epoch?since={epoch}", timeout=40)[2])["epoch"]))
    waiting.start()
    edit_note(watching.workspace, "Zebra-crossing-4471 was mentioned today.")
    until(lambda: b"Zebra-crossing-4471" in watching.get(url)[2], what="the new text")
    waiting.join(40)
    assert answers and answers[0] > epoch


def test_a_failed_rebuild_keeps_the_last_good_output(watching: Watching) -> None:
    url = watching.note_url()
    templates = watching.workspace / "templates"
    templates.mkdir()
    (templates / "note.html").write_text("{% if %}broken", "utf-8")
    until(lambda: "build failed" in watching.output(), what="the build error")
    status, _, body = watching.get(url)
    assert status == 200 and b"Client reported" in body
    edit_note(watching.workspace, "Okapi-5512 was mentioned today.")
    (templates / "note.html").unlink()
    until(lambda: b"Okapi-5512" in watching.get(url)[2], what="the repaired build")


@pytest.mark.needs("chromium")
def test_the_open_page_reloads_itself_after_an_edit(watching: Watching) -> None:
    from playwright import sync_api

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            problems: list[str] = []
            page.on("console", lambda message: problems.append(message.text)
                    if message.type == "error" and "favicon" not in message.text
                    and "404" not in message.text else None)
            page.on("response", lambda answer: problems.append(answer.url)
                    if answer.status >= 400 and not answer.url.endswith("/favicon.ico")
                    else None)
            page.goto(f"http://127.0.0.1:{watching.port}{watching.note_url()}")
            page.wait_for_function("() => performance.getEntriesByType('resource')"
                                   ".some(e => e.name.endsWith('/__soapbuild/reload.js'))")
            page.evaluate("window.soapbuildTestMarker = 1")
            edit_note(watching.workspace, "Pangolin-9034 was mentioned today.")
            page.wait_for_function("() => document.body.innerText.includes('Pangolin-9034')",
                                   timeout=TIMEOUT * 1000)
            assert page.evaluate("window.soapbuildTestMarker") is None  # a new page
            assert not problems, (problems, watching.output())  # no CSP violation
        finally:
            browser.close()


# --- what watch did not build, it keeps ----------------------------------------------------


def _pdfs(output: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((output / "clients").glob("*.pdf"))}


def _client_pages(output: Path) -> dict[str, str]:
    return {p.name: p.read_text("utf-8") for p in sorted((output / "clients").glob("*.html"))}


@pytest.mark.needs("pango", "chromium")
def test_watch_keeps_the_pdfs_of_a_build_and_marks_them_once_out_of_date(
        practice: Path) -> None:
    from playwright import sync_api

    done = subprocess.run([sys.executable, "-m", "soapbuild", "-C", str(practice), "build",
                           "--pdf", "--now", NOW], capture_output=True, text=True, timeout=600,
                          check=False)
    assert done.returncode == 0, done.stderr
    output = practice / "output"
    pdfs = _pdfs(output)
    assert len(pdfs) >= 5
    with start_watch(practice) as running:  # no --pdf: watch makes none
        assert _pdfs(output) == pdfs
        pages = _client_pages(output)
        for name, page in pages.items():
            if name != "no-client.html":
                assert f'href="{name[:-5]}.pdf"' in page, name
                assert "pdf-stale" not in page, name
        page_url = running.note_url()
        edit_note(practice, "Kinkajou-2208 was mentioned today.")
        until(lambda: b"Kinkajou-2208" in running.get(page_url)[2], what="the rebuilt note")
        until(lambda: any("pdf-stale" in p for p in _client_pages(output).values()),
              what="the client page marking its PDF")
        assert _pdfs(output) == pdfs  # kept, byte for byte
        now = _client_pages(output)
        stale = [name for name, page in now.items() if "pdf-stale" in page]
        assert len(stale) == 1 and '<span class="client-id">C-1042</span>' in now[stale[0]]
        assert f'href="{stale[0][:-5]}.pdf"' in now[stale[0]]
        status, _, body = running.get(f"/clients/{stale[0][:-5]}.pdf")
        assert status == 200 and body == pdfs[stale[0][:-5] + ".pdf"]
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(f"http://127.0.0.1:{running.port}/clients/{stale[0]}")
                notice = page.locator(".pdf-stale")
                assert notice.is_visible() and "may be out of date" in notice.inner_text()
                link = page.get_by_role("link", name="The record as a PDF")
                answer = page.request.get(link.evaluate("a => a.href"))
                assert answer.status == 200 and answer.body()[:5] == b"%PDF-"
            finally:
                browser.close()
    # 'build --no-pdf' is the documented way to drop them: out of date, they go
    done = subprocess.run([sys.executable, "-m", "soapbuild", "-C", str(practice), "build",
                           "--no-pdf", "--now", NOW], capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    assert _pdfs(output) == {}
    assert not any("The record as a PDF" in p for p in _client_pages(output).values())


def test_a_browser_leaving_mid_answer_is_no_error(practice: Path) -> None:
    """A reader who clicks on while a long page is still arriving resets the connection;
    the server goes on quietly, with no traceback (issue 8)."""
    path = practice / NOTE
    long_text = "Client described the week at work and at home in detail. " * 12 + "\n\n"
    path.write_text(path.read_text("utf-8").replace(ANCHOR, ANCHOR + long_text * 900, 1),
                    "utf-8")
    with start_watch(practice) as running:
        page = running.note_url()
        assert (practice / "output" / page.lstrip("/")).stat().st_size > 1_000_000
        request = f"GET {page} HTTP/1.1\r\nHost: 127.0.0.1:{running.port}\r\n\r\n".encode()
        for _ in range(5):
            browser = socket.create_connection(("127.0.0.1", running.port), timeout=10)
            browser.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            browser.sendall(request)
            assert browser.recv(64).startswith(b"HTTP/1.1 200")  # the answer has begun
            # Close at once with unread data: the kernel sends a reset, as a browser's does.
            browser.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            browser.close()
        browser = socket.create_connection(("127.0.0.1", running.port), timeout=10)
        browser.sendall(b"GET /index.html HTTP/1.1\r\n")  # a request cut off half-way
        browser.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        browser.close()
        status, _, body = running.get(page)  # still serving, whole pages
        assert status == 200 and body.count(b"at work and at home") >= 900
    assert "Traceback" not in running.output() and "Exception" not in running.output()
