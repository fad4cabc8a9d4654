"""The pages of the record: what each one shows, and what it is made from.

Every output file is a :class:`Page`: its name in ``output/``, the template it
is rendered with, the *inputs* that fully determine it, and a function that
makes it. The inputs are plain values (the note's text, the repr of its session
row and findings, the names of the pages it links to); with the hash of the
template files they form the page's input hash, which the next build compares
to decide whether to make the page again. Making a page (Markdown, highlights,
Jinja) happens only when it must.

Templates see plain values only (strings, numbers, lists, dicts, and
:class:`~markupsafe.Markup` made here from escaped text), never the model, so
what a page shows is exactly what its inputs say.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup

from soapbuild import __version__
from soapbuild.history.lock import Hunk
from soapbuild.model.findings import Finding, Severity
from soapbuild.model.note import Note
from soapbuild.model.plan import Plan
from soapbuild.render import PdfMode
from soapbuild.render.charts import Chart, Row, bar_chart, rate_chart
from soapbuild.render.claim import claim_facts, codes_text
from soapbuild.render.highlight import Highlight, highlighted_lines
from soapbuild.render.markdown import MarkdownRenderer, NoteText, note_text
from soapbuild.render.names import client_names, note_label, unique_names
from soapbuild.render.safe import escape
from soapbuild.render.signing import (
    diagnosis_facts,
    entry_marks,
    late_entry_line,
    signature_lines,
)
from soapbuild.render.templates import Templates
from soapbuild.rules.explain import example_parts, rule_notes
from soapbuild.rules.minutes import NO_SERVICE_CODE
from soapbuild.rules.plans import GoalProgress, goal_progress, review_due
from soapbuild.rules.registry import FAMILY_ORDER, Example, Rule, all_rules
from soapbuild.rules.sessions import SessionRecord
from soapbuild.settings import Settings

NO_CLIENT = "no-client"  # never a slug-hash name: those end in hexadecimal digits
RULES_FOLDER = "rules"  # output/rules/CODE.html: each rule's page, and index.html
STYLESHEET = "style.css"
PDF_TEMPLATE = "record_pdf.html"
_LATEST = datetime.max.replace(tzinfo=UTC)
TIMELINESS_LABELS = {
    "on_time": "On time",
    "late": "Late",
    "overdue": "Overdue",
    "due_soon": "Due soon",
    "draft": "Draft, not yet due",
    "n/a": "Cannot be judged",
}

Writer = Callable[[Path], None]


@dataclass(frozen=True, slots=True)
class Page:
    """One output file: its name, its inputs and how to make it."""

    name: str  # POSIX path inside output/
    kind: str  # "dashboard", "report", "client", "note", "pdf", "data", "asset"
    templates: tuple[str, ...]  # the templates it is made with ("" for none)
    inputs: Any  # plain, JSON-serialisable values that decide its content
    write: Writer


@dataclass(frozen=True, slots=True)
class LockedView:
    """A note changed after it locked (K001), as the record shows it: from its locked text
    (``text``, None when only its hash was kept), with the change set apart."""

    text: NoteText | None
    locked: str  # "2026-11-22 09:00", or how the lock is known
    hunks: tuple[Hunk, ...]
    appended: bool  # the change is text appended that is no dated, attributed addendum

    def inputs(self) -> list[Any]:
        return [repr(self.text), self.locked, repr(self.hunks), self.appended]


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """A client's treatment plan as the record shows it: the plan, each goal's progress
    (:func:`soapbuild.rules.plans.goal_progress`) and when it is due for review."""

    plan: Plan
    progress: tuple[GoalProgress, ...]
    review_due: date | None
    review_overdue: bool
    findings: tuple[Finding, ...] = ()  # check's findings in plan.md


def plan_summaries(plans: Mapping[str, Plan], sessions: Sequence[SessionRecord],
                   settings: Settings, now: datetime,
                   findings: Sequence[Finding] = ()) -> dict[str, PlanSummary]:
    """Every client's plan with the progress of its goals over the client's sessions, and
    the findings of the check in its file."""
    summaries = {}
    today = now.astimezone(settings.timezone).date()
    for client, plan in plans.items():
        mine = [(s.session_date, s.occurred, s.goals) for s in sessions if s.client == client]
        due = review_due(plan, settings)
        summaries[client] = PlanSummary(plan, goal_progress(plan, mine, settings, now), due,
                                        due is not None and today > due,
                                        tuple(f for f in findings if f.path == plan.path))
    return summaries


@dataclass(frozen=True, slots=True)
class Site:
    """What the build knows: the check run's sessions and notes, names, and the report."""

    sessions: tuple[SessionRecord, ...]
    notes: Mapping[str, Note]
    now: datetime
    pdf: PdfMode
    client_names: dict[str, str]  # client ID -> file name (no extension)
    note_names: dict[str, str]  # session path -> file name (no extension)
    locked: Mapping[str, LockedView] = field(default_factory=dict)  # by session path
    plans: Mapping[str, PlanSummary] = field(default_factory=dict)  # by client

    @classmethod
    def create(cls, sessions: Sequence[SessionRecord], notes: Mapping[str, Note],
               now: datetime, pdf: PdfMode, locked: Mapping[str, LockedView] | None = None,
               plans: Mapping[str, PlanSummary] | None = None) -> Site:
        clients = client_names(s.client for s in sessions if s.client is not None)
        notes_labels = {s.path: note_label(_note_label(s)) for s in sessions}
        return cls(tuple(sessions), notes, now, pdf, clients,
                   unique_names(notes_labels, fallback="note"), locked or {}, plans or {})

    def client_file(self, client: str | None) -> str:
        return NO_CLIENT if client is None else self.client_names[client]

    def client_href(self, client: str | None, root: str) -> str:
        return f"{root}clients/{self.client_file(client)}.html"

    def note_href(self, session: SessionRecord, root: str) -> str:
        return f"{root}notes/{self.note_names[session.path]}.html"

    def by_client(self) -> dict[str | None, list[SessionRecord]]:
        groups: dict[str | None, list[SessionRecord]] = {}
        for session in sorted(self.sessions, key=session_order):
            groups.setdefault(session.client, []).append(session)
        return groups


