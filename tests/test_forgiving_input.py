"""Forgiving input (issue 8, item 6): what other systems paste is read as meant.

Section labels alone on a line (``**Subjective:**``, ``Plan:``, ``S:``) open
their sections, reported once per note (S007) instead of four missing sections;
``duration: 50 min`` is 50 minutes with one warning (F007) instead of a wrong
B001; clinical shorthand for the next step (``F/u 1 wk``, ``RTC 2 wks``) satisfies
C002. The parsing is tested with properties (hypothesis) on the model, and every
outcome through the real command line.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import build_note
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soapbuild.cli import main
from soapbuild.model.formats import NoteFormat, builtin_formats
from soapbuild.model.parse import parse_note

FORMATS: dict[str, NoteFormat] = builtin_formats()
SOAP = ("Subjective", "Objective", "Assessment", "Plan")
PROPERTIES = settings(max_examples=200, deadline=None,
                      suppress_health_check=[HealthCheck.too_slow])
NOW = "2026-11-27 12:00"
PROSE = {
    "Subjective": 'Client reported sleeping five hours and stated, "I keep waking up."',
    "Objective": "Client was alert and oriented; speech normal in rate and volume.",
    "Assessment": "Symptoms are consistent with adjustment stress. Denies SI/HI; risk is low.",
    "Plan": "Client will keep a sleep diary; next session 2026-11-27 15:00.",
}

# How other systems write a section label.
LABEL_STYLES = ("**{}:**", "**{}**:", "{}:", "*{}:*", "__{}:__", "_{}_:", "***{}:***", "#{}",
                "##{}", "###{}:")


def label_note(labels: dict[str, str], prose: dict[str, str] = PROSE, blank: bool = True) -> str:
    gap = "\n" if blank else ""
    return build_note("\n".join(f"{labels[name]}\n{gap}{prose[name]}\n" for name in SOAP))


def check_json(tmp_path: Path, text: str, name: str = "note.md") -> dict[str, object]:
    (tmp_path / "notes").mkdir(exist_ok=True)
    (tmp_path / "soapbuild.toml").write_text('timezone = "America/New_York"\n', "utf-8")
    (tmp_path / "notes" / name).write_text(text, "utf-8")
    result = CliRunner().invoke(main, ["-C", str(tmp_path), "check", "--format", "json",
                                       "--now", NOW, f"notes/{name}"])
    assert result.exit_code in (0, 1), result.output
    report: dict[str, object] = json.loads(result.output)
    return report


def codes(report: dict[str, object]) -> list[str]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return [f["code"] for f in findings]


# --- section labels: properties of the model ---------------------------------------------

style = st.sampled_from(LABEL_STYLES)
spaces = st.sampled_from(["", " ", "  "])


@PROPERTIES
@given(styles=st.lists(style, min_size=4, max_size=4), short=st.lists(st.booleans(), min_size=4,
                                                                       max_size=4),
       blank=st.booleans(), indent=spaces, trailing=spaces)
def test_labels_in_any_style_open_the_sections(styles: list[str], short: list[bool], blank: bool,
                                               indent: str, trailing: str) -> None:
    labels = {name: indent + template.format(name[0] if brief else name) + trailing
              for name, template, brief in zip(SOAP, styles, short, strict=True)}
    text = label_note(labels, blank=blank)
    note = parse_note(text.encode(), "n.md", FORMATS).note
    assert note is not None
    sections = note.body.sections
    assert [s.name for s in sections] == list(SOAP)
    assert all(s.label for s in sections)
    for section in sections:
        heading = section.heading
        assert note.text_of(heading.span) == labels[section.name]
        assert note.source.position(heading.span.start).column == 1
        # the section holds its prose, and the label is not part of it
        inside = note.prose[heading.span.end:section.span.end]
        assert " ".join(PROSE[section.name].replace('"', " ").split()[:3]) in " ".join(
            inside.replace('"', " ").split())
        assert note.section_at(heading.span.end + 2) == section.name


@PROPERTIES
@given(word=st.text(st.characters(categories=("L", "N"), max_codepoint=0x2FF), min_size=1,
                    max_size=20),
       template=style)
def test_a_label_that_names_no_section_stays_text(word: str, template: str) -> None:
    if FORMATS["soap"].section_for(word) is not None:
        return  # it names a section: the other property covers it
    body = "## Subjective\nClient reported.\n\n" + template.format(word) + "\nMore text.\n"
    note = parse_note(build_note(body).encode(), "n.md", FORMATS).note
    assert note is not None
    assert [s.name for s in note.body.sections] == ["Subjective"]


@PROPERTIES
@given(name=st.sampled_from(SOAP), template=style,
       where=st.sampled_from(["list", "quote", "code", "inline", "no-colon", "mid-paragraph"]))
def test_only_a_whole_line_opening_a_plain_paragraph_is_a_label(name: str, template: str,
                                                                where: str) -> None:
    label = template.format(name)
    line = {
        "list": f"- {label}",
        "quote": f"> {label}",
        "code": f"```\n{label}\n```",
        "inline": f"{label} Client reported more sleep.",
        "no-colon": f"**{name}**",
        "mid-paragraph": f"Client reported more sleep.\n{label}",
    }[where]
    note = parse_note(build_note(f"{line}\nText.\n").encode(), "n.md", FORMATS).note
    assert note is not None
    assert note.body.sections == ()


def test_a_heading_wins_over_a_label_of_the_same_section() -> None:
    body = ("## Subjective\nClient reported.\n\n## Objective\nCalm.\n\n## Assessment\n"
            "Denies SI/HI.\n\nPlan:\nA stray label under Assessment.\n\n## Plan\nNext session.\n")
    note = parse_note(build_note(body).encode(), "n.md", FORMATS).note
    assert note is not None
    assert [(s.name, s.label) for s in note.body.sections] == [
        (name, False) for name in SOAP]


def test_labels_are_not_read_in_a_session_that_did_not_occur() -> None:
    text = build_note("Plan:\nCalled the client and offered a new time.\n", occurred="false",
                      reason="no-show", duration=None, service_code=None)
    note = parse_note(text.encode(), "n.md", FORMATS).note
    assert note is not None and note.body.sections == ()


def test_labels_of_another_format() -> None:
    body = "**Data:**\nClient reported.\n\n**Assessment:**\nDenies SI/HI.\n\n**Plan:**\nNext.\n"
    note = parse_note(build_note(body, format="dap").encode(), "n.md", FORMATS).note
    assert note is not None
    assert [(s.name, s.label) for s in note.body.sections] == [
        ("Data", True), ("Assessment", True), ("Plan", True)]


# --- section labels: the command line ------------------------------------------------------


@pytest.mark.parametrize("template", LABEL_STYLES)
def test_a_pasted_note_is_one_warning_not_four_missing_sections(tmp_path: Path,
                                                                template: str) -> None:
    text = label_note({name: template.format(name) for name in SOAP})
    report = check_json(tmp_path, text)
    assert codes(report) == ["S007"], report
    finding = report["findings"][0]  # type: ignore[index]
    assert (finding["line"], finding["column"], finding["severity"]) == (10, 1, "warning")
    assert "'## Subjective', '## Objective', '## Assessment', '## Plan'" in finding["suggestion"]


def test_an_empty_labelled_section_is_empty(tmp_path: Path) -> None:
    prose = {**PROSE, "Objective": ""}
    report = check_json(tmp_path, label_note({n: f"**{n}:**" for n in SOAP}, prose))
    assert sorted(codes(report)) == ["S002", "S007"], report


def test_the_text_output_names_the_heading_to_use(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "n.md").write_text(label_note({n: f"{n[0]}:" for n in SOAP}), "utf-8")
    result = CliRunner().invoke(main, ["-C", str(tmp_path), "check", "--now", NOW])
    assert result.exit_code == 0, result.output
    assert re.search(r"notes/n\.md:10:1: warning S007 'S:' and 3 more section labels",
                     result.output)
    assert "S001" not in result.output


# --- duration with a unit -----------------------------------------------------------------

UNITS = ("min", "mins", "m", "minutes", "minute", "MIN", "Mins.", "min.")


@PROPERTIES
@given(minutes=st.integers(0, 9999), unit=st.sampled_from(UNITS), gap=spaces)
def test_a_duration_with_a_unit_is_read_as_minutes(minutes: int, unit: str, gap: str) -> None:
    written = f"{minutes}{gap}{unit}"
    note = parse_note(build_note(duration=written).encode(), "n.md", FORMATS).note
    assert note is not None
    assert note.header.duration == minutes
    assert note.header.problems == ()
    assert [p.name for p in note.header.loose] == ["duration"]
    assert note.text_of(note.header.loose[0].span) == written


@PROPERTIES
@given(minutes=st.integers(0, 9999))
def test_a_plain_duration_is_not_loose(minutes: int) -> None:
    note = parse_note(build_note(duration=str(minutes)).encode(), "n.md", FORMATS).note
    assert note is not None and note.header.duration == minutes and note.header.loose == ()


@pytest.mark.parametrize("written", ["50 hours", "fifty", "50 min 30 s", "5O min", "-50 min",
                                     "50.5 min", "min 50"])
def test_a_duration_that_is_not_minutes_stays_wrong(written: str) -> None:
    note = parse_note(build_note(duration=written).encode(), "n.md", FORMATS).note
    assert note is not None
    assert note.header.duration is None and note.header.loose == ()
    assert [p.name for p in note.header.problems] == ["duration"]


@pytest.mark.parametrize("written", ["50 min", "50 minutes", "50m", "50 mins"])
def test_duration_with_a_unit_bills_by_its_minutes(tmp_path: Path, written: str) -> None:
    text = build_note(duration=written, service_code='"90834"')
    report = check_json(tmp_path, text)
    assert codes(report) == ["F007"], report
    finding = report["findings"][0]  # type: ignore[index]
    assert finding["severity"] == "warning"
    assert finding["suggestion"].startswith("Write the number alone: 'duration: 50'")


def test_a_duration_with_a_unit_outside_the_band_is_judged_by_its_minutes(tmp_path: Path) -> None:
    report = check_json(tmp_path, build_note(duration="50 min", service_code='"90837"'))
    assert sorted(codes(report)) == ["B002", "F007"], report


# --- next steps in clinical shorthand -------------------------------------------------------

PLAN_BODY = ("## Subjective\nClient reported sleeping better.\n\n## Objective\nCalm.\n\n"
             "## Assessment\nDenies SI/HI; risk is low.\n\n## Plan\n{}\n")


@pytest.mark.parametrize("plan", ["F/u 1 wk.", "f/u in 2 weeks.", "RTC 2 wks.",
                                  "Next appt Tuesday.", "RTO in 3 wks.",
                                  "Return to clinic as scheduled.", "Appt made.",
                                  "Follow up in 1 mo."])
def test_clinical_shorthand_names_a_next_step(tmp_path: Path, plan: str) -> None:
    assert codes(check_json(tmp_path, build_note(PLAN_BODY.format(plan)))) == []


@pytest.mark.parametrize("plan", ["Client tolerated the session well.",
                                  "Frustration was discussed.", "Good rapport."])
def test_a_plan_without_a_next_step_is_still_c002(tmp_path: Path, plan: str) -> None:
    assert codes(check_json(tmp_path, build_note(PLAN_BODY.format(plan)))) == ["C002"]
