"""``soapbuild init`` and ``soapbuild new``: they add files and never overwrite one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tomllib
import unicodedata
from datetime import date
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from soapbuild.cli import main
from soapbuild.commands import init as ws
from soapbuild.model.formats import NoteFormat, builtin_formats
from soapbuild.model.parse import parse_note
from soapbuild.rules.registry import known_codes
from soapbuild.settings import load_settings

NOW = "2026-11-24 09:12:45"


def _run(folder: Path, *args: str, env: dict[str, str | None] | None = None
         ) -> click.testing.Result:
    return CliRunner().invoke(main, ["-C", str(folder), *args], env=env)


def _tree(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder`` with its bytes and modification time."""
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _defaults(command: click.Command, args: list[str]) -> dict[str, object]:
    with command.make_context(command.name or "", args) as ctx:
        return dict(ctx.params)


def test_option_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SOAPBUILD_NOW", "SOAPBUILD_CLINICIAN"):
        monkeypatch.delenv(name, raising=False)
    assert _defaults(main.commands["init"], []) == {"folder": Path("."), "now_text": None}
    assert _defaults(main.commands["new"], ["--client", "C-1"]) == {
        "client": "C-1", "date_text": None, "clinician": None, "format_name": None,
        "private": False, "now_text": None}
    new = main.commands["new"]
    assert next(p for p in new.params if p.name == "clinician").envvar == "SOAPBUILD_CLINICIAN"
    assert _run(Path("."), "new").exit_code == 2  # --client is required


# --- init ----------------------------------------------------------------------------

def test_init_creates_a_workspace_that_checks_clean(tmp_path: Path) -> None:
    target = tmp_path / "practice"
    result = _run(tmp_path, "init", "practice", "--now", NOW, env={"TZ": "America/Chicago"})
    assert result.exit_code == 0, result.output
    assert (target / "notes").is_dir()
    settings = tomllib.loads((target / "soapbuild.toml").read_text("utf-8"))
    assert settings == {"timezone": "America/Chicago", "deadline_hours": 72,
                        "edit_window_hours": 24,
                        # a new practice signs its notes from its first day
                        "signatures_required_from": date(2026, 11, 24)}
    assert load_settings(target, known_codes()).timezone_name == "America/Chicago"
    assert (target / ".gitignore").read_text("utf-8").splitlines()[1:] == \
        ["output/", ".soapbuild/cache/"]
    example = target / "notes" / "C-EXAMPLE" / "2026-11-24.md"
    assert example.is_file()
    assert "session_date: 2026-11-24 08:00" in example.read_text("utf-8")
    assert result.output.splitlines()[:6] == [
        f"workspace {target}/  (created)",
        "  created  soapbuild.toml  (timezone America/Chicago)",
        "  created  .gitignore",
        "  created  notes/",
        "  created  notes/C-EXAMPLE/2026-11-24.md  (an example note: read it, then delete it)",
        "Next: 'soapbuild new --client ID' writes a note skeleton; 'soapbuild check' checks "
        "the notes."]
    checked = _run(target, "check", "--format", "json", "--now", NOW)
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.output)["findings"] == []
    # ... and on the real clock, as a new user runs it.
    fresh = tmp_path / "today"
    assert _run(tmp_path, "init", "today").exit_code == 0
    assert _run(fresh, "check").exit_code == 0
    example_notes = [p.relative_to(fresh).as_posix() for p in (fresh / "notes").rglob("*.md")]
    assert _run(fresh, "submit", *example_notes).exit_code == 1  # nobody to sign: refused
    assert _run(fresh, "submit", *example_notes, "--as", "Sam Example, LCSW").exit_code == 0
    assert _run(fresh, "check").exit_code == 0  # signed from the workspace's first day


