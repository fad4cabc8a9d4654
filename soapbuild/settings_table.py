"""The keys of ``soapbuild.toml``, each declared once.

An entry of :data:`OPTIONS` names the key, the :class:`~soapbuild.settings.Settings`
field it fills, the check its value must pass, a paragraph of documentation, an
example, and how ``soapbuild init`` writes it. Reading a file, the did-you-mean
for a mistyped key, the commented file of ``init`` and the list of values in
force (all in :mod:`soapbuild.settings`) are made from this table, the way MkDocs
declares ``mkdocs.yml`` in ``config_options``. Adding a setting is adding its field
(type and default) to ``Settings`` and one entry here; a test holds the two together.
"""

from __future__ import annotations

import contextlib
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from soapbuild.model.formats import ROLES, NoteFormat, read_roles
from soapbuild.model.service_codes import (
    ServiceCode,
    builtin_code_groups,
    builtin_service_codes,
    is_reference,
)
from soapbuild.model.severity import Severity
from soapbuild.model.signers import Clinician


class SettingsError(Exception):
    """A settings file that cannot be used; the message names the file and the key."""


# --- the checks a value passes ---------------------------------------------------------
#
# Each takes the key as the file spells it (for the message), the value read from
# TOML and the known rule codes, and returns the value Settings holds.

Check = Callable[[str, Any, frozenset[str]], Any]


# Bounds that no practice reaches and that keep date arithmetic in range: TOML reads
# inf, nan and 1e300 as numbers, and a deadline of 1e300 hours is a traceback (an
# overflow), 10**8 business days a hang (issue 16, finding 5).
MOST_HOURS = 87_600  # ten years
MOST_DAYS = 3_650  # ten years of days, business days included
MOST_MINUTES = 525_600  # a year


def _hours(key: str, value: Any, _rules: frozenset[str]) -> float:
    if (isinstance(value, bool) or not isinstance(value, int | float)
            or not 0 <= value <= MOST_HOURS):  # also false for nan
        raise SettingsError(f"'{key}' must be a number of hours of 0 or more (up to "
                            f"{MOST_HOURS}, ten years), not {value!r}")
    return value


