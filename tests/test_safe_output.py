"""Safe output (issue 16, deliverable 5; soapbuild/render/safe.py holds the policy).

* XSS through every front-matter field, every section, an addendum's author and
  reason, and a treatment plan, in every page a build makes, in headless
  Chromium with the pages' Content-Security-Policy bypassed (the escaping alone
  must hold), while the text of each field still shows;
* the PDF renderer fetches nothing while printing those fields and sections (a
  local listener proves it);
* the preview server: foreign Hosts, traversal, methods, a long URL and many
  connections.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_export import all_divs
from test_pdf import Server
from validators import CHROMIUM, CHROMIUM_ARGS

from soapbuild.cli import main
from soapbuild.export.narrative import ALLOWED_ATTRIBUTES, ALLOWED_ELEMENTS
from soapbuild.preview.server import MAX_CONNECTIONS, Epoch, PreviewServer

NOW = "2026-11-27 12:00"
TEXT_FIELDS = ("client", "clinician", "reason", "client_location", "extended_reason",
               "modality", "place_of_service", "signed_by", "cosigned_by", "format",
               "service_code", "start", "end")
SECTIONS = ("Subjective", "Objective", "Assessment", "Plan")


def payload(where: str, port: int = 9) -> str:
    """Markup that would run (or fetch from ``port``) if it reached a page as markup, and
    a word that shows where it came from when it is shown as text."""
    mark, at = where.replace("-", "_"), f"http://127.0.0.1:{port}"
    return (f'<img src="{at}/{mark}" onerror="window.__pwned_{mark}=1">'
            f"<script>window.__pwned_{mark}=1</script>"
            f'<link rel=stylesheet href={at}/link-{mark}><iframe src={at}/iframe-{mark}></iframe>'
            f'<b style="background:url({at}/style-{mark})">'
            f'<a href="javascript:window.__pwned_{mark}=1">shown-{where}</a></b>')


def hostile_practice(root: Path, port: int = 9) -> Path:
    (root / "notes" / "C-9").mkdir(parents=True)
    (root / "soapbuild.toml").write_text('timezone = "America/New_York"\n', "utf-8")
    fields = {name: json.dumps(payload(f"field-{name}", port)) for name in TEXT_FIELDS}
    fields |= {"session_date": "2026-11-20 15:00", "occurred": "true", "duration": "53",
               "submitted": "2026-11-21 09:00",
               "diagnosis": json.dumps([payload("field-diagnosis", port)]),
               "goals": json.dumps([payload("field-goals", port)]),
               "services": json.dumps([payload("field-services", port)]),
               "modifiers": json.dumps([payload("field-modifiers", port)])}
    body = "".join(f"## {section}\n{payload(f'section-{section.lower()}', port)}\n"
                   f"![i](http://127.0.0.1:{port}/md-{section}) [j](javascript:alert(1))\n\n"
                   for section in SECTIONS)
    body += (f"## Addendum 2026-11-22 10:00\nAuthor: {payload('addendum-author', port)}\n"
             f"Reason: {payload('addendum-reason', port)}\n\n{payload('addendum-text', port)}\n")
    front = "".join(f"{name}: {value}\n" for name, value in fields.items())
    (root / "notes" / "C-9" / "2026-11-20.md").write_text(f"---\n{front}---\n{body}", "utf-8")
    plan = (f"---\nclient: C-9\nclinician: {json.dumps(payload('plan-clinician', port))}\n"
            f"goals:\n  - {json.dumps('G1: ' + payload('plan-goal', port))}\n"
            f"start: 2026-11-01\nreview: 2027-02-01\n---\n## Interventions\n"
            f"{payload('plan-body', port)}\n")
    (root / "notes" / "C-9" / "plan.md").write_text(plan, "utf-8")
    return root


def build(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-C", str(root), "build", "--now", NOW, *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = hostile_practice(tmp_path_factory.mktemp("xss") / "practice")
    code, output = build(root, "--no-pdf")
    assert code == 0, output
    return root / "output"


@pytest.mark.needs("chromium")
def test_no_field_or_section_runs_in_any_page(site: Path) -> None:
    from playwright import sync_api

    pages = [p for p in sorted(site.rglob("*.html")) if b"pwned" in p.read_bytes()]
    assert len(pages) >= 4, pages  # the note, its client, the dashboard and the report
    shown: set[str] = set()
    dialogs: list[str] = []
    requests: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(bypass_csp=True)  # the escaping alone must hold
        try:
            for path in pages:
                page = context.new_page()
                page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
                page.on("request", lambda r: requests.append(r.url))
                page.goto(path.as_uri())
                ran = page.evaluate("Object.keys(window).filter(k => k.startsWith('__pwned'))")
                assert ran == [], (path.name, ran)
                assert page.locator("script, img, iframe, object, embed").count() == 0
                for link in page.locator("a").all():
                    href = (link.get_attribute("href") or "").strip().lower()
                    assert not href.startswith(("javascript:", "data:", "vbscript:")), href
                text = page.inner_text("body")
                shown |= {word for word in text.split() if "shown-" in word}
                page.close()
        finally:
            context.close()
            browser.close()
    assert dialogs == []
    assert [url for url in requests if not url.startswith("file:")] == []
    # every field and section reached the record, as text (the markup visible, not run)
    expected = {"field-client", "field-clinician", "field-reason", "section-subjective",
                "section-objective", "section-assessment", "section-plan",
                "addendum-author", "addendum-reason", "addendum-text"}
    seen = {where for where in expected if any(f"shown-{where}" in word for word in shown)}
    assert seen == expected, expected - seen


@pytest.mark.needs("pango")
def test_the_pdf_fetches_nothing_that_a_field_or_section_names(tmp_path: Path) -> None:
    listener = Server()  # a real HTTP server on 127.0.0.1 that records each request
    try:
        root = hostile_practice(tmp_path / "practice", listener.port)
        code, output = build(root, "--pdf")
        assert code == 0, output
        assert list((root / "output" / "clients").glob("*.pdf"))
        assert listener.requests == []
        # the control: the listener does answer a fetch
        http.client.HTTPConnection("127.0.0.1", listener.port, timeout=5).request("GET", "/x")
        deadline = time.monotonic() + 5
        while not listener.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        assert listener.requests == ["/x"]
    finally:
        listener.close()


@pytest.mark.needs("chromium")
def test_the_fhir_narrative_fetches_nothing_that_a_field_or_section_names(
        tmp_path: Path) -> None:
    """Every narrative of the exported Bundles, parsed, holds only plain elements without
    a fetching or running attribute; shown in Chromium, nothing reaches the listener that
    the note's fields and sections name (and a control image does reach it)."""
    from playwright import sync_api

    listener = Server()
    try:
        root = hostile_practice(tmp_path / "practice", listener.port)
        result = CliRunner().invoke(main, ["-C", str(root), "export", "fhir", "-o",
                                           str(tmp_path / "fhir"), "--now", NOW])
        assert result.exit_code == 0, result.output
        divs = [div for path in sorted((tmp_path / "fhir").rglob("*.json"))
                for div in all_divs(json.loads(path.read_text("utf-8")))]
        assert divs and any("shown-section-plan" in div for div in divs)
        for div in divs:
            for element in ET.fromstring(div).iter():
                assert element.tag.split("}")[1] in ALLOWED_ELEMENTS, element.tag
                assert set(element.attrib) <= ALLOWED_ATTRIBUTES, element.attrib
        requests: list[str] = []
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.on("request", lambda r: requests.append(r.url))
                page.set_content("<!doctype html><html><body>" + "".join(divs)
                                 + "</body></html>", wait_until="networkidle")
                ran = page.evaluate("Object.keys(window).filter(k => k.startsWith('__pwned'))")
                assert ran == [] and "shown-section-plan" in page.inner_text("body")
                assert listener.requests == [] and requests == []
                page.set_content(f'<img src="http://127.0.0.1:{listener.port}/control">',
                                 wait_until="networkidle")  # the control: a fetch does arrive
            finally:
                browser.close()
        assert listener.requests == ["/control"]
    finally:
        listener.close()