def test_init_twice_changes_nothing(tmp_path: Path) -> None:
    assert _run(tmp_path, "init", "--now", NOW).exit_code == 0
    before = _tree(tmp_path)
    again = _run(tmp_path, "init", "--now", "2026-11-30 10:00")  # another day: no second example
    assert again.exit_code == 0
    assert _tree(tmp_path) == before
    assert "created" not in again.output
    assert "  kept     soapbuild.toml  (already there)\n" in again.output


def test_init_keeps_existing_files_and_appends_to_gitignore(tmp_path: Path) -> None:
    settings = b'timezone = "Europe/Berlin"\noutput_dir = "site"\n'
    (tmp_path / "soapbuild.toml").write_bytes(settings)
    (tmp_path / ".gitignore").write_bytes(b".venv\r\n/site")
    result = _run(tmp_path, "init", "--now", NOW)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "soapbuild.toml").read_bytes() == settings
    assert (tmp_path / ".gitignore").read_bytes() == b".venv\r\n/site\r\n.soapbuild/cache/\r\n"
    assert "  updated  .gitignore  (added .soapbuild/cache/)\n" in result.output
    (tmp_path / ".gitignore").write_bytes(b"output/\n")
    (tmp_path / "soapbuild.toml").unlink()
    shutil.rmtree(tmp_path / "notes")
    assert _run(tmp_path, "init", "--now", NOW).exit_code == 0
    assert (tmp_path / ".gitignore").read_bytes() == b"output/\n.soapbuild/cache/\n"


def test_init_writes_no_example_where_notes_exist(tmp_path: Path) -> None:
    (tmp_path / "notes" / "C-1").mkdir(parents=True)
    (tmp_path / "notes" / "C-1" / "2026-11-20.md").write_text("---\n---\n", "utf-8")
    assert _run(tmp_path, "init", "--now", NOW).exit_code == 0
    assert not (tmp_path / "notes" / "C-EXAMPLE").exists()


def test_init_leaves_settings_in_pyproject_alone(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.soapbuild]\nnotes_dir = "records"\n', "utf-8")
    result = _run(tmp_path, "init", "--now", NOW)
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "soapbuild.toml").exists()
    assert (tmp_path / "records" / "C-EXAMPLE" / "2026-11-24.md").is_file()


def test_init_refuses_a_file_and_a_broken_settings_file(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x", "utf-8")
    result = _run(tmp_path, "init", "a-file")
    assert result.exit_code == 2 and "is a file, not a folder" in result.output
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "soapbuild.toml").write_text("deadline_hours = 'soon'\n", "utf-8")
    result = _run(tmp_path, "init", "broken")
    assert result.exit_code == 2 and "deadline_hours" in result.output
    assert sorted(os.listdir(broken)) == ["soapbuild.toml"]  # nothing added


def test_system_zone_name(tmp_path: Path) -> None:
    nowhere = str(tmp_path / "missing")
    assert ws.system_zone_name({"TZ": "Europe/Berlin"}, nowhere, nowhere) == "Europe/Berlin"
    assert ws.system_zone_name({"TZ": ":America/New_York"}, nowhere, nowhere) == \
        "America/New_York"
    assert ws.system_zone_name({}, nowhere, nowhere) is None
    assert ws.system_zone_name({"TZ": "UTC"}, nowhere, nowhere) is None  # a server, not a practice
    (tmp_path / "timezone").write_text("Europe/Lisbon\n", "utf-8")
    assert ws.system_zone_name({"TZ": "Not/AZone"}, nowhere, str(tmp_path / "timezone")) == \
        "Europe/Lisbon"
    unset = tomllib.loads(ws.settings_text(None))
    assert unset == {"deadline_hours": 72, "edit_window_hours": 24}
    assert '# timezone = "America/New_York"' in ws.settings_text(None)


# --- new -----------------------------------------------------------------------------

@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "soapbuild.toml").write_text(
        'timezone = "America/New_York"\n[formats.girp]\n'
        'sections = ["Goal", "Intervention", "Response", "Plan"]\n', "utf-8")
    return tmp_path