def _note_label(session: SessionRecord) -> str:
    """The readable part of a note page's name: its path without the notes folder or suffix."""
    label = session.key or session.path
    parts = label.split("/")
    if len(parts) > 1:
        parts = parts[1:]  # "notes/C-1042/2026-11-20.md" -> "C-1042/2026-11-20.md"
    return "/".join(parts).rsplit(".", 1)[0]


def session_order(session: SessionRecord) -> tuple[datetime, str]:
    when = session.session_date.astimezone(UTC) if session.session_date is not None else _LATEST
    return (when, session.path)


# --- shared view values ------------------------------------------------------------


def when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment is not None else "date unknown"


def status_text(session: SessionRecord) -> str:
    """Timeliness in words, with how late or overdue (rounded to the hour)."""
    label = TIMELINESS_LABELS.get(session.timeliness, session.timeliness)
    if session.timeliness in ("late", "overdue") and session.hours_late is not None:
        return f"{label} by {_duration(session.hours_late)}"
    if session.timeliness in ("due_soon", "draft") and session.deadline is not None:
        return f"{label} (due {session.deadline:%Y-%m-%d %H:%M})"
    return label


def _duration(hours: float) -> str:
    if hours < 48:
        return f"{hours:.0f} h" if hours >= 1 else "less than an hour"
    return f"{hours / 24:.1f} days"


def billing_text(session: SessionRecord) -> str:
    return "Billable" if session.billable else f"Not billable: {session.not_billable_because}"


def occurred_text(session: SessionRecord) -> str:
    if session.occurred is True:
        return "Yes"
    if session.occurred is False:
        return f"No ({session.reason})" if session.reason else "No (no reason given)"
    return "Not recorded"


def finding_codes(findings: Sequence[Finding]) -> list[str]:
    """The rule codes of some findings, each once, in the registry's order."""
    order = {code: index for index, code in enumerate(all_rules())}
    return sorted({f.code for f in findings}, key=lambda code: order.get(code, len(order)))


def severity_counts(findings: Sequence[Finding]) -> dict[str, int]:
    counts = Counter(f.severity.value for f in findings)
    return {s.value: counts.get(s.value, 0) for s in Severity}


def rule_href(code: str, root: str) -> str:
    """The rule's page in the record (output/rules/CODE.html), relative to a page at ``root``."""
    return f"{root}{RULES_FOLDER}/{code}.html"