# --- the preview server -----------------------------------------------------------------


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PreviewServer]:
    tmp_path = tmp_path_factory.mktemp("preview")
    folder = tmp_path / "output"
    (folder / "notes").mkdir(parents=True)
    (folder / "index.html").write_text("<html><body>index</body></html>", "utf-8")
    (folder / "notes" / "a.html").write_text("<html><body>a</body></html>", "utf-8")
    (tmp_path / "secret.txt").write_text("secret-outside-output", "utf-8")
    (folder / "link.txt").symlink_to(tmp_path / "secret.txt")
    (folder / ".staging-1").mkdir()
    (folder / ".staging-1" / "x.html").write_text("staged", "utf-8")
    server = PreviewServer(folder, Epoch(), port=0, long_poll=0.1, connections=8)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def raw(server: PreviewServer, request: bytes, timeout: float = 5) -> bytes:
    """Send ``request`` as it is and read the answer until the server closes the connection
    (every request here asks it to, or is one it refuses)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def get(server: PreviewServer, path: str, host: str | None = None) -> bytes:
    host_line = b"" if host == "" else b"Host: " + (host or f"127.0.0.1:{server.port}").encode() \
        + b"\r\n"
    return raw(server, b"GET " + path.encode() + b" HTTP/1.1\r\n" + host_line
               + b"Connection: close\r\n\r\n")


def test_the_preview_listens_on_this_machine_only(preview: PreviewServer) -> None:
    assert preview.server_address[0] == "127.0.0.1"
    assert preview.url == f"http://127.0.0.1:{preview.port}/"


@pytest.mark.parametrize("host", ["evil.example:{port}", "127.0.0.1.nip.io:{port}",
                                  "localhost.evil.example:{port}", "127.0.0.1:1", "",
                                  "127.0.0.1:{port}@evil.example", "[::1]:{port}x"])
def test_a_foreign_host_is_forbidden(preview: PreviewServer, host: str) -> None:
    answer = get(preview, "/", host.format(port=preview.port))
    assert status(answer) == 403 and b"index" not in answer


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}"])
def test_a_local_host_is_served(preview: PreviewServer, host: str) -> None:
    answer = get(preview, "/", host.format(port=preview.port))
    assert status(answer) == 200 and b"index" in answer
    assert b"Cache-Control: no-store" in answer and b"Content-Security-Policy" in answer


@pytest.mark.parametrize("path", ["/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt",
                                  "/notes/../../secret.txt", "/notes/%2e%2e/%2e%2e/secret.txt",
                                  "/link.txt", "/.staging-1/x.html", "/notes%00.html",
                                  "/%c0%ae%c0%ae/secret.txt", "/notes\\..\\..\\secret.txt",
                                  "//etc/passwd", "/etc/passwd"])
def test_nothing_outside_the_output_is_served(preview: PreviewServer, path: str) -> None:
    answer = get(preview, path)
    assert status(answer) in (400, 404), answer[:200]
    assert b"secret-outside-output" not in answer and b"staged" not in answer
    assert b"root:" not in answer


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE",
                                    "CONNECT"])
def test_only_get_and_head_are_answered(preview: PreviewServer, method: str) -> None:
    answer = raw(preview, f"{method} / HTTP/1.1\r\nHost: 127.0.0.1:{preview.port}\r\n"
                 "Content-Length: 0\r\nConnection: close\r\n\r\n".encode())
    assert status(answer) == 501 and b"index" not in answer


def test_a_long_url_is_refused(preview: PreviewServer) -> None:
    answer = raw(preview, b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: 127.0.0.1:"
                 + str(preview.port).encode() + b"\r\nConnection: close\r\n\r\n")
    assert status(answer) == 414
    assert status(get(preview, "/")) == 200  # and the server goes on


def test_many_idle_connections_are_capped(preview: PreviewServer) -> None:
    """Each connection holds a thread while it is open; past the cap (8 here, 64 by
    default) a connection is answered 503 and closed, so idle connections cannot pile up
    threads, and the server answers again once they go."""
    assert MAX_CONNECTIONS == 64
    before = threading.active_count()
    idle = [socket.create_connection(("127.0.0.1", preview.port), timeout=5)
            for _ in range(40)]
    try:
        time.sleep(0.3)
        assert threading.active_count() <= before + 8
        refused = 0
        for connection in idle:
            connection.settimeout(0.2)
            try:
                if connection.recv(64).startswith(b"HTTP/1.1 503"):
                    refused += 1
            except TimeoutError:
                pass  # one of the eight being served: it waits for a request
        assert refused == 40 - 8
    finally:
        for connection in idle:
            connection.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if status(get(preview, "/")) == 200:
            break
        time.sleep(0.1)
    assert status(get(preview, "/")) == 200
