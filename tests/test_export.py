"""soapbuild export fhir / audit (issue 14), driven through the real command line.

The FHIR Bundles are read back with fhir.resources (the library that made them,
and what a receiving system in Python would use); the narratives are parsed as
XML and held to FHIR's narrative rules; the section texts are compared with the
note files, split at their headings here, independently of soapbuild's parser.
The audit packet is read back with pypdf.
"""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdf
import pytest
from click.testing import CliRunner
from fhir.resources.R4B.bundle import Bundle
from hypothesis import given
from hypothesis import strategies as st

from soapbuild.cli import main
from soapbuild.export.narrative import (
    XHTML,
    narrative_div,
    narrative_problems,
    narrative_text,
    paragraphs,
)
from tests.test_build import NOW, copy_practice

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "docs" / "fhir-example.json"
#: The command whose output docs/fhir-example.json is (README, "FHIR export").
EXAMPLE_COMMAND = ["export", "fhir", "--client", "C-1110", "--date", "2026-11-04",
                   "--per-note", "--now", "2026-12-01 09:00"]
LOINC_SECTIONS = {"Subjective": "61150-9", "Objective": "61149-1", "Assessment": "51848-0",
                  "Plan": "18776-5"}


def soapbuild(workspace: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-C", str(workspace), *args])
    return result.exit_code, result.output


def export_fhir(workspace: Path, out: Path, *args: str) -> list[Path]:
    code, output = soapbuild(workspace, "export", "fhir", "-o", str(out), "--now", NOW, *args)
    assert code == 0, output
    return sorted(out.rglob("*.json"))


def read_bundle(path: Path) -> Bundle:
    return Bundle.model_validate_json(path.read_text("utf-8"))


def resources_of(bundle: Bundle, kind: str) -> list[Any]:
    return [e.resource for e in bundle.entry if e.resource.get_resource_type() == kind]


def all_divs(data: Any) -> list[str]:
    """Every narrative div in the JSON, wherever it is."""
    if isinstance(data, dict):
        found = [data["div"]] if isinstance(data.get("div"), str) else []
        return found + [d for value in data.values() for d in all_divs(value)]
    if isinstance(data, list):
        return [d for value in data for d in all_divs(value)]
    return []


def sections_as_written(text: str) -> dict[str, str]:
    """The note's '## Heading' sections as the file has them (front matter and addenda
    cut off), each text stripped: the oracle for the round trip."""
    body = text.split("\n---\n", 1)[1]
    parts = re.split(r"^## (.+)\n", body, flags=re.MULTILINE)
    found = {}
    for heading, content in zip(parts[1::2], parts[2::2], strict=True):
        if heading.startswith("Addendum"):
            break
        found[heading.strip()] = content.strip()
    return found


@pytest.fixture(scope="module")
def sample_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path],
                                                                       list[Path]]:
    """The sample practice exported per client and per note."""
    root = tmp_path_factory.mktemp("export")
    practice = copy_practice(root / "practice")
    per_client = export_fhir(practice, root / "clients")
    per_note = export_fhir(practice, root / "notes", "--per-note")
    return practice, per_client, per_note


# --- FHIR ----------------------------------------------------------------------------------


def test_every_bundle_of_the_sample_practice_validates_and_is_a_document(
        sample_export: tuple[Path, list[Path], list[Path]]) -> None:
    practice, per_client, per_note = sample_export
    clients = {p.parent.name for p in (practice / "notes").glob("*/*.md")}
    assert len(per_client) == len(clients)
    submitted = [p for p in (practice / "notes").glob("*/*.md")
                 if p.name != "plan.md" and "\nsubmitted:" in p.read_text("utf-8")]
    assert len(per_note) == len(submitted)
    for path in per_client + per_note:
        bundle = read_bundle(path)
        assert bundle.type == "document"
        assert bundle.identifier.system and bundle.identifier.value  # bdl-9
        assert bundle.timestamp is not None  # bdl-10
        assert bundle.entry[0].resource.get_resource_type() == "Composition"
        urls = {e.fullUrl for e in bundle.entry}
        assert len(urls) == len(bundle.entry)
        text = path.read_text("utf-8")
        for reference in re.findall(r'"reference": "([^"]+)"', text):
            assert reference in urls, f"{path.name}: {reference} does not resolve"
        for patient in resources_of(bundle, "Patient"):
            # the client ID only: no name, birth date, address or telecom
            assert patient.name is None and patient.birthDate is None
            assert patient.address is None and patient.telecom is None
            assert [i.value for i in patient.identifier] == [patient.identifier[0].value]
            assert re.fullmatch(r"C-\d{4}", patient.identifier[0].value)