def _new(workspace: Path, *args: str, env: dict[str, str | None] | None = None
         ) -> click.testing.Result:
    return _run(workspace, "new", "--clinician", "Jordan Rivera, LCSW", "--now", NOW, *args,
                env=env)


def _read(path: Path) -> tuple[list[str], NoteFormat]:
    formats = builtin_formats()
    formats["girp"] = NoteFormat("girp", ("Goal", "Intervention", "Response", "Plan"))
    result = parse_note(path.read_bytes(), path.name, formats)
    assert result.note is not None and result.problems == ()
    header = result.note.header
    assert header.problems == () and header.readable
    note_format = formats[header.format or "soap"]
    return [s.name for s in result.note.body.sections], note_format


@pytest.mark.parametrize("name", ["soap", "dap", "birp", "girp", "GIRP"])
def test_the_skeleton_has_the_formats_sections_in_order(workspace: Path, name: str) -> None:
    result = _new(workspace, "--client", "C-1", "--format", name)
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip())
    sections, note_format = _read(path)
    assert note_format.name == name.lower()
    assert sections == list(note_format.sections)
    headings = [line[3:] for line in path.read_text("utf-8").splitlines()
                if line.startswith("## ")]
    assert headings == list(note_format.sections)


def test_the_skeleton_front_matter_is_filled_and_valid(workspace: Path) -> None:
    result = _new(workspace, "--client", "C-1042")
    path = Path(result.output.strip())
    assert result.output == f"{path}\n" and path.is_file()  # only the path on stdout
    assert path == workspace / "notes" / "C-1042" / "2026-11-24.md"
    text = path.read_text("utf-8")
    assert text.startswith("---\nclient: C-1042\nclinician: Jordan Rivera, LCSW\n"
                           "session_date: 2026-11-24 09:12\noccurred: true\n")
    assert "duration:" in text and "service_code:" in text and "format:" not in text
    report = json.loads(_run(workspace, "check", "--format", "json", "--now", NOW).output)
    codes = {f["code"] for f in report["findings"]}
    assert "S002" in codes  # empty sections until they are written
    assert not {c for c in codes if c[0] in "RF"}, codes


def test_new_never_overwrites(workspace: Path) -> None:
    first = Path(_new(workspace, "--client", "C-1").output.strip())
    first.write_text(first.read_text("utf-8") + "Written.\n", "utf-8")
    kept = first.read_bytes()
    second = Path(_new(workspace, "--client", "C-1").output.strip())
    third = Path(_new(workspace, "--client", "C-1").output.strip())
    assert (second.name, third.name) == ("2026-11-24-2.md", "2026-11-24-3.md")
    assert first.read_bytes() == kept


@pytest.mark.parametrize(("client", "folder"), [
    ("../../etc", "etc"),
    ("C/1", "C-1"),
    (".hidden", "hidden"),
    ("C\\1", "C-1"),
    ("C-1\x00\x1b[31m", "C-1-31m"),
    ("  Zoë 7 ", "Zoë-7"),
    (unicodedata.normalize("NFD", "Zoë"), "Zoë"),
    ("李小龙", "李小龙"),
    ("C-1..", "C-1"),
    ("con", "con_"),
])
def test_client_ids_become_safe_folder_names(workspace: Path, client: str, folder: str) -> None:
    result = _new(workspace, "--client", client)
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip())
    assert path.exists()
    assert path.parent == workspace / "notes" / folder
    assert path.resolve().is_relative_to((workspace / "notes").resolve())
    written = parse_note(path.read_bytes(), "x.md", builtin_formats()).note
    assert written is not None and written.header.client == ws.clean_text(client)


@pytest.mark.parametrize("client", ["..", "/", "...///", "😀", "\x00"])
def test_a_client_id_with_nothing_usable_is_refused(workspace: Path, client: str) -> None:
    result = _new(workspace, "--client", client)
    assert result.exit_code == 2 and "--client" in result.output
    assert not (workspace / "notes").exists() or not any((workspace / "notes").iterdir())


