"""Every rule code is reported by exactly one module, which lists it beside its code.

Each module that makes hits declares ``CODES``; together they are the registry
(``data/rules/*.toml``), with no code claimed twice, so a new rule cannot ship
without its page and a page cannot outlive its rule. The examples' runs check the
same at run time (``tests/test_rule_examples.py``: every hit is made by the
module that lists its code).
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from soapbuild.rules.registry import (
    LANGUAGE_FAMILIES,
    all_rules,
    known_codes,
    unsuppressible_codes,
    vocabulary_codes,
)

PACKAGE = Path(__file__).resolve().parents[1] / "soapbuild"


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)


def _hit_calls(path: Path) -> list[ast.Call]:
    """The ``Hit(...)`` constructions in a module's source."""
    tree = ast.parse(path.read_text("utf-8"))
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name) and node.func.id == "Hit"]


def reporting_modules() -> dict[str, frozenset[str]]:
    """Every module that makes hits, with the codes it lists."""
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if _hit_calls(path):
            name = _module_name(path)
            codes = getattr(importlib.import_module(name), "CODES", None)
            assert isinstance(codes, frozenset), f"{name} makes hits but lists no CODES"
            modules[name] = codes
    return modules


def test_the_modules_codes_are_the_registry_each_code_once() -> None:
    modules = reporting_modules()
    claimed: dict[str, str] = {}
    for name, codes in modules.items():
        for code in sorted(codes):
            assert code not in claimed, f"{code} is listed by {claimed[code]} and {name}"
            claimed[code] = name
    assert set(claimed) - known_codes() == set(), "codes listed without a rule page"
    assert known_codes() - set(claimed) == set(), "rule pages no module lists"


def test_the_codes_read_from_the_table_headers_are_the_pages_codes() -> None:
    """known_codes reads only the pages' ``[CODE]`` lines, for speed: they must be exactly
    the codes the parsed pages hold (a page with a code table written otherwise, or an
    example text with a line like ``[T001]``, would make them differ)."""
    assert known_codes() == frozenset(all_rules())
    assert len(known_codes()) > 100
    assert vocabulary_codes() == frozenset(code for code, rule in all_rules().items()
                                           if rule.family in LANGUAGE_FAMILIES)
    assert {"J001", "H001"} <= vocabulary_codes()
    fixed = frozenset(code for code, rule in all_rules().items() if not rule.suppressible)
    assert unsuppressible_codes() == fixed
    assert {"K001", "R001"} <= fixed


def test_a_module_makes_hits_only_with_its_own_codes() -> None:
    """Where the code is written in the source (``Hit("F001", …)``), it is one of the
    module's; the vocabulary rule takes its codes from the data, checked below."""
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        calls = _hit_calls(path)
        if not calls:
            continue
        codes = importlib.import_module(_module_name(path)).CODES
        for call in calls:
            first = call.args[0] if call.args else None
            if isinstance(first, ast.Constant) and first.value not in codes:
                wrong.append(f"{_module_name(path)}:{call.lineno} makes {first.value}")
    assert not wrong, "\n".join(wrong)


def test_vocabulary_codes_are_the_vocabulary_modules() -> None:
    from soapbuild.rules import vocabulary

    assert vocabulary_codes() == vocabulary.CODES
