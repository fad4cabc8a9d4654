"""Quotations: client speech without quotation marks, unbalanced marks, scare quotes.

Scare quotes (a word or two in quotation marks that nobody is reported to have
said, as in had a "reaction") are a published marker of disbelief in clinical
notes (Beach et al. 2021); an attributed quote (Client described her mood as
"flat") and a title ("Thought Record") are not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from soapbuild.model.findings import Hit
from soapbuild.model.note import Note, Quote, Span
from soapbuild.rules.context import Context

#: The rule codes this module reports (the rule pages are data/rules/*.toml).
CODES = frozenset({"Q001", "Q002", "Q003"})

_SPEECH_WORDS = (r"said|says|stated|states|reported|reports|told\s+(?:this\s+)?(?:clinician|"
                 r"writer|therapist|counselor|me|us)|explained|explains|shared|shares|expressed|"
                 r"expresses|added|adds|remarked|commented|exclaimed|replied|responded|"
                 r"described|describes|voiced|noted|notes|mentioned")
_SPEECH_VERB = f"(?:{_SPEECH_WORDS})"
# First-person words are rare in a clinician's narrative once quotations are
# blanked, so they anchor the search; the speech verb is checked behind them.
_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I’m|I've|I’ve|I'll|I’ll|I'd|I’d|my|me|myself)\b")
_REPORTED_BY = re.compile(
    r"(?i:\b(?:client|patient|pt|he|she|they)\s+" + _SPEECH_VERB + r"(?:\s+that)?)"
    r"[ \t]*[,:]?\s+$")
_SPEECH_END = re.compile(r"[.!?]|\r?\n[ \t]*\r?\n")
# "Client said I could contact her psychiatrist": permission given to the clinician
# ("I" + a modal) about the client in the third person is not the client's speech;
# "Client stated my mom is sick and I have to take care of her" is.
_CLINICIAN_PERMISSION = re.compile(r"I\s+(?:could|may|might|can|should|would)\b")
_THIRD_PERSON = re.compile(r"\b(?:she|her|hers|he|him|his|they|them|their|client|patient)\b",
                           re.IGNORECASE)
_ATTRIBUTION_BEFORE = re.compile(
    r"(?i:\b(?:" + _SPEECH_WORDS + r"|told|tells?|telling|asked|asks|yell\w*|shout\w*|"
    r"scream\w*|text\w*|wrote|writes|calls?|called|calling|terms?|termed|refers?|"
    r"referred|referring|labels?|labell?ed|words?|phrases?|terms?|describ\w*|"
    r"feel(?:s|ing)?|felt|as|named|nicknamed|titled|entitled|reading|read|wrote|writes)\b)"
    r"[^.!?]{0,60}$")
_ATTRIBUTION_AFTER = re.compile(
    r"^[ \t]*,?[ \t]*(?i:(?:the\s+)?(?:client|patient|pt|he|she|they)\s+" + _SPEECH_VERB + r")")
_SENTENCE_START = re.compile(r"[.!?]\s|\n[ \t]*\n")


def check(note: Note, context: Context) -> Iterator[Hit]:
    narrative = note.narrative
    for word in _FIRST_PERSON.finditer(narrative, note.body.start):
        start = word.start()
        # Read what precedes in the prose, quotations included: after a closing
        # quote ('stated, "…" I recommended') the "I" is the clinician's.
        if not _REPORTED_BY.search(note.prose, max(0, start - 80), start):
            continue
        end = _SPEECH_END.search(narrative, start)
        speech = narrative[start:end.start() if end else len(narrative)].rstrip()
        if len(speech.split()) < 2 or (_CLINICIAN_PERMISSION.match(speech)
                                        and _THIRD_PERSON.search(speech)):
            continue
        words = " ".join(speech.split())
        yield Hit("Q001", Span(start, start + len(speech)),
                  f"The client's own words are reported without quotation marks: '{words}'.",
                  f'Quote them: "{words}", or report them in the third person.')
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


def _is_scare_quote(note: Note, quote: Quote) -> bool:
    inner = note.text_of(Span(quote.span.start + 1, quote.span.end - 1)).strip()
    words = inner.split()
    if not 1 <= len(words) <= 3 or not re.search(r"[A-Za-z]", inner):
        return False
    if all(w[:1].isupper() or not w[:1].isalpha() for w in words) and (
            len(words) > 1 or inner.isupper() or quote.span.start == 0
            or not _mid_sentence(note, quote)):
        return False  # a title or a name: "Thought Record", "PHQ"
    before = note.prose[max(note.body.start, quote.span.start - 120):quote.span.start]
    sentence = _SENTENCE_START.split(before)[-1]
    if _ATTRIBUTION_BEFORE.search(sentence):
        return False
    after = note.prose[quote.span.end:quote.span.end + 60]
    return not _ATTRIBUTION_AFTER.match(after)


def _mid_sentence(note: Note, quote: Quote) -> bool:
    before = note.prose[max(0, quote.span.start - 3):quote.span.start]
    return bool(re.search(r"[a-z,;]\s*$", before))
