"""rules/risk.py: risk statements read as a clinician reads them (data/risk.toml)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_language_corpus import Item, corpus

from soapbuild.rules.risk import RiskStatement, risk_reader

READER = risk_reader()


def read(text: str) -> list[tuple[str, str, str]]:
    return [(text[s.start:s.end], s.kind, s.status) for s in READER.read(text, 0, len(text))]


@pytest.mark.parametrize(("text", "expected"), [
    ("Client denies SI/HI; risk is low.",
     [("SI/HI", "ideation", "denied"), ("risk is low", "level", "low")]),
    ("Risk assessed.", []),
    ("Client avoids high-risk situations.", []),
    ("Relapse risk is high.", []),
    ("Suicidal ideation in the past, none currently.",
     [("Suicidal ideation", "ideation", "denied")]),
    ("Self-harm at age 15, none since.", [("Self-harm", "ideation", "denied")]),
    ("History of self-harm in adolescence.", [("self-harm", "ideation", "history")]),
    ("History of SI, denies current.", [("SI", "ideation", "denied")]),
    ("Client denies SI but reports thoughts of self-harm.",
     [("SI", "ideation", "denied"), ("thoughts of self-harm", "ideation", "present")]),
    ("Her father died by suicide in 2010.", [("suicide", "ideation", "someone-else")]),
    ("Screened for SI.", [("SI", "ideation", "topic")]),
    ('"I keep thinking about my dad\'s gun"', [("gun", "means", "present")]),
    ("Firearms were removed from the home.", [("Firearms", "means", "denied")]),
    ("PHQ-9 item 9 score of 2.", [("PHQ-9 item 9 score of 2", "screen", "elevated")]),
    ("PHQ-9 item 9 = 0.", [("PHQ-9 item 9 = 0", "screen", "low")]),
    ("C-SSRS screener negative.", [("C-SSRS screener negative", "screen", "low")]),
    ("acute risk low, chronic risk moderate.",
     [("acute risk low", "level", "low"), ("chronic risk moderate", "level", "elevated")]),
    ("Client is cutting back on caffeine.", []),
])
def test_reading(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert read(text) == expected


def test_what_addresses_and_what_raises_risk() -> None:
    def statement(status: str) -> RiskStatement:
        return RiskStatement(0, 1, "ideation", status)  # type: ignore[arg-type]
    assert [s for s in ("present", "denied", "history", "topic", "someone-else", "low",
                        "elevated") if statement(s).addresses_risk] == [
        "present", "denied", "low", "elevated"]
    assert [s for s in ("present", "denied", "history", "low", "elevated")
            if statement(s).raises_risk] == ["present", "elevated"]


def full_scan(text: str) -> list[tuple[int, int]]:
    """What one scan of the whole text finds: the windows must find the same."""
    return [(m.start(), m.end()) for m in READER.scan.finditer(text)]


@pytest.mark.parametrize("item", corpus(), ids=lambda item: item.id)
def test_anchored_windows_find_what_a_full_scan_finds(item: Item) -> None:
    """The reader tries its patterns only near anchor words; on every corpus text that
    finds exactly what one scan of the whole text finds."""
    text = item.body
    found = [(s.start, s.end) for s in READER.read(text, 0, len(text))]
    assert found == [span for span in full_scan(text) if _counted(text, span)]


def _counted(text: str, span: tuple[int, int]) -> bool:
    """A full-scan match the reader keeps ("relapse risk is high" is dropped)."""
    match = READER.scan.match(text, span[0])
    assert match is not None and match.lastgroup is not None
    piece = READER.pieces[int(match.lastgroup[1:])]
    return READER._read(piece, text, span[0], span[1], 0, len(text)) is not None


@given(st.lists(st.sampled_from([
    "Client", "denies", "SI", "HI", "risk", "is", "low", "moderate", "suicidal", "ideation",
    "in", "the", "past", ",", "none", "currently", ".", "gun", "PHQ-9", "item", "9", "=", "2",
    "self-harm", "thoughts", "of", "killing", "herself", "history", "C-SSRS", "negative",
    "high-risk", "situations", "relapse", "\n"]), max_size=40).map(" ".join))
def test_windows_equal_a_full_scan_on_any_text(text: str) -> None:
    found = [(s.start, s.end) for s in READER.read(text, 0, len(text))]
    kept = [span for span in full_scan(text) if _counted(text, span)]
    assert found == kept
