"""Rule pages in the record (issue 8, item 10): every finding links to its rule's page.

``soapbuild build`` writes ``output/rules/CODE.html`` for every rule, from the
registry that ``soapbuild explain`` prints, with its examples as code and its
sources, and ``output/rules/index.html``. Every finding shown on a page (note
pages, client pages, the dashboard, the report) links there with a relative
URL, instead of naming a command. The pages pass the W3C Nu checker and
axe-core like the others; they are made again only when what they show changes.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from test_build import NOW, changed, copy_practice, note_pages, run_build, snapshot
from validators import CHROMIUM, CHROMIUM_ARGS, axe_core_source, validate_html

from soapbuild.cli import main
from soapbuild.rules.explain import example_parts, rule_notes
from soapbuild.rules.registry import all_rules

RULES = all_rules()


class _Page(HTMLParser):
    """Links, the text of the example code blocks and of the whole page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []  # (href, class)
        self.examples: list[str] = []
        self.text: list[str] = []
        self._in_example = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("href") is not None:
            self.links.append((found["href"] or "", found.get("class") or ""))
        if tag == "pre" and "example-text" in (found.get("class") or ""):
            self._in_example = True
            self.examples.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self._in_example = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_example:
            self.examples[-1] += data


def parsed(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text("utf-8"))
    return page


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workspace = copy_practice(tmp_path_factory.mktemp("rules") / "practice")
    code, output = run_build(workspace)
    assert code == 0, output
    return workspace / "output"


def html_pages(site: Path) -> Iterator[Path]:
    yield from sorted(site.rglob("*.html"))


# --- every finding links to its rule ---------------------------------------------------------


def test_every_rule_has_its_page_and_the_index_lists_them(site: Path) -> None:
    assert sorted(p.stem for p in (site / "rules").glob("*.html")) == sorted(
        [*RULES, "index"])
    index = parsed(site / "rules" / "index.html")
    assert [href for href, _ in index.links if re.fullmatch(r"[A-Z]\d{3}\.html", href)] == [
        f"{code}.html" for code in RULES]


def test_every_link_of_the_record_is_relative_and_leads_to_a_file(site: Path) -> None:
    checked = 0
    for page in html_pages(site):
        for href, _ in parsed(page).links:
            parts = urlsplit(href)
            if parts.scheme in ("http", "https", "mailto") or href.startswith("#"):
                continue
            assert not parts.scheme and not parts.netloc and not href.startswith("/"), (
                page, href)
            target = (page.parent / parts.path).resolve()
            assert target.is_file() and target.is_relative_to(site.resolve()), (page, href)
            checked += 1
    assert checked > 800


def _rule_links(page: Path) -> set[str]:
    return {re.sub(r"^.*rules/", "", href)[:-5] for href, _ in parsed(page).links
            if re.search(r"(^|/)rules/[A-Z]\d{3}\.html$", href)}


def test_each_finding_on_a_note_page_links_to_its_rule(site: Path) -> None:
    for note, page in note_pages(site).items():
        text = page.read_text("utf-8")
        codes = set(re.findall(r'<li id="f\d+" class="finding-item[^"]*" data-code="([A-Z]\d{3})"',
                               text))
        assert _rule_links(page) == codes, note
        for code in codes:  # the badge and the sentence under it
            assert text.count(f'href="../rules/{code}.html"') >= 2, (note, code)
        assert "soapbuild explain" not in text


def test_findings_on_client_pages_the_dashboard_and_the_report_link_to_their_rules(
        site: Path) -> None:
    result = CliRunner().invoke(main, ["-C", str(site.parent), "report", "--format", "json",
                                       "--now", NOW])
    sessions = json.loads(result.output)["sessions"]
    found = {code for s in sessions for code in _codes_of(site, s["note"])}
    assert len(found) >= 8
    report = _rule_links(site / "report.html")
    clients = set().union(*(_rule_links(p) for p in (site / "clients").glob("*.html")))
    assert report == found and clients == found
    errors = _rule_links(site / "index.html")  # the dashboard lists the notes with errors
    assert errors and errors <= found
    assert all(RULES[code].severity.value == "error" for code in errors)


def _codes_of(site: Path, note: str) -> set[str]:
    page = note_pages(site)[note]
    return set(re.findall(r'data-code="([A-Z]\d{3})"', page.read_text("utf-8")))


# --- a rule's page: what explain prints, examples as code ----------------------------------