def test_the_printed_path_is_relative_inside_the_current_folder(
        workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workspace)
    result = CliRunner().invoke(main, ["new", "--client", "C-1", "--clinician", "A",
                                       "--date", "2026-11-24"])
    assert result.output == "notes/C-1/2026-11-24.md\n"
    assert Path(result.output.strip()).is_file()


@pytest.mark.parametrize(("date", "name", "written"), [
    ("2026-11-24", "2026-11-24.md", "2026-11-24"),
    ("2026-11-24 15:00", "2026-11-24.md", "2026-11-24 15:00"),
    ("2026-11-24T15:00", "2026-11-24.md", "2026-11-24 15:00"),
    (" 2026-02-28 08:05 ", "2026-02-28.md", "2026-02-28 08:05"),
])
def test_date_forms(workspace: Path, date: str, name: str, written: str) -> None:
    result = _new(workspace, "--client", "C-1", "--date", date)
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip())
    assert path.name == name
    assert f"\nsession_date: {written}\n" in path.read_text("utf-8")


@pytest.mark.parametrize("date", ["2026-13-01", "2026-02-30", "tomorrow", "2026-11-24 25:00",
                                  "24.11.2026", "2026-11-24 15:00:00", "2026-11-24T15:00Z"])
def test_a_bad_date_is_a_usage_error(workspace: Path, date: str) -> None:
    result = _new(workspace, "--client", "C-1", "--date", date)
    assert result.exit_code == 2 and "--date" in result.output
    assert not (workspace / "notes").exists()


def test_the_default_date_is_now_in_the_practice_zone(workspace: Path) -> None:
    result = _new(workspace, "--client", "C-1", "--now", "2026-11-25T03:30:59Z")
    path = Path(result.output.strip())
    assert path.name == "2026-11-24.md"  # still the 24th in New York
    assert "\nsession_date: 2026-11-24 22:30\n" in path.read_text("utf-8")


def test_an_unknown_format_is_a_usage_error(workspace: Path) -> None:
    result = _new(workspace, "--client", "C-1", "--format", "soapy")
    assert result.exit_code == 2 and "'soapy' is not a note format" in result.output
    assert "birp, dap, girp, soap" in result.output


def test_the_clinician_comes_from_the_environment_then_git(
        workspace: Path, tmp_path: Path) -> None:
    outside_git = {"SOAPBUILD_CLINICIAN": None,
                   "GIT_CEILING_DIRECTORIES": str(tmp_path.parent)}
    args = ["new", "--client", "C-1", "--now", NOW]
    missing = _run(workspace, *args, env=outside_git)
    assert missing.exit_code == 2 and "no clinician" in missing.output
    by_env = _run(workspace, *args, env={"SOAPBUILD_CLINICIAN": "Sam Lee, LMFT"})
    assert by_env.exit_code == 0
    assert "\nclinician: Sam Lee, LMFT\n" in Path(by_env.output.strip()).read_text("utf-8")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    subprocess.run(["git", "init", "-q", str(workspace)], check=True)
    subprocess.run(["git", "-C", str(workspace), "config", "user.name", "Casey: Git"],
                   check=True)
    by_git = _run(workspace, *args, env=outside_git)
    assert by_git.exit_code == 0, by_git.output
    path = Path(by_git.output.strip())
    assert '\nclinician: "Casey: Git"\n' in path.read_text("utf-8")
    _read(path)


@pytest.mark.parametrize("value", ["no", "Null", "1042", "0042", "a: b", "x #y", "-x", "'q'",
                                   "Jordan Rivera, LCSW", "[x]", "say \"hi\"", "O'Brien"])
def test_yaml_values_read_back_as_written(value: str) -> None:
    text = f"---\nclient: {ws.yaml_value(value)}\n---\n"
    note = parse_note(text.encode(), "x.md", builtin_formats()).note
    assert note is not None and note.header.fields[0].text == value
    assert note.header.fields[0].kind == "scalar"
