"""``soapbuild explain CODE``: every rule's page, with Ruff's fixed headings and the examples."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest
from click.testing import CliRunner

from soapbuild.cli import main
from soapbuild.rules.explain import render_page
from soapbuild.rules.registry import Example, Rule, all_rules

RULES = all_rules()
HEADINGS = ("What it does", "Why it matters", "What to do")


def _explain(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "soapbuild", "explain", *args],
                          capture_output=True, text=True, timeout=60, check=False)


def _shows(page: str, example: Example) -> bool:
    """Whether every written line of the example is on the page, framed, in order."""
    shown_text = "".join(c if c.isprintable() or c in "\n\t" else f"\\x{ord(c):02x}"
                         for c in example.text)
    wanted = [f"    │ {line}" for line in shown_text.splitlines() if line.strip()]
    lines = iter(page.splitlines())
    return all(any(shown == line for shown in lines) for line in wanted)


@pytest.mark.parametrize("rule", RULES.values(), ids=list(RULES))
def test_every_rule_has_a_page(rule: Rule) -> None:
    result = CliRunner().invoke(main, ["explain", rule.code])
    assert result.exit_code == 0, result.output
    page = result.output
    assert page.startswith(f"{rule.code} {rule.name}\n")
    assert f"Default severity: {rule.severity.value}." in page
    assert rule.summary in page
    lines = page.splitlines()
    # Whether every rule HAS documentation and examples is the gate in
    # test_rule_examples.py; here: what a rule has is printed, in Ruff's order.
    headings = [heading for heading in HEADINGS if heading != "What to do" or rule.fix]
    for heading in headings:
        assert heading in lines, f"no '{heading}' heading"
    assert [lines.index(heading) for heading in headings] == sorted(
        lines.index(heading) for heading in headings)
    flagged = [line for line in lines if line.startswith("Flagged")]
    passes = [line for line in lines if line.startswith("Passes")]
    assert len(flagged) == len(rule.flagged)
    assert len(passes) == len(rule.passes)
    if flagged and passes:
        assert lines.index(flagged[0]) < lines.index(passes[0])
    for example in (*rule.flagged, *rule.passes):
        assert _shows(page, example), f"an example of {rule.code} is not printed in full"
    if rule.sources:
        assert "Sources" in lines
        for source in rule.sources:
            assert f"  - {source}" in lines


def test_examples_say_how_they_are_checked() -> None:
    """An example that needs --now, settings or a special file says so on the page."""
    for rule in RULES.values():
        page = CliRunner().invoke(main, ["explain", rule.code]).output
        for example in (*rule.flagged, *rule.passes):
            if example.now:
                assert f"(checked with --now '{example.now}')" in page, rule.code
            if example.settings:
                assert "(with soapbuild.toml: " in page, rule.code
            if example.encoding != "utf-8":
                assert f"(saved as {example.encoding})" in page, rule.code


def test_explain_runs_as_a_command() -> None:
    done = _explain("T003")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("T003 late-note\n")
    for heading in HEADINGS:
        assert f"\n{heading}\n" in done.stdout


@pytest.mark.parametrize("code", ["r001", "t003", "a002", "S004"])
def test_codes_are_case_insensitive(code: str) -> None:
    result = CliRunner().invoke(main, ["explain", code])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{code.upper()} ")


def test_lower_case_code_as_a_command() -> None:
    done = _explain("f004")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("F004 missing-reason\n")


@pytest.mark.parametrize("code", ["NOPE", "R999", "", "R00"])
def test_unknown_code_is_a_usage_error(code: str) -> None:
    done = _explain(code)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr + done.stdout
    assert "is not a rule code" in done.stderr
    assert "soapbuild rules" in done.stderr
    assert done.stdout == ""


def test_explain_without_a_code_is_a_usage_error() -> None:
    done = _explain()
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "CODE" in done.stderr


# --- presentation of examples ---

def _page_with(flagged: Example, passes: Example) -> list[str]:
    rule = replace(RULES["R004"], flagged=(flagged,), passes=(passes,))
    return render_page(rule).splitlines()


def test_blank_lines_of_an_example_stay_in_the_frame() -> None:
    lines = _page_with(Example(text="## Subjective\nSlept well.\n\n## Plan\nWalk daily.\n"),
                       Example(text="x\n"))
    block = lines[lines.index("Flagged:") + 1:lines.index("Passes:") - 1]
    assert len(block) == 5
    assert all(line.startswith("    │") for line in block)


def test_an_empty_example_is_visible() -> None:
    lines = _page_with(Example(text=""), Example(text="x\n"))
    block = lines[lines.index("Flagged:") + 1:lines.index("Passes:")]
    assert any(line.strip() for line in block)


def test_control_characters_are_shown_escaped() -> None:
    lines = _page_with(Example(text="---\nclient: C\x00\x1b[31m\n---\n"), Example(text="x\n"))
    page = "\n".join(lines)
    assert "\x00" not in page and "\x1b" not in page
    assert "client: C\\x00\\x1b[31m" in page


def test_the_rule_list_is_aligned_for_every_family() -> None:
    """Columns line up whatever the longest family name ('completeness' was one too long)."""
    done = subprocess.run([sys.executable, "-m", "soapbuild", "rules"], capture_output=True,
                          text=True, timeout=60, check=False)
    lines = done.stdout.splitlines()
    assert done.returncode == 0 and len(lines) == len(RULES)
    severities = {line.index(f" {rule.severity.value} ") for line, rule
                  in zip(lines, RULES.values(), strict=True)}
    summaries = {line.index(rule.summary) for line, rule in zip(lines, RULES.values(),
                                                                  strict=True)}
    assert len(severities) == 1 and len(summaries) == 1, done.stdout
    for line, rule in zip(lines, RULES.values(), strict=True):
        assert line.split()[:3] == [rule.code, rule.family, rule.severity.value]


def test_unsuppressible_rules_say_so() -> None:
    fixed = [code for code, rule in RULES.items() if not rule.suppressible]
    assert fixed == [*(f"R{n:03d}" for n in range(1, 11)), "K001", "K002", "K003", "N001", "N002"]
    assert "It cannot be suppressed or ignored" in _explain("K001").stdout
    assert "cannot be suppressed" not in _explain("J002").stdout