def test_narratives_are_well_formed_safe_xhtml(
        sample_export: tuple[Path, list[Path], list[Path]]) -> None:
    _, per_client, per_note = sample_export
    divs = [d for p in per_client + per_note for d in all_divs(json.loads(p.read_text("utf-8")))]
    assert len(divs) > 100
    for div in divs:
        root = ET.fromstring(div)
        assert root.tag == f"{{{XHTML}}}div"
        for element in root.iter():
            assert element.tag in (f"{{{XHTML}}}{n}" for n in ("div", "p", "br")), element.tag
            assert not element.attrib
        assert narrative_problems(div) == []


def test_section_texts_in_the_bundle_equal_the_note_sections(
        sample_export: tuple[Path, list[Path], list[Path]]) -> None:
    practice, _, per_note = sample_export
    by_title = {}
    for path in per_note:
        composition = read_bundle(path).entry[0].resource
        by_title[composition.title] = composition
    compared = 0
    for note in sorted((practice / "notes").glob("*/*.md")):
        text = note.read_text("utf-8")
        if note.name == "plan.md" or "\nsubmitted:" not in text:
            continue
        when = re.search(r"^session_date: (.+)$", text, re.MULTILINE).group(1)  # type: ignore[union-attr]
        composition = by_title.get(f"Progress note {when.strip()}")
        written = sections_as_written(text)
        if composition is None or not written or "occurred: false" in text:
            continue
        exported = {s.title: narrative_text(s.text.div) for s in composition.section
                    if not s.title.startswith("Addendum")}
        if set(written) != set(exported):
            continue  # a note whose headings the oracle does not read (labels, setext)
        for title, words in written.items():
            assert exported[title] == words, f"{note}: {title}"
            code = next(s.code for s in composition.section if s.title == title)
            if title in LOINC_SECTIONS:
                assert code.coding[0].system == "http://loinc.org"
                assert code.coding[0].code == LOINC_SECTIONS[title]
        compared += 1
    assert compared >= 20


HOSTILE = """\
## Subjective
Client reported <script>alert('x')</script> and
<img src="http://evil.example/x.png" onerror="alert(1)">.
See [the form](http://evil.example/form) and <a href="javascript:alert(2)">here</a>.

## Objective
<iframe src="https://evil.example/"></iframe> Client was calm. <style>*{display:none}</style>

## Assessment
Client denies SI/HI; risk is low. &lt;b&gt; <!DOCTYPE x> <?php echo 1; ?>

## Plan
Next session in one week. <div onclick="steal()">click</div>
"""


def test_a_note_with_hostile_markup_exports_inert(workspace: Path, tmp_path: Path,
                                                   make_note: Callable[..., str]) -> None:
    folder = workspace / "notes" / "C-1"
    folder.mkdir()
    (folder / "a.md").write_text(make_note(HOSTILE, client="C-1", session_date="2026-11-20 15:00",
                                           submitted="2026-11-21 09:12"), "utf-8")
    [path] = export_fhir(workspace, tmp_path / "out", "--per-note")
    composition = read_bundle(path).entry[0].resource
    for section in composition.section:
        div = section.text.div
        assert narrative_problems(div) == []
        root = ET.fromstring(div)
        assert {e.tag.split("}")[1] for e in root.iter()} <= {"div", "p", "br"}
        assert all(not e.attrib for e in root.iter())
    words = {s.title: narrative_text(s.text.div) for s in composition.section}
    # the words are kept as text, exactly as the clinician wrote them
    assert "<script>alert('x')</script>" in words["Subjective"]
    assert 'onerror="alert(1)"' in words["Subjective"]
    assert "<!DOCTYPE x> <?php echo 1; ?>" in words["Assessment"]
    raw = path.read_text("utf-8")
    assert "<script" not in raw.replace("&lt;script", "")


