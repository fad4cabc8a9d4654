"""The built pages in headless Chromium: hostile note text stays inert, and axe-core is content.

Chromium is the system's (/usr/bin/chromium, installed by .ci/run), driven by
Playwright; Playwright's own browser download is never used. Pages are opened
from file:// as a user opens output/index.html. The script test runs twice:
with the pages' Content-Security-Policy bypassed, to prove the escaping alone
makes the note inert, and with it, as a user sees them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_build import HOSTILE, copy_practice, note_pages, run_build
from validators import CHROMIUM, CHROMIUM_ARGS, axe_core_source

pytestmark = pytest.mark.needs("chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright import sync_api

    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample practice plus a note (and a clinician name) full of markup, built."""
    workspace = copy_practice(tmp_path_factory.mktemp("browser") / "practice")
    (workspace / "notes" / "C-EVIL").mkdir()
    (workspace / "notes" / "C-EVIL" / "2026-11-20.md").write_text(HOSTILE, "utf-8")
    code, output = run_build(workspace)
    assert code == 0, output
    return workspace / "output"


def _pages(site: Path) -> dict[str, Path]:
    evil = note_pages(site)["notes/C-EVIL/2026-11-20.md"]
    client = next(p for p in (site / "clients").glob("*.html")
                  if "C-EVIL" in p.read_text("utf-8"))
    return {"note": evil, "client": client, "dashboard": site / "index.html",
            "report": site / "report.html"}


@pytest.mark.parametrize("bypass_csp", [True, False], ids=["escaping-alone", "with-csp"])
def test_script_image_and_javascript_links_in_a_note_do_nothing(browser: Any, site: Path,
                                                                bypass_csp: bool) -> None:
    context = browser.new_context(bypass_csp=bypass_csp)
    dialogs: list[str] = []
    requests: list[str] = []
    try:
        for name, path in _pages(site).items():
            page = context.new_page()
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.on("request", lambda request: requests.append(request.url))
            page.route("**/*", lambda route: route.continue_()
                       if route.request.url.startswith("file:") else route.abort())
            page.goto(path.as_uri())
            assert page.evaluate("typeof window.__pwned") == "undefined", name
            assert page.locator("script").count() == 0, name
            assert page.locator("img, iframe, object, embed").count() == 0, name
            for link in page.locator("a").all():
                href = (link.get_attribute("href") or "").strip().lower()
                assert not href.startswith(("javascript:", "data:", "vbscript:")), href
            if name == "note":
                shown = page.get_by_text("javascript:window.__pwned=1").first
                shown.click()  # the link is text: clicking it does nothing
                for link in page.locator(".note-body a").all():
                    link.click(modifiers=["Control"])  # a web link may open; it runs nothing
                for mark in page.locator("mark.finding").all():
                    mark.hover()
                assert page.evaluate("typeof window.__pwned") == "undefined"
            page.close()
    finally:
        context.close()
    assert dialogs == []
    loaded = [url for url in requests if not url.startswith("file:")]
    assert loaded in ([], ["https://example.org/"]), loaded  # only the link that was clicked


def test_highlights_explain_themselves_on_hover_and_in_the_list(browser: Any,
                                                                 site: Path) -> None:
    page = browser.new_page()
    try:
        page.goto(note_pages(site)["notes/C-1042/2026-10-12.md"].as_uri())
        mark = page.locator("mark#m1")
        assert mark.get_attribute("title").startswith("J004 (warning): 'claims'")
        badge = page.locator("mark#m1 a.badge")
        assert badge.inner_text() == "J004"  # the code is text, not only a colour
        badge.click()
        assert page.evaluate("location.hash") == "#f1"
        assert "casts doubt" in page.locator("#f1").inner_text()
    finally:
        page.close()


@pytest.mark.needs("axe")
def test_axe_core_finds_no_serious_violations(browser: Any, site: Path) -> None:
    source = axe_core_source()
    context = browser.new_context(bypass_csp=True)  # to inject axe; the pages run no script
    problems = []
    try:
        pages = _pages(site)
        pages["findings"] = note_pages(site)["notes/C-1042/2026-10-12.md"]
        # a note changed after it locked: shown from its locked text, the change set apart
        pages["locked"] = next(p for p in (site / "clients").glob("*.html")
                               if "unauthorised-change" in p.read_text("utf-8"))
        pages["locked-note"] = note_pages(site)["notes/C-1085/2026-11-10.md"]
        for name, path in pages.items():
            page = context.new_page()
            page.goto(path.as_uri())
            page.add_script_tag(content=source)
            violations = page.evaluate(
                "async () => (await axe.run(document)).violations"
                ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,"
                " html: v.nodes.slice(0, 2).map(n => n.html)}))")
            problems += [(name, v) for v in violations if v["impact"] in ("serious", "critical")]
            page.close()
    finally:
        context.close()
    assert problems == []
