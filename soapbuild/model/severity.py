"""How much a finding matters, on its own: the settings name severities, and reading the
settings (every command, an up-to-date build too) should not import the note model."""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    """How much a finding matters: an error means the note is not a complete record."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
