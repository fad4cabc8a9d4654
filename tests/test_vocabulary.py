"""The vocabulary engine with the real data: every entry matches, and standard wording passes.

Two levels are tested. ``Lexicon.find`` is the matcher alone (forms, inflections,
hyphen variants, word boundaries, case, line breaks, context patterns). The rule
(``soapbuild.rules.vocabulary.check``) adds what a clinician sees: quotations
blanked, the clinical allowlist, overlapping matches and section limits.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from soapbuild.cli import main
from soapbuild.model.formats import builtin_formats
from soapbuild.model.parse import parse_note
from soapbuild.rules.context import Context
from soapbuild.rules.lexicon import (
    Entry,
    Lexicon,
    VocabularyError,
    builtin_allowlist,
    builtin_entries,
    inflect,
    load_lexicon,
    parse_entries,
)
from soapbuild.rules.registry import vocabulary_codes
from soapbuild.rules.vocabulary import check
from soapbuild.settings import Settings

ENTRIES = builtin_entries()
LEXICON = Lexicon.build(ENTRIES)
BY_TERM = {entry.term: entry for entry in ENTRIES}

#: A sentence for every entry whose context must hold (``before`` / ``after``);
#: ``{form}`` is replaced by each of the entry's forms.
CONTEXT_EXAMPLES = {
    "high": "Client arrived {form} on methamphetamine.",
    "abuse": "Client {form} alcohol on weekends.",
    "vice": "Client said drinking was his only {form}.",
    "clean": "Client has stayed {form} for 30 days.",
    "dirty": "The urine drug screen came back {form} for fentanyl.",
    "fail to": "Client {form} attend the last two sessions.",
    "demanding": "Client was {form} with front-desk staff.",
    "unpleasant": "Client was {form} to staff at check-in.",
    "skeptical": "Writer is {form} of the account.",
    "denies": "Client {form} drinking despite a breath alcohol of 0.04.",
    "nuts": "Client said the noise drove her {form}.",
    "victim of": "Client is a {form} stroke.",
    "bipolar": "Client's brother is {form}.",
    "a borderline": "The referral calls her {form}, which she disputes.",
    "diabetic": "Client is {form} and takes metformin.",
}

HEAD = """---
client: C-1042
clinician: Dr. Amara Osei, PsyD
session_date: 2026-10-13 10:00
occurred: true
duration: 45
service_code: "90834"
format: {format}
submitted: 2026-10-13 12:00
---
"""
SECTIONS = {
    "soap": ("Subjective", "Objective", "Assessment", "Plan"),
    "dap": ("Data", "Assessment", "Plan"),
    "birp": ("Behavior", "Intervention", "Response", "Plan"),
}
NEUTRAL = "Client attended the session on time."


def _form_cases() -> list[tuple[str, str]]:
    return [(entry.term, form) for entry in ENTRIES for form in entry.forms]


def _example(entry: Entry, form: str) -> str:
    template = CONTEXT_EXAMPLES.get(entry.term, "Client {form} today.")
    return template.format(form=form)


def _found(text: str, lexicon: Lexicon = LEXICON) -> list[tuple[str, str]]:
    """(code, matched text) of every raw match, in order."""
    return [(m.entry.code, text[m.start:m.end]) for m in lexicon.find(text)]


def _note(text: str, section: str = "Subjective", note_format: str = "soap") -> str:
    parts = [HEAD.format(format=note_format)]
    for name in SECTIONS[note_format]:
        parts.append(f"## {name}\n\n{text if name == section else NEUTRAL}\n\n")
    return "".join(parts)


def _hits(text: str, section: str = "Subjective", note_format: str = "soap",
          lexicon: Lexicon | None = None) -> list[tuple[str, str]]:
    """(code, matched text) of every finding the vocabulary rule reports."""
    source = _note(text, section, note_format)
    note = parse_note(source.encode("utf-8"), "notes/n.md", builtin_formats()).note
    assert note is not None
    context = Context(Settings(root=Path(".")), datetime(2026, 10, 14, tzinfo=UTC),
                      lexicon or LEXICON)
    return [(hit.code, source[hit.span.start:hit.span.end]) for hit in check(note, context)
            if hit.span is not None]


# --- the data itself ---------------------------------------------------------------

def test_there_are_at_least_170_entries() -> None:
    assert len(ENTRIES) >= 170


def test_no_two_entries_share_a_term() -> None:
    terms = [entry.term.lower() for entry in ENTRIES]
    assert sorted({t for t in terms if terms.count(t) > 1}) == []


def test_no_form_belongs_to_two_entries() -> None:
    owner: dict[str, str] = {}
    clashes = []
    for entry in ENTRIES:
        for form in entry.forms:
            key = form.lower() if not entry.case_sensitive else form
            if key in owner and owner[key] != entry.term:
                clashes.append((form, owner[key], entry.term))
            owner[key] = entry.term
    assert clashes == []


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.term)
def test_every_entry_has_a_suggestion_a_source_and_a_language_code(entry: Entry) -> None:
    assert entry.suggest.strip() and not entry.suggest.endswith(".")
    assert entry.source.strip()
    assert entry.code in vocabulary_codes()


def test_every_vocabulary_file_holds_only_its_own_family() -> None:
    folder = resources.files("soapbuild").joinpath("data/vocabulary")
    prefixes = {"judgment": "J", "absolutes": "U", "hedges": "H"}
    for name, prefix in prefixes.items():
        text = folder.joinpath(f"{name}.toml").read_text("utf-8")
        codes = {e.code for e in parse_entries(text, name, builtin=True)}
        assert codes and all(code.startswith(prefix) for code in codes), name


def test_counts_per_code_cover_every_language_rule() -> None:
    counts: dict[str, int] = {}
    for entry in ENTRIES:
        counts[entry.code] = counts.get(entry.code, 0) + 1
    for code in ("J001", "J002", "J003", "J004", "J005", "J006", "J007", "U001", "H001", "H002"):
        assert counts.get(code, 0) >= 5, code


@pytest.mark.parametrize("word", [
    "depressed", "panic attack", "manic", "psychotic", "insomnia", "bipolar disorder",
    "appeared", "appears", "likely", "consistent with", "suggestive of", "denies SI",
    "declined", "reports", "states", "nonadherent", "every", "all", "whole", "nothing", "none",
])
def test_standard_clinical_words_are_never_entries(word: str) -> None:
    forms = {form.lower() for entry in ENTRIES for form in entry.forms}
    assert word.lower() not in forms


@pytest.mark.parametrize("entry", builtin_allowlist().entries, ids=lambda e: e.term)
def test_every_allowlist_phrase_says_why_and_where_from(entry: Entry) -> None:
    assert entry.note.strip() and entry.source.strip()
    assert entry.code == "allow"


# --- every form matches itself -------------------------------------------------------

@pytest.mark.parametrize(("term", "form"), _form_cases(),
                         ids=[f"{term}|{form}" for term, form in _form_cases()])
def test_every_form_matches_itself(term: str, form: str) -> None:
    entry = BY_TERM[term]
    text = _example(entry, form)
    at = text.index(form)
    matches = [m for m in LEXICON.find(text) if m.start == at]
    assert matches, f"{form!r} not found in {text!r}"
    assert matches[0].entry is entry
    assert text[matches[0].start:matches[0].end] == form


def test_every_entry_with_required_context_has_an_example() -> None:
    needing = {e.term for e in ENTRIES if e.before is not None or e.after is not None}
    assert needing == set(CONTEXT_EXAMPLES)


@pytest.mark.parametrize("term", sorted(CONTEXT_EXAMPLES))
def test_required_context_is_required(term: str) -> None:
    entry = BY_TERM[term]
    for form in entry.forms:
        bare = f"Our {form} list."
        assert not [m for m in LEXICON.find(bare) if m.entry is entry], bare


# --- matching mechanics ---------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Client is non-compliant with the plan.",
    "Client is noncompliant with the plan.",
    "Client is non compliant with the plan.",
    "Client is non-\ncompliant with the plan.",
    "Client is non\ncompliant with the plan.",
])
def test_hyphen_variants_match(text: str) -> None:
    assert _found(text)[0][0] == "J002"


@pytest.mark.parametrize("text", [
    "Client displayed drug-seeking behaviour.",
    "Client displayed drugseeking behaviour.",
    "Client displayed drug seeking behaviour.",
])
def test_hyphenated_entries_match_every_spelling(text: str) -> None:
    assert [code for code, _ in _found(text)] == ["J003"]


def test_a_phrase_wrapped_across_a_line_break_matches() -> None:
    text = "Client's brother committed\nsuicide in 2019."
    assert _found(text) == [("J007", "committed\nsuicide")]
    assert _found("Client said that\n  I think it helps.") == []  # speech verb, then wrap
    assert _found("Client is doing well, and I\nthink the plan works.") == [("H001", "I\nthink")]


def test_a_blank_line_breaks_a_phrase() -> None:
    assert ("J007", "committed\n\nsuicide") not in _found("Her brother committed\n\nsuicide.")
    assert [code for code, _ in _found("Client was kind\n\nof tired.")] == []


@pytest.mark.parametrize("word", ["refuse", "refuses", "refused", "refusing", "refusal"])
def test_inflections_match(word: str) -> None:
    assert _found(f"Client {word} the referral.") == [("J002", word)]


def test_inflect_handles_verbs_and_nouns() -> None:
    assert inflect("refuse", "verb") == ("refuse", "refused", "refuses", "refusing")
    assert inflect("fail to", "verb") == ("fail to", "failed to", "failing to", "fails to")
    assert inflect("comply", "verb") == ("complied", "complies", "comply", "complying")
    assert inflect("drug abuser", "noun") == ("drug abuser", "drug abusers")
    assert "admited" not in BY_TERM["admit"].forms  # irregular forms are listed by hand
    assert "committed suicide" in BY_TERM["committed suicide"].forms


@pytest.mark.parametrize("text", ["Client REFUSED the referral.", "Refused the referral.",
                                  "Client ReFuSeD the referral."])
def test_matching_ignores_case(text: str) -> None:
    assert [code for code, _ in _found(text)] == ["J002"]


def test_a_case_sensitive_entry_keeps_its_case() -> None:
    assert _found("Client attends MAT weekly.") == [("J001", "MAT")]
    assert _found("Client practised yoga on a mat.") == []


@pytest.mark.parametrize("text", [
    "Client is a refusenik.",
    "Client is the claimant in the suit.",
    "Client reclaimed her weekends.",
    "Alwayses is not a word.",
    "Client was never-married at intake.",
    "Client discussed addiction and addictive patterns.",
    "Client nevertheless attended.",
    "Client cleaned the kitchen; her cleanliness routine helped.",
    "Client highlighted two goals.",
    "Client reports crazy-making arguments.",
    "Client is treatment-resistant per psychiatry.",
    "Client discussed self-compliance.",
])
def test_word_boundaries_are_respected(text: str) -> None:
    assert _found(text) == []


# --- what the rule reports ----------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("Client is an addict.", [("J001", "addict")]),
    ("Client abuses alcohol on weekends.", [("J001", "abuses")]),
    ("Client has stayed clean for 30 days; UDS was clean.", [("J001", "clean"), ("J001", "clean")]),
    ("Urine was dirty for fentanyl.", [("J001", "dirty")]),
    ("Client's father is an alcoholic.", [("J001", "alcoholic")]),
    ("Client got high on Saturday.", [("J001", "got high")]),
    ("Client refused the referral and is non-compliant.",
     [("J002", "refused"), ("J002", "non-compliant")]),
    ("Client is resistant to change.", [("J002", "resistant")]),
    ("Client is manipulative and lazy.", [("J003", "manipulative"), ("J003", "lazy")]),
    ("Client claims she did not drink and insists her pain is still a 10.",
     [("J004", "claims"), ("J004", "insists")]),
    ("Client admits to drinking daily.", [("J004", "admits")]),
    ("Client denies drinking despite smelling of alcohol.", [("J004", "denies")]),
    ("Client suffers from depression and is wheelchair-bound.",
     [("J006", "suffers from"), ("J006", "wheelchair-bound")]),
    ("Client's brother is schizophrenic.", [("J006", "schizophrenic")]),
    ("Client's uncle committed suicide; it was a failed suicide attempt.",
     [("J007", "committed suicide"), ("J007", "failed suicide attempt")]),
    ("Client never does homework.", [("U001", "never")]),
    ("Client is always late.", [("U001", "always")]),
    ("I think client is improving.", [("H001", "I think")]),
    ("It seems the client is anxious.", [("H002", "It seems")]),
    ("Client was kind of anxious.", [("H002", "kind of")]),
])
def test_the_rule_reports_the_clinicians_words(text: str, expected: list[tuple[str, str]]) -> None:
    assert _hits(text) == expected


@pytest.mark.parametrize("text", [
    "Client has a history of physical abuse and sexual abuse by her stepfather.",
    "Client wore clean clothes and was clean and casually dressed.",
    "Client kept the kitchen clean for two weeks.",
    "Dirty dishes piled up in the sink.",
    "Client drank non-alcoholic beer and attends Alcoholics Anonymous twice a week.",
    "Client drank non alcoholic beer; she attends Narcotics Anonymous.",
    "Client avoided alcoholic beverages at the party.",
    "Client is at high risk for relapse and graduated from high school.",
    "Client was admitted to the hospital in 2019 and was voluntarily admitted in 2021.",
    "Client submitted an insurance claim for the visit.",
    "The telehealth platform is HIPAA compliant.",
    "Client has treatment-resistant depression.",
    "Client has treatment resistant depression.",
    "Client is depressed, reports a panic attack and insomnia; history of a manic episode,"
    " psychotic features and bipolar disorder.",
    "Client appeared tearful; presentation is consistent with MDD and likely related to stress.",
    "Findings are suggestive of an adjustment disorder.",
    "Client has never been hospitalized and was never married.",
    "Client denies SI/HI. Client declined the referral.",
    "Client said I think it is getting better.",
    "Client said, I feel like nobody listens.",
    "Client explained I am tired of being the one who fixes everything.",
    "Client stated I will maybe try the worksheet.",
    "Client: I always mess it up.",
    "What kind of support would help?",
    "Client has diabetic neuropathy; bipolar I disorder; borderline personality disorder.",
    "Rule out malingering. Malingering (Z76.5) was considered and not supported.",
    "Client reports an exaggerated startle response and irrational beliefs about failure.",
    "Client described a hostile work environment.",
    "Client practised asserting her needs with her sister.",
    "CPS report states the child was allegedly hit; the alleged perpetrator is the father.",
    "Client's medication failed to reduce symptoms.",
    "Client has a demanding job.",
    "Client is tweaking the medication schedule with her psychiatrist.",
    "Client attended psycho education group.",
    "Client has a lazy eye.",
    "Dx: F10.20 Alcohol dependence; F10.10 Alcohol abuse, uncomplicated.",
    "Client is almost always on time and nearly everyone in group spoke.",
    "Client lives alone; no one else is in the home.",
    'Client stated, "I always mess up and I think I am an addict."',
    "Client practised drink refusal skills and refused two offers of alcohol.",
    "Client's son has school refusal.",
    "Client fears she will fail to finish the program.",
    "Client identified triggers for her angry outbursts.",
    "Presentation is consistent with agitated depression.",
    "Client was in a minor car accident on Friday; no one was injured.",
    "Clinician filed a report of the alleged child abuse with the state hotline.",
    "Client has remained abstinent since August and wore clean, casual clothes.",
])
def test_standard_clinical_wording_passes(text: str) -> None:
    assert _hits(text) == []


@pytest.mark.parametrize(("section", "note_format"), [
    ("Objective", "soap"), ("Data", "dap"), ("Behavior", "birp")])
def test_mental_status_terms_are_observations_in_the_observation_section(
        section: str, note_format: str) -> None:
    text = "Client was agitated, disheveled and guarded; affect angry and hostile."
    assert _hits(text, section, note_format) == []


def test_mental_status_terms_are_labels_elsewhere() -> None:
    text = "Client was agitated, disheveled and guarded."
    assert _hits(text, "Assessment") == [("J005", "agitated"), ("J005", "disheveled"),
                                         ("J005", "guarded")]
    assert _hits(text, "Plan", "dap") == [("J005", "agitated"), ("J005", "disheveled"),
                                          ("J005", "guarded")]


@pytest.mark.parametrize("text", [
    "Client reported feeling agitated before the interview.",
    "Client felt angry at her boss all week.",
    "Client reports she was hostile toward her brother and felt guarded with him.",
    "Prognosis is guarded.",
])
def test_the_clients_own_feelings_pass_in_any_section(text: str) -> None:
    assert _hits(text, "Assessment") == []


@pytest.mark.parametrize(("text", "expected"), [
    ("Client reported she always feels tired.", [("U001", "always")]),
    ("Client said no one at the new school talks to her.", [("U001", "no one")]),
    ("Client stated she would maybe try the worksheet.", [("H002", "maybe")]),
    ("Client said I am fine. Everyone at work ignores her.", [("U001", "Everyone")]),
])
def test_a_third_person_paraphrase_is_the_clinicians_wording(
        text: str, expected: list[tuple[str, str]]) -> None:
    assert _hits(text) == expected


def test_a_longer_match_wins_over_the_words_inside_it() -> None:
    assert _hits("Client's brother is a former addict.") == [("J001", "former addict")]
    assert _hits("Client is an IV drug user.") == [("J001", "IV drug user")]
    assert _hits("It seems to me the client is anxious.") == [("H001", "It seems to me")]


# --- the allowlist ----------------------------------------------------------------------

@pytest.mark.parametrize("form", sorted({f for e in builtin_allowlist().entries for f in e.forms}))
def test_nothing_inside_an_allowlist_phrase_is_reported(form: str) -> None:
    text = f"Client mentioned {form} today."
    start = text.index(form)
    end = start + len(form)
    source = _note(text)
    offset = source.index(text)
    note = parse_note(source.encode("utf-8"), "notes/n.md", builtin_formats()).note
    assert note is not None
    context = Context(Settings(root=Path(".")), datetime(2026, 10, 14, tzinfo=UTC))
    inside = [hit for hit in check(note, context) if hit.span is not None
              and hit.span.start < offset + end and offset + start < hit.span.end]
    assert inside == []


def test_the_allowlist_drops_a_match_that_an_entry_alone_would_report() -> None:
    bare = Lexicon.build(parse_entries(
        '[[term]]\nterm = "resistant"\ncode = "J002"\n\n'
        '[[term]]\nterm = "alcoholic"\ninflect = "noun"\ncode = "J001"\n', "bare.toml"))
    assert _found("Client has treatment resistant depression.", bare) == [("J002", "resistant")]
    assert _hits("Client has treatment resistant depression.", lexicon=bare) == []
    assert _hits("Client attends Alcoholics Anonymous.", lexicon=bare) == []
    assert _hits("Client's father is an alcoholic.", lexicon=bare) == [("J001", "alcoholic")]


# --- workspace vocabulary ------------------------------------------------------------

EXTRA = """code = "J003"

