"""Shared fixtures: a note text builder, a parser, a fixed context and a workspace.

``make_note`` writes the front matter line by line from raw YAML text, so a
test says exactly what the clinician typed (``duration='"53"'`` is a quoted
value, ``client="0042"`` a plain one); ``None`` leaves a field out.

Tests that need a program from outside Python (the validators in tools/,
Chromium, a WeasyPrint that can load Pango) say so with
``@pytest.mark.needs("vnu", "chromium", ...)``. Where one is missing the test is
skipped with one line saying what is missing and how to get it (the same line
for every test, so ``-ra`` folds them), so the README's test command passes on a
fresh machine; with ``SOAPBUILD_REQUIRE_TOOLS=1`` (``.ci/run`` sets it) the test
fails with that line instead, so CI never skips one. A validator helper that
finds its tool missing mid-test (tests/validators.py, ``ToolMissing``) is
treated the same way.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

import pytest
import tally
from validators import NEEDS, ToolMissing, missing

from soapbuild.model.formats import NoteFormat, builtin_formats
from soapbuild.model.note import Note
from soapbuild.model.parse import ParseResult, parse_note
from soapbuild.model.source import SourceText
from soapbuild.rules.context import Context
from soapbuild.settings import Settings


@pytest.fixture(autouse=True)
def _plain_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite's own colour settings never leak into what it checks: a CI runner that
    exports FORCE_COLOR or NO_COLOR would otherwise colour (or not) piped output."""
    for name in ("FORCE_COLOR", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)


ZONE = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=ZONE)

REQUIRE_TOOLS = "SOAPBUILD_REQUIRE_TOOLS"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"needs(*names): the test needs these outside programs ({', '.join(NEEDS)}); "
        f"skipped where one is missing, failed then under {REQUIRE_TOOLS}=1")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The robustness suites' counts (tests/tally.py), when any of them ran."""
    shown = tally.line()
    if shown is not None:
        terminalreporter.write_sep("-", "robustness")
        terminalreporter.write_line(shown)


def _without(problem: str) -> NoReturn:
    """Skip the running test for want of a tool, or fail it when CI requires every tool."""
    if os.environ.get(REQUIRE_TOOLS, "") not in ("", "0"):
        pytest.fail(f"{problem} ({REQUIRE_TOOLS} is set: every tool must be installed)",
                    pytrace=False)
    pytest.skip(problem)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    """Before any fixture runs: what the test's ``needs`` marks name must be installed."""
    for marker in item.iter_markers("needs"):
        for need in marker.args:
            if need not in NEEDS:
                raise pytest.UsageError(f"{item.nodeid}: unknown need {need!r}; one of "
                                        f"{', '.join(NEEDS)}")
            problem = missing(need)
            if problem is not None:
                _without(problem)
    try:
        return (yield)
    except ToolMissing as error:  # raised by a fixture
        problem = str(error)
    _without(problem)  # outside the handler: the one line, not a chain of exceptions


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    try:
        return (yield)
    except ToolMissing as error:
        problem = str(error)
    _without(problem)


DEFAULT_FIELDS: dict[str, str] = {
    "client": "C-1042",
    "clinician": "Jordan Rivera, LCSW",
    "session_date": "2026-11-20 15:00",
    "occurred": "true",
    "duration": "53",
    "service_code": '"90837"',
    "submitted": "2026-11-21 09:12",
}

SOAP_BODY = """\
## Subjective
Client reported sleeping about five hours per night. Client stated,
"I keep waking up at 4 a.m."

## Objective
Client arrived on time and was cooperative; speech was normal in rate and volume.

## Assessment
Presentation is consistent with generalized anxiety disorder. Client denies SI/HI;
risk is assessed as low.

## Plan
Client will keep a sleep diary for seven nights. Next session on 2026-11-27 at 15:00.
"""


def build_note(body: str = SOAP_BODY, *, newline: str = "\n", bom: bool = False,
               **fields: str | None) -> str:
    """A note's text: front matter from ``DEFAULT_FIELDS`` updated by ``fields``, then ``body``.

    A field set to ``None`` is left out; ``""`` writes ``name:`` with no value.
    Fields keep the default order; new ones follow. ``newline`` replaces every
    ``\\n`` (use ``"\\r\\n"`` or ``"\\r"``); ``bom`` prefixes a UTF-8 BOM.
    """
    merged: dict[str, str | None] = {**DEFAULT_FIELDS, **fields}
    lines = ["---"]
    lines += [f"{name}: {value}".rstrip() for name, value in merged.items() if value is not None]
    lines.append("---")
    text = "\n".join(lines) + "\n" + body
    text = text.replace("\n", newline)
    return ("\ufeff" + text) if bom else text


@pytest.fixture(scope="session")
def make_note() -> Callable[..., str]:
    return build_note


@pytest.fixture(scope="session")
def formats() -> dict[str, NoteFormat]:
    return builtin_formats()


@pytest.fixture(scope="session")
def parse(formats: dict[str, NoteFormat]) -> Callable[[str | bytes], ParseResult]:
    """Parse note text (str is encoded as UTF-8) the way ``soapbuild check`` does."""

    def run(data: str | bytes) -> ParseResult:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        return parse_note(raw, "notes/x.md", formats)

    return run


@pytest.fixture(scope="session")
def parsed(parse: Callable[[str | bytes], ParseResult]) -> Callable[[str | bytes], Note]:
    """Parse and return the note, failing the test if the file could not be read as text."""

    def run(data: str | bytes) -> Note:
        result = parse(data)
        assert result.note is not None, result.problems
        return result.note

    return run


def line_col(source: SourceText, offset: int) -> tuple[int, int]:
    position = source.position(offset)
    return position.line, position.column


@pytest.fixture(scope="session")
def at() -> Callable[[SourceText, int], tuple[int, int]]:
    """``at(source, offset)`` -> ``(line, column)``, 1-based, as an editor shows it."""
    return line_col


@pytest.fixture(scope="session")
def context(tmp_path_factory: pytest.TempPathFactory) -> Context:
    """Default settings in America/New_York and a fixed, aware 'now' (2026-11-27 12:00)."""
    root = tmp_path_factory.mktemp("context-root")
    return Context(Settings(root=root, timezone_name="America/New_York", timezone=ZONE), NOW)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """An empty workspace: soapbuild.toml with the practice timezone and a notes/ folder."""
    (tmp_path / "soapbuild.toml").write_text('timezone = "America/New_York"\n', "utf-8")
    (tmp_path / "notes").mkdir()
    return tmp_path


def staging_folders(root: Path) -> list[Path]:
    """A build's staging folders in the workspace at ``root``: inside ``output/`` when the
    commit moves pages one by one, beside the build's manifest in ``.soapbuild/cache/``
    when it exchanges the whole folder (soapbuild/render/swap.py)."""
    return [*(root / "output").glob(".staging-*"),
            *(root / ".soapbuild" / "cache").glob(".staging-*")]
