"""``soapbuild fix`` and ``check --fix`` / ``--diff`` (issue 8, item 8), through the real CLI.

A fix changes how something is written, never what it says: each test states
the exact bytes expected after it, so a byte changed outside the fix fails.
Locked notes are never touched; ``--diff`` writes nothing. The fixes are also
tested as a property (hypothesis): whatever labels, units and values a note
carries, fixing it resolves their findings, keeps the note's meaning, and a
second run finds nothing to fix.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from click.testing import CliRunner, Result
from conftest import NOW, build_note
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soapbuild.checker import check_result
from soapbuild.cli import main
from soapbuild.commands.fix import _reading, _unsafe
from soapbuild.model.formats import builtin_formats
from soapbuild.model.header import KNOWN_FIELDS
from soapbuild.model.note import Note, Span
from soapbuild.model.parse import ParseResult, parse_note
from soapbuild.rules.context import Context
from soapbuild.rules.fixes import Edit, apply_edits, note_edits
from soapbuild.settings import Settings

FORMATS = builtin_formats()
DRAFT_NOW = "2026-11-21 12:00"  # the default note was submitted 2026-11-21 09:12: editable
LOCKED_NOW = "2026-11-25 12:00"  # past its 24 h edit window
PASTED = """\
**Subjective:**
Client reported sleeping five hours and stated, "I keep waking up."

Objective:
Client was alert and oriented.

*Assessment*:
Symptoms are consistent with adjustment stress. Denies SI/HI; risk is low.

P:
F/u 1 wk.
"""
HEADED = """\
## Subjective
Client reported sleeping five hours and stated, "I keep waking up."

## Objective
Client was alert and oriented.

## Assessment
Symptoms are consistent with adjustment stress. Denies SI/HI; risk is low.

