"""The hostile inputs: notes, settings, templates, schedules and folder layouts that try
to break soapbuild, each with the outcome it must have (issue 16, deliverable 1).

Every case is a workspace: ``soapbuild.toml``, a clean note (which must still be
checked, whatever the hostile file does) and the hostile part, laid out by
:func:`lay_out` in ``<case folder>/ws``; beside it, ``<case folder>/outside``
holds a file with :data:`SECRET` that links may point at. tests/test_hostile.py
runs each case's command and holds it to :class:`Expect` and to what every case
must do: no traceback, no hang, nothing written outside ``output/`` and
``.soapbuild/``, the secret never printed, and the clean note checked.

The cases are data: a new hostile input is one more entry here.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

SECRET = "hostile-secret-7f3a9c"
CLEAN_NOTE = "notes/C-1/2026-11-20.md"
HOSTILE_NOTE = "notes/C-1/2026-11-21.md"
NOW = "2026-11-27 12:00"
SETTINGS = 'timezone = "America/New_York"\n'

BODY = """\
## Subjective
Client reported sleeping about six hours a night.

## Objective
Client was calm and engaged.

## Assessment
Sleep is improving. Denies SI/HI.

## Plan
Next session in one week.
"""


def front(**fields: str) -> str:
    """Front matter of a complete note, with ``fields`` replacing or adding lines."""
    base = {"client": "C-1", "clinician": "Jordan Rivera, LCSW",
            "session_date": "2026-11-21 15:00", "occurred": "true", "duration": "53",
            "service_code": '"90837"', "submitted": "2026-11-21 17:00"}
    base.update(fields)
    return "---\n" + "".join(f"{k}: {v}\n" for k, v in base.items()) + "---\n"


def note(body: str = BODY, **fields: str) -> bytes:
    return (front(**fields) + body).encode("utf-8")


VOCABULARY = (Path(__file__).parents[1] / "data" / "backtracking-vocabulary.toml").read_bytes()
BACKTRACKED = BODY.replace("six hours a night.", "six hours a night.\n\n" + "a" * 70 + " zzyzx\n\n"
                           + "a" * 70 + "! qqzzq\n")

CLEAN = note(session_date="2026-11-20 15:00", submitted="2026-11-20 17:00")


@dataclass(frozen=True)
class Link:
    """A symbolic link; ``{outside}`` in the target is the case's outside folder."""

    target: str


@dataclass(frozen=True)
class Fifo:
    """A named pipe (nothing ever writes to it)."""


@dataclass(frozen=True)
class Folder:
    """An empty folder."""


@dataclass(frozen=True)
class Socket:
    """A Unix socket file."""


Entry = bytes | Link | Fifo | Folder | Socket


@dataclass(frozen=True)
class Expect:
    """What the command must do.

    ``exits``: the exit codes allowed. ``codes``: rule codes that must be found on
    the hostile note (``check`` cases). ``says``: words the output must hold (an
    error message that names the problem). ``clean``: the clean note must be
    among the files checked (False where the settings stop every command).
    """

    exits: tuple[int, ...] = (0, 1)
    codes: frozenset[str] = frozenset()
    says: tuple[str, ...] = ()
    clean: bool = True


@dataclass(frozen=True)
class Case:
    id: str
    kind: str  # note, layout, settings, template, schedule
    files: dict[str, Entry]
    expect: Expect = Expect()
    command: tuple[str, ...] = ("check", "--format", "json")
    settings: str | None = SETTINGS
    bound: float = 20.0  # seconds; a case running longer is a hang


def lay_out(case: Case, folder: Path) -> Path:
    """Make the case's workspace under ``folder``; return its root."""
    root, outside = folder / "ws", folder / "outside"
    (root / "notes" / "C-1").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.txt").write_text(f"{SECRET}\nroot:x:0:0:root:/root:/bin/bash\n", "utf-8")
    (outside / "secret.md").write_bytes(note(client=SECRET))
    (outside / "folder").mkdir()
    if case.settings is not None:  # None: the settings are in pyproject.toml, or nowhere
        (root / "soapbuild.toml").write_text(case.settings.replace("{root}", str(root)),
                                             "utf-8")
    (root / CLEAN_NOTE).write_bytes(CLEAN)
    for name, entry in case.files.items():
        path = root / os.fsdecode(name.encode("utf-8", "surrogateescape"))
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(entry, bytes):
            path.write_bytes(entry)
        elif isinstance(entry, Link):
            path.symlink_to(entry.target.replace("{outside}", str(outside)))
        elif isinstance(entry, Fifo):
            os.mkfifo(path)
        elif isinstance(entry, Folder):
            path.mkdir(exist_ok=True)
        elif isinstance(entry, Socket):
            with socket.socket(socket.AF_UNIX) as bound:
                bound.bind(str(path))
    return root


