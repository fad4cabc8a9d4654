"""Every rule's documented examples, run through the real command line.

The rule pages (``data/rules/*.toml``) carry notes the rule must flag and notes
it must pass. As in proselint's ``tests/examples.py``, one parametrised test
runs them all, so the documentation cannot drift from what soapbuild does, and
a gate fails the suite when a rule ships without examples.

Each example runs in a fresh workspace as a subprocess
(``python -m soapbuild -C WORKSPACE check --format json …``), end to end: the
settings file, discovery, reading bytes from disk, the rules and the JSON
formatter are all exercised, exactly as a clinician's editor or git hook would.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from soapbuild.cli import main
from soapbuild.model.formats import builtin_formats
from soapbuild.model.parse import read_note
from soapbuild.rules.registry import FAMILY_ORDER, Example, Rule, all_rules

RULES = all_rules()
NOTE = "notes/example.md"
EARLIER = "notes/earlier.md"
DEFAULT_NOW = "2026-11-27 12:00"
DEFAULT_SETTINGS = 'timezone = "America/New_York"\n'
#: Filler for ``pad_bytes``: blank lines, which can never add a finding of their own.
FILLER = b"\n"

#: Examples that document intended behaviour the code does not have yet. Each is
#: a strict xfail: once the code is fixed the test passes, the xfail turns into a
#: failure, and the entry must be deleted. Keep the reason a reproduction.
KNOWN_BUGS: dict[str, str] = {}


def _cases() -> Iterator[Any]:
    for rule in RULES.values():
        for kind, examples in (("flagged", rule.flagged), ("passes", rule.passes)):
            for number, example in enumerate(examples, 1):
                case_id = f"{rule.code}-{kind}-{number}"
                marks = [pytest.mark.xfail(reason=KNOWN_BUGS[case_id], strict=True)
                         ] if case_id in KNOWN_BUGS else []
                yield pytest.param(rule, kind, example, id=case_id, marks=marks)


def write_workspace(root: Path, example: Example) -> Path:
    """Lay out a workspace for one example; return the note's path."""
    settings = example.settings if example.settings is not None else DEFAULT_SETTINGS
    (root / "soapbuild.toml").write_text(settings, "utf-8")
    note = root / NOTE
    note.parent.mkdir(parents=True)
    if example.setup == "directory":
        note.mkdir()
        return note
    if example.setup is not None:
        raise ValueError(f"unknown example setup {example.setup!r}")
    if example.earlier is not None:
        (root / EARLIER).write_text(example.earlier, "utf-8")
    if example.schedule is not None:
        (root / "schedule.csv").write_text(example.schedule, "utf-8")
    note.write_bytes(example.text.encode(example.encoding) + FILLER * example.pad_bytes)
    return note


def run_check(workspace: Path, example: Example) -> dict[str, Any]:
    """Run ``soapbuild check`` on the example note in a subprocess; return its JSON report."""
    command = [sys.executable, "-m", "soapbuild", "-C", str(workspace), "check",
               "--format", "json", "--now", example.now or DEFAULT_NOW]
    if example.schedule is None:  # missing sessions are judged only on the whole folder
        command.append(NOTE)
        if example.earlier is not None:
            command.append(EARLIER)
    env = {key: value for key, value in os.environ.items() if key != "SOAPBUILD_NOW"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env,
                          check=False)
    assert done.returncode in (0, 1), f"exit {done.returncode}\n{done.stderr}"
    assert "Traceback" not in done.stderr, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    errors = sum(1 for finding in report["findings"] if finding["severity"] == "error")
    assert done.returncode == (1 if errors else 0), "the exit code does not match the errors"
    return report


def _shown(report: dict[str, Any]) -> str:
    return "\n".join(f"  {f['line']}:{f['column']} {f['code']} [{f['severity']}] {f['message']}"
                     for f in report["findings"]) or "  (no findings)"


