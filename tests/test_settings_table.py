"""The table of settings keys: one entry per key, and everything made from it agrees.

Reading a file, the did-you-mean, the file ``init`` writes, the README's example
and the list of values in force are all made from (or checked against)
``soapbuild.settings_table.OPTIONS``; these tests hold them together.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import fields, replace
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from soapbuild.cli import main
from soapbuild.commands.init import settings_text
from soapbuild.model.formats import builtin_formats
from soapbuild.model.service_codes import builtin_service_codes
from soapbuild.rules.registry import known_codes
from soapbuild.settings import Settings, SettingsError, in_force, load_settings, read_table
from soapbuild.settings_table import ENTRIES, NAMES, OPTIONS, Init

README = Path(__file__).resolve().parents[1] / "README.md"
# Settings fields that no key fills: where the settings are, and what is made from a key.
NOT_KEYS = {"root", "source", "timezone", "from_file"}


def _uncommented(text: str) -> str:
    """The file with every commented-out setting (``# key = value``, ``# [table]``) set."""
    return re.sub(r"^# (?=[\w\"-]+ = |\[)", "", text, flags=re.MULTILINE)


def _without(text: str, key: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith(f"{key} ="))


def _settings(tmp_path: Path, text: str) -> Settings:
    (tmp_path / "soapbuild.toml").write_text(text, "utf-8")
    return load_settings(tmp_path, known_codes())


def _comparable(settings: Settings) -> Settings:
    return replace(settings, root=Path("."), source=None, from_file=frozenset())


# --- the table itself ----------------------------------------------------------------

def test_every_key_is_documented_with_an_example_that_passes_its_check() -> None:
    for option in OPTIONS:
        assert option.doc.strip() and option.doc.endswith("."), option.key
        assert "TODO" not in option.doc, option.key
        value = tomllib.loads(f"x = {option.example}")["x"]
        option.check(option.key, value, known_codes())  # raises if the example is wrong


def test_every_settings_field_is_filled_by_a_key_and_every_key_fills_a_field() -> None:
    names = {f.name for f in fields(Settings)} - NOT_KEYS
    filled = {option.attribute for option in OPTIONS}
    assert filled == names


def test_keys_are_unique_well_formed_and_none_is_a_table_of_another() -> None:
    keys = [option.key for option in OPTIONS]
    assert len(keys) == len(set(keys))
    for option in OPTIONS:
        assert all(re.fullmatch(r"[a-z][a-z_]*|[A-Z]+", s) for s in option.segments), option.key
        assert sum(s in NAMES for s in option.segments) <= 1, option.key
        assert not any(other.key.startswith(option.key + ".") for other in OPTIONS), option.key
        # init sets only top-level keys: a key in a table would land under the last header
        assert option.init is Init.COMMENTED or "." not in option.key, option.key
        if option.chosen is None:
            assert not option.sample and option.part is None, option.key
            continue
        # a chosen name: the sample spells the key with one, and an entry of several keys
        # has an object to build
        assert len(option.sample.split(".")) == len(option.segments), option.key
        assert [s for s, t in zip(option.sample.split("."), option.segments, strict=True)
                if t not in NAMES] == [s for s in option.segments if s not in NAMES]
        assert option.part is None or option.attribute in ENTRIES, option.key
    for option in OPTIONS:
        assert all(other in keys for other in option.conflicts), option.key


def test_the_builtin_data_files_pass_the_settings_checks() -> None:
    """data/formats.toml and data/service_codes.toml have the shape of their settings
    tables and are read without checks at run time: they must pass them here."""
    folder = resources.files("soapbuild").joinpath("data")
    data = {name: tomllib.loads(folder.joinpath(f"{name}.toml").read_text("utf-8"))
            for name in ("formats", "service_codes")}
    values = read_table(data, known_codes())
    assert values["formats"] == builtin_formats()
    assert values["service_codes"] == builtin_service_codes()


# --- the file init writes ---------------------------------------------------------------

def test_the_init_file_loads_back_to_the_defaults(tmp_path: Path) -> None:
    loaded = _settings(tmp_path, settings_text(None))
    assert _comparable(loaded) == _comparable(Settings(root=tmp_path))
    active = {option.key for option in OPTIONS if option.init is Init.ACTIVE}
    assert loaded.from_file == active
    zoned = _settings(tmp_path, settings_text("Europe/Berlin"))
    assert _comparable(zoned) == _comparable(
        Settings(root=tmp_path, timezone_name="Europe/Berlin", timezone=zoned.timezone))
    assert str(zoned.timezone) == "Europe/Berlin"


def test_the_init_file_documents_every_key_with_a_working_example(tmp_path: Path) -> None:
    """Every key's paragraph is in the file, and uncommenting every example gives a valid
    file that sets every key (deadline_hours and deadline_business_days one at a time:
    one stands in place of the other)."""
    text = settings_text(None)
    prose = " ".join(" ".join(line.removeprefix("#").strip() for line in text.splitlines())
                     .split())
    for option in OPTIONS:
        assert " ".join(option.doc.split()) in prose, f"{option.key} is not documented"
    everything = _uncommented(text)
    with pytest.raises(SettingsError, match="cannot both be set"):
        _settings(tmp_path, everything)
    set_keys: set[str] = set()
    for left_out in ("deadline_hours", "deadline_business_days"):
        loaded = _settings(tmp_path, _without(everything, left_out))
        set_keys |= {entry.key for entry in in_force(loaded) if entry.source is not None}
    for option in OPTIONS:
        assert option.written in set_keys, f"{option.key}: its example is not in the file"


def test_init_writes_the_same_bytes_every_time(tmp_path: Path) -> None:
    written = []
    for name in ("a", "b"):
        result = CliRunner().invoke(main, ["-C", str(tmp_path), "init", name, "--now",
                                           "2026-11-24 09:00"], env={"TZ": "America/Chicago"})
        assert result.exit_code == 0, result.output
        written.append((tmp_path / name / "soapbuild.toml").read_bytes())
    assert written[0] == written[1]
    assert written[0] == settings_text("America/Chicago", date(2026, 11, 24)).encode("utf-8")
    # a new workspace signs its notes from the day it is made
    assert b"\nsignatures_required_from = 2026-11-24\n" in written[0]


# --- the README ------------------------------------------------------------------------

def _paths(table: dict[str, Any], prefix: str = "") -> list[str]:
    """Every key of a TOML table, dotted: ``service_codes.H0004.min``."""
    return [path for key, value in table.items()
            for path in (_paths(value, f"{prefix}{key}.") if isinstance(value, dict)
                         else [f"{prefix}{key}"])]


def test_the_readme_settings_example_is_valid_and_shows_every_key() -> None:
    """The README's example sets every key (or names it in a comment, as for
    deadline_business_days), and it is a valid settings file once uncommented."""
    text = README.read_text("utf-8")
    block = text.split("## Settings\n", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    data = tomllib.loads(_uncommented(block))
    read_table(data, known_codes())
    written = _paths(data)
    for option in OPTIONS:
        pattern = r"\.".join("[^.]+" if s in NAMES else s for s in option.segments)
        assert any(re.fullmatch(pattern, key) for key in written) or re.search(
            rf"\b{option.key} = ", block), f"the README's example does not show {option.key}"


# --- values in force --------------------------------------------------------------------

def test_in_force_says_which_values_came_from_the_file(tmp_path: Path) -> None:
    assert all(entry.source is None for entry in in_force(Settings(root=tmp_path)))
    settings = _settings(tmp_path, 'deadline_hours = 48\n[formats.GIRP]\nsections = ["Goal"]\n'
                                   '[rules.severity]\nt003 = "error"\n'
                                   '[service_codes."90837"]\nmin = 60\n')
    found: dict[str, tuple[Any, Path | None]] = {
        entry.key: (entry.value, entry.source) for entry in in_force(settings)}
    source = tmp_path.resolve() / "soapbuild.toml"
    assert found["deadline_hours"] == (48, source)
    assert found["edit_window_hours"] == (24, None)
    assert found["formats.girp.sections"] == (("Goal",), source)
    assert found["formats.soap.sections"][1] is None
    assert found["rules.severity.T003"][1] == source
    assert str(found["rules.severity.T003"][0]) == "error"
    # the file changes a built-in service code key by key: only the keys it gives are its own
    assert found["service_codes.90837.min"] == (60, source)
    assert found["service_codes.90837.max"] == (None, None)
    assert found["service_codes.90837.description"] == ("Psychotherapy, 60 minutes", None)
    assert found["service_codes.90832.max"] == (37, None)
    listed = [entry.key for entry in in_force(settings)]
    assert len(listed) == len(set(listed))


# --- messages at every level -------------------------------------------------------------

@pytest.mark.parametrize(("text", "message"), [
    ("threshold = 0.5", "'threshold' is not a setting; did you mean 'copied.threshold'?"),
    ("[copied]\nthreshhold = 0.5",
     "'copied.threshhold' is not a setting; did you mean 'copied.threshold'?"),
    ("[rules]\nseverty = {}", "'rules.severty' is not a setting; did you mean 'rules.severity'?"),
    ('[rules.severity]\nT03 = "error"', "'rules.severity.T03': 'T03' is not a rule code; "
                                        "did you mean T003?"),
    ('[formats.girp]\nsectons = ["A"]',
     "'formats.girp.sectons' is not a setting; did you mean 'formats.girp.sections'?"),
    ("[formats]\ngirp = 1", "'formats.girp' must be a table ([formats.girp]), not 1"),
    ("[formats.girp]", "'formats.girp.sections' must be a list of strings, not None"),
    ('[service_codes.H0004]\nmin = 15\ndescripton = "x"',
     "'service_codes.H0004.descripton' is not a setting; "
     "did you mean 'service_codes.H0004.description'?"),
    ("[service_codes.H0004]\nmin = 20\nmax = 15",
     "'service_codes.H0004.max' must be a whole number of minutes of at least 'min'"),
    ('[service_codes.H0004]\nneeds = ["emm"]',
     "'service_codes.H0004.needs': 'emm' is not a code, a range such as \"99202-99215\" or a "
     "group"),
    ('[service_codes.H0004]\nscale = "therapy"', "'service_codes.H0004.scale': 'therapy' is "
                                                   "not a group"),
    ('[billing]\nvideo_modifier = "095"', "'billing.video_modifier' must be a two-character "
                                          "modifier"),
    ("[billing]\nrequire_clock_time = true", "'billing.require_clock_time' is not a setting; "
                                             "did you mean 'billing.require_clock_times'?"),
    ("[service_codes.H0004]\nmin = 15\ndescription = 3",
     "'service_codes.H0004.description' must be text"),
    ("min = 3", "'min' is not a setting; did you mean 'service_codes.CODE.min'?"),
    ("schedule = 3", "'schedule' must be a file name"),
])
def test_unknown_and_wrong_keys_are_named_at_every_level(tmp_path: Path, text: str,
                                                          message: str) -> None:
    with pytest.raises(SettingsError) as raised:
        _settings(tmp_path, text + "\n")
    assert message in str(raised.value)
    assert str(raised.value).startswith(str(tmp_path.resolve() / "soapbuild.toml"))


def test_a_tool_table_that_is_not_a_table_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool]\nsoapbuild = 3\n", "utf-8")
    with pytest.raises(SettingsError, match=r"\[tool\.soapbuild\]: must be a table"):
        load_settings(tmp_path, known_codes())