def _note_cases() -> Iterator[Case]:
    """Notes whose content is hostile: YAML, encodings, Unicode, sizes, nesting, markup."""
    def case(name: str, data: bytes, *codes: str, exits: tuple[int, ...] = (0, 1)) -> Case:
        return Case(f"note-{name}", "note", {HOSTILE_NOTE: data},
                    Expect(exits, frozenset(codes)))

    yaml = [
        ("yaml-python-tag", "client: !!python/object/apply:os.system ['echo pwned']"),
        ("yaml-binary-tag", "client: !!binary aGVsbG8="),
        ("yaml-custom-tag", "client: !secret C-1"),
        ("yaml-alias-bomb", "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                            "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c]\n"
                            "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e]"),
        ("yaml-alias-value", "client: &id C-1\nclinician: *id"),
        ("yaml-merge-key", "base: &b {client: C-1}\n<<: *b"),
        ("yaml-complex-key", "? [client, x]\n: C-1"),
        ("yaml-deep-flow", "goals: " + "[" * 2000 + "]" * 2000),
        ("yaml-deep-mapping", "goals: " + "{a: " * 2000 + "b" + "}" * 2000),
        ("yaml-huge-list", "goals: [" + ", ".join(["x"] * 50_000) + "]"),
        ("yaml-tab-indent", "client:\n\t- C-1"),
        ("yaml-document-markers", "client: C-1\n...\n---\nclient: C-2"),
    ]
    for name, extra in yaml:
        yield case(name, (front()[:-4] + extra + "\n---\n" + BODY).encode("utf-8"))
    yield case("duplicate-keys", note(**{"client": "C-1\nclient: C-2"}), "F006")
    for name, value in [("impossible-date", "2026-02-30 15:00"), ("year-zero", "0000-01-01"),
                        ("year-9999", "9999-12-31 23:59"), ("year-10000", "10000-01-01 10:00"),
                        ("date-list", "[2026-11-21, 2026-11-22]"),
                        ("date-offset-absurd", "2026-11-21T15:00:00+99:00")]:
        yield case(name, note(session_date=value))
    yield case("submitted-before-session", note(submitted="1970-01-01 00:00"))
    for name, value in [("duration-negative", "-53"), ("duration-huge", "1" + "0" * 40),
                        ("duration-nan", ".nan"), ("duration-inf", ".inf"),
                        ("duration-float", "53.5e300")]:
        yield case(name, note(duration=value))
    yield case("nul-near-start", note() + b"\x00" * 16, "R003")
    yield case("nul-after-8kb", note(BODY + "x" * 9000 + "\x00 after\n"))
    yield case("invalid-utf8", note().replace(b"six", b"s\xffx"), "R002")
    yield case("mixed-latin1", note() + "Café".encode("latin-1"), "R002")
    yield case("utf16-le", "\ufeff".encode("utf-16-le") + note().decode().encode("utf-16-le"),
               "R002")
    yield case("utf16-be", "\ufeff".encode("utf-16-be") + note().decode().encode("utf-16-be"),
               "R002")
    yield case("utf32-le", "\ufeff".encode("utf-32-le") + note().decode().encode("utf-32-le"),
               "R002")
    yield case("utf32-be", "\ufeff".encode("utf-32-be") + note().decode().encode("utf-32-be"),
               "R002")
    yield case("double-bom", b"\xef\xbb\xbf\xef\xbb\xbf" + note())
    yield case("cesu-surrogate", note().replace(b"six", b"\xed\xa0\x80"), "R002")
    yield case("overlong-utf8", note().replace(b"six", b"\xc0\xaf"), "R002")
    yield case("empty", b"", "R004")
    yield case("whitespace-only", b" \n\t\r\n", "R004")
    yield case("bom-only", b"\xef\xbb\xbf", "R004")
    yield case("front-matter-unclosed", front()[:-4].encode() + BODY.encode())
    yield case("front-matter-only-dashes", b"---\n")
    yield case("too-large", note() + b"\n" * 1_000_001, "R008")
    yield case("bidi-override-client", note(client='"C-1\u202eevil"'))
    yield case("bidi-in-body", note(BODY.replace("six", "\u202esix\u202c\u2066x\u2069")))
    yield case("zero-width-heading", note(BODY.replace("## Plan", "## Pl\u200ban")))
    yield case("zero-width-client", note(client='"C-1\u200b"'), "F010")
    yield case("cyrillic-client", note(client="С-1"), "F010")
    yield case("line-100k", note(BODY + "word " * 20_000 + "\n"))
    yield case("value-100k", note(clinician="x" * 100_000))
    yield case("heading-100k", note("## " + "Plan" * 25_000 + "\n" + BODY))
    yield case("deep-blockquote", note(BODY + ">" * 5000 + " deep\n"))
    yield case("deep-list", note(BODY + "".join("  " * i + "- x\n" for i in range(1500))))
    yield case("deep-emphasis", note(BODY + "*" * 5000 + "a" + "*" * 5000 + "\n"))
    yield case("star-a-8000", note(BODY + "*a" * 8000 + "\n"))
    yield case("quotes-400kb", note(BODY + '"' * 400_000 + "\n"))
    yield case("brackets-50k", note(BODY + "[" * 50_000 + "\n"))
    yield case("backticks-50k", note(BODY + "`" * 50_000 + "\n"))
    yield case("link-defs-10k", note(BODY + "".join(f"[l{i}]: http://x/{i}\n"
                                                     for i in range(10_000))))
    yield case("table-wide", note(BODY + "|" + "a|" * 5000 + "\n|" + "-|" * 5000 + "\n"))
    yield case("headings-10k", note(BODY + "".join(f"## H{i}\ntext\n" for i in range(10_000))))
    yield case("raw-html-script", note(BODY + "<script>alert(1)</script><img src=x onerror=a>\n"))
    yield case("unclosed-comment", note(BODY + "<!-- never closed\n"))
    yield case("template-syntax", note(BODY + "{{ 7*7 }} {% include '/etc/passwd' %}\n",
                                       client='"{{ config }}"'))
    yield case("javascript-links", note(BODY + "[a](javascript:alert(1)) <javascript:alert(1)>"
                                        " ![i](data:text/html,<script>x</script>)\n"))
    yield case("line-endings-mixed", note().replace(b"\n", b"\r", 5).replace(b"\n", b"\r\n", 5))
    yield case("lone-cr", note().replace(b"\n", b"\r"))
    yield case("form-feeds", note(BODY.replace("\n\n", "\n\f\v\n")))
    yield case("noncharacters", note(BODY.replace("six", "\ufffe\uffff\U0010ffff")))
    yield case("control-chars", note(BODY.replace("six", "".join(map(chr, range(1, 32))))))
    yield case("zalgo", note(BODY.replace("six", "s" + "\u0301" * 5000 + "ix")))
    yield case("astral", note(BODY.replace("six", "\U0001f600" * 1000)))
    yield case("addendum-garbage-date", note(BODY + "\n## Addendum 99999-99-99 99:99\n"
                                             "Author: X\nReason: Y\n\nText.\n"))
    yield case("addenda-2000", note(BODY + "".join(
        f"\n## Addendum 2026-11-2{i % 5 + 1} 10:00\nAuthor: X\nReason: Y\n\nT{i}.\n"
        for i in range(2000))))
    yield case("suppression-malformed", note(BODY + "<!-- soapbuild: ignore[ -->\n"
                                             "<!-- soapbuild: ignore[ZZZ999] -->\n"))
    yield case("client-traversal", note(client='"../../../etc/passwd"'))
    yield case("client-dots", note(client='".."'))
    yield case("client-windows-names", note(client="CON"))
    yield case("client-newline", note(client='"C-1\\nC-2"'))
    yield case("client-nul", note(client='"C-1\\0"'))
    yield case("client-html", note(client='"<script>alert(1)</script>"',
                                   clinician="\"<img src=x onerror=alert(1)>\""))
    yield case("service-code-nul", note(service_code='"90837\\0"'))
    yield case("all-fields-lists", note(client="[a]", clinician="[b]", occurred="[c]",
                                        duration="[d]", service_code="[e]", submitted="[f]"))


