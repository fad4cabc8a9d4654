"""The shape of the package (STYLE.md): one pipeline, each step in its folder, data flowing
one way, and a check path light enough for a git hook.

Imports are read from the source with ``ast`` (lazy imports inside functions
included), so a step that reaches back up the pipeline fails here the day it
is written.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "soapbuild"

#: What each step may not import: nothing later in the pipeline, nothing of the edges.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "model": ("soapbuild.rules", "soapbuild.checker", "soapbuild.render", "soapbuild.report",
              "soapbuild.history", "soapbuild.preview", "soapbuild.commands",
              "soapbuild.formatters", "soapbuild.cli", "soapbuild.console", "subprocess"),
    "rules": ("soapbuild.checker", "soapbuild.render", "soapbuild.report", "soapbuild.preview",
              "soapbuild.commands", "soapbuild.formatters", "soapbuild.cli", "soapbuild.console",
              "soapbuild.history.git", "soapbuild.history.hook", "subprocess"),
    "history": ("soapbuild.render", "soapbuild.report", "soapbuild.preview",
                "soapbuild.commands", "soapbuild.formatters", "soapbuild.cli"),
    "report": ("soapbuild.render", "soapbuild.preview", "soapbuild.commands", "soapbuild.cli",
               "soapbuild.history", "subprocess"),
    "render": ("soapbuild.preview", "soapbuild.commands", "soapbuild.cli", "subprocess"),
    "preview": ("soapbuild.commands", "soapbuild.cli"),
    "formatters": ("soapbuild.render", "soapbuild.report", "soapbuild.commands", "soapbuild.cli"),
    "export": ("soapbuild.preview", "soapbuild.commands", "soapbuild.cli", "soapbuild.console",
               "soapbuild.history.git", "subprocess"),
    # the language server checks as `check` does; it renders, reports and previews nothing
    "lsp": ("soapbuild.render", "soapbuild.report", "soapbuild.preview", "soapbuild.cli",
            "soapbuild.formatters", "soapbuild.export"),
}


def imports_of(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function."""
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("step", sorted(FORBIDDEN))
def test_no_step_imports_a_later_one(step: str) -> None:
    wrong = []
    for path in sorted((PACKAGE / step).rglob("*.py")):
        for name in sorted(imports_of(path)):
            if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[step]):
                wrong.append(f"{path.relative_to(REPO)} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_only_the_language_server_module_imports_pygls() -> None:
    """The rest of soapbuild/lsp/ is plain functions over soapbuild's model (tested
    without an editor), and nothing outside it loads the lsp extra's packages."""
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "lsp" / "server.py":
            continue
        for name in sorted(imports_of(path)):
            if name.split(".")[0] in ("pygls", "lsprotocol"):
                wrong.append(f"{path.relative_to(REPO)} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_the_cli_only_declares_options() -> None:
    """soapbuild/cli/ declares commands and options; the work is in soapbuild/commands/,
    imported inside each command (so that a hook's ``check`` loads only what it uses)."""
    allowed = ("soapbuild.cli", "soapbuild.console")
    wrong = []
    for path in sorted((PACKAGE / "cli").glob("*.py")):
        lines = path.read_text("utf-8").count("\n")
        if lines >= 150:
            wrong.append(f"{path.name} has {lines} lines")
        tree = ast.parse(path.read_text("utf-8"))
        for node in tree.body:  # module level only: commands import their work inside
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("soapbuild"):
                module = node.module or ""
                if module != "soapbuild" and not module.startswith(allowed):
                    wrong.append(f"{path.name} imports {module} at module level")
    assert not wrong, "\n".join(wrong)


def test_only_the_export_package_imports_fhir_resources() -> None:
    """fhir.resources (and pydantic under it) loads only for ``soapbuild export fhir``."""
    wrong = [f"{path.relative_to(REPO)} imports {name}"
             for path in sorted(PACKAGE.rglob("*.py"))
             if path.parent.name != "export"
             for name in sorted(imports_of(path))
             if name.split(".")[0] in ("fhir", "fhir_core", "pydantic")]
    assert not wrong, "\n".join(wrong)
    assert any(name.startswith("fhir.resources")
               for name in imports_of(PACKAGE / "export" / "fhir.py"))


def test_every_command_has_its_module() -> None:
    from soapbuild.cli import main

    modules = {path.stem for path in (PACKAGE / "commands").glob("*.py")}
    for name in main.commands:
        expected = {"new": "init", "explain": "rules"}.get(name, name)
        assert expected in modules, f"soapbuild {name} has no soapbuild/commands/{expected}.py"


def test_check_imports_neither_the_renderer_nor_the_schedule_reader(tmp_path: Path) -> None:
    """What a git hook pays for: ``check`` never loads Jinja2, WeasyPrint, icalendar,
    watchdog, fhir.resources or the language server's pygls and lsprotocol (measured on the
    real command, run in this interpreter)."""
    (tmp_path / "notes").mkdir()
    (tmp_path / "soapbuild.toml").write_text('schedule = "s.csv"\n', "utf-8")
    (tmp_path / "s.csv").write_text("client,clinician,session_date\n", "utf-8")
    code = ("import sys\nfrom soapbuild.cli import main\n"
            "try:\n    main(['-C', sys.argv[1], 'check'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('jinja2', 'weasyprint', 'icalendar', 'watchdog', 'fhir', "
            "'fhir_core', 'pydantic', 'pygls', 'lsprotocol', 'soapbuild.lsp') "
            "if m in sys.modules]\nprint('heavy: ' + ','.join(heavy))")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "Checked 0 notes" in done.stdout
    assert done.stdout.rstrip().splitlines()[-1] == "heavy:", done.stdout