def code_links(codes: Iterable[str], root: str) -> list[dict[str, str]]:
    """Rule codes as the templates link them: code, its page and its summary."""
    rules = all_rules()
    return [{"code": code, "href": rule_href(code, root),
             "summary": rules[code].summary if code in rules else ""} for code in codes]


def findings_view(findings: Sequence[Finding], note: Note | None,
                  root: str = "../") -> list[dict[str, Any]]:
    rules = all_rules()
    shown = []
    for number, finding in enumerate(findings, start=1):
        rule = rules.get(finding.code)
        marked = note is not None and finding.span is not None
        shown.append({
            "number": number, "code": finding.code, "severity": finding.severity.value,
            "family": finding.family, "line": finding.line, "column": finding.column,
            "message": finding.message, "suggestion": finding.suggestion,
            "summary": rule.summary if rule else "", "name": rule.name if rule else "",
            "text": note.text_of(finding.span) if note is not None and finding.span else "",
            "marked": marked,
            "rule_href": rule_href(finding.code, root),
        })
    return shown


def record_body(renderer: MarkdownRenderer, text: NoteText) -> Markup:
    """The note as the record shows it: the note, then each addendum set apart as one."""
    parts = [f'<div class="note-text">{renderer.render(text.main, top_level=3)}</div>']
    for addendum in text.addenda:
        label = addendum.heading or "Addendum"  # as written: "Addendum 2026-11-24 10:30"
        meta = "".join(
            f"<div><dt>{name}</dt> <dd>{escape(value)}</dd></div>"
            for name, value in (("Author", addendum.author or "not given"),
                                ("Reason", addendum.reason or "not given")))
        parts.append(
            f'<section class="addendum"><h3>{escape(label)}</h3>'
            f'<dl class="addendum-meta">{meta}</dl>'
            f'{renderer.render(addendum.text, top_level=4)}</section>')
    return Markup("\n".join(parts))


def locked_body(renderer: MarkdownRenderer, view: LockedView, current: NoteText) -> Markup:
    """A note changed after it locked: the record shows its locked text, and the change
    apart, labelled as unauthorised (in words, not by colour alone), never as part of it."""
    if view.text is not None:
        notice = (f"<strong>Shown as locked.</strong> This note locked on {escape(view.locked)}; "
                  "its file was changed afterwards other than by a dated, attributed addendum. "
                  "The record below is the text as it locked; the change follows it, set apart, "
                  "and is not part of the record.")
        body = record_body(renderer, view.text)
    else:
        notice = (f"<strong>Changed after it locked.</strong> This note locked on "
                  f"{escape(view.locked)}, and only the hash of its locked text was kept, so the "
                  "text below is the changed version; it is not the note as it was signed.")
        body = record_body(renderer, current)
    changes = []
    for hunk in view.hunks:
        where = f" ({escape(hunk.section)})" if hunk.section else ""
        parts = [f'<p class="change-where">Line {hunk.line}{where}</p>']
        if hunk.removed:
            parts.append('<p class="change-locked"><span class="change-label">Locked text:</span> '
                         f'<del>{_lines(hunk.removed)}</del></p>')
        if hunk.added:
            label = "Appended, not an addendum:" if view.appended else (
                "Changed to:" if hunk.removed else "Added:")
            parts.append(f'<p class="change-made"><span class="change-label">{label}</span> '
                         f'<ins>{_lines(hunk.added)}</ins></p>')
        elif hunk.removed:
            parts.append('<p class="change-made"><span class="change-label">Deleted.</span></p>')
        changes.append(f'<div class="change">{"".join(parts)}</div>')
    section = (
        '<section class="unauthorised-change"><h3>Unauthorised change (not part of the '
        'record)</h3><p>Made to the file after the note locked, without a dated, attributed '
        'addendum. <code>soapbuild restore</code> puts the locked text back and keeps this '
        'change as a draft addendum.</p>' + "".join(changes) + "</section>") if changes else ""
    return Markup(f'<p class="locked-notice" role="note">{notice}</p>\n{body}\n{section}')


def _lines(lines: Sequence[str]) -> str:
    return "<br>".join(str(escape(line)) for line in lines)


# --- the pages -----------------------------------------------------------------------


