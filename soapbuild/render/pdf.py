"""A client's record as an archival PDF (SPEC 6.1), rendered by WeasyPrint.

The template ``record_pdf.html`` (a workspace's ``templates/`` may override it)
gets the client's sessions in date order; ``print.css`` gives every page the
header "Client <ID> — Confidential" and the footer "page X of Y" through CSS
``@page`` margin boxes. The PDF is PDF/A-3u: PDF/A-3b (fonts embedded, colours
tied to an sRGB output intent, XMP metadata) plus a Unicode mapping for every
character, so the text can be searched and copied for as long as it is kept.

SPEC 7 ("Safe output"): rendering fetches nothing from the network and reads no
file outside ``allowed_roots`` (the policy is :func:`soapbuild.render.safe.allowed_file`).
WeasyPrint asks its URL fetcher for every
resource (stylesheets, images, fonts named by ``@font-face``, attachments), and
the fetcher here answers only ``data:`` URIs and ``file:`` URLs whose resolved
path lies under an allowed root; everything else raises :class:`FetchRefused`,
which WeasyPrint reports as a resource that failed to load, so the page renders
without it. Fonts come from the system through fontconfig.

WeasyPrint takes about a second to import, so it is imported inside the
functions that render, never when this module is imported. Importing it loads
Pango and its companions (GObject, HarfBuzz, fontconfig) with cffi, which raises
OSError where they are missing (macOS or Windows without them, a minimal
container): :func:`unavailable` turns that into one line, so that a build can
skip the PDFs and still write everything else.
"""

from __future__ import annotations

import contextlib
import io
import mimetypes
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from soapbuild.atomic import write_atomic
from soapbuild.render.claim import claim_facts
from soapbuild.render.safe import FetchRefused, allowed_file
from soapbuild.render.signing import (
    diagnosis_facts,
    entry_marks,
    late_entry_line,
    signature_lines,
)
from soapbuild.rules.sessions import SessionRecord

if TYPE_CHECKING:
    import jinja2

TEMPLATE = "record_pdf.html"
PDF_VARIANT = "pdf/a-3u"
"""PDF/A-3, level U: level B (visual appearance preserved) plus Unicode text."""

_LATEST = datetime.max.replace(tzinfo=UTC)


INSTALL_PANGO = ("install Pango (Debian, Ubuntu: apt-get install libpango-1.0-0 "
                 "libpangoft2-1.0-0; macOS: brew install pango) or pass --no-pdf")
"""What to do when :func:`unavailable` gives a reason, as the end of a one-line message."""


def unavailable() -> str | None:
    """Why WeasyPrint cannot make PDFs on this machine, in one line; ``None`` when it can.

    Imports WeasyPrint (the first call costs its import time). WeasyPrint prints
    a banner of several lines to standard output before its OSError propagates;
    that banner is swallowed here, because the caller says it in one line.
    """
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            import weasyprint  # type: ignore[import-untyped]  # noqa: F401
    except OSError as error:
        # cffi's message ends with a sentence about ctypes.util.find_library; keep the cause.
        cause = " ".join(str(error).split()).split(" Additionally, ")[0].rstrip(".")
        return f"WeasyPrint cannot load Pango ({cause})"
    except ImportError as error:
        return f"WeasyPrint cannot be imported ({error})"
    return None


@dataclass(frozen=True, slots=True)
class RecordEntry:
    """One session of the record as the template shows it."""

    session: SessionRecord
    body: Markup  # the note's rendered body, already safe HTML
    when: str  # "2026-11-20 15:00", or "date unknown"
    day: str  # "2026-11-20", or ""
    claim: tuple[tuple[str, str], ...] = ()  # service codes, place, clock: (label, value)
    signatures: tuple[str, ...] = ()  # "Electronically signed by NAME, CREDENTIAL on DATE"…
    late_entry: str | None = None  # "Late entry: entered … for the session of …"
    diagnosis: tuple[tuple[str, str], ...] = ()  # (code, ICD-10-CM title)
    marks: tuple[tuple[str, str], ...] = ()  # what the entry is: draft, unsigned… (kind, words)


def record_entries(sessions: Sequence[SessionRecord],
                   notes_html: Mapping[str, str]) -> list[RecordEntry]:
    """The sessions in date order (notes without a readable date last, by file)."""
    ordered = sorted(sessions, key=lambda s: (
        s.session_date.astimezone(UTC) if s.session_date is not None else _LATEST, s.path))
    entries = []
    for session in ordered:
        start = session.session_date
        # NOTE: the bodies are produced by the HTML build (markdown-it with raw HTML
        # disabled), so they are markup already, and only they are trusted as such.
        body = Markup(notes_html.get(session.path, ""))
        entries.append(RecordEntry(session, body,
                                   f"{start:%Y-%m-%d %H:%M}" if start else "date unknown",
                                   f"{start:%Y-%m-%d}" if start else "",
                                   tuple(claim_facts(session)),
                                   tuple(signature_lines(session)), late_entry_line(session),
                                   tuple(diagnosis_facts(session)),
                                   tuple(entry_marks(session))))
    return entries


def write_record_pdf(env: jinja2.Environment, client: str, sessions: Sequence[SessionRecord],
                     notes_html: Mapping[str, str], out: Path, *,
                     allowed_roots: Sequence[Path]) -> None:
    """Render ``client``'s record to the PDF file ``out``, replacing it atomically.

    ``notes_html`` maps a session's ``path`` to its note's rendered body;
    ``allowed_roots`` are the only folders a ``file:`` URL may read from (the
    templates folders and the output folder). Relative URLs resolve against the
    folder of ``out``. Raises OSError when the file cannot be written, and
    jinja2's errors for a broken template.
    """
    from weasyprint import HTML  # type: ignore[import-untyped, unused-ignore]

    entries = record_entries(sessions, notes_html)
    days = [entry.day for entry in entries if entry.day]
    html = env.get_template(TEMPLATE).render(
        client=client, entries=entries, first_day=days[0] if days else None,
        last_day=days[-1] if days else None)
    folder = out.parent.resolve()
    document = HTML(string=html, base_url=folder.as_uri() + "/",
                    url_fetcher=local_url_fetcher(allowed_roots))
    data = document.write_pdf(pdf_variant=PDF_VARIANT)
    write_atomic(out, data)


def local_url_fetcher(allowed_roots: Sequence[Path]) -> Any:
    """A WeasyPrint URL fetcher that reads only ``data:`` URIs and files under the roots."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]

    roots = tuple(Path(os.path.realpath(root)) for root in allowed_roots)

    class LocalOnlyFetcher(URLFetcher):  # type: ignore[misc]
        """Refuses the network and every file outside the allowed folders."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = url.split(":", 1)[0].lower() if ":" in url else ""
            if scheme == "data":
                # urllib decodes the data: URI itself; nothing is opened.
                return super().fetch(url, headers)
            if scheme == "file":
                path = allowed_file(url, roots)
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body=path.read_bytes(),
                                          headers={"Content-Type": kind})
            raise FetchRefused(f"rendering fetches nothing from the network: {url}")

    return LocalOnlyFetcher(timeout=1, allow_redirects=False)
