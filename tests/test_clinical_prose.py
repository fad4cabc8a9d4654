"""Issue 13's examples of real clinical prose, each through the real command line.

Every case is a note written the way clinicians and published examples write
them; ``soapbuild check --format json`` runs on it in a subprocess and the
findings of the codes the case is about must be exactly the expected ones
(by code and by the words they point at). Quotations, section roles, context
words, risk and privacy are all here, so a regression in any of them shows as
the sentence that broke.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

NOW = "2026-11-27 12:00"
FRONT = """---
client: {client}
clinician: Jordan Rivera, LCSW
session_date: 2026-11-20 15:00
occurred: true
{extra}---
"""
BASE = {
    "Subjective": "Client reported sleeping six hours a night.",
    "Objective": "Client was alert and oriented.",
    "Assessment": "Client denies SI/HI; risk is low.",
    "Plan": "Next session in one week.",
}


def soap(section: str = "Subjective", text: str = "", replace: bool = False,
         client: str = "C-1001", extra: str = "") -> str:
    """A clean SOAP note with ``text`` added to (or replacing) one section."""
    parts = [FRONT.format(client=client, extra=extra)]
    for name, sentence in BASE.items():
        body = text if name == section and replace else sentence
        if name == section and not replace:
            body += "\n\n" + text
        parts.append(f"## {name}\n{body}\n\n")
    return "".join(parts)


def run(tmp_path: Path, note: str, settings: str = "") -> tuple[int, list[dict[str, Any]], str]:
    (tmp_path / "soapbuild.toml").write_text('timezone = "America/New_York"\n' + settings,
                                              "utf-8")
    (tmp_path / "notes").mkdir(exist_ok=True)
    path = tmp_path / "notes" / "note.md"
    path.write_text(note, "utf-8")
    done = subprocess.run([sys.executable, "-m", "soapbuild", "-C", str(tmp_path), "check",
                           "--format", "json", "--now", NOW, "notes/note.md"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert "Traceback" not in done.stderr, done.stderr
    report = json.loads(done.stdout) if done.stdout.strip() else {"findings": []}
    return done.returncode, report["findings"], note


def found(findings: list[dict[str, Any]], note: str, codes: tuple[str, ...]
          ) -> list[tuple[str, str]]:
    """(code, the text the finding points at) for the findings of ``codes``."""
    lines = note.splitlines(keepends=True)
    out = []
    for finding in findings:
        if finding["code"] not in codes:
            continue
        line = lines[finding["line"] - 1]
        start = finding["column"] - 1
        end = finding.get("end_column")
        if finding.get("end_line") == finding["line"] and end:
            words = line[start:end - 1]
        else:
            words = line[start:].rstrip("\n")
        out.append((finding["code"], words))
    return out


LANGUAGE = ("J001", "J002", "J003", "J004", "J005", "J006", "J007", "U001", "H001", "H002",
            "Q001", "Q002", "Q003")
RISK = ("C001", "C003")
PRIVACY = ("P001", "P002", "P003", "P004", "P005")

# (id, note, codes looked at, expected (code, words) — the words may be a prefix)
CASES: list[tuple[str, str, tuple[str, ...], list[tuple[str, str]]]] = [
    # --- single quotes are quotation marks ------------------------------------------
    ("single-quote-statement", soap(text="Client stated, 'I always fail at everything.'"),
     LANGUAGE, []),
    ("single-quote-self-label", soap(text="Client called herself 'I'm lazy' twice today."),
     LANGUAGE, []),
    ("single-quote-unclosed", soap(text="Client said, 'it was fine at first."),
     LANGUAGE, [("Q002", "'")]),
    ("apostrophes", soap(text="Client's kids' school called; she doesn't like the '90s music."),
     LANGUAGE, []),
    # --- standard quotation is not scare quotes ----------------------------------------
    ("mood-field", soap("Objective", 'Mood: "okay."'), LANGUAGE, []),
    ("attribution-after", soap("Objective", 'Mood was "good," in the client\'s words.'),
     LANGUAGE, []),
    ("pronouns", soap(text='Client uses "they/them" pronouns.'), LANGUAGE, []),
    ("scare-quote-still", soap(text='Client had a "reaction" to the news.'),
     LANGUAGE, [("Q003", '"reaction"')]),
    # --- section roles: BIRP's Response is observation ------------------------------
    ("birp-response", FRONT.format(client="C-1001", extra="format: birp\n")
     + "## Behavior\nClient reported a tense week.\n\n## Intervention\nReviewed coping skills."
     "\n\n## Response\nClient appeared agitated and guarded at first; denies SI/HI; risk is "
     "low.\n\n## Plan\nNext session in one week.\n", LANGUAGE, []),
    ("soap-assessment-label", soap("Assessment", "Client was agitated and guarded."),
     LANGUAGE, [("J005", "agitated"), ("J005", "guarded")]),
    # --- context ------------------------------------------------------------------------
    ("clean-and-tidy", soap("Objective", "Client has been clean and tidy in appearance."),
     LANGUAGE, []),
    ("dirty-uds", soap("Objective", "Urine drug screen was dirty."),
     LANGUAGE, [("J001", "dirty")]),
    ("halt", soap(text="Client reviewed HALT (Hungry, Angry, Lonely, Tired) before cravings."),
     LANGUAGE, []),
    # --- risk ---------------------------------------------------------------------------
    ("quoted-risk-and-gun", soap(text='Client stated, "Everyone would be better off without me,'
                                 ' and I keep thinking about my dad\'s gun."'),
     RISK, [("C003", "better off without me")]),
    ("phq9-item9", soap("Objective", "PHQ-9 total 14; PHQ-9 item 9 score of 2."),
     RISK, [("C003", "PHQ-9 item 9 score of 2")]),
    ("firearms", soap(text="Client has access to firearms at home."),
     RISK, [("C003", "firearms")]),
    ("risk-assessed", soap("Assessment", "Risk assessed.", replace=True),
     RISK, [("C001", "Assessment")]),
    ("high-risk-situations", soap("Assessment", "Client avoids high-risk situations.",
                                  replace=True), RISK, [("C001", "Assessment")]),
    ("si-past-none-currently", soap("Assessment", "Suicidal ideation in the past, none "
                                    "currently.", replace=True), RISK, []),
    ("self-harm-none-since", soap("Assessment", "Self-harm at age 15, none since; risk is low.",
                                  replace=True), RISK, []),
    ("history-denies-current", soap("Assessment", "History of SI, denies current.",
                                    replace=True), RISK, []),
    ("safety-step-given", soap(text="Client has access to firearms at home.")
     .replace("Next session in one week.", "Lethal means counselling: firearms to be stored "
              "with a relative; next session in one week."), RISK, []),
    # --- privacy ------------------------------------------------------------------------
    ("identifiers", soap(text="Client, Jane Doe (DOB 04/12/1988, SSN 123-45-6789), can be "
                         "reached at 555-201-7788."),
     PRIVACY, [("P002", "DOB 04/12/1988"), ("P001", "SSN 123-45-6789"),
               ("P003", "555-201-7788")]),
    ("client-name", soap(client="Jane Doe"), PRIVACY, [("P004", "Jane Doe")]),
    ("group-member-name", soap(text="In group, client supported Maria Lopez after her relapse "
                               "story.", extra='service_code: "90853"\nduration: 90\n'),
     PRIVACY, [("P005", "Maria Lopez")]),
    ("crisis-line", soap("Plan", "Client has the 988 number and 1-800-662-4357."),
     PRIVACY, []),
    # --- smaller misses ----------------------------------------------------------------
    ("no-one", soap(text="Client said that no one at work helps."), ("U001",),
     [("U001", "no one")]),
    ("second-sentence", soap(text="Client said I can't sleep. I keep waking up at 3."),
     ("Q001",), [("Q001", "I can't sleep"), ("Q001", "I keep waking up at 3")]),
]


@pytest.mark.parametrize(("note", "codes", "expected"), [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_clinical_prose(tmp_path: Path, note: str, codes: tuple[str, ...],
                        expected: list[tuple[str, str]]) -> None:
    _, findings, text = run(tmp_path, note)
    got = found(findings, text, codes)
    assert len(got) == len(expected), f"expected {expected}, got {got}"
    for (code, words), (want_code, want_words) in zip(sorted(got), sorted(expected),
                                                     strict=True):
        assert code == want_code and words.startswith(want_words), (got, expected)


def test_privacy_severity_is_a_setting(tmp_path: Path) -> None:
    note = soap(text="Client read out her SSN 123-45-6789.")
    code, findings, _ = run(tmp_path, note)
    assert code == 0 and [f["severity"] for f in findings if f["code"] == "P001"] == ["warning"]
    code, findings, _ = run(tmp_path, note, '[rules.severity]\nP001 = "error"\n')
    assert code == 1 and [f["severity"] for f in findings if f["code"] == "P001"] == ["error"]


def test_a_name_like_client_gets_no_readable_file_name(tmp_path: Path) -> None:
    (tmp_path / "soapbuild.toml").write_text('timezone = "America/New_York"\n', "utf-8")
    for folder, client in (("a", "Jane Doe"), ("b", "C-1042")):
        (tmp_path / "notes" / folder).mkdir(parents=True)
        (tmp_path / "notes" / folder / "2026-11-20.md").write_text(soap(client=client), "utf-8")
    done = subprocess.run([sys.executable, "-m", "soapbuild", "-C", str(tmp_path), "build",
                           "--no-pdf", "--now", NOW], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    names = [p.name for p in (tmp_path / "output").rglob("*") if p.is_file()]
    assert not [n for n in names if "jane" in n.lower() or "doe" in n.lower()], names
    clients = sorted(p.name for p in (tmp_path / "output" / "clients").glob("*.html"))
    assert len(clients) == 2
    assert any(n.startswith("c-1042-") for n in clients)
    assert any(n.startswith("client-") for n in clients)
