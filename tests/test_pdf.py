"""The client record as a PDF (soapbuild/render/pdf.py): read back with pypdf, and nothing fetched.

And ``soapbuild build`` where WeasyPrint cannot load Pango: the HTML is written,
one line says the PDFs were skipped, and only an explicit ``--pdf`` fails.
"""

from __future__ import annotations

import http.server
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jinja2
import pypdf
import pytest
from markdown_it import MarkdownIt
from test_build import NOW, copy_practice

from soapbuild.checker import check_paths
from soapbuild.model.timeparse import parse_moment, resolve
from soapbuild.render.pdf import FetchRefused, allowed_file, local_url_fetcher, write_record_pdf
from soapbuild.rules.context import Context
from soapbuild.rules.registry import vocabulary_codes
from soapbuild.rules.sessions import SessionRecord
from soapbuild.settings import load_settings

REPO = Path(__file__).resolve().parents[1]
CLIENT = "C-2001"
PARAGRAPH = ("Client reported sleeping about five hours per night and described the week "
             "in detail; homework from the last session was completed on four of seven days. ")
DATES = ("2026-11-03 10:00", "2026-11-10 10:00", "2026-11-17 10:00")


class Server:
    """A real HTTP server on 127.0.0.1 that records every request it receives."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        seen = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                seen.append(self.path)
                self.send_response(404)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    running = Server()
    yield running
    running.close()


def _body(session_date: str, port: int) -> str:
    return (
        "## Subjective\n"
        f"Client stated, \"This week was hard.\" {PARAGRAPH * 6}\n\n"
        f"<img src=\"http://127.0.0.1:{port}/x.png\"> ![chart](http://127.0.0.1:{port}/md.png)\n\n"
        "## Objective\n"
        f"Client appeared calm; speech normal in rate and volume. {PARAGRAPH * 5}\n\n"
        "## Assessment\n"
        f"Client denies SI/HI; risk is low. Session of {session_date}. {PARAGRAPH * 5}\n\n"
        "## Plan\n"
        f"Client will keep a sleep diary. {PARAGRAPH * 4}\n")


def _write_notes(workspace: Path, make_note: Callable[..., str], port: int) -> dict[str, str]:
    """Three notes (the second did not occur) and their bodies rendered as the build does."""
    markdown = MarkdownIt("commonmark", {"html": False})
    folder = workspace / "notes" / CLIENT
    folder.mkdir(parents=True)
    html: dict[str, str] = {}
    for index, when in enumerate(DATES):
        day = when[:10]
        submitted = f"{day} 18:00"
        if index == 1:
            body = "Client did not attend; a reminder call was left.\n"
            text = make_note(body, client=CLIENT, session_date=when, occurred="false",
                             reason="no-show", duration=None, service_code=None,
                             submitted=submitted)
        else:
            body = _body(day, port)
            text = make_note(body, client=CLIENT, session_date=when, submitted=submitted)
        (folder / f"{day}.md").write_text(text, "utf-8")
        html[f"notes/{CLIENT}/{day}.md"] = markdown.render(body)
    return html


def _sessions(workspace: Path) -> list[SessionRecord]:
    settings = load_settings(workspace, frozenset())
    moment = parse_moment("2026-11-28 12:00")
    assert moment is not None
    context = Context.for_settings(settings, resolve(moment, settings.timezone),
                                   vocabulary_codes())
    run = check_paths([settings.notes_path], context, base=workspace)
    return list(reversed(run.sessions))  # the renderer puts them in date order


def _env(workspace: Path) -> jinja2.Environment:
    """As the build sets it up: the workspace's templates first, then the built-in ones."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([workspace / "templates", REPO / "templates"]),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True, keep_trailing_newline=True)


def _render(workspace: Path, html: dict[str, str]) -> Path:
    out = workspace / "output" / f"{CLIENT}.pdf"
    out.parent.mkdir(exist_ok=True)
    write_record_pdf(_env(workspace), CLIENT, _sessions(workspace), html, out,
                     allowed_roots=[workspace / "templates", REPO / "templates", out.parent])
    return out


