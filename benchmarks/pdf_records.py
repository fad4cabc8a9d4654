#!/usr/bin/env python3
"""The HTML that soapbuild hands WeasyPrint for its PDF records, and WeasyPrint alone on it.

The PDF row of benchmarks/run.py compares soapbuild's PDF step with the least
any tool could do to make the same PDFs: WeasyPrint in one process, rendering
the same HTML one record after another.

    python benchmarks/pdf_records.py capture WORKSPACE FOLDER --now TIMESTAMP
    python benchmarks/pdf_records.py render FOLDER OUT

``capture`` runs ``soapbuild build --pdf`` in this process with WeasyPrint's
``HTML`` replaced by a recorder that saves each document's HTML and the options
soapbuild asked for (FOLDER/NAME.html and NAME.json) instead of rendering it;
that build's output is to be thrown away. ``render`` is the timed baseline:
import WeasyPrint, then write each saved document as a PDF into OUT with the
options soapbuild used.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any


def capture(workspace: Path, folder: Path, now: str) -> int:
    """Build ``workspace`` with PDFs, saving each record's HTML; the number saved."""
    import weasyprint  # type: ignore[import-untyped]

    from soapbuild.cli import main as soapbuild

    folder.mkdir(parents=True, exist_ok=True)
    real = weasyprint.HTML

    class Recorder(real):  # type: ignore[misc, valid-type]
        """Keeps the document's HTML; "renders" nothing."""

        def __init__(self, *args: Any, string: str | None = None, **kwargs: Any) -> None:
            super().__init__(*args, string=string, **kwargs)
            self.saved_html = string

        def write_pdf(self, target: Any = None, **options: Any) -> bytes:
            if self.saved_html is None:
                raise SystemExit("soapbuild no longer hands WeasyPrint an HTML string; "
                                 "update benchmarks/pdf_records.py")
            name = hashlib.sha256(self.saved_html.encode("utf-8")).hexdigest()[:16]
            (folder / f"{name}.html").write_text(self.saved_html, "utf-8")
            kept = {k: v for k, v in options.items() if isinstance(v, str | int | float | bool)}
            (folder / f"{name}.json").write_text(json.dumps(kept), "utf-8")
            return b""

    weasyprint.HTML = Recorder
    try:
        soapbuild(["-C", str(workspace), "build", "--pdf", "--now", now], standalone_mode=False)
    except SystemExit as done:
        if done.code not in (0, None):
            raise
    finally:
        weasyprint.HTML = real
    return len(list(folder.glob("*.html")))


def render(folder: Path, out: Path) -> int:
    """Write every saved document in ``folder`` as a PDF into ``out``, one after another."""
    from weasyprint import HTML

    out.mkdir(parents=True, exist_ok=True)
    documents = sorted(folder.glob("*.html"))
    for page in documents:
        options = json.loads(page.with_suffix(".json").read_text("utf-8"))
        HTML(string=page.read_text("utf-8"), base_url=folder.resolve().as_uri() + "/"
             ).write_pdf(out / f"{page.stem}.pdf", **options)
    return len(documents)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    actions = parser.add_subparsers(dest="action", required=True)
    taking = actions.add_parser("capture")
    taking.add_argument("workspace", type=Path)
    taking.add_argument("folder", type=Path)
    taking.add_argument("--now", required=True)
    making = actions.add_parser("render")
    making.add_argument("folder", type=Path)
    making.add_argument("out", type=Path)
    options = parser.parse_args()
    if options.action == "capture":
        count = capture(options.workspace, options.folder, options.now)
    else:
        count = render(options.folder, options.out)
    if count == 0:
        print("no record HTML found", file=sys.stderr)
        return 1
    print(f"{options.action}: {count} records")
    return 0


if __name__ == "__main__":
    sys.exit(main())
