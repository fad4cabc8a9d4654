"""What a rule reports, before and after it is placed in a file."""

from __future__ import annotations

from dataclasses import dataclass

from soapbuild.model.note import Span
from soapbuild.model.severity import Severity

__all__ = ["Finding", "Hit", "Severity"]


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule's raw result: which rule, where in the note text, and what to say.

    Rules return hits and never decide severity or format, so that settings and
    output formats stay out of them. ``span`` is ``None`` for a problem with the
    file as a whole (reported at line 1, column 1).
    """

    code: str
    span: Span | None
    message: str
    suggestion: str | None = None
    detail: str | None = None  # more lines (a diff), printed under the finding


@dataclass(frozen=True, slots=True)
class Finding:
    """A hit placed in a file with its severity: what every output format consumes."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    code: str
    family: str
    severity: Severity
    message: str
    suggestion: str | None = None
    span: Span | None = None
    detail: str | None = None

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code)
