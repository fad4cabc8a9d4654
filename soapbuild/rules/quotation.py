"""Quotations: client speech without quotation marks, unbalanced marks, scare quotes.

Scare quotes (a word or two in quotation marks that nobody is reported to have
said, as in had a "reaction") are a published marker of disbelief in clinical
notes (Beach et al. 2021). Standard quotation is not: an attributed quote,
before or after (Client described her mood as "flat"; "good," in the client's
words), the mental-status field (Mood: "okay."), a person's pronouns
("they/them") and the name of a thing ("Thought Record", the "urge surfing"
skill). The words that tell them apart are data (data/quotation.toml).
The quotations themselves are found once, by the parser (body.py).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

from soapbuild.model.findings import Hit
from soapbuild.model.note import Note, Quote, Span
from soapbuild.rules.context import Context

#: The rule codes this module reports (the rule pages are data/rules/*.toml).
CODES = frozenset({"Q001", "Q002", "Q003"})

# First-person words are rare in a clinician's narrative once quotations are
# blanked, so they anchor the search; the speech verb is checked behind them.
_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I’m|I've|I’ve|I'll|I’ll|I'd|I’d|[Mm]y|me|myself)\b")
_SPEECH_END = re.compile(r"[.!?]|\r?\n[ \t]*\r?\n")
# "Client said I could contact her psychiatrist": permission given to the clinician
# ("I" + a modal) about the client in the third person is not the client's speech;
# "Client stated my mom is sick and I have to take care of her" is.
_CLINICIAN_PERMISSION = re.compile(r"I\s+(?:could|may|might|can|should|would)\b")
_THIRD_PERSON = re.compile(r"\b(?:she|her|hers|he|him|his|they|them|their|client|patient)\b",
                           re.IGNORECASE)
_SENTENCE_START = re.compile(r"[.!?]\s|\n[ \t]*\n")
# Between one sentence and the next of the same paragraph.
_NEXT_SENTENCE = re.compile(r"[.!?][\"”'’)]*[ \t]*(?:\r?\n[ \t]*)?")


@dataclass(frozen=True, slots=True)
class _Cues:
    """The patterns of data/quotation.toml, compiled once."""

    reported_by: re.Pattern[str]
    attribution_before: re.Pattern[str]
    field_label: re.Pattern[str]
    attribution_after: re.Pattern[str]
    thing_before: re.Pattern[str]
    thing_after: re.Pattern[str]
    pronouns: re.Pattern[str]
    clinician_first_person: re.Pattern[str]


@cache
def _cues() -> _Cues:
    text = resources.files("soapbuild").joinpath("data/quotation.toml").read_text("utf-8")
    data = tomllib.loads(text)
    verbs = data["speech_verbs"]

    def compiled(key: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
        return re.compile(data[key].replace("<<speech_verbs>>", verbs), flags)

    return _Cues(
        reported_by=re.compile(r"(?i:\b(?:client|patient|pt|he|she|they)\s+(?:" + verbs
                               + r")(?:\s+that)?)[ \t]*[,:]?\s+$"),
        attribution_before=compiled("attribution_before"),
        field_label=compiled("field_label", re.MULTILINE),
        attribution_after=compiled("attribution_after"),
        thing_before=compiled("thing_before"),
        thing_after=compiled("thing_after"),
        pronouns=compiled("pronouns"),
        clinician_first_person=compiled("clinician_first_person", 0),
    )


def check(note: Note, context: Context) -> Iterator[Hit]:
    yield from _unquoted_speech(note)
    for span in note.body.unbalanced_quotes:
        yield Hit("Q002", span, "This quotation mark has no partner; the quote is not closed "
                  "(or not opened).", "Close the quotation, or remove the stray mark.")
    for quote in note.body.quotes:
        if _is_scare_quote(note, quote):
            inner = note.text_of(Span(quote.span.start + 1, quote.span.end - 1)).strip()
            yield Hit("Q003", quote.span,
                      f"'{inner}' is in quotation marks but nobody is reported to have said it; "
                      "quotation marks around a word can read as doubt.",
                      f"Write {inner} without quotation marks, or attribute the quote "
                      f"(Client described it as \"{inner}\").")


def _unquoted_speech(note: Note) -> Iterator[Hit]:
    """Q001: first-person words after "Client said", and the sentences that go
    on in the first person right after them in the same paragraph."""
    cues = _cues()
    narrative = note.narrative
    speech_end = -1  # where the last flagged speech ended
    for word in _FIRST_PERSON.finditer(narrative, note.body.start):
        start = word.start()
        if start < speech_end:
            continue
        # Read what precedes in the prose, quotations included: after a closing
        # quote ('stated, "…" I recommended') the "I" is the clinician's.
        reported = cues.reported_by.search(note.prose, max(0, start - 80), start)
        going_on = (speech_end >= 0 and _NEXT_SENTENCE.fullmatch(note.prose, speech_end, start)
                    is not None and not cues.clinician_first_person.match(narrative, start))
        if not reported and not going_on:
            continue
        end = _SPEECH_END.search(narrative, start)
        speech = narrative[start:end.start() if end else len(narrative)].rstrip()
        if len(speech.split()) < 2 or (_CLINICIAN_PERMISSION.match(speech)
                                        and _THIRD_PERSON.search(speech)):
            continue
        speech_end = start + len(speech)
        words = " ".join(speech.split())
        yield Hit("Q001", Span(start, speech_end),
                  f"The client's own words are reported without quotation marks: '{words}'.",
                  f'Quote them: "{words}", or report them in the third person.')


def _is_scare_quote(note: Note, quote: Quote) -> bool:
    """A word or three in quotation marks that nobody said and that names nothing."""
    cues = _cues()
    inner = note.text_of(Span(quote.span.start + 1, quote.span.end - 1)).strip()
    words = inner.split()
    if not 1 <= len(words) <= 3 or not re.search(r"[A-Za-z]", inner):
        return False
    if all(w[:1].isupper() or not w[:1].isalpha() for w in words) and (
            len(words) > 1 or inner.isupper() or quote.span.start == 0
            or not _mid_sentence(note, quote)):
        return False  # a title or a name: "Thought Record", "PHQ"
    if cues.pronouns.match(inner.strip(".,;:!?")):
        return False  # they/them, as the person gives them
    before = note.prose[max(note.body.start, quote.span.start - 120):quote.span.start]
    sentence = _SENTENCE_START.split(before)[-1]
    if cues.attribution_before.search(sentence) or cues.thing_before.search(sentence):
        return False
    line_start = note.prose.rfind("\n", 0, quote.span.start) + 1
    if cues.field_label.search(note.prose, line_start, quote.span.start):
        return False  # Mood: "okay."
    after = note.prose[quote.span.end:quote.span.end + 60]
    return not (cues.attribution_after.match(after) or cues.thing_after.match(after))


def _mid_sentence(note: Note, quote: Quote) -> bool:
    before = note.prose[max(0, quote.span.start - 3):quote.span.start]
    return bool(re.search(r"[a-z,;]\s*$", before))
