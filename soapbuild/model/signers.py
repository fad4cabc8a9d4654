"""Who wrote, signed and co-signed a note: names and credentials, read from plain text.

A signature is written ``NAME, CREDENTIAL`` (``Jordan Rivera, LCSW``; SPEC 3.1), the
way Medicare asks an entry to be authenticated: by its author, with name and
credential (Program Integrity Manual ch. 3 §3.3.2.4). Names are compared as a
reader compares them: case, spacing and a leading title (``Dr.``) aside, so
``Dr. Amara Osei, PsyD`` and ``amara osei`` are one person.

Whether a note needs a supervisor's co-signature is decided here too, from the
author's credentials and the practice's list of credentials that need one,
because the lock (:mod:`soapbuild.history.seals`) needs the answer as much as
the rules do: a note that awaits its co-signature is not final yet.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from soapbuild.model.note import Header, Moment

_TITLE = re.compile(r"^(?:dr|mr|mrs|ms|mx|prof)\.?\s+", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def person_key(name: str) -> str:
    """A name as compared: lower case, single spaces, no leading title."""
    plain = _SPACES.sub(" ", name).strip()
    return _TITLE.sub("", plain).casefold()


@lru_cache(maxsize=1024)  # a practice has a few credentials, read on every note
def credential_key(credential: str) -> str:
    """A credential as compared: upper case, no spaces (``lpc-a`` is ``LPC-A``)."""
    return _SPACES.sub("", credential).upper()


@dataclass(frozen=True, slots=True)
class Signer:
    """A name and the credentials written after it (``Jordan Rivera, LCSW``)."""

    name: str
    credentials: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return person_key(self.name)

    @property
    def text(self) -> str:
        return ", ".join((self.name, *self.credentials))

    def same_person(self, other: Signer | str) -> bool:
        other_name = other.name if isinstance(other, Signer) else parse_signer(other).name
        return bool(self.key) and self.key == person_key(other_name)


@lru_cache(maxsize=1024)  # a practice has a few signers, read on every note
def parse_signer(text: str) -> Signer:
    """``"Jordan Rivera, LCSW"`` as a :class:`Signer`; commas separate the credentials."""
    name, *rest = (part.strip() for part in text.split(","))
    return Signer(_SPACES.sub(" ", name), tuple(part for part in rest if part))


@cache
def builtin_cosign_credentials() -> tuple[str, ...]:
    """The pre-licensed credentials of ``data/credentials.toml``: the default of the
    setting ``supervision.credentials``."""
    text = resources.files("soapbuild").joinpath("data/credentials.toml").read_text("utf-8")
    return tuple(name for name, entry in tomllib.loads(text).items() if isinstance(entry, dict))


@dataclass(frozen=True, slots=True)
class Clinician:
    """A clinician of the practice, as the settings describe them (``[clinicians."NAME"]``).

    ``credential`` is what ``soapbuild submit`` signs with when no ``--as`` is
    given; ``supervisor`` names who co-signs their notes (by name, a credential
    may follow); ``license`` is kept for the record.
    """

    name: str
    credential: str | None = None
    supervisor: str | None = None
    license: str | None = None

    @property
    def signer(self) -> Signer | None:
        """How this clinician signs, when the settings give a credential."""
        return Signer(self.name, (self.credential,)) if self.credential else None


def find_clinician(name: str | None, clinicians: Mapping[str, Clinician]) -> Clinician | None:
    """The settings entry of the person ``name`` names (credentials after a comma ignored)."""
    if not name:
        return None
    key = parse_signer(name).key
    return next((c for c in clinicians.values() if person_key(c.name) == key), None)


def author_credentials(header: Header, clinicians: Mapping[str, Clinician]) -> tuple[str, ...]:
    """The note author's credentials: from the signature, else the ``clinician`` field,
    else the practice's settings for them."""
    for text in (header.signed_by, header.clinician):
        if text:
            credentials = parse_signer(text).credentials
            if credentials:
                return credentials
    entry = find_clinician(header.clinician, clinicians)
    return (entry.credential,) if entry is not None and entry.credential else ()


def needs_cosignature(header: Header, clinicians: Mapping[str, Clinician],
                      credentials: Collection[str]) -> bool:
    """Whether the author holds a credential that needs a supervisor's co-signature."""
    wanted = {credential_key(c) for c in credentials}
    return any(credential_key(c) in wanted for c in author_credentials(header, clinicians))


def final_stamp(header: Header, clinicians: Mapping[str, Clinician],
                credentials: Collection[str]) -> Moment | None:
    """When the note became final: its submission, or, for a note that needs a
    co-signature, the co-signature (``None`` while it is a draft or awaits one)."""
    if header.submitted is None:
        return None
    if needs_cosignature(header, clinicians, credentials):
        return header.cosigned
    return header.submitted
