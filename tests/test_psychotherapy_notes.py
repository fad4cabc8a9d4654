"""Psychotherapy notes (SPEC 3.1, 45 CFR 164.501) are checked and kept apart (issue 14).

A file with ``kind: psychotherapy-notes`` is checked for its fields, language and
privacy, but is no session: no byte of it reaches ``output/`` (pages, PDFs, the
report's JSON and CSV) or an export (FHIR Bundles, the audit packet and its
manifest). The proof plants unique markers in one and searches every file written,
the PDFs' extracted text as well as their raw bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner

from soapbuild.cli import main
from tests.test_build import NOW, copy_practice

MARKER = "Zyxqvorth-7731"  # in the body
TITLE_MARKER = "Qhelmbrant"  # in a heading
STEM = "process-wq9k"  # the file's name

PROCESS_NOTE = f"""\
---
kind: psychotherapy-notes
client: C-1042
clinician: Jordan Rivera, LCSW
session_date: 2026-11-16 15:00
---
## {TITLE_MARKER} hypotheses

My working hypothesis ({MARKER}): the client always deflects when work comes up.
Client said "{MARKER} is what my father called me."
Her sister's number is 555-201-3344.
"""


def soapbuild(workspace: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-C", str(workspace), *args])
    return result.exit_code, result.output


@pytest.fixture
def practice(tmp_path: Path) -> Path:
    workspace = copy_practice(tmp_path / "practice")
    (workspace / "notes" / "C-1042" / f"{STEM}.md").write_text(PROCESS_NOTE, "utf-8")
    return workspace


def leaks(folder: Path) -> list[str]:
    """Every file under ``folder`` that holds a marker, in its bytes or (a PDF) its text."""
    found = []
    needles = (MARKER, TITLE_MARKER, STEM)
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        texts = [data.decode("utf-8", "replace")]
        if path.suffix == ".pdf":
            texts.append(" ".join(page.extract_text() for page in pypdf.PdfReader(path).pages))
        if any(needle in text for needle in needles for text in texts):
            found.append(str(path))
    return found


def test_it_is_checked_for_language_and_privacy_but_not_as_a_session(practice: Path) -> None:
    code, output = soapbuild(practice, "check", "--format", "json", "--now", NOW,
                             f"notes/C-1042/{STEM}.md")
    assert code == 0, output
    codes = sorted(f["code"] for f in json.loads(output)["findings"])
    # absolute, hedge-free wording and the phone number; no section, time or billing rule
    assert codes == ["P003", "U001"], codes


def test_a_field_of_the_record_in_it_is_a_warning(practice: Path) -> None:
    note = practice / "notes" / "C-1042" / f"{STEM}.md"
    note.write_text(PROCESS_NOTE.replace("session_date:", 'service_code: "90834"\n'
                                         "submitted: 2026-11-16 18:00\nsession_date:"), "utf-8")
    code, output = soapbuild(practice, "check", "--format", "json", "--now", NOW,
                             str(note.relative_to(practice)))
    assert code == 0, output
    flagged = sorted((f["code"], f["line"]) for f in json.loads(output)["findings"]
                     if f["code"] == "F009")
    assert flagged == [("F009", 5), ("F009", 6)]


def test_a_wrong_kind_is_a_field_error(practice: Path) -> None:
    note = practice / "notes" / "C-1042" / f"{STEM}.md"
    note.write_text(PROCESS_NOTE.replace("psychotherapy-notes", "process"), "utf-8")
    code, output = soapbuild(practice, "check", "--now", NOW, str(note.relative_to(practice)))
    assert code == 1
    assert "F002 'kind' should be progress-note or psychotherapy-notes" in output


def test_submit_refuses_psychotherapy_notes(practice: Path) -> None:
    note = practice / "notes" / "C-1042" / f"{STEM}.md"
    code, output = soapbuild(practice, "submit", "--as", "Jordan Rivera, LCSW", "--now", NOW,
                             str(note.relative_to(practice)))
    assert code == 1 and "psychotherapy notes are kept apart" in output
    assert note.read_text("utf-8") == PROCESS_NOTE


@pytest.mark.needs("pango")
def test_no_byte_reaches_the_output_or_an_export(practice: Path, tmp_path: Path) -> None:
    sessions_before = len([p for p in (practice / "notes").rglob("*.md")
                           if p.name != "plan.md"]) - 1
    code, output = soapbuild(practice, "build", "--pdf", "--now", NOW)
    assert code == 0, output
    assert f"{sessions_before} notes of" in output  # not counted as a session note
    exports = tmp_path / "exports"
    for args in (["report", "--format", "json", "-o", str(exports / "report.json")],
                 ["report", "--format", "csv", "-o", str(exports / "report.csv")],
                 ["report", "--history", "-o", str(exports / "report.txt")],
                 ["export", "fhir", "-o", str(exports / "fhir")],
                 ["export", "fhir", "--per-note", "--client", "C-1042", "-o",
                  str(exports / "fhir-notes")],
                 ["export", "audit", "--client", "C-1042", "--by", "M. Lee", "-o",
                  str(exports / "audit.pdf")]):
        exports.mkdir(exist_ok=True)
        code, output = soapbuild(practice, *args, "--now", NOW)
        assert code == 0, (args, output)
    written = sorted(p.name for p in exports.rglob("*") if p.is_file())
    assert "audit.pdf" in written and "audit.pdf.manifest.json" in written
    assert len(list((practice / "output").rglob("*.pdf"))) >= 1
    assert leaks(practice / "output") == []
    assert leaks(exports) == []
    report = json.loads((exports / "report.json").read_text("utf-8"))
    assert all(STEM not in s["note"] for s in report["sessions"])
    # the planting is real: the same search finds the note itself
    assert leaks(practice / "notes") == [str(practice / "notes" / "C-1042" / f"{STEM}.md")]


def test_new_writes_psychotherapy_notes_that_check_accepts(workspace: Path) -> None:
    code, output = soapbuild(workspace, "new", "--client", "C-7", "--date", "2026-11-20 15:00",
                             "--clinician", "Jordan Rivera, LCSW", "--psychotherapy-notes")
    assert code == 0, output
    path = workspace / output.strip()
    assert path.name == "2026-11-20-psychotherapy-notes.md"
    assert path.read_text("utf-8") == (
        "---\nkind: psychotherapy-notes\nclient: C-7\nclinician: Jordan Rivera, LCSW\n"
        "session_date: 2026-11-20 15:00\n---\n")
    path.write_text(path.read_text("utf-8") + "Hypothesis: the worry follows the deadlines.\n",
                    "utf-8")
    code, output = soapbuild(workspace, "check", "--now", NOW)
    assert code == 0 and "Checked 1 note: no findings." in output, output