XML_TEXT = st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff")


@given(st.text(alphabet=st.one_of(XML_TEXT, st.sampled_from("<>&\"'\n\r\t \x00\x0b\x1f")),
               max_size=300))
def test_any_text_makes_a_safe_narrative_that_gives_the_words_back(text: str) -> None:
    div = narrative_div(text)
    assert narrative_problems(div) == []
    back = narrative_text(div)
    assert back == "\n\n".join("\n".join(lines) for lines in paragraphs(text))
    # every word of the text is there, in order; only what XML cannot hold is replaced
    allowed = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "\ufffd", text)
    assert "".join(back.split()) == "".join(allowed.split())


@pytest.mark.parametrize("div", [
    f'<div xmlns="{XHTML}"><script>alert(1)</script></div>',
    f'<div xmlns="{XHTML}"><p onclick="x()">a</p></div>',
    f'<div xmlns="{XHTML}"><img src="http://evil.example/a.png"/></div>',
    f'<div xmlns="{XHTML}"><a href="http://evil.example/">a</a></div>',
    f'<div xmlns="{XHTML}"><p style="background:url(http://e.example/)">a</p></div>',
    '<div><p>no namespace</p></div>',
    f'<div xmlns="{XHTML}"><p>unclosed</div>',
    f'<!DOCTYPE div [<!ENTITY e SYSTEM "http://e.example/">]><div xmlns="{XHTML}">&e;</div>',
])
def test_the_narrative_check_refuses_what_fhir_forbids(div: str) -> None:
    assert narrative_problems(div)


ADDENDUM = """
## Addendum 2026-11-25 10:30
Author: Jordan Rivera, LCSW
Reason: Client called to correct the medication dose.
The sertraline dose is 100 mg, not 50 mg.
"""


