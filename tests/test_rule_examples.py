"""Every rule's documented examples, run through the command line.

The rule pages (``data/rules/*.toml``) carry notes the rule must flag and notes
it must pass. As in proselint's ``tests/examples.py``, one parametrised test
runs them all, so the documentation cannot drift from what soapbuild does, and
a gate fails the suite when a rule ships without examples.

Each example runs in a fresh workspace through the command line
(``soapbuild -C WORKSPACE check --format json …``): the settings file,
discovery, reading bytes from disk, the rules and the JSON formatter are all
exercised, exactly as a clinician's editor or git hook would. The command runs
in this process through click's runner, which is what lets ~150 examples run in
seconds; one example per rule family (:data:`END_TO_END`) also runs as a real
``python -m soapbuild`` subprocess, and its report and exit code must be the
same in both, so the in-process runs are held to the real command. In process,
every hit is also traced to the module that made it, which must list its code
(``CODES``). An example with ``committed`` runs in a real git repository in which
the note was committed at that time; one with ``setup = "deleted"`` is checked,
deleted and checked again; ``setup = "outside"`` reaches the note through a
symlink that leads out of the workspace.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from soapbuild.cli import main
from soapbuild.model.findings import Hit
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


#: The examples that also run through the real ``python -m soapbuild``, one per rule
#: family, chosen to cover the ways an example sets up its workspace: bytes in
#: another encoding, a settings file, a schedule (the whole folder checked), a note
#: checked before it changed (a seal), an earlier note beside it.
END_TO_END = ("R002-flagged-1", "F005-passes-1", "S001-flagged-1", "A001-flagged-1",
              "T006-flagged-1", "B002-flagged-1", "K001-flagged-1", "E002-passes-1",
              "V001-flagged-1", "I002-flagged-1", "G005-flagged-1", "D001-flagged-1",
              "J001-flagged-1", "U001-flagged-1", "H001-flagged-1", "Q001-flagged-1",
              "C001-flagged-1", "P001-flagged-1", "N001-flagged-1")


def _cases(only: tuple[str, ...] | None = None) -> Iterator[Any]:
    for rule in RULES.values():
        for kind, examples in (("flagged", rule.flagged), ("passes", rule.passes)):
            for number, example in enumerate(examples, 1):
                case_id = f"{rule.code}-{kind}-{number}"
                if only is not None and case_id not in only:
                    continue
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
    if example.setup == "outside":
        elsewhere = root.parent / f"{root.name}-elsewhere.md"
        elsewhere.write_text(example.text, "utf-8")
        note.symlink_to(elsewhere)
        return note
    if example.setup not in (None, "deleted", "folder"):
        raise ValueError(f"unknown example setup {example.setup!r}")
    if example.plan is not None:
        plan = root / plan_path(example)
        plan.parent.mkdir(parents=True)
        plan.write_text(example.plan, "utf-8")
    if example.earlier is not None:
        (root / EARLIER).write_text(example.earlier, "utf-8")
    if example.schedule is not None:
        (root / "schedule.csv").write_text(example.schedule, "utf-8")
    note.write_bytes(example.text.encode(example.encoding) + FILLER * example.pad_bytes)
    if example.committed is not None:
        _commit(root, example.committed)
    return note


def _commit(root: Path, when: str) -> None:
    """Make the workspace a git repository whose one commit, at ``when`` (in the examples'
    time zone), holds everything in it."""
    stamp = datetime.fromisoformat(when).replace(tzinfo=ZoneInfo("America/New_York"))
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_DATE": stamp.isoformat(), "GIT_COMMITTER_DATE": stamp.isoformat()}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"],
                 ["-c", "user.name=Example", "-c", "user.email=example@example.org",
                  "-c", "commit.gpgsign=false", "commit", "-q", "-m", "notes"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True,
                       timeout=60)


@dataclass(frozen=True, slots=True)
class Ran:
    """What a run of the command line gave: exit code, standard output and error."""

    exit_code: int
    stdout: str
    stderr: str


def plan_path(example: Example) -> str:
    """Where an example's treatment plan goes: the folder of the client it names."""
    found = re.search(r"^client:\s*(\S+)", example.plan or "", re.MULTILINE)
    assert found is not None, "an example's plan names its client"
    return f"notes/{found.group(1)}/plan.md"


def check_arguments(workspace: Path, example: Example) -> list[str]:
    """The command line of ``soapbuild check`` for one example."""
    arguments = ["-C", str(workspace), "check", "--format", "json",
                 "--now", example.now or DEFAULT_NOW]
    # missing sessions, deleted notes and idle goals are judged on the whole folder
    if example.schedule is None and example.setup not in ("deleted", "folder"):
        arguments.append(NOTE)
        if example.earlier is not None:
            arguments.append(EARLIER)
        if example.plan is not None:
            arguments.append(plan_path(example))
    return arguments


