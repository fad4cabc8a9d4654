"""What a check may know besides the note: the settings and the current time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from soapbuild.formats import DEFAULT_FORMAT, NoteFormat
from soapbuild.model import Moment, Note
from soapbuild.settings import Settings
from soapbuild.timeparse import resolve


@dataclass(frozen=True, slots=True)
class Context:
    """Settings and "now" (aware), fixed for one run so results are reproducible."""

    settings: Settings
    now: datetime

    def aware(self, moment: Moment) -> datetime:
        """A note's date-time in the practice timezone when it has no offset."""
        return resolve(moment, self.settings.timezone)

    def note_format(self, note: Note) -> NoteFormat:
        formats = self.settings.formats
        return formats.get(note.header.format or DEFAULT_FORMAT) or formats[DEFAULT_FORMAT]
