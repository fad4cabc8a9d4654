"""Output formats: the JSON schema, SARIF 2.1.0 (validated by Microsoft's Multitool), GitHub."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from validators import validate_sarif

REPO = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((REPO / "soapbuild" / "schemas" / "check-v1.schema.json").read_text("utf-8"))
NOW = "2026-11-28 12:00"


def _check(cwd: Path, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "soapbuild", "check", "--now", NOW, *args],
                            cwd=cwd, capture_output=True, text=True, timeout=120)
    assert result.returncode in (0, 1), result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def sample_json() -> dict:
    return json.loads(_check(REPO, "--format", "json"))


@pytest.fixture
def odd_workspace(tmp_path: Path) -> Path:
    """Notes whose paths and messages need escaping: spaces, commas, colons, non-ASCII."""
    (tmp_path / "soapbuild.toml").write_text('timezone = "UTC"\n', "utf-8")
    folder = tmp_path / "notes" / "Ana, María: C-7"
    folder.mkdir(parents=True)
    (folder / "sesión 1.md").write_text(
        "---\nclient: C-7\nclinician: Ana\nsession_date: 2026-11-20\noccurred: true\n"
        "ocurrido: sí\n---\n## Subjetivo\n", "utf-8")
    (tmp_path / "notes" / "empty.md").write_text("", "utf-8")
    return tmp_path


def test_json_matches_its_schema(sample_json: dict, odd_workspace: Path) -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.Draft202012Validator(SCHEMA).validate(sample_json)
    odd = json.loads(_check(odd_workspace, "--format", "json"))
    jsonschema.Draft202012Validator(SCHEMA).validate(odd)
    assert "notes/Ana, María: C-7/sesión 1.md" in odd["files"]


def test_json_schema_rejects_what_it_should(sample_json: dict) -> None:
    """The schema is not a rubber stamp: a broken document fails it."""
    broken = json.loads(json.dumps(sample_json))
    broken["findings"][0]["line"] = 0
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA)
    broken = json.loads(json.dumps(sample_json))
    del broken["findings"][0]["severity"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA)


def test_json_summary_agrees_with_findings(sample_json: dict) -> None:
    severities = [f["severity"] for f in sample_json["findings"]]
    summary = sample_json["summary"]
    assert (summary["errors"], summary["warnings"], summary["info"]) == (
        severities.count("error"), severities.count("warning"), severities.count("info"))
    assert summary["files"] == len(sample_json["files"]) == 38
    assert len(sample_json["plans"]) == 9  # checked, but not counted as notes


@pytest.mark.needs("sarif")
def test_sarif_is_valid_and_carries_every_finding(
        tmp_path: Path, sample_json: dict, odd_workspace: Path) -> None:
    for cwd in (REPO, odd_workspace):
        path = tmp_path / f"{cwd.name}.sarif"
        path.write_text(_check(cwd, "--format", "sarif"), "utf-8")
        assert validate_sarif(path) == []
    log = json.loads((tmp_path / f"{REPO.name}.sarif").read_text("utf-8"))
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert len(results) == len(sample_json["findings"])
    for result, finding in zip(results, sample_json["findings"], strict=True):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == finding["code"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert (region["startLine"], region["startColumn"]) == (finding["line"],
                                                                finding["column"])
        assert result["level"] == {"error": "error", "warning": "warning",
                                   "info": "note"}[finding["severity"]]
    odd = json.loads((tmp_path / f"{odd_workspace.name}.sarif").read_text("utf-8"))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in odd["runs"][0]["results"]}
    assert "notes/Ana%2C%20Mar%C3%ADa%3A%20C-7/sesi%C3%B3n%201.md" in uris


@pytest.mark.needs("sarif")
def test_sarif_validator_catches_a_broken_log(tmp_path: Path) -> None:
    log = json.loads(_check(REPO, "--format", "sarif"))
    del log["runs"][0]["tool"]["driver"]["name"]
    path = tmp_path / "broken.sarif"
    path.write_text(json.dumps(log), "utf-8")
    assert validate_sarif(path) != []


def test_github_annotations_escape_properties_and_data(odd_workspace: Path) -> None:
    lines = _check(odd_workspace, "--format", "github").splitlines()
    annotation = next(line for line in lines if "title=F003" in line)
    assert annotation.startswith(
        "::warning file=notes/Ana%2C María%3A C-7/sesión 1.md,line=6,col=1,")
    assert annotation.endswith("::Unknown field 'ocurrido'; did you mean 'occurred'? "
                               "Rename it to 'occurred'.")
    assert any(line.startswith("::error file=notes/empty.md,line=1,col=1,") and "R004" in line
               for line in lines)
    assert lines[-1].startswith("Checked 2 notes:")