def _layout_cases() -> Iterator[Case]:
    """Files and folders in odd shapes: names, links, pipes, sockets, loops."""
    def case(name: str, files: dict[str, Entry], *codes: str,
             command: tuple[str, ...] = ("check", "--format", "json"),
             exits: tuple[int, ...] = (0, 1), says: tuple[str, ...] = (),
             clean: bool = True) -> Case:
        return Case(f"layout-{name}", "layout", files, Expect(exits, frozenset(codes), says,
                                                             clean), command)

    yield case("name-with-newline", {"notes/C-1/a\nb.md": note()})
    yield case("name-with-dots", {"notes/C-1/..md": note(), "notes/C-1/a..b.md": note()})
    yield case("name-not-utf8", {"notes/C-1/x\udcff.md": note()}, "R001")
    yield case("name-255-bytes", {"notes/C-1/" + "n" * 252 + ".md": note()})
    yield case("folder-named-md", {"notes/C-1/folder.md": Folder()})
    yield case("fifo-named-md", {"notes/C-1/pipe.md": Fifo()}, "R001")
    yield case("socket-named-md", {"notes/C-1/sock.md": Socket()}, "R001")
    yield case("link-to-etc-passwd", {"notes/C-1/passwd.md": Link("/etc/passwd")}, "K003")
    yield case("link-to-outside-note", {"notes/C-1/out.md": Link("{outside}/secret.md")}, "K003")
    yield case("link-to-outside-folder", {"notes/C-2": Link("{outside}/folder")})
    yield case("link-loop", {"notes/C-1/a.md": Link("b.md"), "notes/C-1/b.md": Link("a.md")},
               "R001")
    yield case("link-to-itself", {"notes/C-1/self.md": Link("self.md")}, "R001")
    yield case("link-dangling", {"notes/C-1/gone.md": Link("nowhere.md")}, "R001")
    yield case("folder-link-loop", {"notes/C-1/up": Link("..")})
    yield case("plan-linked-outside", {"notes/C-1/plan.md": Link("{outside}/secret.md")},
               "K003")
    yield case("soapbuild-is-a-file", {".soapbuild": b"not a folder"},
               command=("build", "--no-pdf", "--now", NOW), exits=(2,),
               says=(".soapbuild: is a file",), clean=False)
    yield case("seals-dangling-link", {".soapbuild/seals.json": Link("{outside}/created.json")},
               command=("check", "--now", "2026-12-27 12:00"), exits=(2,),
               says=("leads outside the workspace",), clean=False)
    yield case("seals-garbage", {".soapbuild/seals.json": b"\x00\xff garbage"},
               exits=(2,), says=("cannot be read as a seal file",), clean=False)
    yield case("seals-deep-json", {".soapbuild/seals.json": b"[" * 100_000 + b"]" * 100_000},
               exits=(2,), says=("seal file",), clean=False)
    yield case("cache-linked-outside", {".soapbuild/cache": Link("{outside}/folder")},
               command=("build", "--no-pdf", "--now", NOW), exits=(2,),
               says=("leads outside the workspace",), clean=False)
    yield case("output-is-a-file", {"output": b"a file"},
               command=("build", "--no-pdf", "--now", NOW), exits=(2,),
               says=("not a plain folder",), clean=False)
    yield case("output-linked-outside", {"output": Link("{outside}/folder")},
               command=("build", "--no-pdf", "--now", NOW), exits=(2,),
               says=("leads outside the workspace",), clean=False)
    yield case("build-with-link-to-passwd", {"notes/C-1/passwd.md": Link("/etc/passwd")},
               command=("build", "--no-pdf", "--now", NOW), exits=(0,))
    yield case("build-with-fifo", {"notes/C-1/pipe.md": Fifo()},
               command=("build", "--no-pdf", "--now", NOW), exits=(0,))
    yield case("build-with-name-not-utf8", {"notes/C-1/x\udcff.md": note()},
               command=("build", "--no-pdf", "--now", NOW), exits=(0,))
    yield case("sarif-with-name-not-utf8", {"notes/C-1/x\udcff.md": note()},
               command=("check", "--format", "sarif", "--now", NOW), exits=(1,),
               says=("R001",), clean=False)
    yield case("build-with-link-loop", {"notes/C-1/a.md": Link("b.md"),
                                        "notes/C-1/b.md": Link("a.md")},
               command=("build", "--no-pdf", "--now", NOW), exits=(0,))
    yield case("build-with-4gb-note", {"notes/C-1/huge.md": b""},  # made sparse, see test
               command=("build", "--no-pdf", "--now", NOW), exits=(0,))