def test_encounter_signatures_diagnoses_and_addenda(workspace: Path, tmp_path: Path,
                                                    make_note: Callable[..., str]) -> None:
    (workspace / "soapbuild.toml").write_text(
        'timezone = "America/New_York"\n[clinicians."Riley Brooks"]\ncredential = "LMSW"\n'
        'supervisor = "Jordan Rivera"\nlicense = "NY LMSW 000000"\n'
        '[export.identifiers]\n"C-1" = "urn:oid:2.16.840.1.113883.19.5|MRN-0042"\n', "utf-8")
    folder = workspace / "notes" / "C-1"
    folder.mkdir()
    from tests.conftest import SOAP_BODY

    original = make_note(
        SOAP_BODY + ADDENDUM, client="C-1", clinician="Riley Brooks, LMSW",
        session_date="2026-11-20 15:00", service_code='"90837"', duration="55",
        submitted="2026-11-20 18:00", signed_by='"Riley Brooks, LMSW"',
        cosigned_by='"Jordan Rivera, LCSW"', cosigned="2026-11-21 09:00",
        diagnosis='["F41.1", "Z63.0"]')
    (folder / "a.md").write_text(original, "utf-8")
    (folder / "b.md").write_text(make_note(
        "Client did not attend; a message was left.\n", client="C-1",
        clinician="Riley Brooks, LMSW", session_date="2026-11-27 15:00", occurred="false",
        reason="no-show", service_code='"90837"', submitted="2026-11-27 16:00",
        signed_by='"Riley Brooks, LMSW"', cosigned_by='"Jordan Rivera, LCSW"',
        cosigned="2026-11-28 09:00"), "utf-8")
    [path] = export_fhir(workspace, tmp_path / "out")
    bundle = read_bundle(path)
    record, *notes = resources_of(bundle, "Composition")
    assert [len(record.section), len(notes)] == [2, 2]
    held, missed = sorted(notes, key=lambda c: c.title)
    assert held.status == "amended"  # an addendum after the final note
    assert [s.title for s in held.section] == ["Subjective", "Objective", "Assessment", "Plan",
                                               "Addendum 2026-11-25 10:30"]
    assert narrative_text(held.section[4].text.div).endswith(
        "The sertraline dose is 100 mg, not 50 mg.")
    assert held.section[4].author[0].reference in {e.fullUrl for e in bundle.entry}
    # the original is kept: the sections are the text before the addendum
    assert "Client reported sleeping about five hours per night." in narrative_text(
        held.section[0].text.div)
    assert [(a.mode, a.time.isoformat()[:16]) for a in held.attester] == [
        ("legal", "2026-11-20T18:00"), ("professional", "2026-11-21T09:00")]
    practitioners = {p.name[0].text: p for p in resources_of(bundle, "Practitioner")}
    assert set(practitioners) == {"Riley Brooks", "Jordan Rivera"}
    riley = practitioners["Riley Brooks"]
    assert riley.qualification[0].code.text == "LMSW"
    assert riley.qualification[0].identifier[0].value == "NY LMSW 000000"
    encounters = {e.id: e for e in resources_of(bundle, "Encounter")}
    finished = encounters[held.encounter.reference[9:]]
    assert finished.status == "finished"
    assert [t.coding[0].code for t in finished.type] == ["90837"]
    assert finished.type[0].coding[0].system == "http://www.ama-assn.org/go/cpt"
    conditions = {c.id: c for c in resources_of(bundle, "Condition")}
    coded = [conditions[d.condition.reference[9:]].code.coding[0] for d in finished.diagnosis]
    assert [(c.system, c.code) for c in coded] == [
        ("http://hl7.org/fhir/sid/icd-10-cm", "F41.1"), ("http://hl7.org/fhir/sid/icd-10-cm",
                                                         "Z63.0")]
    assert coded[0].display == "Generalized anxiety disorder"
    cancelled = encounters[missed.encounter.reference[9:]]
    assert cancelled.status == "cancelled" and cancelled.type is None
    assert [s.title for s in missed.section] == ["Session did not occur"]
    assert all(s.code is None for s in missed.section)
    [patient] = resources_of(bundle, "Patient")
    assert [(i.system, i.value) for i in patient.identifier] == [
        (None, "C-1"), ("urn:oid:2.16.840.1.113883.19.5", "MRN-0042")]


def test_drafts_are_exported_only_when_asked(workspace: Path, tmp_path: Path,
                                            make_note: Callable[..., str]) -> None:
    folder = workspace / "notes" / "C-1"
    folder.mkdir()
    (folder / "a.md").write_text(make_note(client="C-1", session_date="2026-11-20 15:00",
                                           submitted=None), "utf-8")
    code, output = soapbuild(workspace, "export", "fhir", "-o", str(tmp_path / "a"),
                             "--now", NOW)
    assert code == 2 and "nothing to export" in output and "a draft" in output
    [path] = export_fhir(workspace, tmp_path / "b", "--drafts", "--per-note")
    assert read_bundle(path).entry[0].resource.status == "preliminary"
    code, output = soapbuild(workspace, "export", "fhir", "-o", str(tmp_path / "c"),
                             "--client", "C-9", "--now", NOW)
    assert code == 2 and "C-9" in output and "Traceback" not in output


def test_a_bad_identifier_setting_is_refused(workspace: Path, tmp_path: Path) -> None:
    (workspace / "soapbuild.toml").write_text('[export.identifiers]\n"C-1" = "MRN 42"\n',
                                              "utf-8")
    code, output = soapbuild(workspace, "export", "fhir", "-o", str(tmp_path / "x"))
    assert code == 2 and "export.identifiers.C-1" in output and "SYSTEM|VALUE" in output


def test_docs_example_bundle_is_what_the_readme_command_makes(tmp_path: Path) -> None:
    """docs/fhir-example.json is the output of EXAMPLE_COMMAND on the sample practice; a
    change to the export or the sample note shows here (regenerate with that command)."""
    practice = copy_practice(tmp_path / "practice")
    code, output = soapbuild(practice, *EXAMPLE_COMMAND, "-o", str(tmp_path / "out"))
    assert code == 0, output
    [made] = list((tmp_path / "out").rglob("*.json"))
    assert made.read_text("utf-8") == EXAMPLE.read_text("utf-8")
    readme = (REPO / "README.md").read_text("utf-8")
    assert " ".join(["soapbuild", *(f'"{a}"' if " " in a else a for a in EXAMPLE_COMMAND)]) \
        in readme


