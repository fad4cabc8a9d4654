"""rules/identifiers.py: what reads as an ID, a name, an identifier (the privacy rules
and the renderer's file names share these judgments)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soapbuild.render.names import client_names, note_label
from soapbuild.rules.identifiers import (
    full_names,
    identifiers,
    is_group_note,
    looks_like_id,
    looks_like_name,
)


@pytest.mark.parametrize("value", ["C-1042", "1042", "JD-88", "CL-00417", "2026-0412", "a1"])
def test_ids(value: str) -> None:
    assert looks_like_id(value) and not looks_like_name(value)


@pytest.mark.parametrize("value", ["Jane Doe", "jane doe", "Doe, Jane", "María José García",
                                   "Liam O'Brien", "Jane"])
def test_names(value: str) -> None:
    assert looks_like_name(value) and not looks_like_id(value)


@pytest.mark.parametrize("value", ["client-017", "jdoe88", "Delta", "A", "CBT GROUP", ""])
def test_neither_shown_in_a_file_name(value: str) -> None:
    assert not looks_like_id(value)


@given(st.text(max_size=30))
def test_an_id_never_holds_a_space_or_a_long_word(value: str) -> None:
    if looks_like_id(value):
        text = value.strip()
        assert text and not any(c.isspace() for c in text) and any(c.isdigit() for c in text)
        assert not looks_like_name(value)


@given(st.lists(st.text(max_size=12), max_size=8))
def test_client_file_names_never_spell_a_non_id(clients: list[str]) -> None:
    names = client_names(clients)
    for client, name in names.items():
        if not looks_like_id(client):
            assert name.startswith("client-")
    assert len({n.casefold() for n in names.values()}) == len(names)


def test_note_labels_keep_only_id_like_parts() -> None:
    assert note_label("C-1042/2026-11-20") == "C-1042/2026-11-20"
    assert note_label("Jane Doe/2026-11-20") == "2026-11-20"
    assert note_label("jane-doe-notes/session") == "note"


@pytest.mark.parametrize(("text", "code", "words"), [
    ("SSN 123-45-6789", "P001", "SSN 123-45-6789"),
    ("MRN 00441782", "P001", "MRN 00441782"),
    ("DOB: 4/12/88", "P002", "DOB: 4/12/88"),
    ("call 555.201.7788", "P003", "555.201.7788"),
    ("a@b.example", "P003", "a@b.example"),
    ("PO Box 310", "P003", "PO Box 310"),
])
def test_identifiers(text: str, code: str, words: str) -> None:
    (found,) = list(identifiers(text, 0, len(text)))
    assert found.code == code and text[found.start:found.end] == words


@pytest.mark.parametrize("text", ["988", "1-800-273-8255", "(888) 555-0199", "90837",
                                  "2026-11-20 15:00", "PHQ-9 14", "mood record 2026-11-20",
                                  "born in 1991", "room 204"])
def test_not_identifiers(text: str) -> None:
    assert list(identifiers(text, 0, len(text))) == []


def test_group_notes_and_names() -> None:
    text = "In group, Maria Lopez and Dr. Ana Lee met Sam Ortiz, LCSW, about Wise Mind."
    assert is_group_note(None, text, 0, len(text))
    assert is_group_note("90853", "Individual work.", 0, 16)
    assert not is_group_note("90837", "Individual work.", 0, 16)
    assert [text[a:b] for a, b in full_names(text, 0, len(text))] == ["Maria Lopez"]
    assert list(full_names(text, 0, len(text), frozenset({"maria lopez"}))) == []
