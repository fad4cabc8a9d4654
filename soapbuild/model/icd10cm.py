"""The ICD-10-CM code set, from the ``simple-icd-10-cm`` package.

``simple-icd-10-cm`` 1.5.0 (built 2026-02-02) ships the CMS release of April 1,
2026: the fiscal year 2026 code set (in force from October 1, 2025) with its
April update. Codes that CMS adds for fiscal year 2027 (October 1, 2026) are
unknown to it until the package ships them.

Importing the package parses its whole classification (a 10 MB XML file):
about 3 s on a 2-core machine, far too slow for ``check`` in a git hook. So
validity and billability, which ``check`` needs, are read from the package's own
list of codes (``data/code-list-*.txt``, one code per line in the order of the
classification, read in about 0.07 s) without importing the package; only the
descriptions, which the rendered record shows, import it. A test holds the
list reading to the package's own answers for every code.

A *billable* (complete) code is a leaf of the classification: ICD-10-CM
Official Guidelines I.B.2, "a three-character code is to be used only if it is
not further subdivided", and "a code is invalid if it has not been coded to the
full number of characters required for that code". In the list's order a code
is a leaf exactly when the next code does not extend it.
"""

from __future__ import annotations

import difflib
import importlib.util
import re
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PACKAGE = "simple_icd_10_cm"
_SHAPE = re.compile(r"[A-Z][0-9][0-9A-Z](?:\.?[0-9A-Z]{1,4})?")
SUGGESTIONS = 6


def plain(code: str) -> str:
    """A code as the list writes it: upper case, no dot (``f41.1`` -> ``F411``)."""
    return code.strip().upper().replace(".", "")


def dotted(code: str) -> str:
    """A code as clinicians write it: a dot after the category (``F4310`` -> ``F43.10``)."""
    code = plain(code)
    return code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the code set says about one code as written.

    ``state`` is ``billable``, ``category`` (valid, but subdivided further: not
    billable) or ``unknown``; ``code`` is the code dotted; ``closest`` the
    billable codes to suggest instead (its subcodes, or codes that look alike).
    """

    code: str
    state: str
    closest: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CodeSet:
    """Every ICD-10-CM code (no dots), which are billable, and the release they come from."""

    codes: frozenset[str]
    billable: frozenset[str]
    ordered: tuple[str, ...]
    release: str

    def judge(self, text: str) -> Verdict:
        code = plain(text)
        if code in self.billable:
            return Verdict(dotted(code), "billable")
        if code in self.codes:
            return Verdict(dotted(code), "category", self._below(code))
        return Verdict(dotted(code) if _SHAPE.fullmatch(code) else text.strip(), "unknown",
                       self._closest(code))

    def _below(self, code: str) -> tuple[str, ...]:
        """The billable codes under ``code``, in the classification's order."""
        return tuple(dotted(c) for c in self.ordered if c.startswith(code) and c in self.billable)

    def _closest(self, code: str) -> tuple[str, ...]:
        """Codes to suggest for one the set does not hold: the billable codes under its
        longest known beginning (``F41.7`` -> F41's), else codes spelled alike."""
        for length in range(len(code) - 1, 2, -1):
            if code[:length] in self.codes:
                below = self._below(code[:length])
                return below[:SUGGESTIONS] if len(below) > SUGGESTIONS else below
        billable = [c for c in self.ordered if c in self.billable]
        alike = difflib.get_close_matches(code, billable, n=SUGGESTIONS, cutoff=0.6)
        return tuple(dotted(c) for c in alike)


def _package_folder() -> Path | None:
    """Where the package is installed, found without importing (running) it."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def code_set() -> CodeSet:
    """The package's code list, read once per process (raises ``LookupError`` when the
    package or its list is missing)."""
    folder = _package_folder()
    lists = sorted((folder / "data").glob("code-list-*.txt")) if folder is not None else []
    if not lists:
        raise LookupError(f"the ICD-10-CM code set ({PACKAGE}) is not installed; "
                          "install soapbuild with its dependencies")
    # The list also names the chapters ("5") and blocks ("F40-F48"): not codes.
    ordered = tuple(word for word in lists[-1].read_text("utf-8").split()
                    if "-" not in word and not word.isdigit())
    billable = frozenset(code for code, after in zip(ordered, (*ordered[1:], ""), strict=True)
                         if not after.startswith(code))
    release = lists[-1].stem.removeprefix("code-list-").replace("-", " ")  # "April 2026"
    return CodeSet(frozenset(ordered), billable, ordered, release)


@cache
def description(code: str) -> str | None:
    """The code's title in the classification (imports the package: about 3 s, once)."""
    with warnings.catch_warnings():  # its loader uses importlib.resources' old API
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm

    dotted_code = dotted(code)
    if not simple_icd_10_cm.is_valid_item(dotted_code):
        return None
    return str(simple_icd_10_cm.get_description(dotted_code))
