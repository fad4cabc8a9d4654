"""A payer's records request answered: one PDF/A packet and its manifest.

A payer asks for the documentation of some dates of service of one client. The
packet holds exactly those sessions' submitted notes, each with its addenda and
signatures as the record shows them (render/pdf.py's entry, templates/_record.html),
after a cover page that says what was requested, what is included and what is not,
and when and by whom it was produced. Nothing else goes in: psychotherapy notes
are never in the check run's sessions, drafts are not yet record, and identifiers
the notes do not need (the privacy rules' P001–P003 and P005, as
``export.redact`` lists them) are blacked out, because a disclosure is limited to
the minimum necessary (45 CFR 164.502(b)). A note changed after it locked is shown
from its locked text, as the record shows it, without the change.

The manifest (``FILE.manifest.json``) lists the SHA-256 of each note file as the
check read it, which the practice can match against its repository, and of the
PDF itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from soapbuild import __version__
from soapbuild.export.selection import Request, Selection
from soapbuild.render.markdown import AddendumText, NoteText, note_text
from soapbuild.rules.identifiers import full_names, identifiers, is_group_note
from soapbuild.settings import Settings

if TYPE_CHECKING:
    from soapbuild.render.pages import LockedView

TEMPLATE = "audit_pdf.html"
MANIFEST_FORMAT = 1
NAME_KIND = "a name"


class AuditError(Exception):
    """The packet cannot be written; the message says why."""


def manifest_path(packet: Path) -> Path:
    return packet.with_name(packet.name + ".manifest.json")


def redact(text: str, codes: frozenset[str], group: bool,
           own: frozenset[str] = frozenset()) -> tuple[str, set[str]]:
    """``text`` with the identifiers of the privacy rules ``codes`` blacked out, and the
    kinds blacked out. Other people's full names go only in a group note (``group``);
    ``own`` are names never blacked out (the clinician's)."""
    spans = [(found.start, found.end, found.kind) for found in identifiers(text, 0, len(text))
             if found.code in codes]
    if group and "P005" in codes:
        spans += [(start, end, NAME_KIND) for start, end in full_names(text, 0, len(text), own)]
    kinds: set[str] = set()
    taken = len(text) + 1
    for start, end, kind in sorted(spans, reverse=True):
        if end > taken:
            continue
        text = f"{text[:start]}[redacted: {kind}]{text[end:]}"
        kinds.add(kind)
        taken = start
    return text, kinds


def _redacted_note(text: NoteText, codes: frozenset[str], group: bool,
                   own: frozenset[str]) -> tuple[NoteText, set[str]]:
    kinds: set[str] = set()

    def clean(value: str | None) -> str | None:
        if value is None:
            return None
        result, found = redact(value, codes, group, own)
        kinds.update(found)
        return result

    main = clean(text.main) or ""
    addenda = tuple(AddendumText(a.heading, a.date, a.author, clean(a.reason),
                                 clean(a.text) or "") for a in text.addenda)
    return NoteText(main, addenda), kinds


def write_packet(chosen: Selection, request: Request, settings: Settings, now: datetime,
                 out: Path, producer: str, reference: str | None,
                 locked: Mapping[str, LockedView]) -> None:
    """Render the packet to ``out`` (PDF/A) and its manifest beside it, atomically."""
    from weasyprint import HTML  # type: ignore[import-untyped, unused-ignore]

    from soapbuild.atomic import write_atomic
    from soapbuild.render.markdown import MarkdownRenderer
    from soapbuild.render.pages import record_body
    from soapbuild.render.pdf import PDF_VARIANT, local_url_fetcher, record_entries
    from soapbuild.render.templates import Templates

    renderer = MarkdownRenderer.create()
    codes = settings.export_redact
    bodies: dict[str, str] = {}
    kinds: set[str] = set()
    for entry in chosen.entries:
        note = entry.note
        view = locked.get(entry.session.path)
        text = view.text if view is not None and view.text is not None else note_text(note)
        group = is_group_note(note.header.service_code, note.source.text, note.body.start,
                              len(note.source.text))
        own = frozenset(n.strip().casefold() for n in (note.header.clinician or "").split(",")[:1])
        shown, found = _redacted_note(text, codes, group, own)
        kinds |= found
        notice = ("<p class=\"locked-notice\">Shown as locked: the note's file was changed "
                  "after it locked; this is the text as it locked.</p>"
                  if view is not None and view.text is not None else "")
        bodies[entry.session.path] = notice + str(record_body(renderer, shown))
    sessions = [entry.session for entry in chosen.entries]
    entries = record_entries(sessions, bodies)
    digests = {entry.session.path: entry.digest for entry in chosen.entries}
    client = chosen.clients()[0] if len(chosen.clients()) == 1 else ", ".join(chosen.clients())
    templates = Templates(settings)
    zone = getattr(settings.timezone, "key", None) or str(settings.timezone)
    html = templates.env.get_template(TEMPLATE).render(
        client=client, request=request.describe(), reference=reference,
        produced=f"{now:%Y-%m-%d %H:%M} ({zone})", producer=producer, version=__version__,
        entries=entries, digests=[digests[e.session.path] for e in entries],
        left_out=[(s.path, why) for s, why in chosen.left_out], redacted=sorted(kinds))
    folder = out.parent.resolve()
    try:
        data = HTML(string=html, base_url=folder.as_uri() + "/",
                    url_fetcher=local_url_fetcher([*templates.dirs])).write_pdf(
                        pdf_variant=PDF_VARIANT)
        write_atomic(out, data)
        write_atomic(manifest_path(out), _manifest(
            out, data, request, reference, producer, now, chosen, sorted(kinds),
            codes).encode("utf-8"))
    except OSError as error:
        raise AuditError(f"cannot write {out}: {error.strerror or error}") from None


def _manifest(out: Path, data: bytes, request: Request, reference: str | None, producer: str,
              now: datetime, chosen: Selection, redacted: Sequence[str],
              codes: frozenset[str]) -> str:
    manifest = {
        "format": MANIFEST_FORMAT,
        "packet": out.name,
        "packet_sha256": hashlib.sha256(data).hexdigest(),
        "produced": now.isoformat(timespec="seconds"),
        "producer": producer,
        "generator": f"soapbuild {__version__}",
        "request": {
            "clients": list(request.clients),
            "since": request.since.isoformat() if request.since else None,
            "until": request.until.isoformat() if request.until else None,
            "dates": [day.isoformat() for day in request.days],
            "reference": reference,
            "described": request.describe(),
        },
        "notes": [{
            "path": entry.note.key or entry.session.path,
            "client": entry.session.client,
            "session_date": entry.session.session_date.isoformat(timespec="minutes")
            if entry.session.session_date else None,
            "clinician": entry.session.clinician,
            "sha256": entry.digest,
        } for entry in chosen.entries],
        "left_out": [{"path": session.path, "why": why} for session, why in chosen.left_out],
        "redaction": {"rules": sorted(codes), "found": list(redacted)},
    }
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"

