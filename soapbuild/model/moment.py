"""A date or date-time as a note writes it, on its own: reading "now" from the command
line (every command, an up-to-date build too) should not import the whole note model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Moment:
    """A date or date-time as written in the note.

    ``value`` is naive when the note gave no UTC offset; it is then read in the
    practice timezone (a setting), which is why the model keeps it naive rather
    than guessing here.
    """

    value: datetime
    date_only: bool
    text: str