def _fonts(reader: Any) -> list[Any]:
    """Every font dictionary the pages use (descendant fonts of composite fonts included)."""
    found: list[Any] = []

    def walk(resources: Any) -> None:
        resources = resources.get_object() if resources is not None else {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            found.append(font)
            found.extend(d.get_object() for d in font.get("/DescendantFonts", []))
        for xobject in (resources.get("/XObject") or {}).values():
            walk(xobject.get_object().get("/Resources"))

    for page in reader.pages:
        walk(page.get("/Resources"))
    return found


@pytest.mark.needs("pango")
def test_record_pdf_reads_back(workspace: Path, make_note: Callable[..., str],
                               server: Server) -> None:
    html = _write_notes(workspace, make_note, server.port)
    out = _render(workspace, html)
    reader = pypdf.PdfReader(out)
    pages = [page.extract_text() for page in reader.pages]
    total = len(pages)
    assert total >= 3
    for number, text in enumerate(pages, start=1):
        assert f"Client {CLIENT} — Confidential" in text, number
        assert f"page {number} of {total}" in text, number
        assert len(re.findall(r"page \d+ of \d+", text)) == 1
    everything = "\n".join(pages)
    positions = [everything.index(f"Session {when}") for when in DATES]
    assert positions == sorted(positions)  # in date order
    assert "Session did not occur: no-show" in everything
    # the raw HTML of the note is shown as text, and nothing was fetched for it
    assert f'<img src="http://127.0.0.1:{server.port}/x.png">' in everything
    assert server.requests == []
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # written atomically


@pytest.mark.needs("pango")
def test_the_record_states_signatures_late_entries_and_diagnoses(
        workspace: Path, make_note: Callable[..., str]) -> None:
    """Issue 11: under each note, "Electronically signed by NAME, CREDENTIAL on DATE", the
    co-signature, and a note entered after its deadline as a late entry with both dates;
    beside it, each diagnosis with its ICD-10-CM title."""
    (workspace / "soapbuild.toml").write_text(
        'timezone = "America/New_York"\n[clinicians."Riley Brooks"]\ncredential = "LMSW"\n'
        'supervisor = "Jordan Rivera"\n', "utf-8")
    folder = workspace / "notes" / CLIENT
    folder.mkdir(parents=True)
    (folder / "a.md").write_text(make_note(
        client=CLIENT, session_date="2026-11-03 10:00", submitted="2026-11-09 18:00",
        signed_by='"Jordan Rivera, LCSW"', diagnosis='["F41.1"]'), "utf-8")
    (folder / "b.md").write_text(make_note(
        client=CLIENT, clinician="Riley Brooks, LMSW", session_date="2026-11-10 10:00",
        submitted="2026-11-10 18:00", signed_by='"Riley Brooks, LMSW"',
        cosigned_by='"Jordan Rivera, LCSW"', cosigned="2026-11-11 09:00"), "utf-8")
    markdown = MarkdownIt("commonmark", {"html": False})
    out = _render(workspace, {f"notes/{CLIENT}/{name}.md": markdown.render("text")
                              for name in ("a", "b")})
    text = " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(out).pages).split())
    for stated in ("Electronically signed by Jordan Rivera, LCSW on 2026-11-09 18:00",
                   "Late entry: entered 2026-11-09 18:00 for the session of 2026-11-03 10:00 "
                   "(due 2026-11-06 10:00)",
                   "Diagnosis: F41.1 Generalized anxiety disorder",
                   "Electronically signed by Riley Brooks, LMSW on 2026-11-10 18:00",
                   "Co-signed by Jordan Rivera, LCSW on 2026-11-11 09:00"):
        assert stated in text, stated


@pytest.mark.needs("pango")
def test_record_pdf_is_pdf_a_with_embedded_fonts(workspace: Path,
                                                 make_note: Callable[..., str],
                                                 server: Server) -> None:
    out = _render(workspace, _write_notes(workspace, make_note, server.port))
    reader = pypdf.PdfReader(out)
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="U"' in xmp
    intents = [intent.get_object() for intent in root["/OutputIntents"]]
    assert any(intent["/S"] == "/GTS_PDFA1" and "/DestOutputProfile" in intent
               for intent in intents)
    fonts = _fonts(reader)
    assert fonts
    descriptors = [font["/FontDescriptor"].get_object() for font in fonts
                   if "/FontDescriptor" in font]
    assert descriptors
    assert all("/FontFile2" in d or "/FontFile3" in d for d in descriptors)
    assert all(font["/Subtype"] != "/Type3" for font in fonts)
    assert any("DejaVu" in str(font.get("/BaseFont", "")) for font in fonts)


OVERRIDE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Client {{{{ client }}}}</title>
<link rel="stylesheet" href="http://127.0.0.1:{port}/leak.css">
<link rel="stylesheet" href="file:///etc/passwd">
<link rel="attachment" href="file:///etc/passwd">
<link rel="attachment" href="http://127.0.0.1:{port}/attach.bin">
<style>
@import url("http://127.0.0.1:{port}/import.css");
@font-face {{ font-family: Leak; src: url("http://127.0.0.1:{port}/font.ttf"); }}
body {{ background: url("http://127.0.0.1:{port}/bg.png"); font-family: Leak, sans-serif; }}
</style></head>
<body>
<h1>Client {{{{ client }}}}</h1>
<img src="file:///etc/passwd" alt="passwd">
<img src="http://127.0.0.1:{port}/leak.png" alt="leak">
<img src="../../../../../../../../etc/passwd" alt="relative">
<object data="http://127.0.0.1:{port}/object.svg"></object>
<embed src="file:///etc/passwd">
<svg width="10" height="10"><image href="http://127.0.0.1:{port}/svg.png" width="10"
height="10"/></svg>
{{% for entry in entries %}}<section>{{{{ entry.when }}}} {{{{ entry.body }}}}</section>
{{% endfor %}}
</body></html>
"""


@pytest.mark.needs("pango")
def test_a_template_override_pointing_outside_fetches_nothing(
        workspace: Path, make_note: Callable[..., str], server: Server) -> None:
    html = _write_notes(workspace, make_note, server.port)
    templates = workspace / "templates"
    templates.mkdir()
    (templates / "record_pdf.html").write_text(OVERRIDE.format(port=server.port), "utf-8")
    out = _render(workspace, html)
    assert server.requests == []
    reader = pypdf.PdfReader(out)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert f"Client {CLIENT}" in text and DATES[0] in text  # the override was used
    assert "root:" not in text
    assert not reader.attachments  # /etc/passwd was not attached either

    # the control: WeasyPrint's own fetcher does fetch what this template names
    from weasyprint import HTML  # type: ignore[import-untyped]

    rendered = _env(workspace).get_template("record_pdf.html").render(client=CLIENT,
                                                                      entries=[])
    HTML(string=rendered, base_url=out.parent.as_uri() + "/").write_pdf()
    assert len(server.requests) >= 3, server.requests


@pytest.mark.needs("pango")
def test_the_fetcher_refuses_the_network_and_files_outside_the_roots(
        tmp_path: Path, server: Server) -> None:
    root = tmp_path / "output"
    root.mkdir()
    (root / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", "utf-8")
    (root / "link").symlink_to("/etc/passwd")
    (tmp_path / "secret.txt").write_text("secret", "utf-8")
    fetcher = local_url_fetcher([root])
    refused = [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "file://localhost/etc/passwd",
        "file:/etc/passwd",
        f"file://{root.as_posix()}/../secret.txt",
        f"file://{root.as_posix()}/%2e%2e/secret.txt",
        (root / "link").as_uri(),
        f"file://{root.as_posix()}",  # a folder, not a file
        f"file://otherhost{root.as_posix()}/logo.svg",
        f"http://127.0.0.1:{server.port}/x.png",
        f"https://127.0.0.1:{server.port}/x.png",
        f"ftp://127.0.0.1:{server.port}/x.png",
        "//example.invalid/x.png",
        "x.png",
    ]
    for url in refused:
        with pytest.raises(FetchRefused):
            fetcher.fetch(url)
    assert server.requests == []
    with pytest.raises(FetchRefused):
        allowed_file("file:///etc/passwd", [root])

    response = fetcher.fetch((root / "logo.svg").as_uri())
    assert response.read().startswith(b"<svg") and response.content_type == "image/svg+xml"
    response.close()
    data = fetcher.fetch("data:text/plain;base64,aGVsbG8=")
    assert data.read() == b"hello"
    data.close()
    assert allowed_file((root / "logo.svg").as_uri(), [root]) == (root / "logo.svg").resolve()


@pytest.mark.needs("pango")
def test_the_record_is_replaced_atomically(workspace: Path, make_note: Callable[..., str],
                                           server: Server) -> None:
    html = _write_notes(workspace, make_note, server.port)
    out = workspace / "output" / f"{CLIENT}.pdf"
    out.parent.mkdir()
    out.write_bytes(b"old")
    os.chmod(out, 0o640)
    _render(workspace, html)
    assert out.read_bytes().startswith(b"%PDF-")
    assert out.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]


def test_importing_the_modules_does_not_import_weasyprint() -> None:
    code = ("import sys, soapbuild.cli, soapbuild.render.pdf, soapbuild.report.aggregate; "
            "sys.exit('weasyprint' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 0


# --- soapbuild build without Pango -------------------------------------------------------


def _without_pango(tmp_path: Path) -> dict[str, str]:
    """An environment in which the dynamic loader cannot load Pango, as on a machine without it.

    WeasyPrint loads Pango when it is imported, with cffi's ``dlopen`` of
    ``libpango-1.0-0``, ``pango-1.0`` (found through ldconfig as
    ``libpango-1.0.so.0``) and a few other names, and raises OSError when none
    loads; on macOS, Windows or a minimal container that is because the library
    is not there. Here the same dlopen fails because ``LD_LIBRARY_PATH`` puts a
    file named ``libpango-1.0.so.0`` that is not a library ahead of the system's.
    So the failure is the real one, from the real loader, inside WeasyPrint's
    real import; soapbuild is told nothing about the test (no switch of its own),
    and the rest of the process (Python, libyaml, GObject) loads as usual.
    """
    if not sys.platform.startswith("linux"):
        pytest.skip("LD_LIBRARY_PATH stands in for a missing Pango on Linux only")
    stubs = tmp_path / "no-pango"
    stubs.mkdir()
    (stubs / "libpango-1.0.so.0").write_bytes(b"not a shared library\n")
    search = [str(stubs), *filter(None, os.environ.get("LD_LIBRARY_PATH", "").split(":"))]
    return {**os.environ, "LD_LIBRARY_PATH": ":".join(search), "SOAPBUILD_NOW": NOW}


def _build(workspace: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "soapbuild", "-C", str(workspace), "build",
                           *args], capture_output=True, text=True, env=env, timeout=300)


def _files(output: Path) -> dict[str, bytes]:
    return {p.relative_to(output).as_posix(): p.read_bytes()
            for p in sorted(output.rglob("*")) if p.is_file()}


def test_build_without_pango_writes_the_html_and_says_in_one_line_that_pdfs_were_skipped(
        tmp_path: Path) -> None:
    practice = copy_practice(tmp_path / "practice")
    env = _without_pango(tmp_path)
    output = practice / "output"
    skipped = ("PDFs skipped: WeasyPrint cannot load Pango (cannot load library "
               "'libpango-1.0-0'")
    install = "install Pango (Debian, Ubuntu: apt-get install libpango-1.0-0"

    done = _build(practice, env)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(skipped), done.stderr
    assert install in done.stderr and done.stderr.endswith("or pass --no-pdf.\n")
    assert "rendered" in done.stdout and "WeasyPrint" not in done.stdout  # no banner
    files = _files(output)
    assert {"index.html", "report.html", "report.json", "report.csv"} <= set(files)
    clients = [name for name in files if name.startswith("clients/")]
    assert clients and all(name.endswith(".html") for name in clients)
    assert not any(b".pdf" in files[name] for name in clients)  # no link to a missing PDF

    again = _build(practice, env)  # up to date, and still says why there are no PDFs
    assert again.returncode == 0 and "is up to date" in again.stdout
    assert again.stderr.count("\n") == 1 and again.stderr.startswith(skipped), again.stderr

    insisted = _build(practice, env, "--pdf")
    assert insisted.returncode == 2, insisted.stderr
    assert insisted.stderr.startswith("Error: cannot write the PDFs: WeasyPrint cannot load "
                                      "Pango (cannot load library 'libpango-1.0-0'")
    assert insisted.stderr.count("\n") == 1 and install in insisted.stderr
    assert _files(output) == files  # nothing written

    declined = _build(practice, env, "--no-pdf")
    assert declined.returncode == 0 and declined.stderr == ""


@pytest.mark.needs("pango")
def test_build_makes_the_pdfs_by_default_once_pango_loads(tmp_path: Path) -> None:
    practice = copy_practice(tmp_path / "practice")
    without = _build(practice, _without_pango(tmp_path))
    assert without.returncode == 0 and "PDFs skipped" in without.stderr
    assert not list((practice / "output").rglob("*.pdf"))

    done = _build(practice, {**os.environ, "SOAPBUILD_NOW": NOW})  # the same inputs, Pango back
    assert done.returncode == 0 and done.stderr == "", done.stderr
    pdfs = sorted((practice / "output" / "clients").glob("*.pdf"))
    assert pdfs and len(pdfs) == len(list((practice / "output" / "clients").glob("*.html")))
    for pdf in pdfs:
        text = "\n".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
        assert "Confidential" in text
        page = pdf.with_suffix(".html").read_text("utf-8")
        assert f'href="{pdf.name}"' in page, pdf.name
