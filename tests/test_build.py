"""soapbuild build: pages, highlights, safe names, validity, incremental and atomic output.

Every test builds a copy of the sample practice (notes/, soapbuild.toml and the
seals) in a temporary folder with a fixed "now", without PDFs (tests/test_pdf.py
covers those); the browser tests are in test_build_browser.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import staging_folders
from validators import validate_html

from soapbuild.cli import main
from soapbuild.model.source import SourceText
from soapbuild.render.highlight import Highlight, highlighted_lines
from soapbuild.render.markdown import MarkdownRenderer
from soapbuild.render.names import safe_name, unique_names
from soapbuild.render.output import OutputError, check_name
from soapbuild.render.templates import builtin_dir
from soapbuild.rules.registry import all_rules

REPO = Path(__file__).resolve().parents[1]
NOW = "2026-11-28 12:00"

HOSTILE = """---
client: C-EVIL
clinician: "<img src=x onerror=window.__pwned=1>"
session_date: 2026-11-20 15:00
occurred: true
duration: 53
service_code: "90837"
submitted: 2026-11-21 09:12
---
## Subjective
Client reported <script>alert(1)</script> and <img src=x onerror="window.__pwned=1">.
See [x](javascript:window.__pwned=1) and <a href="javascript:window.__pwned=1">y</a>.
![pixel](http://example.invalid/track.png) [site](https://example.org/) [d](data:text/html,hi)

## Objective
Calm; speech normal in rate and volume.

## Assessment
Client denies SI/HI; risk is low.

## Plan
Next session in one week.
"""


# --- helpers ------------------------------------------------------------------------------


def copy_practice(target: Path) -> Path:
    """A copy of the sample practice: its notes, settings, seals and the originals kept."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "notes", target / "notes")
    shutil.copy(REPO / "soapbuild.toml", target / "soapbuild.toml")
    (target / ".soapbuild").mkdir()
    shutil.copy(REPO / ".soapbuild" / "seals.json", target / ".soapbuild" / "seals.json")
    shutil.copytree(REPO / ".soapbuild" / "originals", target / ".soapbuild" / "originals")
    return target


def run_build(workspace: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-C", str(workspace), "build", "--no-pdf", "--now", NOW,
                                       *args])
    return result.exit_code, result.output


def rendered(output: str) -> int:
    """How many files a build says it made (0 when up to date)."""
    if "is up to date" in output:
        return 0
    match = re.search(r"rendered (\d+) of \d+ files", output)
    assert match, output
    return int(match.group(1))