@pytest.mark.parametrize("code", list(RULES))
def test_a_rule_page_shows_what_explain_prints(site: Path, code: str) -> None:
    rule = RULES[code]
    page = parsed(site / "rules" / f"{code}.html")
    text = " ".join(" ".join(page.text).split())
    explained = "".join(CliRunner().invoke(main, ["explain", code]).output.split())
    assert f"{code}{rule.name}" in explained and f"{code} {rule.name}" in text
    for part in (rule.summary, *rule.what.split("\n\n"), *rule.why.split("\n\n"),
                 *rule.fix.split("\n\n"), *rule.sources, *rule_notes(rule)):
        words = " ".join(part.split())
        assert words in text, (code, words[:60])  # on the page, as explain prints it
        assert "".join(words.split()) in explained, (code, words[:60])  # explain wraps lines
    expected = [shown for example in (*rule.flagged, *rule.passes)
                for _, shown in example_parts(example)[1]]
    assert page.examples == [shown or "(empty file)" for shown in expected]
    notes = [note for example in (*rule.flagged, *rule.passes)
             for note in example_parts(example)[0]]
    for note in notes:
        assert " ".join(note.split()) in text


def test_workspace_settings_show_on_the_rule_page(practice: Path) -> None:
    (practice / "soapbuild.toml").write_text(
        (practice / "soapbuild.toml").read_text("utf-8")
        + '\n[rules]\nignore = ["U001"]\n[rules.severity]\nJ004 = "error"\n', "utf-8")
    assert run_build(practice)[0] == 0
    rules = practice / "output" / "rules"
    assert "In this workspace</dt><dd>error" in (rules / "J004.html").read_text("utf-8")
    assert "switched off (rules.ignore)" in (rules / "U001.html").read_text("utf-8")
    assert "In this workspace" not in (rules / "J002.html").read_text("utf-8")
    assert "(here: error)" in (rules / "index.html").read_text("utf-8")


@pytest.fixture
def practice(tmp_path: Path) -> Path:
    return copy_practice(tmp_path / "practice")


def test_a_rule_page_is_made_again_only_when_what_it_shows_changes(practice: Path) -> None:
    """A changed note leaves every rule page alone (test_build's
    test_a_changed_note_rerenders_its_pages_only lists all that it remakes); a rule's
    severity set in the settings remakes that rule's page and the index only."""
    run_build(practice)
    settings = practice / "soapbuild.toml"
    settings.write_text(settings.read_text("utf-8") + '\n[rules.severity]\nH001 = "info"\n',
                        "utf-8")
    before = snapshot(practice / "output")
    assert run_build(practice)[0] == 0
    remade = {n for n in changed(before, snapshot(practice / "output")) if n.startswith("rules/")}
    assert remade == {"rules/H001.html", "rules/index.html"}


# --- valid and accessible ----------------------------------------------------------------------


@pytest.mark.needs("vnu")
def test_rule_pages_are_valid_html(site: Path) -> None:
    assert validate_html(sorted((site / "rules").glob("*.html"))) == []


@pytest.mark.needs("chromium", "axe")
def test_rule_pages_in_a_browser_axe_and_the_way_there(site: Path) -> None:
    from playwright import sync_api

    source = axe_core_source()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(bypass_csp=True)  # to inject axe
            problems: list[Any] = []
            for name in ("index", "J002", "R003", "K001", "S007", "T007"):
                page = context.new_page()
                page.goto((site / "rules" / f"{name}.html").as_uri())
                page.add_script_tag(content=source)
                violations = page.evaluate(
                    "async () => (await axe.run(document)).violations"
                    ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length}))")
                problems += [(name, v) for v in violations
                             if v["impact"] in ("serious", "critical")]
                page.close()
            assert problems == []
            context.close()
            page = browser.new_page()  # with the pages' own policy, as a reader opens them
            page.goto(note_pages(site)["notes/C-1042/2026-10-12.md"].as_uri())
            page.get_by_role("link", name="About J004: what it finds, why, examples").click()
            assert page.url.endswith("/rules/J004.html")
            assert page.locator("h1").inner_text().startswith("J004")
            flagged = page.locator("figure.example-flagged pre code").first.inner_text()
            assert html.unescape(flagged) == example_parts(RULES["J004"].flagged[0])[1][0][1]
            page.get_by_role("link", name="Rules").first.click()
            assert page.url.endswith("/rules/index.html")
            page.get_by_role("link", name="S007").click()
            assert page.url.endswith("/rules/S007.html")
        finally:
            browser.close()