def _settings_cases() -> Iterator[Case]:
    """soapbuild.toml (and pyproject.toml) values that once raised or hung."""
    def case(name: str, settings: str, says: str, *,
             command: tuple[str, ...] = ("check", "--format", "json"),
             files: dict[str, Entry] | None = None) -> Case:
        return Case(f"settings-{name}", "settings", files or {},
                    Expect((2,), frozenset(), (says,), clean=False), command,
                    settings=SETTINGS + settings)

    for key, value in [("deadline_hours", "inf"), ("deadline_hours", "nan"),
                       ("deadline_hours", "1e300"), ("deadline_hours", "-1"),
                       ("due_soon_hours", "1e18"), ("edit_window_hours", "-inf"),
                       ("deadline_business_days", "100000000"),
                       ("deadline_business_days", "1e8")]:
        yield case(f"{key}-{value}", f"{key} = {value}\n", f"'{key}' must be")
    yield case("override-inf", '[deadline_overrides]\n"90837" = inf\n',
               "'deadline_overrides.90837' must be")
    yield case("section-empty", '[formats.soap]\nsections = [""]\n', "must name each section")
    yield case("section-newline", '[formats.soap]\nsections = ["a\\nb"]\n',
               "must name each section")
    yield case("vocabulary-term-string", '[vocabulary]\nextend = ["v.toml"]\n',
               "must be a [[term]] table", files={"v.toml": b'code = "U001"\nterm = "abc"\n'})
    yield case("vocabulary-lookaround", '[vocabulary]\nextend = ["v.toml"]\n',
               "cannot be matched in time linear", files={"v.toml": VOCABULARY.replace(
                   b"(a+)+b ", b"(?<!x)a ")})
    # patterns that backtrack for ever on the hostile note's words under Python's re
    yield Case("settings-vocabulary-backtracking", "settings", {
        "v.toml": VOCABULARY, HOSTILE_NOTE: note(BACKTRACKED)}, Expect((0, 1), frozenset({"J001"})),
        settings=SETTINGS + '[vocabulary]\nextend = ["v.toml"]\n')
    yield case("schedule-proc-environ", 'schedule = "/proc/self/environ"\n',
               "outside the workspace")
    yield case("output-is-notes", 'output_dir = "notes"\n', "overlaps",
               command=("build", "--no-pdf", "--now", NOW))
    yield case("notes-dir-outside", 'notes_dir = "../outside"\n', "inside the workspace")
    for name, zone in [("traversal", "../../etc/passwd"), ("nul", "America/New_York\\u0000"),
                       ("absolute", "/etc/localtime")]:
        yield Case(f"settings-timezone-{name}", "settings", {},
                   Expect((2,), frozenset(), ("time zone",), clean=False),
                   settings=f'timezone = "{zone}"\n')
    yield case("not-toml", "[[[ not toml\n", "soapbuild.toml")
    yield case("deep-toml-array", "x = " + "[" * 5000 + "]" * 5000 + "\n", "soapbuild.toml")
    yield case("settings-nul", "x = 1\x00\n", "soapbuild.toml")
    yield case("min-minutes-huge", '[service_codes.H0004]\nmin = 100000000000\n',
               "'service_codes.H0004.min' must be")
    yield Case("settings-absolute-notes-dir", "settings", {}, Expect((0,)),
               ("build", "--no-pdf", "--now", NOW),
               settings=SETTINGS + 'notes_dir = "{root}/notes"\n')
    yield Case("settings-pyproject-tool-number", "settings",
               {"pyproject.toml": b"[tool]\nsoapbuild = 1\n"},
               Expect((2,), says=("must be a table",), clean=False), settings=None)