def snapshot(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file under ``folder``: inode, mtime and bytes (a replaced file has a new inode)."""
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            info = path.stat()
            files[path.relative_to(folder).as_posix()] = (info.st_ino, info.st_mtime_ns,
                                                         path.read_bytes())
    return files


def changed(before: dict[str, tuple[int, int, bytes]],
            after: dict[str, tuple[int, int, bytes]]) -> set[str]:
    return {name for name in after if before.get(name, (0, 0, b""))[:2] != after[name][:2]}


def check_json(workspace: Path) -> dict[str, object]:
    result = CliRunner().invoke(main, ["-C", str(workspace), "check", "--format", "json",
                                       "--now", NOW])
    data: dict[str, object] = json.loads(result.output)
    return data


class Marks(HTMLParser):
    """Collects, per finding number, the text inside its marks (badges left out), by line."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str | None] = []  # finding number of each open mark, None otherwise
        self.line = ""
        self.badge = 0
        self.texts: dict[str, list[tuple[str, str]]] = {}
        self.items: dict[str, dict[str, str]] = {}
        self.scripts = 0
        self.handlers: list[str] = []
        self.hrefs: list[str] = []
        self.depth = 0
        self.balanced = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.handlers += [name for name, _ in attrs if name.startswith("on")]
        if tag == "script":
            self.scripts += 1
        if tag == "a" and found.get("href"):
            self.hrefs.append(found["href"] or "")
        if tag == "span" and found.get("class") == "line":
            self.line = found.get("id") or ""
        if tag == "li" and found.get("data-code"):
            self.items[(found.get("id") or "")[1:]] = {k: v or "" for k, v in found.items()}
        if tag == "mark":
            self.stack.append(found.get("data-finding"))
        elif tag == "a" and "badge" in (found.get("class") or "") and self.stack:
            self.badge += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "mark":
            if not self.stack:
                self.balanced = False
            else:
                self.stack.pop()
        elif tag == "a" and self.badge:
            self.badge -= 1

    def handle_data(self, data: str) -> None:
        if self.badge:
            return
        for number in self.stack:
            if number is not None:
                self.texts.setdefault(number, []).append((self.line, data))

    def text_of(self, number: str) -> str:
        lines: dict[str, str] = {}
        for line, data in self.texts.get(number, []):
            lines[line] = lines.get(line, "") + data
        return "\n".join(lines.values())


def parse_page(path: Path) -> Marks:
    parser = Marks()
    parser.feed(path.read_text("utf-8"))
    parser.close()
    return parser


def note_pages(output: Path) -> dict[str, Path]:
    """Note pages by the note path they show."""
    pages = {}
    for page in (output / "notes").glob("*.html"):
        found = re.search(r'<span class="path">([^<]+)</span>', page.read_text("utf-8"))
        assert found, page
        pages[found.group(1)] = page
    return pages


def span_text(text: str, line: int, column: int, end_line: int, end_column: int) -> str:
    lines = text.split("\n")
    start = sum(len(x) + 1 for x in lines[:line - 1]) + column - 1
    end = sum(len(x) + 1 for x in lines[:end_line - 1]) + end_column - 1
    return text[start:end].rstrip("\r\n")


@pytest.fixture
def practice(tmp_path: Path) -> Path:
    return copy_practice(tmp_path / "practice")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample practice built once (read-only for the tests that use it)."""
    workspace = copy_practice(tmp_path_factory.mktemp("built") / "practice")
    code, output = run_build(workspace)
    assert code == 0, output
    return workspace


# --- what a build writes ---------------------------------------------------------------------


def test_build_writes_the_dashboard_every_client_and_note_page_and_the_report(
        built: Path) -> None:
    output = built / "output"
    for name in ("index.html", "report.html", "report.json", "report.csv", "style.css"):
        assert (output / name).is_file(), name
    report = json.loads((output / "report.json").read_text("utf-8"))
    notes = {row["note"] for row in report["sessions"]}
    files = [p for p in (built / "notes").rglob("*.md") if p.name != "plan.md"]
    assert len(notes) == len(files) == 38  # the treatment plans are not session notes
    assert set(note_pages(output)) == notes
    clients = {row["client"] for row in report["sessions"]}
    client_pages = list((output / "clients").glob("*.html"))
    assert len(client_pages) == len(clients) == 9
    dashboard = (output / "index.html").read_text("utf-8")
    for page in client_pages:
        assert f'href="clients/{page.name}"' in dashboard
    header = (output / "report.csv").read_text("utf-8").splitlines()[0]
    assert header.startswith("note,client,clinician,session_date")


def test_client_page_has_every_session_in_order_with_addenda_and_missed_sessions(
        built: Path) -> None:
    page = next(p for p in (built / "output" / "clients").glob("*.html")
                if "C-1057" in p.read_text("utf-8"))
    html = page.read_text("utf-8")
    dates = re.findall(r'<h2 id="session-\d+-title">Session ([0-9-]+ [0-9:]+)', html)
    expected = sorted(p.stem for p in (built / "notes" / "C-1057").glob("*.md")
                      if p.name != "plan.md")
    assert [d[:10] for d in dates] == expected
    assert "Session 2026-10-27 10:00: did not occur" in html  # occurred: false, late-cancel
    addendum = re.search(r'<section class="addendum"><h3>Addendum 2026-11-05 09:30</h3>'
                         r'.*?<dt>Author</dt> <dd>Dr. Amara Osei, PsyD</dd>', html, re.S)
    assert addendum, "the addendum is set apart, with its author"
    assert "Author: Dr. Amara Osei" not in html  # shown as a labelled field, not as prose


def client_page(output: Path, client: str) -> str:
    """The record page of ``client`` in a build's output."""
    return next(p.read_text("utf-8") for p in (output / "clients").glob("*.html")
                if f'<span class="client-id">{client}</span>' in p.read_text("utf-8"))


def test_pages_show_the_claim_of_each_session(built: Path) -> None:
    """Issue 10: codes with their modifiers, place of service, modality and clock times."""
    output = built / "output"

    telehealth = client_page(output, "C-1057")
    for fact in ("<dt>Service code</dt><dd>90834-95</dd>",
                 "<dt>Place of service</dt><dd>10 (Telehealth provided in the patient&#39;s "
                 "home)</dd>", "<dt>Modality</dt><dd>video</dd>",
                 "<dt>Client location</dt><dd>OH</dd>",
                 "<dt>Clock</dt><dd>10:00–10:47 (47 min)</dd>"):
        assert fact in telehealth, fact
    assert "<dt>Service codes</dt><dd>90839, 90840</dd>" in client_page(output, "C-1103")
    assert "<dt>Service codes</dt><dd>90834, 90785</dd>" in client_page(output, "C-1104")
    note_page = note_pages(output)["notes/C-1103/2026-11-20.md"].read_text("utf-8")
    assert "<dt>Clock</dt><dd>16:10–17:35 (85 min)</dd>" in note_page
    report = (output / "report.html").read_text("utf-8")
    assert "<td>90839, 90840</td>" in report and "<td>90834-95</td>" in report


def test_the_record_shows_signatures_plans_diagnoses_and_the_supervisors_queue(
        built: Path) -> None:
    """Issue 11: each note's signature (or attestation) and co-signature, a late entry with
    both dates, each diagnosis with its ICD-10-CM title, the client's plan with the progress
    of each goal, and the notes awaiting co-signature on the dashboard and the report."""
    output = built / "output"

    associate = client_page(output, "C-1110")
    for text in ("<p>Electronically signed by Riley Brooks, LMSW on 2026-11-18 17:50</p>",
                 "<p>Co-signed by Jordan Rivera, LCSW on 2026-11-20 08:40</p>",
                 "<p>Awaiting co-signature by Jordan Rivera (due 2026-12-01 23:59)</p>",
                 '<span class="dx-code">F41.0</span> Panic disorder [episodic paroxysmal '
                 "anxiety]</span>",
                 '<h2 id="plan-heading">Treatment plan</h2>',
                 "<dd>2026-11-22 <strong class=\"overdue\">(overdue)</strong></dd>",
                 "<th scope=\"row\">G1: Panic attacks fewer than one a week</th>\n"
                 "        <td>3</td>\n        <td>2026-11-25 16:00</td>",
                 "<th scope=\"row\">G3: Drives alone to the supermarket and back</th>\n"
                 "        <td>0</td>\n        <td>never <strong class=\"overdue\">(no session "
                 "in 96 days)</strong></td>"):
        assert text in associate, text
    legacy = client_page(output, "C-1057")
    assert ("<p>Signature attested by Amara Osei, PsyD on 2026-11-27 10:00 (submitted "
            "2026-11-03 16:20 without a signature)</p>") in legacy
    assert ("<p class=\"late-entry\"><strong>Late entry: entered 2026-11-14 15:40 for the "
            "session of 2026-11-10 10:00 (due 2026-11-13 10:00)</strong></p>") in legacy
    for page in ("index.html", "report.html"):
        html = (output / page).read_text("utf-8")
        assert '<h2 id="queues">Awaiting co-signature</h2>' in html
        assert "Jordan Rivera: 1 note</h3>" in html and "<td>Riley Brooks, LMSW</td>" in html


def test_every_finding_of_check_is_highlighted_at_its_exact_text(built: Path) -> None:
    report = check_json(built)
    findings = report["findings"]
    assert isinstance(findings, list) and len(findings) >= 19
    pages = note_pages(built / "output")
    for finding in findings:
        if finding["path"].endswith("/plan.md"):  # a plan's findings are on its client's page
            shown = (f'<span class="badge badge-static">{finding["code"]}</span> '
                     f'{finding["severity"]}, line {finding["line"]}: ')
            assert shown in client_page(built / "output", finding["path"].split("/")[1])
            continue
        page = parse_page(pages[finding["path"]])
        assert page.balanced
        number = next(n for n, item in page.items.items()
                      if (item["data-code"], item["data-line"], item["data-column"])
                      == (finding["code"], str(finding["line"]), str(finding["column"])))
        text = (built / finding["path"]).read_text("utf-8")
        expected = span_text(text, finding["line"], finding["column"], finding["end_line"],
                             finding["end_column"])
        assert expected, finding
        assert page.text_of(number) == expected, finding


@pytest.mark.needs("vnu")
def test_pages_are_valid_html(built: Path) -> None:
    output = built / "output"
    pages = [output / "index.html", output / "report.html",
             next((output / "clients").glob("*.html")),
             next(p for p in (output / "clients").glob("*.html")  # a plan, its findings
                  if "C-1110" in p.read_text("utf-8")),
             note_pages(output)["notes/C-1042/2026-10-12.md"],
             note_pages(output)["notes/C-1057/2026-11-03.md"]]
    assert validate_html(pages) == []


def test_the_note_as_written_keeps_every_character_in_order(built: Path) -> None:
    page = note_pages(built / "output")["notes/C-1042/2026-10-12.md"]
    html = page.read_text("utf-8")
    body = re.search(r'<pre class="source"><code>(.*?)</code></pre>', html, re.S)
    assert body
    lines = re.findall(r'<span class="line" id="L\d+">(.*?)</span>(?=<span class="line"|$)',
                       body.group(1), re.S)
    shown = "\n".join(re.sub(r'<a class="badge"[^>]*>[^<]*</a>|<[^>]+>', "", line)
                      for line in lines)
    import html as html_module

    source = (built / "notes/C-1042/2026-10-12.md").read_text("utf-8")
    assert html_module.unescape(shown) == source  # an editor's last, empty line included


# --- safe output ---------------------------------------------------------------------------


def test_raw_html_and_script_links_in_a_note_are_text(practice: Path) -> None:
    (practice / "notes" / "C-EVIL").mkdir()
    (practice / "notes" / "C-EVIL" / "2026-11-20.md").write_text(HOSTILE, "utf-8")
    code, output = run_build(practice)
    assert code == 0, output
    for page in [*(practice / "output").rglob("*.html")]:
        parsed = parse_page(page)
        assert parsed.scripts == 0, page
        assert parsed.handlers == [], page
        for href in parsed.hrefs:
            assert not href.lower().startswith(("javascript:", "data:", "vbscript:")), href
    html = note_pages(practice / "output")["notes/C-EVIL/2026-11-20.md"].read_text("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html  # the image is not fetched: no <img> at all
    assert '<a href="https://example.org/" rel="noopener noreferrer nofollow">site</a>' in html


def test_markdown_keeps_only_web_and_mail_links_and_no_images() -> None:
    md = MarkdownRenderer.create()
    html = md.render("[a](http://x.org) [b](https://x.org) [c](mailto:a@b.org) [d](file:///etc) "
                     "[e](rel.md) [f](ftp://x) [g](javascript:alert(1)) [h](JaVaScRiPt:x) "
                     "![i](data:image/png;base64,AAAA) <https://auto.org> <b>bold</b>")
    assert re.findall(r'href="([^"]+)"', html) == ["http://x.org", "https://x.org",
                                                    "mailto:a@b.org", "https://auto.org"]
    assert "<img" not in html and "<b>" not in html and "&lt;b&gt;" in html


def test_note_headings_sit_under_the_page_headings() -> None:
    md = MarkdownRenderer.create()
    assert "<h3>Subjective</h3>" in md.render("## Subjective\ntext", top_level=3)
    assert "<h3>Top</h3>" in md.render("# Top\n## Sub", top_level=3)
    assert "<h4>Sub</h4>" in md.render("# Top\n## Sub", top_level=3)


@pytest.mark.parametrize("clients", [["../../etc", "CON", "a/b", "A", "a", "..", "nul.txt",
                                      "C:\\x", "", " ", "Zoë", "日本"]])
def test_hostile_client_ids_get_distinct_files_inside_output(practice: Path,
                                                             clients: list[str]) -> None:
    shutil.rmtree(practice / "notes")
    for number, client in enumerate(clients):
        folder = practice / "notes" / f"n{number}"
        folder.mkdir(parents=True)
        text = HOSTILE.replace("client: C-EVIL", f"client: {json.dumps(client)}")
        (folder / "2026-11-20.md").write_text(text, "utf-8")
    code, output = run_build(practice)
    assert code == 0, output
    out = (practice / "output").resolve()
    pages = sorted((out / "clients").glob("*.html"))
    written = [p for p in practice.rglob("*") if p.is_file()]
    assert all(p.resolve().is_relative_to(out) or "output" not in p.parts for p in written)
    report = json.loads((out / "report.json").read_text("utf-8"))
    named = {row["client"] for row in report["sessions"]}
    assert named == {c for c in clients if c.strip()} | {None}  # "" and " " name no client
    assert len(pages) == len(named)
    assert len({p.name.casefold() for p in pages}) == len(pages)
    for page in pages:
        assert re.fullmatch(r"[a-z0-9-]+-[0-9a-f]{10,64}\.html|no-client\.html", page.name)


def test_safe_names_are_plain_and_distinct_ignoring_case() -> None:
    names = unique_names(["../../etc", "CON", "a/b", "A", "a", "..", "nul"])
    assert len({n.casefold() for n in names.values()}) == 7
    for name in names.values():
        assert re.fullmatch(r"[a-z0-9-]+", name) and ".." not in name and "/" not in name
    assert names["CON"] != "con" and names["CON"].startswith("con-")
    assert safe_name("A") != safe_name("a")


def test_output_names_cannot_leave_the_output_folder() -> None:
    for bad in ("../x.html", "/etc/passwd", "a/../../b", "a\\b", "", "a//b", "./a"):
        with pytest.raises(OutputError):
            check_name(bad)
    assert str(check_name("clients/c-1-0123456789.html")) == "clients/c-1-0123456789.html"


def test_an_unreadable_note_gets_a_page_and_stops_nothing(practice: Path) -> None:
    (practice / "notes" / "C-1042" / "2026-11-30.md").write_bytes(b"\x00\x01binary")
    code, output = run_build(practice)
    assert code == 0, output
    html = note_pages(practice / "output")["notes/C-1042/2026-11-30.md"].read_text("utf-8")
    assert "R003" in html and "could not be read" in html
    assert len(note_pages(practice / "output")) == 39


# --- highlights ---------------------------------------------------------------------------


def test_overlapping_and_crossing_spans_nest_and_cover_their_text() -> None:
    text = "alpha beta gamma delta\nsecond line here\n"
    source = SourceText.from_str(text)
    spans = [(0, 10), (6, 16), (6, 10), (11, 30), (3, 3), (6, 10)]
    marks = [Highlight(n, a, b, f"X{n}", "warning", f"t{n}")
             for n, (a, b) in enumerate(spans, start=1)]
    html = "".join(f'<span class="line" id="L{i}">{line}</span>'
                   for i, line in enumerate(highlighted_lines(source, marks), start=1))
    parser = Marks()
    parser.feed(html)
    assert parser.balanced and not parser.stack
    for number, (start, end) in enumerate(spans, start=1):
        expected = text[start:end] if end > start else text[start]
        assert parser.text_of(str(number)) == expected, number
    assert html.count('class="badge"') == len(spans)  # one code badge per finding


# --- incremental and atomic ------------------------------------------------------------------


def test_an_unchanged_rebuild_renders_nothing(practice: Path) -> None:
    code, first = run_build(practice)
    pages = 52 + len(all_rules()) + 1  # the record, then a page per rule and their index
    assert code == 0 and rendered(first) == pages, first
    before = snapshot(practice / "output")
    code, second = run_build(practice)
    assert code == 0 and "is up to date" in second and rendered(second) == 0, second
    assert changed(before, snapshot(practice / "output")) == set()


def test_an_unchanged_rebuild_is_up_to_date_in_a_new_process(practice: Path) -> None:
    # Each `soapbuild build` is a new process with its own string-hash seed; sets in
    # the settings (the keys the file sets, the ignored rules) must not move the key.
    with (practice / "soapbuild.toml").open("a", encoding="utf-8") as settings:
        settings.write('[rules]\nignore = ["H001", "H002", "U001", "J003", "Q003"]\n')
    command = [sys.executable, "-m", "soapbuild", "-C", str(practice), "build", "--no-pdf"]
    outputs = [subprocess.run(command, env={**os.environ, "SOAPBUILD_NOW": NOW,
                                            "PYTHONHASHSEED": str(seed)},
                              capture_output=True, text=True, check=True).stdout
               for seed in range(1, 5)]
    assert rendered(outputs[0]) > 0, outputs[0]
    assert all("is up to date" in output for output in outputs[1:]), outputs


def test_a_changed_note_rerenders_its_pages_only(practice: Path) -> None:
    run_build(practice)
    before = snapshot(practice / "output")
    note = practice / "notes" / "C-1091" / "2026-11-18.md"
    note.write_text(note.read_text("utf-8").replace("Next session", "Next appointment"),
                    "utf-8")
    code, output = run_build(practice)
    assert code == 0, output
    pages = note_pages(practice / "output")
    own = pages["notes/C-1091/2026-11-18.md"].relative_to(practice / "output").as_posix()
    client = next(p.relative_to(practice / "output").as_posix()
                  for p in (practice / "output" / "clients").glob("*.html")
                  if "Client <span class=\"client-id\">C-1091" in p.read_text("utf-8"))
    made = changed(before, snapshot(practice / "output"))
    assert {own, client} <= made <= {own, client, "index.html", "report.html", "report.json",
                                      "report.csv"}
    assert rendered(output) == len(made)


def test_a_new_finding_rerenders_the_dashboard_and_the_report(practice: Path) -> None:
    run_build(practice)
    before = snapshot(practice / "output")
    note = practice / "notes" / "C-1091" / "2026-11-18.md"
    note.write_text(note.read_text("utf-8").replace("## Plan", "## Plan\nClient always naps.",
                                                    1), "utf-8")
    run_build(practice)
    made = changed(before, snapshot(practice / "output"))
    assert {"index.html", "report.html"} <= made
    assert len([m for m in made if m.startswith("notes/")]) == 1


def test_a_changed_template_rerenders_what_uses_it(practice: Path) -> None:
    run_build(practice)
    templates = practice / "templates"
    templates.mkdir()
    before = snapshot(practice / "output")
    note_template = (builtin_dir() / "note.html").read_text("utf-8")
    (templates / "note.html").write_text(note_template.replace(
        "<h2 id=\"findings\">Findings</h2>", "<h2 id=\"findings\">Findings (local)</h2>"),
        "utf-8")
    code, output = run_build(practice)
    assert code == 0, output
    made = changed(before, snapshot(practice / "output"))
    assert made == {n for n in before if n.startswith("notes/")}
    assert "Findings (local)" in next((practice / "output" / "notes").glob("*.html")).read_text(
        "utf-8")

    before = snapshot(practice / "output")
    (templates / "style.css").write_text("body { color: #000; }\n", "utf-8")
    run_build(practice)
    assert changed(before, snapshot(practice / "output")) == {"style.css"}

    before = snapshot(practice / "output")
    base = (builtin_dir() / "base.html").read_text("utf-8")
    (templates / "base.html").write_text(base.replace("Keep this folder private.",
                                                      "Keep this folder private!"), "utf-8")
    run_build(practice)
    assert changed(before, snapshot(practice / "output")) == {
        n for n in before if n.endswith(".html")}


def test_a_deleted_note_loses_its_page(practice: Path) -> None:
    run_build(practice)
    page = note_pages(practice / "output")["notes/C-1085/2026-11-26.md"]
    (practice / "notes" / "C-1085" / "2026-11-26.md").unlink()
    code, output = run_build(practice)
    assert code == 0 and "removed 1" in output, output
    assert not page.exists()
    assert len(note_pages(practice / "output")) == 37

    shutil.rmtree(practice / "notes" / "C-1091")  # a whole client goes
    run_build(practice)
    assert not any("C-1091" in p.read_text("utf-8")
                   for p in (practice / "output" / "clients").glob("*.html"))


def test_a_page_edited_or_deleted_in_output_is_made_again(practice: Path) -> None:
    run_build(practice)
    (practice / "output" / "index.html").unlink()
    note_page = next((practice / "output" / "notes").glob("*.html"))
    note_page.write_text("tampered", "utf-8")  # as if a crash left a file the manifest lacks
    code, output = run_build(practice)
    assert code == 0 and rendered(output) == 2, output
    assert (practice / "output" / "index.html").is_file()
    assert note_page.read_text("utf-8").startswith("<!DOCTYPE html>")


def test_a_failing_render_leaves_the_previous_output_intact(practice: Path) -> None:
    run_build(practice)
    before = snapshot(practice / "output")
    for note in (practice / "notes").rglob("*.md"):  # every page has to be made again
        note.write_text(note.read_text("utf-8") + "\n", "utf-8")
    (practice / "templates").mkdir()
    broken = (builtin_dir() / "note.html").read_text("utf-8").replace(
        "<h1>", "{% if session.path.endswith('C-1042/2026-11-02.md') %}{{ no_such_value }}"
                "{% endif %}<h1>")
    (practice / "templates" / "note.html").write_text(broken, "utf-8")
    code, output = run_build(practice)
    assert code == 2
    assert "no_such_value" in output and "previous output is unchanged" in output
    assert snapshot(practice / "output") == before
    assert not staging_folders(practice)


def test_a_build_killed_half_way_leaves_the_previous_output_readable(practice: Path) -> None:
    env = {**os.environ, "SOAPBUILD_NOW": NOW}
    command = [sys.executable, "-m", "soapbuild", "-C", str(practice), "build", "--no-pdf"]
    subprocess.run(command, env=env, check=True, capture_output=True)
    before = snapshot(practice / "output")
    (practice / "templates").mkdir()
    slow = (builtin_dir() / "note.html").read_text("utf-8").replace(
        "<h1>", "{% for i in range(400000) %}{% endfor %}<h1>")
    (practice / "templates" / "note.html").write_text(slow, "utf-8")
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            staged = [page for folder in staging_folders(practice)
                      for page in folder.glob("notes/*.html")]
            if len(staged) >= 3:
                break
            assert process.poll() is None, "the build ended before it could be killed"
            time.sleep(0.01)
        else:
            pytest.fail("the build staged no page in time")
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(30)
    assert {n: v for n, v in snapshot(practice / "output").items()
            if not n.startswith(".staging-")} == before
    assert staging_folders(practice)  # the killed build's leftovers
    (practice / "templates" / "note.html").unlink()
    code, output = run_build(practice)
    assert code == 0, output
    assert not staging_folders(practice)


def test_a_symlinked_output_folder_is_refused(practice: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (practice / "output").symlink_to(elsewhere, target_is_directory=True)
    code, output = run_build(practice)
    assert code == 2 and "is a link that leads outside the workspace" in output
    assert list(elsewhere.iterdir()) == []
    inside = practice / "site"
    inside.mkdir()
    (practice / "output").unlink()
    (practice / "output").symlink_to(inside, target_is_directory=True)
    code, output = run_build(practice)
    assert code == 2 and "not a plain folder" in output
    assert list(inside.iterdir()) == []


# --- command and packaging ----------------------------------------------------------------


def test_build_pdf_defaults_to_where_possible() -> None:
    # None: PDFs where WeasyPrint can load Pango, skipped with a note elsewhere;
    # an explicit --pdf insists (tests/test_pdf.py runs all three without Pango).
    command = main.commands["build"]
    for args, expected in (([], None), (["--pdf"], True), (["--no-pdf"], False),
                           (["--no-pdf", "--pdf"], True)):
        with command.make_context("build", args, resilient_parsing=False) as ctx:
            assert ctx.params["pdf"] is expected, args


def test_a_workspace_template_overrides_the_builtin_one_file_by_file(practice: Path) -> None:
    (practice / "templates").mkdir()
    (practice / "templates" / "index.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>Our practice</h1>{% endblock %}', "utf-8")
    code, output = run_build(practice)
    assert code == 0, output
    dashboard = (practice / "output" / "index.html").read_text("utf-8")
    assert "<h1>Our practice</h1>" in dashboard and "Skip to the content" in dashboard
    assert "<h1>Compliance report</h1>" in (practice / "output" / "report.html").read_text(
        "utf-8")


def test_every_package_folder_is_listed_for_the_wheel() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {path.parent.relative_to(REPO).as_posix().replace("/", ".")
             for path in (REPO / "soapbuild").rglob("__init__.py")}
    assert found <= listed
    assert config["package-dir"]["soapbuild.templates"] == "templates"
    for name in ("base.html", "index.html", "client.html", "note.html", "report.html",
                 "style.css"):
        assert (REPO / "templates" / name).is_file()


@pytest.mark.parametrize("setting", ['output_dir = "../elsewhere"', 'output_dir = "."',
                                     'templates_dir = "/etc"'])
def test_folders_outside_the_workspace_are_refused(practice: Path, setting: str) -> None:
    settings = practice / "soapbuild.toml"  # a top-level key goes before the tables
    settings.write_text(setting + "\n" + settings.read_text("utf-8"), "utf-8")
    code, output = run_build(practice)
    assert code == 2 and "must name a folder inside the workspace" in output
    assert not (practice.parent / "elsewhere").exists()
