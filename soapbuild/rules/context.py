"""What a check may know besides the note: the settings, the vocabulary, the time, the past,
and the clients' treatment plans."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from soapbuild.model.formats import DEFAULT_FORMAT, NoteFormat
from soapbuild.model.history import Ledger
from soapbuild.model.note import Note
from soapbuild.model.plan import Plan, PlanResult
from soapbuild.rules.lexicon import Lexicon, builtin_lexicon, load_lexicon
from soapbuild.settings import Settings


@dataclass(frozen=True, slots=True)
class Context:
    """Settings, vocabulary and "now" (aware), fixed for one run so results are reproducible."""

    settings: Settings
    now: datetime
    lexicon: Lexicon = field(default_factory=builtin_lexicon)
    ledger: Ledger = field(default_factory=Ledger)  # the notes' past (seals, or git)
    # The clients' treatment plans by client, loaded before the rules run; None when
    # this run did not load them (then no rule judges a note against a plan).
    plans: Mapping[str, PlanResult] | None = None

    @classmethod
    def for_settings(cls, settings: Settings, now: datetime,
                     vocabulary_codes: frozenset[str]) -> Context:
        """Build the context of a run, loading the workspace's own vocabulary files.

        Raises :class:`soapbuild.rules.lexicon.VocabularyError` for a bad file.
        """
        if not settings.vocabulary_extend and not settings.vocabulary_remove:
            return cls(settings, now)
        lexicon = load_lexicon(settings.root, settings.vocabulary_extend,
                               settings.vocabulary_remove, vocabulary_codes)
        return cls(settings, now, lexicon)

    def with_ledger(self, ledger: Ledger) -> Context:
        return replace(self, ledger=ledger)

    def with_plans(self, plans: Mapping[str, PlanResult]) -> Context:
        return replace(self, plans=plans)

    def plan_of(self, client: str | None) -> Plan | None:
        """The readable plan of a client, if the run loaded plans and the client has one."""
        if self.plans is None or client is None:
            return None
        found = self.plans.get(client)
        return found.plan if found is not None else None

    def note_format(self, note: Note) -> NoteFormat:
        formats = self.settings.formats
        return formats.get(note.header.format or DEFAULT_FORMAT) or formats[DEFAULT_FORMAT]