class Planner:
    """Builds the list of pages of one build.

    ``remembered`` (set by ``watch``, :func:`remember_bodies`) keeps the rendered notes
    across builds by their text: a save re-renders the saved note, and its client's
    page takes the other notes' bodies as they were.
    """

    remembered: dict[str, Markup] | None = None

    def __init__(self, site: Site, templates: Templates, renderer: MarkdownRenderer,
                 keep: Callable[[Page], bool | None] = lambda page: None) -> None:
        """``keep`` answers, for a PDF that this build does not make
        (:attr:`PdfMode.KEEP`), whether one is in the output and made from the
        same inputs (``True``), from others (``False``), or absent (``None``)."""
        self.site = site
        self.templates = templates
        self.renderer = renderer
        self.keep = keep
        self.kept: list[str] = []  # PDFs kept as they are (PdfMode.KEEP)
        self._bodies: dict[str, Markup] = {}

    def body(self, session: SessionRecord) -> Markup:
        """The rendered note of a session (once per build, shared by its pages and PDF);
        a note changed after it locked is shown from its locked text."""
        if session.path not in self._bodies:
            note = self.site.notes.get(session.path)
            locked = self.site.locked.get(session.path)
            if note is None:
                body = Markup("")
            elif locked is not None:
                body = locked_body(self.renderer, locked, note_text(note))
            elif self.remembered is not None and note.source.text in self.remembered:
                body = self.remembered[note.source.text]
            else:
                body = record_body(self.renderer, note_text(note))
                if self.remembered is not None:
                    self.remembered[note.source.text] = body
            self._bodies[session.path] = body
        return self._bodies[session.path]

    def locked_inputs(self, session: SessionRecord) -> list[Any] | None:
        locked = self.site.locked.get(session.path)
        return locked.inputs() if locked is not None else None

    def html(self, name: str, template: str, inputs: Any,
             view: Callable[[], dict[str, Any]], kind: str) -> Page:
        def write(target: Path) -> None:
            context = {"version": __version__, **view()}
            target.write_bytes(self.templates.render(template, context).encode("utf-8"))

        return Page(name, kind, (template,), inputs, write)

    # --- note pages

    def note_page(self, session: SessionRecord) -> Page:
        note = self.site.notes.get(session.path)
        name = f"notes/{self.site.note_names[session.path]}.html"
        client_href = self.site.client_href(session.client, "../")
        inputs = ["note", note.source.text if note else None, repr(session), client_href,
                  self.locked_inputs(session)]
        return self.html(name, "note.html", inputs,
                         lambda: self.note_view(session, note, client_href), "note")

    def note_view(self, session: SessionRecord, note: Note | None,
                  client_href: str) -> dict[str, Any]:
        findings = findings_view(session.findings, note)
        lines: list[Markup] | None = None
        if note is not None:
            marks = [Highlight(f["number"], finding.span.start, finding.span.end, f["code"],
                               f["severity"], f"{f['code']} ({f['severity']}): {f['message']}")
                     for f, finding in zip(findings, session.findings, strict=True)
                     if finding.span is not None]
            lines = highlighted_lines(note.source, marks)
        return {
            "root": "../",
            "title": f"Note of {session.client or 'no client'}, {when(session.session_date)}",
            "session": session_view(session),
            "client": session.client,
            "client_href": client_href,
            "findings": findings,
            "counts": severity_counts(session.findings),
            "lines": lines,
            "body": self.body(session) if note is not None else None,
        }

    # --- client pages and PDFs

    def client_pages(self, only: Sequence[str | None] | None = None) -> list[Page]:
        """Each client's page (of the clients ``only`` names, when given), and the PDF of
        the record as the PDF mode says.

        With :attr:`PdfMode.KEEP` no PDF is made, but one already in the output
        is kept and linked, marked as possibly out of date when the record has
        changed since it was made (``keep`` tells; the names go to
        :attr:`kept`).
        """
        pages = []
        mode = self.site.pdf
        for client, sessions in self.site.by_client().items():
            if only is not None and client not in only:
                continue
            file = self.site.client_file(client)
            note_links = [self.site.note_href(s, "../") for s in sessions]
            texts = [[self.site.notes[s.path].source.text if s.path in self.site.notes else None,
                      self.locked_inputs(s)] for s in sessions]
            record = None if client is None or mode is PdfMode.DROP else Page(
                f"clients/{file}.pdf", "pdf", (PDF_TEMPLATE,),
                ["pdf", client, [repr(s) for s in sessions], texts],
                self._pdf_writer(client, sessions))
            state = None if record is None else True if mode is PdfMode.MAKE else self.keep(
                record)
            pdf = f"{file}.pdf" if state is not None else None
            plan = self.site.plans.get(client) if client is not None else None
            inputs = ["client", client, [repr(s) for s in sessions], texts, note_links, pdf,
                      state is False,
                      [plan.plan.source.text, repr(plan.progress), str(plan.review_due),
                       repr(plan.findings)] if plan is not None else None]
            pages.append(self.html(f"clients/{file}.html", "client.html", inputs,
                                   self._client_view(client, sessions, note_links, pdf,
                                                     state is False, plan), "client"))
            if record is not None and mode is PdfMode.MAKE:
                pages.append(record)
            elif record is not None and state is not None:
                self.kept.append(record.name)
        return pages

    def plan_view(self, summary: PlanSummary) -> dict[str, Any]:
        """A treatment plan for the client's page: its dates, diagnosis, goals and progress."""
        plan = summary.plan
        from soapbuild.model.icd10cm import description, dotted

        return {
            "path": plan.path,
            "start": plan.start.text if plan.start is not None else "not given",
            "reviewed": plan.reviewed.text if plan.reviewed is not None else None,
            "review_due": summary.review_due.isoformat() if summary.review_due else "not set",
            "review_overdue": summary.review_overdue,
            "diagnosis": [(dotted(d.value), description(d.value) or "not an ICD-10-CM code")
                          for d in plan.diagnosis],
            "goals": [{"ident": p.goal.ident, "text": p.goal.text, "sessions": p.sessions,
                       "last": when(p.last) if p.last is not None else "never",
                       "idle": p.idle, "idle_days": p.idle_days}
                      for p in summary.progress],
            "body": Markup(self.renderer.render(plan.body, top_level=3)),
            "findings": [{"code": f.code, "severity": f.severity.value, "line": f.line,
                          "message": f.message, "suggestion": f.suggestion}
                         for f in summary.findings],
        }

    def _client_view(self, client: str | None, sessions: list[SessionRecord],
                     note_links: list[str], pdf: str | None,
                     pdf_stale: bool,
                     plan: PlanSummary | None = None) -> Callable[[], dict[str, Any]]:
        def view() -> dict[str, Any]:
            findings = [f for s in sessions for f in s.findings]
            dated = [s.session_date for s in sessions if s.session_date is not None]
            return {
                "root": "../",
                "title": f"Client {client}" if client is not None else "Notes without a client",
                "client": client,
                "pdf_href": pdf,
                "pdf_stale": pdf_stale,
                "first": when(min(dated)) if dated else None,
                "last": when(max(dated)) if dated else None,
                "counts": severity_counts(findings),
                "occurred": sum(1 for s in sessions if s.occurred is True),
                "not_occurred": sum(1 for s in sessions if s.occurred is False),
                "billable": sum(1 for s in sessions if s.billable),
                "plan": self.plan_view(plan) if plan is not None else None,
                "sessions": [
                    {**session_view(s), "number": index, "href": href, "body": self.body(s),
                     "readable": s.path in self.site.notes,
                     "counts": severity_counts(s.findings),
                     "codes": code_links(finding_codes(s.findings), "../")}
                    for index, (s, href) in enumerate(zip(sessions, note_links, strict=True),
                                                      start=1)],
            }

        return view

    def _pdf_writer(self, client: str, sessions: list[SessionRecord]) -> Writer:
        def write(target: Path) -> None:
            from soapbuild.render.pdf import write_record_pdf

            bodies = {s.path: str(self.body(s)) for s in sessions}
            write_record_pdf(self.templates.env, client, sessions, bodies, target,
                             allowed_roots=[*self.templates.dirs, target.parent])

        return write

    # --- the dashboard

    def dashboard(self, report_view: dict[str, Any]) -> Page:
        view = self.dashboard_view(report_view)
        return self.html("index.html", "index.html", ["dashboard", _plain(view)],
                         lambda: view, "dashboard")

    def dashboard_view(self, report_view: dict[str, Any]) -> dict[str, Any]:
        site = self.site
        sessions = sorted(site.sessions, key=session_order)
        attention = [s for s in sessions if s.timeliness in ("overdue", "due_soon")]
        attention.sort(key=lambda s: (s.timeliness != "overdue", s.deadline or _LATEST, s.path))
        with_errors = [s for s in sessions
                       if any(f.severity is Severity.ERROR for f in s.findings)]
        clients = []
        for client, group in site.by_client().items():
            dated = [s.session_date for s in group if s.session_date is not None]
            clients.append({
                "client": client if client is not None else "(no client)",
                "href": site.client_href(client, ""),
                "sessions": len(group),
                "last": when(max(dated)) if dated else "",
                "billable": sum(1 for s in group if s.billable),
                "counts": severity_counts([f for s in group for f in s.findings]),
            })
        clients.sort(key=lambda c: str(c["client"]).casefold())
        findings = [f for s in sessions for f in s.findings]
        return {
            "root": "",
            "title": "Dashboard",
            "queues": report_view["queues"],  # the same links: both pages are at the top
            "now": when(site.now),
            "notes": len(sessions),
            "clients": clients,
            "counts": severity_counts(findings),
            "overall": report_view["overall"],
            "charts": [report_view["charts"]["weekly"], report_view["charts"]["timeliness"]],
            "attention": [self._row(s) for s in attention],
            "errors": [self._row(s) for s in with_errors],
        }

    def _row(self, session: SessionRecord) -> dict[str, Any]:
        return {**session_view(session), "href": self.site.note_href(session, ""),
                "client_href": self.site.client_href(session.client, ""),
                "counts": severity_counts(session.findings),
                "codes": code_links(sorted({f.code for f in session.findings
                                            if f.severity is Severity.ERROR}), "")}

    # --- the report

    def report_page(self, report_view: dict[str, Any]) -> Page:
        return self.html("report.html", "report.html", ["report", _plain(report_view)],
                         lambda: report_view, "report")

    # --- the rule pages

    def rule_pages(self, severity: Mapping[str, Severity], ignored: frozenset[str]) -> list[Page]:
        """A page per rule (output/rules/CODE.html), from the registry that ``soapbuild
        explain`` prints, and their index; a page changes only when its rule's data
        (or what this workspace's settings do with the rule) does."""
        rules = all_rules()
        pages = []
        listed = []
        for rule in rules.values():
            here = ("switched off (rules.ignore)" if rule.code in ignored
                    else severity[rule.code].value if rule.code in severity else None)
            view = rule_view(rule, here)
            pages.append(self.html(f"{RULES_FOLDER}/{rule.code}.html", "rule.html",
                                   ["rule", _plain(view)], _constant(view), "rule"))
            listed.append({key: view[key] for key in ("code", "name", "family", "severity",
                                                      "summary", "workspace")})
        index = {"root": "../", "title": "Rules", "rules": listed}
        pages.append(self.html(f"{RULES_FOLDER}/index.html", "rules.html",
                               ["rules", _plain(index)], lambda: index, "rule"))
        return pages

    # --- the stylesheet

    def stylesheet(self) -> Page:
        source = self.templates.find(STYLESHEET)

        def write(target: Path) -> None:
            target.write_bytes(source.read_bytes() if source is not None else b"")

        return Page(STYLESHEET, "asset", (STYLESHEET,), ["asset"], write)