def _template_cases() -> Iterator[Case]:
    """A workspace's templates folder: links out, includes of system files, broken syntax."""
    build = ("build", "--no-pdf", "--now", NOW)

    def case(name: str, files: dict[str, Entry], says: str) -> Case:
        return Case(f"template-{name}", "template", files,
                    Expect((2,), frozenset(), (says,), clean=False), build)

    yield case("style-linked-outside", {"templates/style.css": Link("{outside}/secret.txt")},
               "leads outside the workspace")
    yield case("pdf-template-linked-outside",
               {"templates/record_pdf.html": Link("{outside}/secret.txt")},
               "leads outside the workspace")
    yield case("folder-linked-outside", {"templates/partials": Link("{outside}/folder")},
               "leads outside the workspace")
    yield case("include-system-file", {"templates/note.html": b"{% include '/etc/passwd' %}"},
               "cannot render")
    yield case("syntax-error", {"templates/note.html": b"{% for %}"}, "cannot render")
    yield case("self-include", {"templates/note.html": b"{% include 'note.html' %}"},
               "cannot render")
    yield case("undefined-variable", {"templates/note.html": b"{{ no_such_thing.x }}"},
               "cannot render")


def _schedule_cases() -> Iterator[Case]:
    """Schedule files (CSV and iCalendar) that are malformed, enormous or not files."""
    def case(name: str, data: Entry, says: str, file: str = "schedule.csv") -> Case:
        return Case(f"schedule-{name}", "schedule", {file: data},
                    Expect((2,), frozenset(), (says,), clean=False),
                    settings=SETTINGS + f'schedule = "{file}"\n')

    header = b"client,clinician,session_date\n"
    yield case("csv-unclosed-quote", header + b'"C-1,J,2026-11-20 15:00\nC-1,J,2026-11-21 15:00\n',
               "no quotation mark closes")
    yield case("csv-nul", header + b"C-1,J,2026-11-20\x00 15:00\n", "schedule.csv")
    yield case("csv-no-header", b"C-1,J,2026-11-20 15:00\n", "header")
    yield case("csv-huge-field", header + b"C-1,J," + b"9" * 200_000 + b"\n", "schedule.csv")
    yield case("csv-not-utf8", header + b"C-\xff,J,2026-11-20 15:00\n", "schedule.csv")
    yield case("schedule-fifo", Fifo(), "schedule.csv")
    yield case("schedule-folder", Folder(), "schedule.csv")
    yield case("schedule-linked-outside", Link("{outside}/secret.txt"), "outside the workspace")

    def ics(*events: str) -> bytes:
        body = "".join(f"BEGIN:VEVENT\r\n{e}END:VEVENT\r\n" for e in events)
        return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n{body}END:VCALENDAR\r\n" \
            .encode()

    def event(uid: str, start: str, rule: str = "") -> str:
        return (f"UID:{uid}\r\nDTSTART:{start}\r\n{rule}SUMMARY:S\r\n"
                "X-SOAPBUILD-CLIENT:C-1\r\n")

    yield case("ics-secondly", ics(event("a", "20260101T100000", "RRULE:FREQ=SECONDLY\r\n")),
               "FREQ", "schedule.ics")
    yield case("ics-interval-zero", ics(event("a", "20260101T100000",
                                               "RRULE:FREQ=DAILY;INTERVAL=0\r\n")),
               "INTERVAL", "schedule.ics")
    yield case("ics-series-explosion", ics(*(event(f"s{i}", f"20000101T{9 + i % 8:02d}0000",
                                                    "RRULE:FREQ=DAILY\r\n") for i in range(8))),
               "more than 50000 sessions", "schedule.ics")
    yield case("ics-one-series-too-long", ics(event("a", "19000101T100000",
                                                     "RRULE:FREQ=DAILY\r\n")),
               "repeats more than", "schedule.ics")
    yield case("ics-malformed", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:garbage\r\n",
               "schedule.ics", "schedule.ics")
    yield Case("schedule-ics-year-one", "schedule",
               {"schedule.ics": ics(event("a", "00010101T100000"))}, Expect((0, 1)),
               settings=SETTINGS + 'schedule = "schedule.ics"\n')


def all_cases() -> list[Case]:
    cases = [*_note_cases(), *_layout_cases(), *_settings_cases(), *_template_cases(),
             *_schedule_cases()]
    names = [case.id for case in cases]
    duplicated = {name for name in names if names.count(name) > 1}
    if duplicated:
        raise ValueError(f"case ids used twice: {sorted(duplicated)}")
    return cases


#: What a case's setup does beyond its files (a sparse 4 GB file costs no disk).
EXTRA: dict[str, Callable[[Path], None]] = {
    "layout-build-with-4gb-note": lambda root: os.truncate(root / "notes/C-1/huge.md", 4 << 30),
}

ALLOWED_WRITES = ("output", ".soapbuild")
"""The only folders of a workspace a command may create or change files in."""