## Plan
F/u 1 wk.
"""


def workspace(tmp_path: Path, notes: dict[str, str | bytes], toml: str = "") -> Path:
    (tmp_path / "soapbuild.toml").write_text('timezone = "America/New_York"\n' + toml, "utf-8")
    for name, content in notes.items():
        path = tmp_path / "notes" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return tmp_path


def run(root: Path, *args: str, now: str = DRAFT_NOW) -> Result:
    return CliRunner().invoke(main, ["-C", str(root), *args, "--now", now])


def codes(root: Path, now: str = DRAFT_NOW) -> list[str]:
    result = run(root, "check", "--format", "json", now=now)
    return [f["code"] for f in json.loads(result.output)["findings"]]


# --- what fix changes, byte for byte -------------------------------------------------------


def test_fix_turns_labels_into_headings_and_the_unit_into_minutes(tmp_path: Path) -> None:
    root = workspace(tmp_path, {"a.md": build_note(PASTED, duration="53 min")})
    assert sorted(codes(root)) == ["F007", "S007"]
    result = run(root, "fix")
    assert result.exit_code == 0, result.output
    assert (root / "notes/a.md").read_text("utf-8") == build_note(HEADED, duration="53")
    assert result.output.splitlines() == [
        "notes/a.md:6:11: F007 fixed: '53 min' -> '53'",
        "notes/a.md:10:1: S007 fixed: '**Subjective:**' -> '## Subjective'",
        "notes/a.md:13:1: S007 fixed: 'Objective:' -> '## Objective'",
        "notes/a.md:16:1: S007 fixed: '*Assessment*:' -> '## Assessment'",
        "notes/a.md:19:1: S007 fixed: 'P:' -> '## Plan'",
        "Fixed 5 problems in 1 of 1 note.",
    ]
    assert codes(root) == []
    again = run(root, "fix")
    assert again.exit_code == 0 and again.output == "Nothing to fix in 1 note.\n"


def test_headings_take_the_level_the_note_already_uses(tmp_path: Path) -> None:
    body = HEADED.replace("## ", "### ").replace("### Objective", "Objective:")
    body = body.replace("### Plan", "#Plan")
    root = workspace(tmp_path, {"a.md": build_note(body)})
    assert run(root, "fix").exit_code == 0
    expected = HEADED.replace("## ", "### ").replace("### Plan", "# Plan")
    assert (root / "notes/a.md").read_text("utf-8") == build_note(expected)


def test_bom_crlf_and_lone_carriage_returns_are_kept(tmp_path: Path) -> None:
    crlf = build_note(PASTED, newline="\r\n", bom=True, duration="53 mins")
    lone = build_note(PASTED, newline="\r", service_code="90837")
    root = workspace(tmp_path, {"crlf.md": crlf.encode(), "cr.md": lone.encode()})
    result = run(root, "fix")
    assert result.exit_code == 0, result.output
    assert (root / "notes/crlf.md").read_bytes() == build_note(
        HEADED, newline="\r\n", bom=True, duration="53").encode()
    assert (root / "notes/cr.md").read_bytes() == build_note(
        HEADED, newline="\r", service_code='"90837"').encode()


def test_values_other_yaml_readers_mistype_are_quoted(tmp_path: Path) -> None:
    text = build_note(client="0042", service_code="90834", duration="45", reason="off",
                      place_of_service="02")
    root = workspace(tmp_path, {"a.md": text})
    front = yaml.safe_load(text.split("---")[1])
    assert (front["client"], front["service_code"], front["reason"],
            front["place_of_service"]) == (34, 90834, False, 2)
    found = codes(root)
    assert found.count("F008") == 4, found
    assert run(root, "fix").exit_code == 0
    fixed = (root / "notes/a.md").read_text("utf-8")
    assert fixed == build_note(client='"0042"', service_code='"90834"', duration="45",
                               reason='"off"', place_of_service='"02"')
    front = yaml.safe_load(fixed.split("---")[1])
    assert (front["client"], front["service_code"], front["reason"],
            front["place_of_service"]) == ("0042", "90834", "off", "02")
    assert codes(root) == [code for code in found if code != "F008"]


@pytest.mark.parametrize(("written", "fixed", "other"), [
    # the note's other quotation is curly: the mixed pair becomes curly
    ('stated, “I keep waking up."', "stated, “I keep waking up.”", "said “thank you.”"),
    # the other is straight: it becomes straight
    ('stated, "I keep waking up.”', 'stated, "I keep waking up."', 'said "thank you."'),
    # nothing else to go by: the opening mark decides
    ('stated, “I keep waking up."', "stated, “I keep waking up.”", "nodded."),
    ('stated, "I keep waking up.“', 'stated, "I keep waking up."', "nodded."),
    ("stated, ”I keep waking up.”", "stated, “I keep waking up.”", "nodded."),
])
def test_a_mixed_quotation_gets_the_clinicians_marks(tmp_path: Path, written: str, fixed: str,
                                                     other: str) -> None:
    def note(quote: str) -> str:
        return build_note(HEADED.replace('stated, "I keep waking up."', quote).replace(
            "alert and oriented.", f"alert and oriented and {other}"))

    root = workspace(tmp_path, {"a.md": note(written)})
    assert "Q002" in codes(root)
    result = run(root, "fix")
    assert result.exit_code == 0, result.output
    assert (root / "notes/a.md").read_text("utf-8") == note(fixed)
    assert "Q002" not in codes(root)


@pytest.mark.parametrize("written", [
    'stated, “I keep waking up." and "later."',  # three unpaired marks: which two pair?
    "stated, “I keep waking up.",  # one mark: where does it end?
])
def test_an_ambiguous_quotation_is_left_alone(tmp_path: Path, written: str) -> None:
    text = build_note(HEADED.replace('stated, "I keep waking up."', written))
    root = workspace(tmp_path, {"a.md": text})
    assert "Q002" in codes(root)
    result = run(root, "fix")
    assert result.exit_code == 0 and result.output == "Nothing to fix in 1 note.\n"
    assert (root / "notes/a.md").read_text("utf-8") == text


def test_fixes_of_ignored_rules_and_suppressed_lines_are_not_made(tmp_path: Path) -> None:
    suppressed = HEADED.replace('stated, "I keep waking up."',
                                'stated, “I keep waking up." <!-- soapbuild: ignore Q002 -->')
    notes = {"a.md": build_note(PASTED), "b.md": build_note(suppressed)}
    root = workspace(tmp_path, notes, '[rules]\nignore = ["S007"]\n')
    result = run(root, "fix")
    assert result.exit_code == 0 and result.output == "Nothing to fix in 2 notes.\n"
    assert [(root / "notes" / n).read_text("utf-8") for n in notes] == list(notes.values())


# --- --diff -----------------------------------------------------------------------------------


def test_diff_prints_the_change_and_writes_nothing(tmp_path: Path) -> None:
    text = build_note(PASTED, duration="53 min")
    root = workspace(tmp_path, {"a.md": text, "clean.md": build_note()})
    before = os.stat(root / "notes/a.md")
    for command in (["fix", "--diff"], ["check", "--diff"]):
        result = run(root, *command)
        assert result.exit_code == 1, result.output
        assert result.stdout.startswith("--- notes/a.md\n+++ notes/a.md\n@@ -3,18 +3,18 @@\n")
        assert "-duration: 53 min\n+duration: 53\n" in result.stdout
        assert "-**Subjective:**\n+## Subjective\n" in result.stdout
        assert "-P:\n+## Plan\n" in result.stdout
        assert "clean.md" not in result.stdout
        assert result.stderr == "Would fix 5 problems in 1 of 2 notes.\n"
    after = os.stat(root / "notes/a.md")
    assert (root / "notes/a.md").read_text("utf-8") == text
    assert after.st_mtime_ns == before.st_mtime_ns
    # the diff is a patch that makes exactly what 'fix' writes
    patch = run(root, "fix", "--diff").stdout
    applied = subprocess.run(["patch", "-p0", "--dry-run", "-s"], input=patch, text=True,
                             cwd=root, capture_output=True, check=False)
    assert applied.returncode == 0, applied.stdout + applied.stderr


def test_diff_with_nothing_to_fix_exits_0(tmp_path: Path) -> None:
    root = workspace(tmp_path, {"a.md": build_note()})
    result = run(root, "fix", "--diff")
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr == "Nothing to fix in 1 note.\n"


def test_diff_marks_a_missing_final_line_break(tmp_path: Path) -> None:
    root = workspace(tmp_path, {"a.md": build_note(PASTED.rstrip("\n"))})
    result = run(root, "fix", "--diff")
    assert result.exit_code == 1
    assert result.stdout.endswith(" F/u 1 wk.\n\\ No newline at end of file\n")


# --- never a locked note --------------------------------------------------------------------


def test_a_locked_note_is_refused_with_the_addendum_way(tmp_path: Path) -> None:
    text = build_note(PASTED, duration="53 min")
    root = workspace(tmp_path, {"a.md": text})
    result = run(root, "fix", now=LOCKED_NOW)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "notes/a.md: not fixed: it locked on 2026-11-22 09:12 (24 h after submission); only a "
        "dated addendum may change it",
        "Fixed nothing in 1 note; 1 note was left as written (see above).",
    ]
    assert (root / "notes/a.md").read_text("utf-8") == text
    diff = run(root, "fix", "--diff", now=LOCKED_NOW)  # nothing would change
    assert diff.exit_code == 0 and diff.stdout == ""
    assert "only a dated addendum may change it" in diff.stderr


def test_a_sealed_note_is_refused_even_inside_its_window(tmp_path: Path) -> None:
    text = build_note(PASTED)
    root = workspace(tmp_path, {"a.md": text})
    run(root, "check", now=LOCKED_NOW)  # outside git, check seals the locked note
    assert (root / ".soapbuild" / "seals.json").is_file()
    result = run(root, "fix", now=DRAFT_NOW)
    assert result.exit_code == 1
    assert "it is sealed as locked (.soapbuild/seals.json); only a dated addendum" in result.output
    assert (root / "notes/a.md").read_text("utf-8") == text


def test_an_unreadable_submitted_value_counts_as_locked(tmp_path: Path) -> None:
    text = build_note(PASTED, submitted="yesterday")
    root = workspace(tmp_path, {"a.md": text})
    result = run(root, "fix")
    assert result.exit_code == 1 and "cannot be read, so it may be locked" in result.output
    assert (root / "notes/a.md").read_text("utf-8") == text


def test_a_draft_is_fixed(tmp_path: Path) -> None:
    root = workspace(tmp_path, {"a.md": build_note(PASTED, submitted=None)})
    assert run(root, "fix", now=LOCKED_NOW).exit_code == 0
    assert (root / "notes/a.md").read_text("utf-8") == build_note(HEADED, submitted=None)


# --- check --fix ------------------------------------------------------------------------------


def test_check_fix_fixes_then_reports_what_remains(tmp_path: Path) -> None:
    plan = "F/u 1 wk."
    root = workspace(tmp_path, {"a.md": build_note(PASTED.replace(plan, "Tolerated well."))})
    result = run(root, "check", "--fix", "--format", "json")
    assert result.exit_code == 0, result.output
    assert [f["code"] for f in json.loads(result.stdout)["findings"]] == ["C002"]
    assert "S007 fixed" in result.stderr and "Fixed 4 problems in 1 of 1 note." in result.stderr
    assert (root / "notes/a.md").read_text("utf-8").count("## ") == 4


def test_fix_with_staged_is_a_usage_error(tmp_path: Path) -> None:
    root = workspace(tmp_path, {"a.md": build_note(PASTED)})
    for option in ("--fix", "--diff"):
        result = run(root, "check", "--staged", option)
        assert result.exit_code == 2 and "not the staged content" in result.output


def test_fix_of_a_path_that_does_not_exist_is_exit_2(tmp_path: Path) -> None:
    root = workspace(tmp_path, {"a.md": build_note()})
    result = run(root, "fix", "notes/nope.md")
    assert result.exit_code == 2 and "no such file" in result.output


def test_fix_runs_as_a_module_and_its_defaults_are_pinned(tmp_path: Path) -> None:
    root = workspace(tmp_path, {"a.md": build_note(PASTED)})
    done = subprocess.run([sys.executable, "-m", "soapbuild", "-C", str(root), "fix",
                           "--now", DRAFT_NOW], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("Fixed 4 problems in 1 of 1 note.\n")
    from soapbuild.cli.checking import fix

    context = fix.make_context("fix", [], obj=Path("."))
    assert context.params["diff"] is False and context.params["paths"] == ()


# --- the guard: nothing beyond what the fix says ---------------------------------------------


def _parsed(text: str) -> Note:
    note = parse_note(text.encode(), "notes/a.md", FORMATS).note
    assert note is not None
    return note


CONTEXT = Context(Settings(root=Path("."), timezone=ZoneInfo("America/New_York")), NOW)


def test_the_guard_refuses_an_edit_whose_effect_reaches_other_text() -> None:
    before = _parsed(build_note(PASTED))
    edits = note_edits(before)
    # a heading that also opens a code fence: the Plan's text would become code
    fence = Edit("S007", edits[-1].span, "## Plan\n```")
    after = _parsed(apply_edits(before.source.text, [*edits[:-1], fence]))
    assert _unsafe(before, after, [*edits[:-1], fence], CONTEXT) == (
        "text outside the fix would change")
    honest = _parsed(apply_edits(before.source.text, edits))
    assert _unsafe(before, honest, edits, CONTEXT) is None


def test_the_guard_refuses_an_edit_that_changes_a_value_or_resolves_nothing() -> None:
    before = _parsed(build_note(duration="53 min"))
    (edit,) = note_edits(before)
    wrong = Edit("F007", edit.span, "54")
    after = _parsed(apply_edits(before.source.text, [wrong]))
    assert _unsafe(before, after, [wrong], CONTEXT) == "a front-matter value would read differently"
    idle = Edit("Q002", Span(0, 0), "")
    assert _unsafe(before, before, [idle], CONTEXT) == "the fix would not resolve Q002"


# --- the property -----------------------------------------------------------------------------

SOAP = ("Subjective", "Objective", "Assessment", "Plan")
LABELS = ("**{}:**", "{}:", "*{}*:", "__{}:__", "#{}", "## {}")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(styles=st.lists(st.sampled_from(LABELS), min_size=4, max_size=4),
       duration=st.sampled_from(["53", "53 min", "53m", "53 minutes"]),
       code=st.sampled_from(['"90837"', "90837"]),
       client=st.sampled_from(["C-1042", "0042", "yes", '"0042"']),
       newline=st.sampled_from(["\n", "\r\n"]), bom=st.booleans())
def test_fixing_keeps_the_meaning_and_leaves_nothing_to_fix(
        styles: list[str], duration: str, code: str, client: str,
        newline: str, bom: bool) -> None:
    body = "\n".join(f"{style.format(name)}\n{text}\n" for name, style, text in zip(
        SOAP, styles, HEADED.split("\n\n"), strict=True) for text in [text.split("\n", 1)[1]])
    before = _parsed(build_note(body, duration=duration, service_code=code, client=client,
                                newline=newline, bom=bom))
    edits = note_edits(before)
    after = _parsed(apply_edits(before.source.text, edits))
    assert _unsafe(before, after, edits, CONTEXT) is None
    assert note_edits(after) == []
    assert [s.name for s in after.body.sections] == list(SOAP)
    assert not any(s.label for s in after.body.sections)
    assert all(_reading(getattr(before.header, n)) == _reading(getattr(after.header, n))
               for n in KNOWN_FIELDS)
    left = {f.code for f in check_result(ParseResult("a", after, ()), CONTEXT).findings}
    assert not left & {"S007", "F007", "F008", "S001"}


def test_a_file_that_cannot_be_read_is_exit_2_and_the_others_are_fixed(tmp_path: Path) -> None:
    root = workspace(tmp_path, {"a.md": build_note(PASTED)})
    (root / "notes" / "folder.md").mkdir()  # named like a note, cannot be read as one
    result = run(root, "fix", "notes/folder.md", "notes/a.md")
    assert result.exit_code == 2
    assert "notes/folder.md: not fixed: cannot read the file" in result.output
    assert (root / "notes/a.md").read_text("utf-8") == build_note(HEADED)
    assert run(root, "fix", "--diff", "notes/folder.md").exit_code == 2
