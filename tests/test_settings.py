"""Settings: every key validated, errors name the key (exit 2), values take effect."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from soapbuild.cli import main
from soapbuild.rules.registry import known_codes
from soapbuild.settings import SettingsError, load_settings

NOTE = """---
client: C-1
clinician: Jordan Rivera, LCSW
session_date: 2026-11-20 15:00
occurred: true
submitted: 2026-11-24 15:30
service_code: "90791"
---
{body}
"""
SOAP = ("## Subjective\nClient reported sleeping 6 hours.\n\n## Objective\nCalm.\n\n"
        "## Assessment\nDenies SI/HI.\n\n## Plan\nNext session in a week.\n")
GIRP = ("## Goal\nSleep.\n\n## Intervention\nCBT-I.\n\n## Response\nEngaged; denies SI/HI.\n\n"
        "## Plan\nWeekly.\n")


def _workspace(tmp_path: Path, settings: str, body: str = SOAP, extra: str = "") -> Path:
    (tmp_path / "soapbuild.toml").write_text(settings, "utf-8")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "n.md").write_text(
        NOTE.format(body=body).replace("occurred: true", "occurred: true" + extra), "utf-8")
    return tmp_path


def _check(workspace: Path, *args: str) -> tuple[int, dict | str]:
    result = CliRunner().invoke(main, ["-C", str(workspace), "check", "--now",
                                       "2026-11-27 12:00", "--format", "json", *args])
    if result.exit_code == 2:
        return 2, result.output
    return result.exit_code, json.loads(result.output)


def _codes(report: dict) -> list[str]:
    return [f["code"] for f in report["findings"]]


@pytest.mark.parametrize(("text", "named"), [
    ('timezon = "UTC"', "'timezon' is not a setting; did you mean 'timezone'?"),
    ('timezone = "Mars/Olympus"', "'timezone' = 'Mars/Olympus' is not a known IANA time zone"),
    ("deadline_hours = \"72\"", "'deadline_hours' must be a number"),
    ("deadline_hours = -1", "'deadline_hours' must be a number"),
    ("deadline_business_days = 0", "'deadline_business_days' must be a whole number"),
    ("deadline_hours = 72\ndeadline_business_days = 2", "cannot both be set"),
    ("notes_dir = 3", "'notes_dir' must be a folder name"),
    ("[rules]\nignore = [\"S01\"]", "'rules.ignore': 'S01' is not a rule code"),
    ("[rules]\nignore = \"S001\"", "'rules.ignore' must be a list of strings"),
    ("[rules.severity]\nS001 = \"fatal\"", "'rules.severity.S001' must be \"error\""),
    ("[rules]\nskip = []", "'rules.skip' is not a setting"),
    ("[formats.girp]\nsection = []", "'formats.girp.section' is not a setting"),
    ("[formats.girp]\nsections = []", "'formats.girp.sections' must name at least one"),
    ("[copied]\nthreshold = 2", "'copied.threshold' must be a number between 0 and 1"),
    ("[vocabulary]\nextend = 1", "'vocabulary.extend' must be a list of strings"),
    ("[deadline_overrides]\n\"90839\" = \"soon\"", "'deadline_overrides.90839' must be a number"),
    ("formats = 1", "'formats' must be a table"),
    ("[formats.pie]\nsections = [\"Problem\", \"Evaluation\"]\nroles = { Plan = \"plan\" }",
     "'formats.pie.roles.Plan' is not a section of the format"),
    ("[formats.pie]\nsections = [\"Problem\", \"Evaluation\"]\nroles = { Problem = \"plans\" }",
     "'formats.pie.roles.Problem' must be a role or a list of roles"),
    ("[formats.pie]\nsections = [\"Problem\"]\nroles = [\"plan\"]",
     "'formats.pie.roles' must be a table"),
    ("[formats.pie]\nsections = [\"Problem\"]\nrole = {}",
     "'formats.pie.role' is not a setting; did you mean 'formats.pie.roles'?"),
    ("timezone = ", "not valid TOML"),
])
def test_bad_settings_exit_2_naming_the_key(tmp_path: Path, text: str, named: str) -> None:
    code, output = _check(_workspace(tmp_path, text))
    assert code == 2
    assert named in str(output)
    assert "soapbuild.toml" in str(output)
    assert "Traceback" not in str(output)


def test_pyproject_tool_table_is_read_and_named_in_errors(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.soapbuild]\nnotes_dir = "records"\n'
                                             'edit_windw_hours = 1\n', "utf-8")
    with pytest.raises(SettingsError, match=r"\[tool\.soapbuild\]: 'edit_windw_hours' is not a "
                                            r"setting; did you mean 'edit_window_hours'"):
        load_settings(tmp_path, known_codes())
    (tmp_path / "pyproject.toml").write_text('[tool.soapbuild]\nnotes_dir = "records"\n', "utf-8")
    settings = load_settings(tmp_path, known_codes())
    assert settings.notes_path == tmp_path / "records"


def test_settings_are_found_from_a_sub_folder(tmp_path: Path) -> None:
    (tmp_path / "soapbuild.toml").write_text('timezone = "Europe/Berlin"\n', "utf-8")
    inner = tmp_path / "notes" / "C-1"
    inner.mkdir(parents=True)
    settings = load_settings(inner, known_codes())
    assert settings.root == tmp_path.resolve()
    assert str(settings.timezone) == "Europe/Berlin"


def test_defaults_without_a_settings_file(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, known_codes())
    assert (settings.deadline_hours, settings.edit_window_hours, settings.due_soon_hours) == (
        72, 24, 24)
    assert settings.notes_dir == "notes" and settings.output_dir == "output"
    assert set(settings.formats) == {"soap", "dap", "birp", "girp"}


def test_deadline_hours_and_timezone_change_what_is_late(tmp_path: Path) -> None:
    # Submitted 96.5 h after a 15:00 New York session.
    workspace = _workspace(tmp_path, 'timezone = "America/New_York"\ndeadline_hours = 72\n')
    assert "T003" in _codes(_check(workspace)[1])  # type: ignore[arg-type]
    (workspace / "soapbuild.toml").write_text(
        'timezone = "America/New_York"\ndeadline_hours = 100\n', "utf-8")
    assert "T003" not in _codes(_check(workspace)[1])  # type: ignore[arg-type]


def test_ignore_and_severity_settings(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, 'timezone = "UTC"\n')
    code, report = _check(workspace)
    assert code == 0 and _codes(report) == ["T003"]  # type: ignore[arg-type]
    (workspace / "soapbuild.toml").write_text('[rules.severity]\nT003 = "error"\n', "utf-8")
    code, report = _check(workspace)
    assert code == 1 and report["findings"][0]["severity"] == "error"  # type: ignore[index]
    (workspace / "soapbuild.toml").write_text('[rules]\nignore = ["t003"]\n', "utf-8")
    code, report = _check(workspace)
    assert code == 0 and _codes(report) == []  # type: ignore[arg-type]


def test_custom_format_from_settings(tmp_path: Path) -> None:
    settings = '[formats.girp]\nsections = ["Goal", "Intervention", "Response", "Plan"]\n'
    workspace = _workspace(tmp_path, settings, body=GIRP, extra="\nformat: GIRP")
    _, report = _check(workspace, "--strict")
    assert [c for c in _codes(report) if c != "T003"] == []  # type: ignore[arg-type]
    # The same note without the format is a SOAP note missing its sections.
    workspace_soap = tmp_path / "other"
    workspace_soap.mkdir()
    _workspace(workspace_soap, settings, body=GIRP)
    assert _codes(_check(workspace_soap)[1]).count("S001") == 3  # type: ignore[arg-type]


PIE = ("## Problem\nClient reported panic at work.\n\n## Mental Status\nClient appeared agitated "
       "and guarded.\n\n## Evaluation\nClient was agitated; denies SI/HI; risk is low.\n\n"
       "## Next Steps\nNext session in a week.\n")


@pytest.mark.parametrize(("roles", "flagged"), [
    # Roles inferred from the names: "Mental Status" is an observation section,
    # "Evaluation" plays no role, so "agitated" there is a label.
    ("", ["Client was agitated"]),
    # Declared roles win: Evaluation is observation too, Mental Status is not.
    ('roles = { Evaluation = "observation", "Mental Status" = ["client-report"] }\n',
     ["Client appeared agitated", "Client appeared agitated"]),
])
def test_section_roles_scope_the_rules(tmp_path: Path, roles: str, flagged: list[str]) -> None:
    settings = ('[formats.pie]\nsections = ["Problem", "Mental Status", "Evaluation", '
                '"Next Steps"]\n' + roles)
    workspace = _workspace(tmp_path, settings, body=PIE, extra="\nformat: pie")
    _, report = _check(workspace)
    lines = (workspace / "notes" / "n.md").read_text("utf-8").splitlines()
    found = [lines[f["line"] - 1] for f in report["findings"]  # type: ignore[index]
             if f["code"] == "J005"]
    assert [line.split(" and ")[0].split(";")[0] for line in found] == flagged


def test_builtin_formats_declare_their_roles() -> None:
    formats = load_settings(Path("/nonexistent-workspace"), known_codes()).formats
    observation = {name: fmt.sections_with("observation") for name, fmt in formats.items()}
    assert observation == {"soap": ("Objective",), "dap": ("Data",),
                           "birp": ("Behavior", "Response"), "girp": ("Response",)}
    assert {name: fmt.sections_with("plan") for name, fmt in formats.items()} == {
        name: ("Plan",) for name in formats}


def test_vocabulary_extend_and_remove(tmp_path: Path) -> None:
    body = SOAP.replace("Client reported sleeping 6 hours.",
                        "Client reported sleeping 6 hours and always naps. Client was tardy.")
    workspace = _workspace(tmp_path, 'timezone = "UTC"\n', body=body)
    assert _codes(_check(workspace)[1]) == ["T003", "U001"]  # type: ignore[arg-type]
    (workspace / "terms.toml").write_text(
        '[[term]]\nterm = "tardy"\ncode = "J003"\nsuggest = "arrived 15 minutes late"\n'
        'source = "practice style guide"\n', "utf-8")
    (workspace / "soapbuild.toml").write_text(
        'timezone = "UTC"\n[vocabulary]\nextend = ["terms.toml"]\nremove = ["always"]\n', "utf-8")
    code, report = _check(workspace)
    assert _codes(report) == ["T003", "J003"]  # type: ignore[arg-type]
    finding = report["findings"][1]  # type: ignore[index]
    assert finding["suggestion"] == "Instead: arrived 15 minutes late."
    for code_given in ("X999", "S001"):
        (workspace / "terms.toml").write_text(
            f'[[term]]\nterm = "tardy"\ncode = "{code_given}"\n', "utf-8")
        code, output = _check(workspace)
        assert code == 2
        assert f"terms.toml: term 'tardy': '{code_given}' is not a language rule code" in str(
            output)
    (workspace / "terms.toml").unlink()
    code, output = _check(workspace)
    assert code == 2 and "terms.toml cannot be read" in str(output)
