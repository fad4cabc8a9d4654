"""The preview server of ``soapbuild watch``: ``output/`` over HTTP, on this machine only.

SPEC 7: the server listens on 127.0.0.1 only, serves only ``output/`` and rejects
requests whose Host is not local. So:

- it binds 127.0.0.1 (never 0.0.0.0), and answers 403 to a request whose
  ``Host`` header is not ``localhost``, ``127.0.0.1`` or ``[::1]`` with the
  server's port: a web page elsewhere that points its own domain name at
  127.0.0.1 (DNS rebinding) cannot read the records through the reader's
  browser (MkDocs' server has no such check; research/peer-tools.md 1b);
- a path is served only when it resolves (symlinks followed) to a file inside
  the output folder and no part of it starts with a dot (the staging folders
  ``output/.staging-*`` of a build in progress among them); a folder is served
  only through its ``index.html``; there is no directory listing; anything
  else is 404;
- every answer carries ``Cache-Control: no-store`` (health information stays out
  of the browser's disk cache) and the pages' Content-Security-Policy.

Live reload works as MkDocs' does: a build epoch counts the builds that changed
the output; ``/__soapbuild/epoch?since=N`` waits (up to :data:`LONG_POLL`
seconds) until the epoch is not N and returns it; HTML answers get a script tag
for ``/__soapbuild/reload.js`` (added to the answer, never to the file on disk),
which long-polls that endpoint and reloads the page. The pages' CSP forbids
scripts, and inline ones are not wanted, so for the preview server's answers
only the policy also allows scripts and fetches from the server itself
(``script-src 'self'; connect-src 'self'``).
"""

from __future__ import annotations

import contextlib
import json
import mimetypes
import re
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

HOST = "127.0.0.1"
LONG_POLL = 30.0  # seconds an epoch request waits before answering "no change"
# The policy of templates/base.html; tests/test_watch.py keeps the two the same.
PAGE_CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
            "form-action 'none'")
PREVIEW_CSP_EXTRA = "script-src 'self'; connect-src 'self'"
PREFIX = "/__soapbuild/"
MAX_CONNECTIONS = 64  # a few tabs, six connections each, and their long polls
IDLE_TIMEOUT = LONG_POLL * 2  # seconds a connection may send nothing before it is closed
BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Length: 34\r\nRetry-After: 1\r\nCache-Control: no-store\r\n"
        b"Connection: close\r\n\r\nToo many connections; try again.\r\n")

RELOAD_JS = """\
// soapbuild watch: reload this page when a build changes the output.
(() => {
  const epoch = Number(document.currentScript.dataset.epoch);
  const pause = (ms) => new Promise((done) => setTimeout(done, ms));
  (async () => {
    for (;;) {
      try {
        const answer = await fetch(`/__soapbuild/epoch?since=${epoch}`, {cache: "no-store"});
        const data = await answer.json();
        if (data.epoch !== epoch) {
          location.reload();
          return;
        }
      } catch (error) {
        await pause(1000);  // the server is restarting or gone: try again
      }
    }
  })();
})();
"""

_META_CSP = re.compile(
    rb'(<meta\s+http-equiv="Content-Security-Policy"\s+content=")([^"]*)(")', re.IGNORECASE)
_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)


class Epoch:
    """The number of builds that changed the output, and a way to wait for the next."""

    def __init__(self) -> None:
        self._value = 0
        self._closed = False
        self._changed = threading.Condition()

    @property
    def value(self) -> int:
        with self._changed:
            return self._value

    def bump(self) -> int:
        with self._changed:
            self._value += 1
            self._changed.notify_all()
            return self._value

    def close(self) -> None:
        """Release every waiting request (the server is stopping)."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def wait(self, since: int, timeout: float) -> int:
        """The epoch once it is not ``since``, or after ``timeout`` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self._value != since or self._closed, timeout)
            return self._value


def local_host(host: str | None, port: int) -> bool:
    """Whether a ``Host`` header names this machine at the server's port."""
    if not host:
        return False
    names = ("localhost", "127.0.0.1", "[::1]")
    allowed = {f"{name}:{port}" for name in names}
    if port == 80:
        allowed.update(names)
    return host.strip().lower() in allowed


def resolve(root: Path, url_path: str) -> Path | str | None:
    """The file that ``url_path`` names inside ``root``, or ``None`` (404).

    A folder with an ``index.html`` gives a string: the path to redirect to
    (with its final slash) when it has none, else its index file.
    """
    path = unquote(url_path, errors="strict")
    if "\x00" in path or "\\" in path:
        return None
    parts = [part for part in path.split("/") if part]
    if any(part.startswith(".") for part in parts):  # "..", dotfiles, .staging-*
        return None
    base = root.resolve()
    try:
        target = base.joinpath(*parts).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not target.is_relative_to(base):  # a symbolic link out of the output
        return None
    if any(part.startswith(".") for part in target.relative_to(base).parts):
        return None
    if target.is_dir():
        index = target / "index.html"
        if not index.is_file():
            return None
        return index if url_path.endswith("/") or not parts else url_path + "/"
    return target if target.is_file() else None