def in_subprocess(arguments: list[str]) -> Ran:
    """``python -m soapbuild …`` as its own process, without SOAPBUILD_NOW."""
    env = {key: value for key, value in os.environ.items() if key != "SOAPBUILD_NOW"}
    done = subprocess.run([sys.executable, "-m", "soapbuild", *arguments], capture_output=True,
                          text=True, timeout=60, env=env, check=False)
    return Ran(done.returncode, done.stdout, done.stderr)


def in_process(arguments: list[str]) -> Ran:
    """The same command through click's runner in this process, without SOAPBUILD_NOW.

    The caches the command fills (rule pages, built-in vocabulary, service codes)
    hold only soapbuild's own data, the same for every workspace; the workspace,
    "now" and the settings come from the arguments, as in a subprocess. An
    exception the command lets out is what the subprocess would print as a
    traceback: it fails the example here with that traceback.
    """
    result = CliRunner().invoke(main, arguments, env={"SOAPBUILD_NOW": None})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        crash = "".join(traceback.format_exception(result.exception))
        raise AssertionError(f"Traceback (in process):\n{crash}")
    return Ran(result.exit_code, result.stdout, result.stderr)


def report_of(ran: Ran) -> dict[str, Any]:
    """The JSON report of a check run that did its job; its exit code must match its errors."""
    assert ran.exit_code in (0, 1), f"exit {ran.exit_code}\n{ran.stderr}"
    assert "Traceback" not in ran.stderr, ran.stderr
    report: dict[str, Any] = json.loads(ran.stdout)
    errors = sum(1 for finding in report["findings"] if finding["severity"] == "error")
    assert ran.exit_code == (1 if errors else 0), "the exit code does not match the errors"
    return report


def run_example(workspace: Path, example: Example, run: Any = in_process) -> dict[str, Any]:
    """Lay out the example's workspace and check it as the rule page describes; return the
    report of the note as it is now, limited to the note (and the schedule)."""
    workspace.mkdir(exist_ok=True)
    note = write_workspace(workspace, example)
    arguments = check_arguments(workspace, example)
    if example.before is not None:  # check the original first (a locked note is sealed) …
        final = note.read_bytes()
        note.write_text(example.before, "utf-8")
        report_of(run(arguments))
        note.write_bytes(final)  # … then the note as it is now
    if example.setup == "deleted":  # check it, then delete it
        report_of(run(arguments))
        note.unlink()
    report = report_of(run(arguments))
    if example.setup != "deleted":
        assert NOTE in report["files"], f"the note was not checked at all: {report['files']}"
    shown = (NOTE, "schedule.csv", *([plan_path(example)] if example.plan is not None else []))
    report["findings"] = [f for f in report["findings"] if f["path"] in shown]
    return report


@pytest.fixture
def made_by(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every hit made while the test runs, as (module that made it, code).

    The real ``Hit`` is built as before; the spy only notes the caller's module.
    """
    made: list[tuple[str, str]] = []
    build = Hit.__init__

    def noted(self: Hit, *args: Any, **kwargs: Any) -> None:
        code = args[0] if args else kwargs["code"]
        made.append((sys._getframe(1).f_globals["__name__"], code))
        build(self, *args, **kwargs)

    monkeypatch.setattr(Hit, "__init__", noted)
    return made


def _shown(report: dict[str, Any]) -> str:
    return "\n".join(f"  {f['line']}:{f['column']} {f['code']} [{f['severity']}] {f['message']}"
                     for f in report["findings"]) or "  (no findings)"


@pytest.mark.parametrize(("rule", "kind", "example"), list(_cases()))
def test_example(tmp_path: Path, made_by: list[tuple[str, str]], rule: Rule, kind: str,
                 example: Example) -> None:
    report = run_example(tmp_path, example)
    judge(report, rule, kind)
    foreign = sorted({(module, code) for module, code in made_by
                      if code not in getattr(sys.modules[module], "CODES", ())})
    assert not foreign, f"hits made by a module that does not list their code: {foreign}"


@pytest.mark.parametrize(("rule", "kind", "example"), list(_cases(END_TO_END)))
def test_example_end_to_end(tmp_path: Path, rule: Rule, kind: str, example: Example) -> None:
    """One example per family through the real ``python -m soapbuild``: it passes as the
    rule page says, and the in-process run gives the very same report."""
    report = run_example(tmp_path / "subprocess", example, in_subprocess)
    judge(report, rule, kind)
    assert run_example(tmp_path / "in-process", example) == report


def test_every_family_runs_one_example_end_to_end() -> None:
    families = [RULES[case.split("-")[0]].family for case in END_TO_END]
    assert sorted(families) == sorted(FAMILY_ORDER), "one end-to-end example per family"
    assert len(list(_cases(END_TO_END))) == len(END_TO_END), "an end-to-end case is unknown"


def judge(report: dict[str, Any], rule: Rule, kind: str) -> None:
    """A flagged example must carry the rule's code; a passing one neither it nor an error."""
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
               if rule.family in ("timeliness", "addenda", "signatures", "supervision",
                                  "plans")
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
