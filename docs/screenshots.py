#!/usr/bin/env python3
"""Make the README's screenshots from the sample practice: dashboard, a client, a PDF page.

Builds a copy of the repository's notes/ (with PDFs, "now" fixed) in a temporary
folder, photographs two pages in headless Chromium (the system's
/usr/bin/chromium through Playwright) and turns the first page of a client's
PDF into a PNG with pdftoppm.

    python docs/screenshots.py [--client C-1042]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
NOW = "2026-11-28 12:00"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-gpu"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client", default="C-1057")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch:
        workspace = Path(scratch)
        shutil.copytree(REPO / "notes", workspace / "notes")
        shutil.copy(REPO / "soapbuild.toml", workspace)
        (workspace / ".soapbuild").mkdir()
        shutil.copy(REPO / ".soapbuild" / "seals.json", workspace / ".soapbuild")
        subprocess.run([sys.executable, "-m", "soapbuild", "-C", str(workspace), "build",
                        "--now", NOW], check=True)
        output = workspace / "output"
        client = next(p for p in sorted((output / "clients").glob("*.html"))
                      if f'class="client-id">{args.client}<' in p.read_text("utf-8"))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto((output / "index.html").as_uri())
            page.screenshot(path=str(DOCS / "dashboard.png"), full_page=True)
            page.goto(client.as_uri())
            page.screenshot(path=str(DOCS / "client.png"))
            browser.close()
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
                        str(client.with_suffix(".pdf")), str(DOCS / "record-page")], check=True)
    for name in ("dashboard.png", "client.png", "record-page.png"):
        print(DOCS / name)


if __name__ == "__main__":
    main()