def _days(key: str, value: Any, _rules: frozenset[str]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MOST_DAYS:
        raise SettingsError(f"'{key}' must be a whole number of 1 or more (up to {MOST_DAYS}), "
                            f"not {value!r}")
    return value


def _fraction(key: str, value: Any, _rules: frozenset[str]) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise SettingsError(f"'{key}' must be a number between 0 and 1, not {value!r}")
    return float(value)


def _folder(key: str, value: Any, _rules: frozenset[str]) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(f"'{key}' must be a folder name, not {value!r}")
    return value


def _file(key: str, value: Any, _rules: frozenset[str]) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(f"'{key}' must be a file name, not {value!r}")
    return value


def _text(key: str, value: Any, _rules: frozenset[str]) -> str:
    if not isinstance(value, str):
        raise SettingsError(f"'{key}' must be text in quotes, not {value!r}")
    return value


def _strings(key: str, value: Any, _rules: frozenset[str]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsError(f"'{key}' must be a list of strings, not {value!r}")
    return tuple(value)


def _zone(key: str, value: Any, _rules: frozenset[str]) -> str:
    if not isinstance(value, str):
        raise SettingsError(f"'{key}' must be an IANA time zone name such as "
                            f"\"America/New_York\", not {value!r}")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"'{key}' = {value!r} is not a known IANA time zone "
                            "(for example \"America/New_York\" or \"Europe/Berlin\")") from None
    return value


def _sections(key: str, value: Any, rules: frozenset[str]) -> tuple[str, ...]:
    sections = _strings(key, value, rules)
    if any(not s.strip() or any(c in s for c in "\r\n\x00") for s in sections):
        raise SettingsError(f"'{key}' must name each section in words on one line, "
                            f"not {value!r}")
    if not sections or len({s.lower() for s in sections}) != len(sections):
        raise SettingsError(f"'{key}' must name at least one section, each once")
    return sections


def close_match(word: str, known: list[str]) -> str | None:
    """The known word closest to a mistyped one, if any is close."""
    close = difflib.get_close_matches(word, known, n=1)
    return close[0] if close else None


def _rule_code(key: str, code: Any, rules: frozenset[str]) -> str:
    if not isinstance(code, str) or code.upper() not in rules:
        close = close_match(str(code).upper(), sorted(rules))
        hint = f"; did you mean {close}?" if close else "; 'soapbuild rules' lists them"
        raise SettingsError(f"'{key}': {code!r} is not a rule code{hint}")
    return code.upper()


def _rule_codes(key: str, value: Any, rules: frozenset[str]) -> frozenset[str]:
    return frozenset(_rule_code(key, code, rules) for code in _strings(key, value, rules))


def _severity(key: str, value: Any, _rules: frozenset[str]) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        raise SettingsError(f"'{key}' must be \"error\", \"warning\" or \"info\", "
                            f"not {value!r}") from None


def _one_of(*choices: str) -> Check:
    def check(key: str, value: Any, _rules: frozenset[str]) -> str:
        if value not in choices:
            raise SettingsError(f"'{key}' must be " + " or ".join(f'"{c}"' for c in choices)
                                + f", not {value!r}")
        return str(value)

    return check


def _day(key: str, value: Any, _rules: frozenset[str]) -> date:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = date.fromisoformat(value)
    if not isinstance(value, date) or isinstance(value, datetime):
        raise SettingsError(f"'{key}' must be a date such as 2026-11-27, not {value!r}")
    return value


def _dates(key: str, value: Any, rules: frozenset[str]) -> tuple[date, ...]:
    if not isinstance(value, list):
        raise SettingsError(f"'{key}' must be a list of dates such as [2026-12-24], "
                            f"not {value!r}")
    return tuple(sorted({_day(key, item, rules) for item in value}))


def _credentials(key: str, value: Any, rules: frozenset[str]) -> tuple[str, ...]:
    credentials = _strings(key, value, rules)
    if any(not c.strip() or "," in c for c in credentials):
        raise SettingsError(f"'{key}' must list credentials such as [\"LMSW\", \"LPC-A\"], "
                            "one per string")
    return tuple(c.strip() for c in credentials)


def _name(key: str, value: Any, _rules: frozenset[str]) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(f"'{key}' must be a person's name in quotes such as "
                            f"\"Jordan Rivera\", not {value!r}")
    return value.strip()


def _credential(key: str, value: Any, _rules: frozenset[str]) -> str:
    if not isinstance(value, str) or not value.strip() or "," in value:
        raise SettingsError(f"'{key}' must be one credential in quotes such as \"LCSW\", "
                            f"not {value!r}")
    return value.strip()


def _country(key: str, value: Any, _rules: frozenset[str]) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{2,3}", value.strip()):
        raise SettingsError(f"'{key}' must be an ISO 3166 country code such as \"US\", "
                            f"not {value!r}")
    return value.strip().upper()


def _subdivision(key: str, value: Any, _rules: frozenset[str]) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(f"'{key}' must be a subdivision code such as \"NY\", "
                            f"not {value!r}")
    return value.strip().upper()


def check_calendar(country: str | None, subdivision: str | None) -> None:
    """The country and subdivision of ``[calendar]`` are known to the ``holidays`` package.

    Checked when the file is read, so a typo stops soapbuild before it judges a
    deadline; ``holidays`` is imported only for a file that names a country.
    """
    if country is None:
        if subdivision is not None:
            raise SettingsError("'calendar.subdivision' needs 'calendar.country' beside it")
        return
    import holidays

    supported = holidays.list_supported_countries()
    if country not in supported:
        close = close_match(country, sorted(supported))
        hint = f"; did you mean {close!r}?" if close else ""
        raise SettingsError(f"'calendar.country' = {country!r} is not a country the "
                            f"holidays package knows{hint}")
    if subdivision is not None and subdivision not in supported[country]:
        raise SettingsError(f"'calendar.subdivision' = {subdivision!r} is not a subdivision of "
                            f"{country} (known: {', '.join(supported[country])})")


def _minutes(key: str, value: Any, _rules: frozenset[str]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MOST_MINUTES:
        raise SettingsError(f"'{key}' must be a whole number of minutes (up to {MOST_MINUTES})")
    return value


def _most_minutes(key: str, value: Any, _rules: frozenset[str]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value > MOST_MINUTES:
        raise SettingsError(f"'{key}' must be a whole number of minutes of at least 'min' "
                            f"(up to {MOST_MINUTES})")
    return value


def _unit_minutes(key: str, value: Any, _rules: frozenset[str]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MOST_MINUTES:
        raise SettingsError(f"'{key}' must be a whole number of minutes of 1 or more "
                            f"(up to {MOST_MINUTES})")
    return value


def _flag(key: str, value: Any, _rules: frozenset[str]) -> bool:
    if not isinstance(value, bool):
        raise SettingsError(f"'{key}' must be true or false, not {value!r}")
    return value


def _references(key: str, value: Any, rules: frozenset[str]) -> tuple[str, ...]:
    """Codes, ranges ("99202-99215") or groups of data/code_groups.toml."""
    groups = builtin_code_groups()
    for reference in _strings(key, value, rules):
        if not is_reference(reference, groups):
            raise SettingsError(f"'{key}': {reference!r} is not a code, a range such as "
                                f"\"99202-99215\" or a group ({', '.join(sorted(groups))})")
    return tuple(value)


def _group(key: str, value: Any, _rules: frozenset[str]) -> str:
    groups = builtin_code_groups()
    if value not in groups:
        raise SettingsError(f"'{key}': {value!r} is not a group ({', '.join(sorted(groups))})")
    return str(value)


def _code(key: str, value: Any, _rules: frozenset[str]) -> str:
    if not isinstance(value, str) or not is_reference(value, {}):
        raise SettingsError(f"'{key}' must be a service code in quotes such as \"90839\", "
                            f"not {value!r}")
    return value.upper()


def _modifier(key: str, value: Any, _rules: frozenset[str]) -> str:
    if not isinstance(value, str) or not (value == "" or (len(value) == 2 and value.isalnum())):
        raise SettingsError(f"'{key}' must be a two-character modifier such as \"95\", or \"\" "
                            f"when the payers want none, not {value!r}")
    return value.upper()


# --- names a practice chooses ----------------------------------------------------------
#
# A capitalised segment of a key (``formats.NAME.sections``) stands for a name
# the practice picks; this is how each kind of name is read.

def _as_written(_key: str, name: str, _rules: frozenset[str]) -> str:
    return name


def _lower(_key: str, name: str, _rules: frozenset[str]) -> str:
    return name.lower()


def _person(key: str, name: str, _rules: frozenset[str]) -> str:
    if not name.strip() or "," in name:
        raise SettingsError(f"'{key}': a clinician is named without credentials, such as "
                            "[clinicians.\"Jordan Rivera\"]")
    return " ".join(name.split())


def _identifier(key: str, value: Any, _rules: frozenset[str]) -> str:
    system, bar, code = value.rpartition("|") if isinstance(value, str) else ("", "", "")
    if not bar or ":" not in system or not code.strip() or " " in system:
        raise SettingsError(f"'{key}' must be \"SYSTEM|VALUE\", the identifier's system (a URI "
                            f"such as urn:oid:2.16.840.1.113883.19.5) and its value, not "
                            f"{value!r}")
    return f"{system}|{code.strip()}"


_REDACTABLE = frozenset({"P001", "P002", "P003", "P005"})


def _redact(key: str, value: Any, rules: frozenset[str]) -> frozenset[str]:
    codes = _rule_codes(key, value, rules)
    if not codes <= _REDACTABLE:
        raise SettingsError(f"'{key}': {', '.join(sorted(codes - _REDACTABLE))} names no "
                            f"identifier; the identifiers are {', '.join(sorted(_REDACTABLE))}")
    return codes


NAMES: dict[str, Callable[[str, str, frozenset[str]], str]] = {
    "CODE": _as_written,  # a service code, e.g. "90839"
    "NAME": _lower,  # a note format, e.g. girp
    "RULE": _rule_code,  # a rule code, e.g. T003
    "PERSON": _person,  # a clinician, e.g. "Jordan Rivera"
    "CLIENT": _as_written,  # a client ID, e.g. C-1042
}


def _roles(key: str, value: Any, _rules: frozenset[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SettingsError(f"'{key}' must be a table of section = role, not {value!r}")
    return value


def _note_format(key: str, name: str, parts: dict[str, Any]) -> NoteFormat:
    sections = parts["sections"]
    try:
        roles = read_roles(parts.get("roles", {}), sections, f"{key}.roles")
    except ValueError as error:
        raise SettingsError(str(error)) from None
    return NoteFormat(name, sections, roles)


def _service_code(key: str, code: str, parts: dict[str, Any]) -> ServiceCode:
    """A code of the file: its keys over those of the built-in code of that name, if any
    (``reason_after = 60`` alone keeps 90837's band, exclusions and description)."""
    start = builtin_service_codes().get(code.upper()) or ServiceCode(code.upper())
    merged = replace(start, **parts)
    if (merged.minimum is not None and merged.maximum is not None
            and merged.maximum < merged.minimum):
        raise SettingsError(f"'{key}.max' must be a whole number of minutes of at least 'min'")
    return merged


# A named entry made of several keys ([formats.NAME], [service_codes.CODE]) becomes one
# object; this builds it from its checked keys (by the field each key fills).
def _clinician(_key: str, name: str, parts: dict[str, Any]) -> Clinician:
    return Clinician(name, **parts)


ENTRIES: dict[str, Callable[[str, str, dict[str, Any]], Any]] = {
    "formats": _note_format,
    "service_codes": _service_code,
    "clinicians": _clinician,
}


# --- the table ----------------------------------------------------------------------------

class Init(Enum):
    """How ``soapbuild init`` writes a key into the new ``soapbuild.toml``."""

    ACTIVE = "active"  # set, to its default: the values a practice should see and decide on
    COMMENTED = "commented"  # commented out, with its example


@dataclass(frozen=True, slots=True)
class Option:
    """One key of ``soapbuild.toml``.

    ``key`` is dotted as in the file; a capitalised segment is a name the practice
    chooses (:data:`NAMES`), and then ``sample`` spells the key with an example
    name. Inside a named entry of several keys, ``part`` is the field of the
    entry's object (:data:`ENTRIES`) that the key fills. ``doc`` is one paragraph;
    ``example`` a TOML value. A ``required`` key must be given whenever its table
    is; ``conflicts`` lists keys that cannot be set beside this one.
    """

    key: str
    attribute: str
    check: Check
    doc: str
    example: str
    init: Init = Init.COMMENTED
    sample: str = ""
    part: str | None = None
    required: bool = False
    conflicts: tuple[str, ...] = ()

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.key.split("."))

    @property
    def chosen(self) -> str | None:
        """The segment that stands for a chosen name (``CODE``…), if the key has one."""
        return next((s for s in self.segments if s in NAMES), None)

    @property
    def written(self) -> str:
        """The key as the example in the file spells it."""
        return self.sample or self.key

    def spelled(self, name: str) -> str:
        """The key with its chosen name filled in."""
        return ".".join(name if s in NAMES else s for s in self.segments)


OPTIONS: tuple[Option, ...] = (
    Option("timezone", "timezone_name", _zone, example='"America/New_York"', doc=(
        "The practice's IANA time zone. Times written without a UTC offset (in notes, "
        "the schedule and --now) are read in it, and deadlines counted in days end at its "
        "midnight. Unset, the machine's zone is used, which may differ between a laptop "
        "and CI.")),
    Option("deadline_hours", "deadline_hours", _hours, example="72", init=Init.ACTIVE, doc=(
        "A note is due this many hours after its session starts, counted on the UTC "
        "clock so that a daylight-saving change neither adds nor takes an hour.")),
    Option("deadline_business_days", "deadline_business_days", _days, example="2",
           conflicts=("deadline_hours",), doc=(
               "For payers that count business days, instead of deadline_hours: a note is "
               "due when the practice's day ends this many weekdays after the session (with "
               "2, a Friday session is due by the end of Tuesday).")),
    Option("due_soon_hours", "due_soon_hours", _hours, example="24", doc=(
        "A draft whose deadline is less than this many hours away is due soon (T005).")),
    Option("edit_window_hours", "edit_window_hours", _hours, example="24", init=Init.ACTIVE,
           doc=("A submitted note can be edited for this many hours; then it is locked and "
                "is corrected only by a dated addendum.")),
    Option("notes_dir", "notes_dir", _folder, example='"notes"', doc=(
        "Where the notes are, relative to the workspace (the folder of this file).")),
    Option("output_dir", "output_dir", _folder, example='"output"', doc=(
        "Where build writes the record and the report. A build replaces the files in "
        "it, so it must be a folder of its own inside the workspace, apart from the notes "
        "and the templates.")),
    Option("templates_dir", "templates_dir", _folder, example='"templates"', doc=(
        "A template here with the name of a built-in one is used in its place.")),
    Option("schedule", "schedule", _file, example='"schedule.csv"', doc=(
        "The sessions that should have notes: a .csv (client,clinician,session_date) or "
        "an .ics export of the scheduling system. A scheduled session without a note is "
        "reported (T006, T007).")),
    Option("allow_outside", "allow_outside", _strings, example='["../shared/schedule.ics"]',
           doc=("Files outside the workspace that schedule or vocabulary.extend may name; "
                "soapbuild reads no other file outside it.")),
    Option("deadline_overrides.CODE", "deadline_overrides", _hours, example="24",
           sample="deadline_overrides.90839", doc=(
               "Shorter (or longer) deadlines, in hours, for some service codes, in place "
               "of deadline_hours or deadline_business_days; crisis sessions are often due "
               "within 24 hours.")),
    Option("formats.NAME.sections", "formats", _sections, part="sections", required=True,
           example='["Goal", "Intervention", "Response", "Plan"]',
           sample="formats.girp.sections", doc=(
               "A note format besides the built-in soap, dap, birp and girp (or in place of "
               "one): the sections its notes hold, in order. A note picks it with "
               "'format: girp' in its front matter.")),
    Option("formats.NAME.roles", "formats", _roles, part="roles",
           example='{ Goal = "goal", Response = "observation" }', sample="formats.girp.roles",
           doc=("What the format's sections are for, section = role (or a list of roles): "
                + ", ".join(ROLES) + ". The rules scope by role (mental-status words are "
                "observations in an observation section; risk belongs in the assessment). "
                "A section left out gets the role its name suggests (Mental Status: "
                "observation).")),
    Option("rules.ignore", "rules_ignore", _rule_codes, example='["S005"]', doc=(
        "Rules switched off in this workspace ('soapbuild rules' lists the codes). To "
        "silence one finding, write <!-- soapbuild: ignore CODE --> on its line instead.")),
    Option("rules.severity.RULE", "rules_severity", _severity, example='"error"',
           sample="rules.severity.T003", doc=(
               "A rule's severity in this workspace: \"error\", \"warning\" or \"info\". An "
               "error makes check fail (exit 1).")),
    Option("vocabulary.extend", "vocabulary_extend", _strings, example='["our-terms.toml"]',
           doc=("More vocabulary files, in the format of soapbuild/data/vocabulary/, "
                "relative to the workspace. Their context patterns run in linear time "
                "(RE2), so they may not use lookarounds or backreferences.")),
    Option("vocabulary.remove", "vocabulary_remove", _strings, example='["always"]', doc=(
        "Built-in vocabulary terms not to flag.")),
    Option("service_codes.CODE.min", "service_codes", _minutes, part="minimum",
           example="15", sample="service_codes.H0004.min", doc=(
               "A service code besides the built-in ones (data/service_codes.toml), or a "
               "change to one, key by key: the fewest face-to-face minutes it supports (B002 "
               "when a session's time does not fit). A code without min or unit_minutes is "
               "not billed by time.")),
    Option("service_codes.CODE.max", "service_codes", _most_minutes, part="maximum",
           example="60", sample="service_codes.H0004.max", doc=(
               "The most minutes the code supports; without it, there is no upper limit.")),
    Option("service_codes.CODE.description", "service_codes", _text, part="description",
           example='"Behavioral health counseling, per 15 minutes"',
           sample="service_codes.H0004.description", doc=(
               "What the code is, for messages and the report.")),
    Option("service_codes.CODE.source", "service_codes", _text, part="source",
           example='"Payer manual, 2026, section 4"', sample="service_codes.H0004.source",
           doc=("Where the code's rule comes from.")),
    Option("service_codes.CODE.unit_minutes", "service_codes", _unit_minutes,
           part="unit_minutes", example="15", sample="service_codes.H2019.unit_minutes", doc=(
               "The code is billed in units of this many minutes; the minutes decide how "
               "many units a session supports (B009 above them, B010 below).")),
    Option("service_codes.CODE.first_unit_at", "service_codes", _minutes,
           part="first_unit_at", example="8", sample="service_codes.H2019.first_unit_at",
           doc=("The minutes at which the first unit is reached; by default just past half a "
                "unit, the CPT time rule.")),
    Option("service_codes.CODE.continues", "service_codes", _code, part="continues",
           example='"90839"', sample="service_codes.90840.continues", doc=(
               "The code whose time this one carries on: its units count the session's "
               "whole time (90840 continues 90839 after 74 minutes).")),
    Option("service_codes.CODE.addon", "service_codes", _flag, part="addon",
           example="true", sample="service_codes.90840.addon", doc=(
               "An add-on code, billed only beside one of the codes in needs (B007).")),
    Option("service_codes.CODE.needs", "service_codes", _references, part="needs",
           example='["90839"]', sample="service_codes.90840.needs", doc=(
               "Codes, ranges such as \"99202-99215\" or groups of data/code_groups.toml "
               "(em, psychotherapy, …), one of which an add-on code is billed with.")),
    Option("service_codes.CODE.excludes", "service_codes", _references, part="excludes",
           example='["90785"]', sample="service_codes.90839.excludes", doc=(
               "Codes, ranges or groups that may not be billed in the same session as this "
               "one (B008), such as a payer's own edits.")),
    Option("service_codes.CODE.scale", "service_codes", _group, part="scale",
           example='"psychotherapy"', sample="service_codes.90834.scale", doc=(
               "The group of codes whose bands divide the same time between them, to name "
               "the code a time fits.")),
    Option("service_codes.CODE.reason_after", "service_codes", _minutes, part="reason_after",
           example="60", sample="service_codes.90837.reason_after", doc=(
               "Past this many minutes the note must say why the session ran long, in "
               "'extended_reason' (B012); some payers ask it of 90837.")),
    Option("billing.require_clock_times", "require_clock_times", _flag, example="true", doc=(
        "Every session that occurred needs its clock times, a start (or a time in "
        "session_date) and an end (B011), as several Medicaid programmes require.")),
    Option("billing.video_modifier", "video_modifier", _modifier, example='"95"', doc=(
        "The modifier the payers require on every code of a video session (B015); \"\" "
        "when they want none, as Medicare fee-for-service since 2024 (place of service 02 "
        "or 10 says it).")),
    Option("billing.audio_modifier", "audio_modifier", _modifier, example='"93"', doc=(
        "The modifier the payers require on every code of an audio-only session (B015).")),
    Option("copied.threshold", "copied_threshold", _fraction, example="0.9", doc=(
        "How alike (above 0, at most 1) a section must be to a section of another note "
        "to count as copied (D001).")),
    Option("history.tolerance_hours", "history_tolerance_hours", _hours, example="24", doc=(
        "In git: how many hours a 'submitted' stamp or an addendum's date may lie before the "
        "first commit that holds it; earlier than that, it cannot be trusted (T008, A008).")),
    Option("history.timeliness", "history_timeliness", _one_of("stamp", "commit"),
           example='"stamp"', doc=(
               "In git: \"commit\" judges a note whose stamp the history contradicts (T008) "
               "late or on time by the commit that first held it submitted, in the findings "
               "and the report; \"stamp\" by the stamp.")),
    Option("history.imported_until", "history_imported_until", _day, example="2026-11-27",
           doc=("In git: commits up to the end of this day imported notes kept elsewhere; "
                "their times date nothing, and the notes as the import left them are their "
                "first version.")),
    Option("signatures_required_from", "signatures_required_from", _day,
           example="2026-11-25", doc=(
               "The day the practice began signing its notes: every note submitted from "
               "then on needs its author's signature (E001), and one submitted earlier "
               "without a signature is signed by a dated attestation (soapbuild attest; "
               "E002 until then). Unset, signatures are not checked; soapbuild init sets "
               "it to the day the workspace is made.")),
    Option("late_entry_days", "late_entry_days", _days, example="45", doc=(
        "The most calendar days after a session that its note or an addendum may be "
        "entered at all (T009; Alabama Medicaid allows 45); a note entered later is not "
        "billable. Unset, there is no limit.")),
    Option("supervision.credentials", "cosign_credentials", _credentials,
           example='["LMSW", "LPC-A", "AMFT"]', doc=(
               "Credentials whose holders' notes need their supervisor's co-signature "
               "(soapbuild cosign) to be complete and billable; by default the pre-licensed "
               "titles of data/credentials.toml.")),
    Option("supervision.cosign_business_days", "cosign_business_days", _days,
           example="3", doc=(
               "A note that needs a co-signature is due for it by the end of this many "
               "business days after it was signed (V002 after that).")),
    Option("clinicians.PERSON.credential", "clinicians", _credential, part="credential",
           example='"LCSW"', sample="clinicians.Jordan Rivera.credential", doc=(
               "A clinician's credential: soapbuild submit signs their notes as 'NAME, "
               "CREDENTIAL' when no --as is given.")),
    Option("clinicians.PERSON.supervisor", "clinicians", _name, part="supervisor",
           example='"Amara Osei"', sample="clinicians.Riley Brooks.supervisor", doc=(
               "Who supervises the clinician: the only person whose co-signature their notes "
               "take (V003 for anyone else).")),
    Option("clinicians.PERSON.license", "clinicians", _text, part="license",
           example='"NY LMSW 000000"', sample="clinicians.Riley Brooks.license", doc=(
               "The clinician's licence or registration, for the record.")),
    Option("diagnosis.required", "diagnosis_required", _flag, example="true", doc=(
        "Every session that occurred names its ICD-10-CM diagnosis (I003), which a claim "
        "needs.")),
    Option("plans.required", "plans_required", _flag, example="true", doc=(
        "Every client seen needs a treatment plan, notes/CLIENT/plan.md (G007).")),
    Option("plans.review_days", "plan_review_days", _days, example="90", doc=(
        "A treatment plan is reviewed at least this many days after its start or its last "
        "review (G004 once past).")),
    Option("plans.goal_idle_days", "goal_idle_days", _days, example="30", doc=(
        "A goal of a plan that no session has worked on for this many days is flagged "
        "(G005).")),
    Option("calendar.country", "holiday_country", _country, example='"US"', doc=(
        "Deadlines counted in business days (deadline_business_days, co-signatures) skip "
        "this country's public holidays, from the holidays package.")),
    Option("calendar.subdivision", "holiday_subdivision", _subdivision, example='"NY"', doc=(
        "The state or province whose own public holidays are skipped too.")),
    Option("calendar.closed_days", "closed_days", _dates, example="[2026-12-24]", doc=(
        "Days the practice is closed, skipped like public holidays in business days.")),
    Option("export.redact", "export_redact", _redact, example='["P001", "P002", "P003"]',
           doc=("soapbuild export audit: the identifiers blacked out in a payer's packet, by "
                "their privacy rule: P001 numbers (SSN, record, account), P002 dates of "
                "birth, P003 phone, e-mail and street addresses, P005 other group members' "
                "names. By default all four (45 CFR 164.502(b), minimum necessary).")),
    Option("export.identifiers.CLIENT", "export_identifiers", _identifier,
           example='"urn:oid:2.16.840.1.113883.19.5|MRN-0042"',
           sample="export.identifiers.C-1042", doc=(
               "soapbuild export fhir: the identifier another system knows this client by, "
               "as SYSTEM|VALUE; it is added to the client ID in the FHIR Patient. Without "
               "it a client is known by the client ID alone.")),
)