# --- audit packet --------------------------------------------------------------------------


def pdf_text(path: Path) -> str:
    return " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(path).pages).split())


@pytest.mark.needs("pango")
def test_the_audit_packet_holds_exactly_the_requested_sessions(tmp_path: Path) -> None:
    practice = copy_practice(tmp_path / "practice")
    note = practice / "notes" / "C-1042" / "2026-10-26.md"
    note.write_text(note.read_text("utf-8").replace(
        "## Plan\n", "## Plan\nClient's mobile is 555-201-3344 for reminders.\n", 1), "utf-8")
    out = tmp_path / "packet" / "C-1042.pdf"
    out.parent.mkdir()
    code, output = soapbuild(practice, "export", "audit", "--client", "C-1042", "--since",
                             "2026-10-10", "--until", "2026-11-05", "--by", "Morgan Lee, Records",
                             "--request", "ADR 2026-0042", "-o", str(out), "--now", NOW)
    assert code == 0, output
    text = pdf_text(out)
    wanted = ["2026-10-12", "2026-10-19", "2026-10-26", "2026-11-02"]
    for day in wanted:
        assert f"Session {day} 15:00" in text
    sessions = re.findall(r"Session (\d{4}-\d{2}-\d{2}) \d{2}:\d{2}", text)
    assert sorted(set(sessions)) == wanted
    assert "C-1057" not in text and "Session 2026-10-05" not in text
    for stated in ("Requested", "sessions from 2026-10-10 to 2026-11-05 of C-1042",
                   "ADR 2026-0042", "Morgan Lee, Records", "Psychotherapy notes",
                   "2026-11-28 12:00", "Shown as locked"):
        assert stated in text, stated
    # the locked note changed after it locked is shown as it locked, without the change
    assert "555-201-3344" not in text and b"555-201-3344" not in out.read_bytes()
    manifest = json.loads((out.parent / "C-1042.pdf.manifest.json").read_text("utf-8"))
    assert manifest["packet_sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert [n["path"] for n in manifest["notes"]] == [
        f"notes/C-1042/{day}.md" for day in wanted]
    for listed in manifest["notes"]:
        assert listed["sha256"] == hashlib.sha256((practice / listed["path"]).read_bytes(
        )).hexdigest()
    reader = pypdf.PdfReader(out)
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="U"' in xmp


@pytest.mark.needs("pango")
def test_the_audit_packet_blacks_out_identifiers_and_lists_what_it_left_out(
        workspace: Path, tmp_path: Path, make_note: Callable[..., str]) -> None:
    from tests.conftest import SOAP_BODY

    folder = workspace / "notes" / "C-1"
    folder.mkdir()
    body = SOAP_BODY.replace("## Plan\n", "## Plan\nClient's mobile is 555-201-3344; SSN "
                             "123-45-6789.\n")
    (folder / "a.md").write_text(make_note(body, client="C-1", session_date="2026-11-20 15:00",
                                           submitted="2026-11-21 09:12"), "utf-8")
    (folder / "b.md").write_text(make_note(client="C-1", session_date="2026-11-24 15:00",
                                           submitted=None), "utf-8")
    out = tmp_path / "p.pdf"
    code, output = soapbuild(workspace, "export", "audit", "--client", "C-1", "--since",
                             "2026-11-01", "--by", "M. Lee", "-o", str(out), "--now", NOW)
    assert code == 0, output
    text = pdf_text(out)
    assert "[redacted: a phone number]" in text and "[redacted: a social security number]" in text
    assert "555-201-3344" not in text and "123-45-6789" not in text
    assert "notes/C-1/b.md: a draft, not yet part of the record" in text
    assert re.findall(r"Session (\d{4}-\d{2}-\d{2})", text) == ["2026-11-20"]
    manifest = json.loads(out.with_name("p.pdf.manifest.json").read_text("utf-8"))
    assert manifest["redaction"]["found"] == ["a phone number", "a social security number"]
    # settings can keep what a payer needs: only P001 here
    (workspace / "soapbuild.toml").write_text('timezone = "America/New_York"\n'
                                              '[export]\nredact = ["P001"]\n', "utf-8")
    code, output = soapbuild(workspace, "export", "audit", "--client", "C-1", "--by", "M. Lee",
                             "-o", str(out), "--now", NOW)
    assert code == 0, output
    text = pdf_text(out)
    assert "555-201-3344" in text and "123-45-6789" not in text


