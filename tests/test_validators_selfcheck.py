"""Self-checks for tests/validators.py.

The other tests trust "no errors" from these helpers, so these prove that the
helpers really run the tools and really report errors: a validator wrapper that
always returns [] would let every output test pass.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

try:  # tests/ as a package, or on sys.path through the repository root
    from tests import validators
except ImportError:  # tests/ put on sys.path by pytest's default import mode
    import validators  # type: ignore[no-redef, import-not-found, unused-ignore]


def _minimal_sarif() -> dict[str, Any]:
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "soapbuild",
                        "informationUri": "https://example.invalid/soapbuild",
                        "version": "0.0.0",
                        "rules": [{"id": "SB0001", "shortDescription": {"text": "A check."}}],
                    }
                },
                "results": [
                    {
                        "ruleId": "SB0001",
                        "ruleIndex": 0,
                        "level": "error",
                        "message": {"text": "Something is wrong."},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": "templates/page.html"},
                                    "region": {"startLine": 3, "startColumn": 5},
                                }
                            }
                        ],
                    }
                ],
            }
        ],
    }


def _write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


VALID_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Valid page</title>
</head>
<body>
<h1>Hello</h1>
<p>A valid <a href="#top">HTML5</a> document.</p>
</body>
</html>
"""

INVALID_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Invalid page</title>
</head>
<body>
<p><div></p>
</body>
</html>
"""


@pytest.mark.needs("sarif")
def test_valid_sarif_passes(tmp_path: Path) -> None:
    # A result of level "error" *inside* the log must not count as a validation error.
    log = _write_json(tmp_path / "valid.sarif", _minimal_sarif())
    assert validators.validate_sarif(log) == []


@pytest.mark.needs("sarif")
def test_bare_minimum_sarif_passes(tmp_path: Path) -> None:
    # Only warnings (no informationUri, no version, no $schema): still valid.
    log = _write_json(
        tmp_path / "bare.sarif",
        {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": []}]},
    )
    assert validators.validate_sarif(log) == []


@pytest.mark.needs("sarif")
def test_sarif_missing_version_fails(tmp_path: Path) -> None:
    data = _minimal_sarif()
    del data["version"]
    errors = validators.validate_sarif(_write_json(tmp_path / "no-version.sarif", data))
    assert errors, "a SARIF log without 'version' must not validate"
    assert any("version" in e for e in errors), errors


@pytest.mark.needs("sarif")
def test_sarif_driver_without_name_fails(tmp_path: Path) -> None:
    data = _minimal_sarif()
    del data["runs"][0]["tool"]["driver"]["name"]
    errors = validators.validate_sarif(_write_json(tmp_path / "no-name.sarif", data))
    assert any("runs[0].tool.driver" in e and "name" in e for e in errors), errors


@pytest.mark.needs("sarif")
@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("runs", 0, "results", 0, "level"), "bogus"),
        (("runs", 0, "columnKind"), "bogus"),
        (("runs", 0, "results", 0, "locations", 0, "physicalLocation", "region", "startLine"), "3"),
    ],
)
def test_sarif_values_the_multitool_cannot_load_fail(
    tmp_path: Path, where: tuple[str | int, ...], value: str
) -> None:
    # Multitool 5.7.0 silently reports nothing for these; the schema backstop must catch them.
    data = _minimal_sarif()
    node: Any = data
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    errors = validators.validate_sarif(_write_json(tmp_path / "unloadable.sarif", data))
    assert errors, f"{'.'.join(map(str, where))} = {value!r} must not validate"


@pytest.mark.needs("sarif")
def test_sarif_syntax_error_fails(tmp_path: Path) -> None:
    broken = tmp_path / "truncated.sarif"
    broken.write_text('{"version": "2.1.0", "runs": [', encoding="utf-8")
    assert validators.validate_sarif(broken)


def test_sarif_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        validators.validate_sarif(tmp_path / "absent.sarif")


@pytest.mark.needs("vnu")
def test_valid_html_passes(tmp_path: Path) -> None:
    page = tmp_path / "valid.html"
    page.write_text(VALID_HTML, encoding="utf-8")
    assert validators.validate_html(page) == []


@pytest.mark.needs("vnu")
def test_invalid_html_fails(tmp_path: Path) -> None:
    page = tmp_path / "invalid.html"
    page.write_text(INVALID_HTML, encoding="utf-8")
    errors = validators.validate_html(page)
    assert errors, "<p><div></p> must not validate"
    assert all(e["type"] == "error" for e in errors)
    assert any("p" in e["message"] for e in errors), errors


@pytest.mark.needs("vnu")
def test_html_several_files_in_one_call(tmp_path: Path) -> None:
    good = tmp_path / "good.html"
    bad = tmp_path / "bad.html"
    good.write_text(VALID_HTML, encoding="utf-8")
    bad.write_text(INVALID_HTML, encoding="utf-8")
    errors = validators.validate_html([good, bad])
    assert errors
    assert {e["url"].rsplit("/", 1)[-1] for e in errors} == {"bad.html"}


def test_html_missing_file_raises(tmp_path: Path) -> None:
    # vnu itself silently skips a missing file; the helper must not.
    with pytest.raises(FileNotFoundError):
        validators.validate_html(tmp_path / "absent.html")


@pytest.mark.needs("axe")
def test_axe_core_source() -> None:
    source = validators.axe_core_source()
    assert len(source) > 100_000
    assert "axe.run" in source or "runVirtualRule" in source


# --- a missing tool: one skip line, or a failure under SOAPBUILD_REQUIRE_TOOLS ---------

TINY_TEST = '''\
import pytest
from validators import validate_html


@pytest.mark.needs("vnu")
def test_marked() -> None:
    raise AssertionError("a test whose tool is missing must not run")


def test_unmarked(tmp_path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<!DOCTYPE html><title>x</title>", "utf-8")
    assert validate_html(page) == []
'''


def _pytest_without_tools(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """pytest on TINY_TEST with this suite's conftest.py as its plugin, tools/ pointed at nothing.

    One test declares the tool it needs; the other only calls the validator, which
    finds the tool missing mid-test. Both must come out the same way.
    """
    folder = tmp_path / "suite"
    folder.mkdir()
    (folder / "test_tiny.py").write_text(TINY_TEST, "utf-8")
    (tmp_path / "no-tools").mkdir()
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("SOAPBUILD_REQUIRE_TOOLS", "PYTEST_ADDOPTS")}
    environment.update(SOAPBUILD_TOOLS_DIR=str(tmp_path / "no-tools"),
                       PYTHONPATH=str(Path(validators.__file__).parent), **env)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider", "-q", "-ra",
         "--rootdir", str(folder), str(folder)],
        cwd=folder, env=environment, capture_output=True, text=True, timeout=300)


def test_a_missing_tool_skips_in_one_line_saying_how_to_get_it(tmp_path: Path) -> None:
    done = _pytest_without_tools(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 skipped" in done.stdout
    skips = [line for line in done.stdout.splitlines() if line.startswith("SKIPPED")]
    assert len(skips) == 1, done.stdout
    assert skips[0].startswith("SKIPPED [2] ")
    assert skips[0].endswith(f"the W3C HTML checker is missing ({tmp_path}/no-tools/vnu-jar/"
                             "build/dist/vnu.jar): run `bash .ci/run`, which installs it")
    assert "Traceback" not in done.stdout and "must not run" not in done.stdout


def test_a_missing_tool_fails_under_soapbuild_require_tools(tmp_path: Path) -> None:
    done = _pytest_without_tools(tmp_path, SOAPBUILD_REQUIRE_TOOLS="1")
    assert done.returncode == 1, done.stdout + done.stderr
    # The marked test fails before it starts (pytest counts that as an error in setup),
    # the unmarked one when the validator finds the tool missing.
    assert "1 failed, 1 error" in done.stdout, done.stdout
    message = (f"the W3C HTML checker is missing ({tmp_path}/no-tools/vnu-jar/build/dist/"
               "vnu.jar): run `bash .ci/run`, which installs it (SOAPBUILD_REQUIRE_TOOLS is "
               "set: every tool must be installed)")
    # The short summary repeats the message unless the terminal is too narrow to hold it,
    # so only the sections above it are counted: one report per test.
    reports = done.stdout.partition("short test summary info")[0]
    assert reports.count(message) == 2, done.stdout
    assert "skipped" not in done.stdout and "must not run" not in done.stdout
    assert "During handling" not in done.stdout and "Traceback" not in done.stdout


def test_a_need_must_be_known() -> None:
    assert set(validators.NEEDS) == {"vnu", "sarif", "axe", "chromium", "pango", "read-only"}