def remember_bodies() -> None:
    """Keep rendered notes across builds in this process (``watch``)."""
    if Planner.remembered is None:
        Planner.remembered = {}


def rule_view(rule: Rule, workspace: str | None) -> dict[str, Any]:
    """One rule's page in words: the parts ``soapbuild explain`` prints, examples included.

    ``workspace`` is what this workspace's settings make of the rule (another
    severity, or switched off), ``None`` when they leave it as it is.
    """
    def examples(kind: str, shown: Sequence[Example]) -> list[dict[str, Any]]:
        views = []
        for number, example in enumerate(shown, start=1):
            notes, texts = example_parts(example)
            label = kind if len(shown) == 1 else f"{kind} ({number})"
            views.append({"label": label, "notes": notes,
                          "texts": [{"caption": caption, "text": text} for caption, text
                                    in texts]})
        return views

    def paragraphs(text: str) -> list[str]:
        return [" ".join(part.split()) for part in text.split("\n\n") if part.strip()]

    return {
        "root": "../",
        "title": f"{rule.code} {rule.name}",
        "code": rule.code,
        "name": rule.name,
        "family": rule.family,
        "severity": rule.severity.value,
        "workspace": workspace,
        "summary": rule.summary,
        "notes": rule_notes(rule),
        "what": paragraphs(rule.what),
        "why": paragraphs(rule.why),
        "fix": paragraphs(rule.fix),
        "sources": list(rule.sources),
        "flagged": examples("Flagged", rule.flagged),
        "passes": examples("Passes", rule.passes),
    }