def inject(html: bytes, epoch: int) -> bytes:
    """The page with the reload script and the preview's CSP (the file is not changed)."""
    html = _META_CSP.sub(lambda m: m.group(1) + m.group(2) + b"; "
                         + PREVIEW_CSP_EXTRA.encode() + m.group(3), html, count=1)
    tag = f'<script src="{PREFIX}reload.js" data-epoch="{epoch}"></script>\n'.encode()
    ends = [match.start() for match in _BODY_END.finditer(html)]
    if not ends:
        return html + tag
    return html[:ends[-1]] + tag + html[ends[-1]:]


class PreviewServer(ThreadingHTTPServer):
    """Serves ``folder`` on 127.0.0.1:``port`` (0: a free port) with live reload.

    One thread per connection, as ThreadingHTTPServer does, but at most
    :data:`MAX_CONNECTIONS` at a time: a connection beyond them gets ``503`` and is
    closed at once, and a connection that sends nothing for :data:`IDLE_TIMEOUT`
    seconds is closed, so that idle connections cannot pile up threads (400 of them
    once made 407 threads; issue 16, finding 6).
    """

    daemon_threads = True
    request_queue_size = MAX_CONNECTIONS  # the listen backlog: a page loads a few at once

    def __init__(self, folder: Path, epoch: Epoch, port: int = 8000, *,
                 long_poll: float = LONG_POLL, connections: int = MAX_CONNECTIONS) -> None:
        self.folder = folder
        self.epoch = epoch
        self.long_poll = long_poll
        self._slots = threading.BoundedSemaphore(connections)
        super().__init__((HOST, port), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            with contextlib.suppress(OSError):
                request.sendall(BUSY)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"


class _Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a page load is not worth a terminal line."""

    def handle(self) -> None:
        """Answer requests until the browser closes the connection.

        A browser that navigates away, reloads or closes the tab in the middle of
        an answer resets the connection; that is not an error of the preview, so
        it ends this connection quietly instead of printing a traceback (which
        socketserver's ``handle_error`` would do).
        """
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def do_GET(self) -> None:
        self._answer(body=True)

    def _answer(self, *, body: bool) -> None:
        if not local_host(self.headers.get("Host"), self.server.port):
            self._send(HTTPStatus.FORBIDDEN, b"Forbidden: not a local Host\n",
                       "text/plain; charset=utf-8", body=body)
            return
        url = urlsplit(self.path)
        if url.path == PREFIX + "reload.js":
            self._send(HTTPStatus.OK, RELOAD_JS.encode(), "text/javascript; charset=utf-8",
                       body=body)
            return
        if url.path == PREFIX + "epoch":
            self._epoch(url.query, body=body)
            return
        try:
            found = resolve(self.server.folder, url.path)
        except UnicodeDecodeError:
            found = None
        if isinstance(found, str):
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", found)
            self.send_header("Content-Length", "0")
            self._common_headers()
            self.end_headers()
            return
        if found is None:
            self._send(HTTPStatus.NOT_FOUND, b"Not found\n", "text/plain; charset=utf-8",
                       body=body)
            return
        try:
            data = found.read_bytes()
        except OSError:
            self._send(HTTPStatus.NOT_FOUND, b"Not found\n", "text/plain; charset=utf-8",
                       body=body)
            return
        kind = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        if kind == "text/html":
            data = inject(data, self.server.epoch.value)
        if kind.startswith("text/") or kind in ("application/json", "text/javascript"):
            kind += "; charset=utf-8"
        self._send(HTTPStatus.OK, data, kind, body=body)

    def _epoch(self, query: str, *, body: bool) -> None:
        try:
            since = int(parse_qs(query).get("since", ["-1"])[0])
        except ValueError:
            since = -1
        value = self.server.epoch.wait(since, self.server.long_poll)
        self._send(HTTPStatus.OK, json.dumps({"epoch": value}).encode(),
                   "application/json", body=body)

    def _common_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Security-Policy", f"{PAGE_CSP}; {PREVIEW_CSP_EXTRA}")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")

    def _send(self, status: HTTPStatus, data: bytes, kind: str, *, body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self._common_headers()
        self.end_headers()
        if body:
            self.wfile.write(data)
