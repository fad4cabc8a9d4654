"""A session seen as a claim: its lines, and which codes a number of minutes supports.

Pure functions of the note and the code table (:mod:`soapbuild.model.service_codes`),
shared by the billing rules (which judge) and the session rows (which show the
lines a biller keys in).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from soapbuild.model.note import Header
from soapbuild.model.service_codes import (
    CodeGroup,
    ServiceCode,
    builtin_code_groups,
    in_reference,
)

INDIVIDUAL_PSYCHOTHERAPY = "psychotherapy"
"""The scale a band error falls back on to name a code (a 29-minute crisis session is 90832)."""


@dataclass(frozen=True, slots=True)
class ClaimLine:
    """One line of the claim: the code, its units and every modifier that applies to it
    (its own, then the session's); ``minutes`` only when the note gives the line its own."""

    code: str
    units: int
    modifiers: tuple[str, ...]
    minutes: int | None = None

    @property
    def shorthand(self) -> str:
        """How a biller writes it: ``90840-95 x2``."""
        return "-".join((self.code, *self.modifiers)) + f" x{self.units}"


def claim_lines(header: Header) -> tuple[ClaimLine, ...]:
    """The services as claim lines (a line without ``units`` is one unit)."""
    return tuple(ClaimLine(s.code, s.units or 1,
                           tuple(dict.fromkeys((*s.modifiers, *header.modifiers))), s.minutes)
                 for s in header.services)


def matches(code: str, reference: str,
            groups: Mapping[str, CodeGroup] | None = None) -> bool:
    """Whether ``code`` is what ``reference`` names: a group, a range or the code itself."""
    groups = builtin_code_groups() if groups is None else groups
    group = groups.get(reference)
    return code in group if group is not None else in_reference(code, reference)


def describe(reference: str, table: Mapping[str, ServiceCode]) -> str:
    """A reference in words: a group by its description, a code by its name."""
    group = builtin_code_groups().get(reference)
    if group is not None:
        return group.description
    code = table.get(reference)
    return code.name if code is not None else reference


def known(code: str, table: Mapping[str, ServiceCode]) -> bool:
    """A code of the table, or of one of the groups (every E/M visit code, say)."""
    return code in table or any(code in group for group in builtin_code_groups().values())


def continuation(code: ServiceCode, table: Mapping[str, ServiceCode]) -> ServiceCode | None:
    """The add-on that carries ``code``'s time on (90840 for 90839), if any."""
    return next((c for c in table.values() if c.continues == code.code), None)


def fitting(minutes: int, scale: str | None,
            table: Mapping[str, ServiceCode]) -> ServiceCode | None:
    """The code of ``scale`` whose band holds ``minutes``."""
    if scale is None:
        return None
    return next((c for c in table.values() if c.scale == scale and c.fits(minutes)), None)


def supported(minutes: int, code: ServiceCode, table: Mapping[str, ServiceCode]) -> str:
    """What ``minutes`` bill as, in ``code``'s terms: ``90834``, ``90839 + 1×90840``,
    or ``no code`` when the time is under every band of its scale."""
    addon = continuation(code, table)
    if addon is not None and code.minimum is not None and minutes >= code.minimum:
        units = addon.units_for(minutes)
        return code.code + (f" + {units}×{addon.code}" if units else "")
    if code.scale is not None:
        found = fitting(minutes, code.scale, table)
        return found.code if found is not None else "no code"
    return code.code if code.fits(minutes) else "no code"