@pytest.mark.needs("pango")
def test_the_audit_packet_needs_a_client_and_its_producer(tmp_path: Path) -> None:
    practice = copy_practice(tmp_path / "practice")
    code, output = soapbuild(practice, "export", "audit", "--since", "2026-10-10",
                             "-o", str(tmp_path / "a.pdf"), "--by", "M")
    assert code == 2 and "--client" in output
    code, output = soapbuild(practice, "export", "audit", "--client", "C-1042", "--date",
                             "2027-01-01", "-o", str(tmp_path / "a.pdf"), "--by", "M")
    assert code == 2 and "nothing to export" in output
    assert not (tmp_path / "a.pdf").exists()


# --- what each entry of the record is (issue 14, item 4) -----------------------------------


@pytest.mark.needs("pango")
def test_the_record_marks_drafts_unsigned_notes_errors_and_late_entries_on_the_entry(
        workspace: Path, make_note: Callable[..., str]) -> None:
    from tests.conftest import SOAP_BODY

    folder = workspace / "notes" / "C-1"
    folder.mkdir()
    signed = '"Jordan Rivera, LCSW"'
    notes = {  # session day -> the note
        "2026-11-02": make_note(client="C-1", session_date="2026-11-02 15:00",
                                submitted="2026-11-02 18:00", signed_by=signed),
        "2026-11-09": make_note(client="C-1", session_date="2026-11-09 15:00", submitted=None),
        "2026-11-16": make_note(client="C-1", session_date="2026-11-16 15:00",
                                submitted="2026-11-16 18:00"),
        "2026-11-17": make_note(SOAP_BODY.replace("## Objective", "## Notes"), client="C-1",
                                session_date="2026-11-17 15:00", submitted="2026-11-17 18:00",
                                signed_by=signed),
        "2026-11-18": make_note(client="C-1", session_date="2026-11-18 15:00",
                                submitted="2026-11-23 18:00", signed_by=signed),
    }
    for day, text in notes.items():
        (folder / f"{day}.md").write_text(text, "utf-8")
    code, output = soapbuild(workspace, "build", "--pdf", "--now", NOW)
    assert code == 0, output
    [page] = (workspace / "output" / "clients").glob("*.html")
    articles = re.findall(r'<article class="session.*?</article>', page.read_text("utf-8"),
                          re.DOTALL)
    marks = {re.search(r"Session (\d{4}-\d{2}-\d{2})", a).group(1):  # type: ignore[union-attr]
             re.findall(r'<li class="mark mark-(\w+)">', a) for a in articles}
    assert marks == {"2026-11-02": [], "2026-11-09": ["draft"], "2026-11-16": ["unsigned"],
                     "2026-11-17": ["errors"], "2026-11-18": []}
    late = next(a for a in articles if "Session 2026-11-18" in a)
    assert "Late entry: entered 2026-11-23 18:00 for the session of 2026-11-18 15:00" in late
    [pdf] = (workspace / "output" / "clients").glob("*.pdf")
    text = pdf_text(pdf)
    for stated in ("Draft: not submitted, not part of the signed record",
                   "Unsigned: submitted without its author's electronic signature",
                   "not a complete record",
                   "Late entry: entered 2026-11-23 18:00 for the session of 2026-11-18 15:00"):
        assert stated in text, stated
    # each mark is on its own entry: the draft's words come after its heading, before the next
    draft = text.split("Session 2026-11-09 15:00", 1)[1].split("Session 2026-11-16", 1)[0]
    assert "Draft: not submitted" in draft and "Unsigned" not in draft