def session_view(session: SessionRecord) -> dict[str, Any]:
    """A session row in words, for the templates."""
    return {
        "path": session.path,
        "client": session.client if session.client is not None else "(no client)",
        "clinician": session.clinician or "not given",
        "when": when(session.session_date),
        "occurred": occurred_text(session),
        "did_not_occur": session.occurred is False,
        "reason": session.reason,
        "service_code": session.service_code,
        "minutes": session.minutes,
        "claim": claim_facts(session),
        "billed": codes_text(session) or "none",
        "place": session.place_of_service or "",
        "submitted": when(session.submitted) if session.submitted else "not submitted (draft)",
        "deadline": when(session.deadline) if session.deadline else "",
        "timeliness": session.timeliness,
        "status": status_text(session),
        "billable": session.billable,
        "billing": billing_text(session),
        "signatures": signature_lines(session),
        "late_entry": late_entry_line(session),
        "marks": entry_marks(session),
        "diagnosis": diagnosis_facts(session),
        "goals": list(session.goals),
    }


def _constant(view: dict[str, Any]) -> Callable[[], dict[str, Any]]:
    return lambda: view


def _plain(value: Any) -> Any:
    """A view as plain values for hashing (charts by their SVG, Markup as text)."""
    if isinstance(value, Chart):
        return ["chart", value.ident, value.title, value.summary, str(value.svg),
                [[r.label, r.shown] for r in value.rows]]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return repr(value)