@pytest.mark.parametrize(("rule", "kind", "example"), _cases())
def test_example(tmp_path: Path, rule: Rule, kind: str, example: Example) -> None:
    note = write_workspace(tmp_path, example)
    if example.before is not None:  # check the original first (a locked note is sealed) …
        final = note.read_bytes()
        note.write_text(example.before, "utf-8")
        run_check(tmp_path, example)
        note.write_bytes(final)  # … then the note as it is now
    report = run_check(tmp_path, example)
    assert NOTE in report["files"], f"the note was not checked at all: {report['files']}"
    report["findings"] = [f for f in report["findings"] if f["path"] in (NOTE, "schedule.csv")]
    codes = [finding["code"] for finding in report["findings"]]
    if kind == "flagged":
        assert rule.code in codes, f"{rule.code} should flag this example:\n{_shown(report)}"
        return
    assert rule.code not in codes, f"{rule.code} should pass this example:\n{_shown(report)}"
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert not errors, f"a passing example must be a complete record:\n{_shown(report)}"


def test_a_folder_named_like_a_note_is_unreadable(tmp_path: Path) -> None:
    """R001 itself works one layer down: reading a folder is a finding, not a crash."""
    folder = tmp_path / "example.md"
    folder.mkdir()
    result = read_note(folder, "example.md", builtin_formats())
    assert result.note is None
    assert [hit.code for hit in result.problems] == ["R001"]


# --- the gates ----------------------------------------------------------------------

def test_every_rule_has_examples() -> None:
    """proselint's ``test_check_examples_exist``: no rule ships without examples."""
    missing = [f"{code}: no {kind} example" for code, rule in RULES.items()
               for kind, examples in (("flagged", rule.flagged), ("passes", rule.passes))
               if not examples]
    assert not missing, "\n".join(missing)


def test_every_rule_is_documented() -> None:
    problems = []
    for code, rule in RULES.items():
        for part in ("summary", "what", "why", "fix"):
            text = getattr(rule, part)
            if not text.strip() or "TODO" in text:
                problems.append(f"{code}.{part} is not written")
        for kind, examples in (("flagged", rule.flagged), ("passes", rule.passes)):
            problems += [f"{code}.{kind} holds a TODO" for e in examples if "TODO" in e.text]
    assert not problems, "\n".join(problems)


def test_examples_that_depend_on_the_time_say_when() -> None:
    """Timeliness and addendum outcomes change with the clock, so their pages give --now."""
    undated = [f"{code} {kind}" for code, rule in RULES.items()
               if rule.family in ("timeliness", "addenda")
               for kind, examples in (("flagged", rule.flagged), ("passes", rule.passes))
               for example in examples if example.now is None]
    assert not undated, "examples without 'now': " + ", ".join(undated)


def test_codes_and_names_are_well_formed() -> None:
    assert all(re.fullmatch(r"[A-Z]\d{3}", code) for code in RULES)
    assert {rule.family for rule in RULES.values()} <= set(FAMILY_ORDER)
    names = [rule.name for rule in RULES.values()]
    assert len(names) == len(set(names)), "two rules share a name"
    assert all(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", name) for name in names)


# --- soapbuild rules ----------------------------------------------------------------

def test_rules_json_lists_exactly_the_registry() -> None:
    result = CliRunner().invoke(main, ["rules", "--format", "json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert [entry["code"] for entry in listed] == list(RULES)
    for entry in listed:
        assert {"code", "family", "severity", "summary"} <= set(entry)
        rule = RULES[entry["code"]]
        assert (entry["family"], entry["severity"], entry["summary"]) == (
            rule.family, rule.severity.value, rule.summary)


def test_rules_text_prints_one_line_per_rule() -> None:
    result = CliRunner().invoke(main, ["rules"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == len(RULES)
    for line, rule in zip(lines, RULES.values(), strict=True):
        assert line.split()[:3] == [rule.code, rule.family, rule.severity.value]
        assert line.endswith(rule.summary)