[[term]]
term = "frequent canceller"
inflect = "noun"
suggest = "state the number of cancellations in the period"
source = "practice style guide"
"""


def test_a_workspace_file_adds_terms_and_remove_drops_builtin_ones(tmp_path: Path) -> None:
    (tmp_path / "style").mkdir()
    (tmp_path / "style" / "extra.toml").write_text(EXTRA, "utf-8")
    lexicon = load_lexicon(tmp_path, ["style/extra.toml"], ["Refuse", "always"],
                           vocabulary_codes())
    text = "Client is a frequent canceller, always late, and refused the referral."
    assert _found(text, lexicon) == [("J003", "frequent canceller")]
    assert len(lexicon.entries) == len(ENTRIES) - 2 + 1
    assert _found(text) == [("U001", "always"), ("J002", "refused")]  # built-ins untouched


@pytest.mark.parametrize(("content", "named"), [
    ('[[term]]\nterm = "sketchy"\ncode = "J003"\nsuggset = "x"\n', "'sketchy'"),
    ('[[term]]\nterm = "sketchy"\ncode = "X999"\n', "'sketchy'"),
    ('[[term]]\nterm = "sketchy"\n', "'sketchy'"),
    ('[[term]]\nterm = "sketchy"\ncode = "J003"\nafter = "(unclosed"\n', "'sketchy'"),
    ('[[term]]\nterm = "sketchy"\ncode = "J003"\ninflect = "adjective"\n', "'sketchy'"),
    ('[[term]]\nterm = "sketchy"\ncode = "J003"\nforms = "sketchier"\n', "'sketchy'"),
    ("[[term]\nterm = 1\n", "not valid TOML"),
])
def test_a_malformed_workspace_file_names_the_file_and_the_term(
        tmp_path: Path, content: str, named: str) -> None:
    (tmp_path / "bad.toml").write_text(content, "utf-8")
    with pytest.raises(VocabularyError) as error:
        load_lexicon(tmp_path, ["bad.toml"], [], vocabulary_codes())
    message = str(error.value)
    assert "bad.toml" in message and named in message


def test_settings_extend_and_remove_reach_the_check(tmp_path: Path) -> None:
    (tmp_path / "extra.toml").write_text(EXTRA, "utf-8")
    (tmp_path / "soapbuild.toml").write_text(
        '[vocabulary]\nextend = ["extra.toml"]\nremove = ["refuse"]\n', "utf-8")
    (tmp_path / "notes").mkdir()
    body = "Client is a frequent canceller and refused the referral."
    (tmp_path / "notes" / "n.md").write_text(_note(body), "utf-8")
    result = CliRunner().invoke(main, ["-C", str(tmp_path), "check", "--now", "2026-10-14 12:00",
                                       "--format", "json"])
    found = [(f["code"], f["message"]) for f in json.loads(result.output)["findings"]
             if re.fullmatch(r"[JUH]\d{3}", f["code"])]
    assert [code for code, _ in found] == ["J003"]
    assert "frequent canceller" in found[0][1]


BACKTRACKING = (Path(__file__).parent / "data" / "backtracking-vocabulary.toml").read_text(
    "utf-8")


def _check_with(tmp_path: Path, vocabulary: str, body: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "ours.toml").write_text(vocabulary, "utf-8")
    (tmp_path / "soapbuild.toml").write_text('[vocabulary]\nextend = ["ours.toml"]\n', "utf-8")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "n.md").write_text(_note(body), "utf-8")
    return subprocess.run([sys.executable, "-m", "soapbuild", "-C", str(tmp_path), "check",
                           "--now", "2026-10-14 12:00", "--format", "json"],
                          capture_output=True, text=True, timeout=60, check=False)


def test_a_backtracking_pattern_in_a_workspace_vocabulary_cannot_hang_check(
        tmp_path: Path) -> None:
    """``(a+)+b`` and ``(\\w+\\s?)+$`` take Python's re 2^70 steps on 70 letters (a
    hang); a workspace's patterns run on RE2, in linear time, and still mean what they
    say: "aab zzyzx" is flagged, seventy a's before it are not; "qqzzq" after words
    is not flagged, after seventy a's and a "!" it is."""
    body = ("Client named a zzyzx moment, aab zzyzx.\n\n" + "a" * 70 + " zzyzx\n\n"
            + "a" * 70 + "! qqzzq\n\ncalm words qqzzq\n")
    done = _check_with(tmp_path, BACKTRACKING, body)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    found = [(f["line"], f["message"].split(":")[0]) for f in json.loads(done.stdout)["findings"]
             if f["code"] == "J001"]
    lines = _note(body).splitlines()
    assert [lines[line - 1] for line, _ in found] == [
        "Client named a zzyzx moment, aab zzyzx.", "a" * 70 + "! qqzzq"], found


@pytest.mark.parametrize("pattern", ["(?<!not )", r"(?!x)\w+ ", r"(a)\1 "])
def test_a_workspace_pattern_that_needs_backtracking_is_refused_by_name(
        tmp_path: Path, pattern: str) -> None:
    done = _check_with(tmp_path, BACKTRACKING.replace("(a+)+b ", pattern), "A zzyzx day.")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "ours.toml: term 1 ('zzyzx'): 'before'" in done.stderr
    assert repr(pattern) in done.stderr
    assert "cannot be matched in time linear in the note" in done.stderr