# --- the report's view and charts -------------------------------------------------------


def report_view(report: Any, site: Site) -> dict[str, Any]:
    """The compliance report (:class:`soapbuild.report.aggregate.Report`) in words and charts."""
    from soapbuild.report.aggregate import Aggregate

    def group(g: Aggregate) -> dict[str, Any]:
        rate = g.on_time_rate
        return {
            "clinician": g.clinician if g.clinician is not None else "(no clinician)",
            "sessions": g.sessions, "occurred": g.occurred, "not_occurred": g.not_occurred,
            "not_occurred_by_reason": [[r or "no reason given", n]
                                       for r, n in g.not_occurred_by_reason],
            "unknown": g.occurrence_unknown, "drafts": g.drafts,
            "timeliness": dict(g.timeliness),
            "on_time_rate": f"{rate:.0%}" if rate is not None else "–",
            "late": g.lateness.count,
            "median_late": _hours(g.lateness.median_hours),
            "worst_late": _hours(g.lateness.worst_hours),
            "locked_edits": g.locked_note_edits,
            "language": g.language.total,
            "language_per_note": (f"{g.language.per_note:.2f}"
                                  if g.language.per_note is not None else "–"),
            "billable": g.billable, "not_billable": g.not_billable,
            "not_billable_by_reason": [[r, n] for r, n in g.not_billable_by_reason],
            "missing": g.missing,
        }

    overall = report.overall
    families = Counter(f.family for s in report.sessions for f in s.findings)
    weeks = [Row(p.week, p.on_time_rate,
                 f"{p.on_time_rate:.0%}" if p.on_time_rate is not None else "no note due")
             for p in report.weeks]
    judged = [p for p in report.weeks if p.on_time_rate is not None]
    weekly = rate_chart(
        "chart-weekly", "On-time rate per week",
        (f"Share of notes submitted by their deadline, per week of session, over {len(weeks)} "
         f"weeks; overall {group(overall)['on_time_rate']}."
         + (f" Lowest week {min(judged, key=lambda p: p.on_time_rate or 0).week}."
            if judged else "")),
        ("Week", "On time"), weeks)
    outcome_rows = _outcomes(report.sessions)
    outcomes = bar_chart(
        "chart-outcomes", "Sessions by outcome",
        "Sessions by whether they occurred and can be billed: "
        + "; ".join(f"{r.label}: {r.shown}" for r in outcome_rows) + ".",
        ("Outcome", "Sessions"), outcome_rows)
    states = [Row(TIMELINESS_LABELS[state], count, str(count))
              for state, count in overall.timeliness]
    timeliness = bar_chart(
        "chart-timeliness", "Notes by timeliness",
        "Notes by whether they were submitted by their deadline: "
        + "; ".join(f"{r.label}: {r.shown}" for r in states) + ".",
        ("Timeliness", "Notes"), states)
    family_rows = [Row(family, families[family], str(families[family]))
                   for family in FAMILY_ORDER if families.get(family)]
    by_family = bar_chart(
        "chart-families", "Findings by family",
        ("Findings of the checks, by rule family: "
         + "; ".join(f"{r.label}: {r.shown}" for r in family_rows) + ".")
        if family_rows else "No findings.",
        ("Family", "Findings"), family_rows)
    sessions = sorted(report.sessions, key=session_order)
    return {
        "root": "",
        "title": "Compliance report",
        "now": when(report.now),
        "period": [report.period.start.isoformat() if report.period.start else None,
                   report.period.end.isoformat() if report.period.end else None],
        "overall": group(overall),
        "clinicians": [group(g) for g in report.clinicians],
        "charts": {"weekly": weekly, "outcomes": outcomes, "timeliness": timeliness,
                   "families": by_family},
        "not_billable": [
            {**session_view(s), "href": site.note_href(s, "")}
            for s in sessions if not s.billable],
        "missing": [{"client": m.client, "clinician": m.clinician or "not given",
                     "when": when(m.session_date)} for m in report.missing],
        "queues": [{"supervisor": q.supervisor or "(no supervisor named)", "overdue": q.overdue,
                    "notes": [{**session_view(s), "href": site.note_href(s, ""),
                               "client_href": site.client_href(s.client, ""),
                               "signed": when(s.signed), "due": when(s.cosign_due),
                               "late": s.cosignature == "overdue"}
                              for s in q.sessions]}
                   for q in report.queues],
        "sessions": [{**session_view(s), "href": site.note_href(s, ""),
                      "counts": severity_counts(s.findings),
                      "codes": code_links(finding_codes(s.findings), "")} for s in sessions],
        **history_view(report, site),
    }


