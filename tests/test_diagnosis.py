"""Diagnoses: ICD-10-CM codes checked against the code set of simple-icd-10-cm.

soapbuild reads the package's own code list instead of importing it (which
parses its 10 MB classification in seconds); these tests hold that reading to
the package's answers for every code, check the rules through the command line,
and show that ``check`` imports the code set only when a note has a diagnosis.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from clean_note import note, workspace
from click.testing import CliRunner

from soapbuild.cli import main
from soapbuild.model.icd10cm import code_set, dotted, plain


def test_the_code_list_reading_agrees_with_the_package_on_every_code() -> None:
    with warnings.catch_warnings():  # the package's loader uses importlib's old API
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm as package

    codes = code_set()
    every = package.get_all_codes(with_dots=False)
    listed = {code for code in every if package.is_category_or_subcategory(code)}
    assert codes.codes == listed
    assert codes.billable == {code for code in listed if package.is_leaf(code)}
    assert len(codes.billable) > 70_000
    assert all(dotted(code) == package.add_dot(code) for code in list(listed)[::97])


@pytest.mark.parametrize(("written", "state", "shown", "closest"), [
    ("F41.1", "billable", "F41.1", ()),
    ("f411", "billable", "F41.1", ()),
    (" F32.A ", "billable", "F32.A", ()),
    ("F41", "category", "F41", ("F41.0", "F41.1", "F41.3", "F41.8", "F41.9")),
    ("F43.1", "category", "F43.1", ("F43.10", "F43.11", "F43.12")),
    ("F41.7", "unknown", "F41.7", ("F41.0", "F41.1", "F41.3", "F41.8", "F41.9")),
    ("anxiety", "unknown", "anxiety", ()),
])
def test_codes_are_judged_and_the_closest_complete_codes_named(
        written: str, state: str, shown: str, closest: tuple[str, ...]) -> None:
    verdict = code_set().judge(written)
    assert (verdict.state, verdict.code, verdict.closest) == (state, shown, closest)
    assert plain(shown) == shown.replace(".", "").upper()


def _check(root: Path, *args: str) -> tuple[int, list[tuple[int, int, str, str, str]]]:
    result = CliRunner().invoke(main, ["-C", str(root), "check", "--format", "json",
                                       "--now", "2026-11-27 12:00", *args])
    report = json.loads(result.output)
    return result.exit_code, [(f["line"], f["column"], f["code"], f["message"],
                               f["suggestion"]) for f in report["findings"]]


def test_an_invalid_or_non_billable_code_is_an_error_with_suggestions(tmp_path: Path) -> None:
    root = workspace(tmp_path / "w")
    (root / "notes" / "a.md").write_text(
        note(diagnosis='["F43.1", "F41.7", "Z63.0"]'), "utf-8")
    code, found = _check(root)
    assert code == 1
    assert found == [
        (9, 14, "I002", "F43.1 is a category that ICD-10-CM divides further; only a complete "
                        "code can be billed.",
         "Code to the highest specificity the record supports: F43.10, F43.11, F43.12."),
        (9, 23, "I001", "'F41.7' is not an ICD-10-CM code (release of April 2026).",
         "Closest codes: F41.0, F41.1, F41.3, F41.8, F41.9."),
    ]
    report = CliRunner().invoke(main, ["-C", str(root), "report", "--format", "json",
                                       "--now", "2026-11-27 12:00"])
    row = json.loads(report.output)["sessions"][0]
    assert (row["billable"], row["not_billable_reason"], row["diagnosis"]) == (
        False, "the note has errors: I001, I002", ["F43.1", "F41.7", "Z63.0"])


def test_a_practice_can_require_a_diagnosis_for_billing(tmp_path: Path) -> None:
    root = workspace(tmp_path / "w", "[diagnosis]\nrequired = true\n")
    (root / "notes" / "a.md").write_text(note(), "utf-8")
    (root / "notes" / "b.md").write_text(note(client="C-2", diagnosis="F41.1"), "utf-8")
    (root / "notes" / "c.md").write_text(
        note("Client did not come and did not call.\n", client="C-3", occurred="false",
             reason="no-show", service_code=None, duration=None), "utf-8")
    code, found = _check(root, "notes/a.md", "notes/b.md", "notes/c.md")
    assert code == 1 and [f[2] for f in found] == ["I003"]  # a.md; no session, no diagnosis
    # lowered to a warning, the condition of billing still holds
    (root / "soapbuild.toml").write_text('timezone = "America/New_York"\n[diagnosis]\n'
                                         'required = true\n[rules.severity]\nI003 = "warning"\n',
                                         "utf-8")
    report = CliRunner().invoke(main, ["-C", str(root), "report", "--format", "json",
                                       "--now", "2026-11-27 12:00"])
    rows = {r["note"]: r for r in json.loads(report.output)["sessions"]}
    assert (rows["notes/a.md"]["billable"], rows["notes/a.md"]["not_billable_reason"]) == (
        False, "no diagnosis")
    assert rows["notes/b.md"]["billable"] is True


PROBE = ("import sys\nfrom soapbuild.cli import main\n"
         "try:\n    main(['-C', sys.argv[1], 'check', '--now', '2026-11-27 12:00'])\n"
         "except SystemExit:\n    pass\n"
         "print('loaded:', 'simple_icd_10_cm' in sys.modules,"
         " 'soapbuild.model.icd10cm' in sys.modules and "
         "bool(sys.modules['soapbuild.model.icd10cm'].code_set.cache_info().currsize),"
         " 'holidays' in sys.modules)")


@pytest.mark.parametrize(("diagnosis", "loaded"), [
    (None, "loaded: False False False"),  # no diagnosis: the code set is never read
    ("F41.1", "loaded: False True False"),  # read from its list; the package never imported
])
def test_check_reads_the_code_set_only_for_a_note_with_a_diagnosis(
        tmp_path: Path, diagnosis: str | None, loaded: str) -> None:
    root = workspace(tmp_path / "w")
    (root / "notes" / "a.md").write_text(note(diagnosis=diagnosis), "utf-8")
    done = subprocess.run([sys.executable, "-c", PROBE, str(root)], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == loaded
