"""Self-checks for tests/validators.py.

The other tests trust "no errors" from these helpers, so these prove that the
helpers really run the tools and really report errors: a validator wrapper that
always returns [] would let every output test pass.
"""

from __future__ import annotations

import json
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