def history_view(report: Any, site: Site) -> dict[str, Any]:
    """The report's history rows in words (:mod:`soapbuild.report.history`)."""
    from soapbuild.report.history import STAMP_WORDS, change_text

    zone = report.now.tzinfo
    hrefs = {s.path: site.note_href(s, "") for s in site.sessions}
    rows = []
    for row in report.history:
        gap = f" by {row.stamp_gap_hours:.0f} h" if row.stamp_gap_hours is not None else ""
        rows.append({
            "note": row.note, "href": hrefs.get(row.note), "deleted": row.deleted,
            "retired": row.retired,
            "entered": (when(row.entered.astimezone(zone)) + (" (import)" if row.imported
                                                              else "")) if row.entered else "",
            "stamp": STAMP_WORDS[row.stamp] + gap,
            "after_submission": [change_text(c, zone) for c in row.after_submission],
            "after_lock": [change_text(c, zone) for c in row.after_lock],
            "addenda": [a.heading + (f" (committed {when(a.entered.astimezone(zone))})"
                                     if a.entered else "") for a in row.addenda],
        })
    in_git = any(row.in_git for row in report.history)
    about = ("When each note entered the repository, each change after it was submitted and "
             "after it locked (unauthorised changes in bold), its addenda, and whether the "
             "submitted stamp agrees with the first commit that held the submitted note."
             if in_git else
             "Outside git, the seal file is the history: when each note was sealed, extended "
             "by addenda, moved or retired.")
    return {"history": rows, "history_about": about}


def _hours(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} h"


def _outcomes(sessions: Sequence[SessionRecord]) -> list[Row]:
    counts: Counter[str] = Counter()
    for s in sessions:
        if s.billable:
            counts["Billable"] += 1
        elif s.occurred is False:
            counts["Did not occur"] += 1
        elif s.not_billable_because and s.not_billable_because.startswith("the note has errors"):
            counts["Not billable: errors"] += 1
        elif s.submitted is None and s.occurred is not None:
            counts["Not billable: draft"] += 1
        elif s.not_billable_because == NO_SERVICE_CODE:
            counts["Not billable: no service code"] += 1
        else:
            counts["Not billable: other"] += 1
    order = ["Billable", "Not billable: errors", "Not billable: draft",
             "Not billable: no service code", "Not billable: other", "Did not occur"]
    return [Row(label, counts[label], str(counts[label])) for label in order if counts[label]]
