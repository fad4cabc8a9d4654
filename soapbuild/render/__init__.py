"""``soapbuild build``: the record and the report as HTML (and PDF) in ``output/``.

The steps, in order (the CLI runs the check between the first two):

1. :func:`build_key`: one hash of everything a build reads (every note's bytes,
   the settings, the vocabulary and schedule files, the templates, soapbuild's
   own code, "now" and the options). When it equals the last complete build's
   key and every file that build wrote is still as written, the output is up
   to date: nothing is checked or rendered (:func:`up_to_date`).
2. Otherwise :func:`render_site` plans every page with the inputs it is made
   from (:mod:`.pages`), makes only the pages whose inputs' hash changed or
   whose file is gone, into a staging folder, then commits them with atomic
   renames and removes the pages of deleted notes (:mod:`.output`). The key
   it records is the key of the notes as the check read them, not as they
   were in step 1: an editor may save between the two, and the pages and the
   manifest must come from the same bytes (issue 8: a page once kept the text
   of a save that the next builds took as up to date).

The check that feeds step 2 is the same as ``soapbuild check`` (seals of newly
locked notes are recorded too), so the record shows exactly what ``check``
reports.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from soapbuild.cache.keys import (
    digest,
    disk_digests,
    file_digest,
    input_parts,
    package_fingerprint,
)
from soapbuild.settings import Settings

if TYPE_CHECKING:
    from soapbuild.checker import CheckRun
    from soapbuild.render.pages import LockedView, Page
    from soapbuild.render.templates import Templates

BUILD_FORMAT = 1  # bump when the meaning of the cache changes
MANIFEST = Path(".soapbuild") / "cache" / "build.json"
LOCK = Path(".soapbuild") / "cache" / "build.lock"

Progress = Callable[[int, int], None]


class PdfMode(StrEnum):
    """What a build does with the PDF records."""

    MAKE = "make"  # build, watch --pdf: make each client's PDF
    DROP = "drop"  # build --no-pdf: none, and those of an earlier build go (out of date)
    KEEP = "keep"  # watch: none made; those already there stay, linked, marked if out of date


class BuildError(Exception):
    """The build could not complete; the previous output is unchanged unless ``changed``
    (the pages moved in, but their record could not be written)."""

    def __init__(self, message: str, *, changed: bool = False) -> None:
        super().__init__(message)
        self.changed = changed


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build did."""

    folder: Path
    files: int
    made: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    up_to_date: bool = False
    summary: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    stale: bool = False  # a note changed after the check read it: build again


def output_folder(settings: Settings) -> Path:
    return settings.root / settings.output_dir


# --- step 1: the key of a build, and the up-to-date check -------------------------------


@cache  # read once per process: code edited under a running process is not its code
def code_fingerprint() -> str:
    """soapbuild's own code and data: a new version (or a local edit) rebuilds everything.
    By each file's path, size and modification time, as the cache names its entries
    (:func:`~soapbuild.cache.keys.package_fingerprint`): reading every module to hash it
    cost an up-to-date build a tenth of its time."""
    return package_fingerprint()


def build_key(settings: Settings, now_key: str, pdf: str,
              read: Mapping[str, str] | None = None, code: str | None = None) -> str:
    """One hash of every input of a build except the seals (see :func:`final_key`), HEAD
    included (the notes' history in git).

    ``now_key`` is the fixed "now" of the run (``--now``) or something unique for
    a run judged at the clock's time, since findings depend on the time; ``pdf``
    what the build does with PDFs (:class:`PdfMode`). The notes are hashed as
    they are on disk now, or, given ``read`` (the check's
    :attr:`~soapbuild.checker.CheckRun.read`), as the check read them: that is
    the key a build records, so that its pages and its manifest come from the
    same bytes. A note saved after the check read it then makes the next key
    differ, and the next build makes its page again. ``code`` is
    :func:`code_fingerprint`, when the caller has it already.
    """
    from soapbuild.render.template_files import TemplateFiles  # no Jinja2: issue 15

    parts = [f"format {BUILD_FORMAT}", code or code_fingerprint(), f"pdf {pdf}",
             *input_parts(settings, now_key, disk_digests(settings) if read is None else read)]
    templates = TemplateFiles(settings)
    for name in sorted(templates.all_names()):
        parts.append(f"template {name} {templates.file_hash(name)}")
    return digest(*parts)


def final_key(settings: Settings, key: str) -> str:
    """The build key with the seals as the check left them.

    A seal recorded by this build's check is the hash of the text just checked,
    so checking again against it finds the same; taking the seals after the
    check lets the next build see the output as up to date.
    """
    from soapbuild.history.seals import SEALS_FILE

    return digest(key, file_digest(settings.root / SEALS_FILE))


def up_to_date(settings: Settings, key: str) -> BuildResult | None:
    """The result of the last build when nothing changed since (else ``None``)."""
    from soapbuild.render.output import Output

    started = time.perf_counter()
    output = Output(output_folder(settings), settings.root / MANIFEST)
    if not output.up_to_date(final_key(settings, key)):
        return None
    output.clean()
    return BuildResult(output.folder, len(output.previous.files), up_to_date=True,
                       summary=output.previous.summary,
                       seconds=time.perf_counter() - started)


def lock(settings: Settings,
         waiting: Callable[[str], None] | None = None) -> AbstractContextManager[None]:
    """Hold this around a whole build: one build of a workspace at a time (a second waits,
    and ``waiting`` is told so; :mod:`soapbuild.filelocks`).

    Raises :class:`BuildError` when the cache folder is a file or a link out of the
    workspace (the build would write there); entering raises
    :class:`soapbuild.filelocks.LockHeld` when the lock stays held too long.
    """
    from soapbuild.confined import OutsideWorkspace, own_folder
    from soapbuild.filelocks import workspace_lock

    try:
        own_folder(settings.root, LOCK.parent)
    except OSError as error:
        reason = str(error) if isinstance(error, OutsideWorkspace) else error.strerror
        raise BuildError(f"cannot use the build cache: {reason}") from None
    return workspace_lock(settings.root, LOCK.stem, "building the output", waiting)


# --- step 2: rendering -------------------------------------------------------------------


def _input_hash(templates: Templates, page: Page, code: str) -> str:
    fingerprint = templates.fingerprint(*page.templates)
    return digest(code, page.kind, fingerprint,
                   json.dumps(page.inputs, sort_keys=True, ensure_ascii=False, default=repr))


def kept_pdf(output: Any, templates: Templates) -> Callable[[Page], bool | None]:
    """The planner's ``keep`` for PDFs a build does not make (:attr:`PdfMode.KEEP`): whether
    the one in ``output`` (a :class:`~soapbuild.render.output.Output`) is made from the
    same inputs, from others, or absent (None)."""
    code = code_fingerprint()

    def keep(page: Page) -> bool | None:
        path = output.folder / page.name
        if path.is_symlink() or not path.is_file():
            return None
        return bool(output.current(page.name, _input_hash(templates, page, code)))

    return keep


def render_site(settings: Settings, run: CheckRun, report: Any, now: datetime, *,
                pdf: PdfMode, key: str, pdf_skipped: str | None = None,
                progress: Progress | None = None) -> BuildResult:
    """Render every page whose inputs changed, then commit them to the output folder.

    ``report`` is the :class:`soapbuild.report.aggregate.Report` of ``run.sessions``;
    ``key`` the build's key from the notes as the check read them
    (:func:`build_key` with ``read``). ``pdf_skipped`` is why PDFs were wanted
    but cannot be made here; it is kept in the summary, so that the next build
    (up to date or not) says it again. Raises :class:`BuildError` (the output
    folder is then as it was before).
    """
    from soapbuild.model.findings import Severity
    from soapbuild.render.markdown import MarkdownRenderer
    from soapbuild.render.output import ManifestNotWritten, Output, OutputError
    from soapbuild.render.pages import Planner, Site, plan_summaries, report_view
    from soapbuild.render.templates import Templates
    from soapbuild.report.formats import report_csv, report_json

    started = time.perf_counter()
    templates = Templates(settings)
    output = Output(output_folder(settings), settings.root / MANIFEST)
    code = code_fingerprint()

    site = Site.create(run.sessions, run.notes, now, pdf, locked_views(run, settings),
                       plan_summaries(run.plans, run.sessions, settings, now, run.findings))
    planner = Planner(site, templates, MarkdownRenderer.create(), kept_pdf(output, templates))
    shown = report_view(report, site)
    pages = [planner.stylesheet(), planner.dashboard(shown), planner.report_page(shown),
             *planner.client_pages(), *(planner.note_page(s) for s in site.sessions),
             *planner.rule_pages(settings.rules_severity, settings.rules_ignore)]
    data = {"report.json": json.dumps(report_json(report), indent=2, ensure_ascii=False) + "\n",
            "report.csv": report_csv(report)}

    names = {page.name for page in pages} | set(data) | set(planner.kept)
    todo = []
    for page in pages:
        inputs = _input_hash(templates, page, code)
        if not output.current(page.name, inputs):
            todo.append((page, inputs))
    pending = {name: digest(text) for name, text in data.items()
               if not output.current(name, digest(text))}
    summary = {
        "notes": len(site.sessions),
        "clients": len(site.by_client()),
        "errors": run.count(Severity.ERROR),
        "warnings": run.count(Severity.WARNING),
        "info": run.count(Severity.INFO),
        **({"pdf_skipped": pdf_skipped} if pdf_skipped else {}),
    }
    try:
        output.start()
        for name, inputs in pending.items():
            output.write(name, inputs, data[name].encode("utf-8"))
        _write_pages(todo, output, progress)
        removed = output.commit(names, final_key(settings, key), summary)
    except OutputError as error:
        output.abort()
        raise BuildError(str(error), changed=isinstance(error, ManifestNotWritten)) from None
    except OSError as error:
        output.abort()
        raise BuildError(f"cannot write the output: {error}") from None
    except BaseException:
        output.abort()
        raise
    made = tuple(sorted([*pending, *(page.name for page, _ in todo)]))
    return BuildResult(output.folder, len(names), made, tuple(removed), summary=summary,
                       seconds=time.perf_counter() - started)


# The fewest pages worth a worker per core (soapbuild.workers), PDFs aside: a client's
# PDF takes a second or more, so two of them are worth it.
PARALLEL_PAGES = 64


def _write_pages(todo: list[tuple[Page, str]], output: Any, progress: Progress | None) -> None:
    """Write the pages to their staging files, on every core when there are enough: the
    PDFs first, longest first, one at a time per worker (they are long and uneven), then
    the rest."""
    from soapbuild.workers import spread

    targets = {page.name: output.target(page.name, inputs) for page, inputs in todo}
    # Longest first (by the size of what goes in): a long record started last would
    # keep one core busy while the others have nothing left (LPT scheduling).
    heavy = sorted((page for page, _ in todo if page.kind == "pdf"),
                   key=lambda page: -len(repr(page.inputs)))
    light = [page for page, _ in todo if page.kind != "pdf"]
    done = 0
    for pages, least, chunk in ((heavy, 2, 1), (light, PARALLEL_PAGES, None)):
        def write(number: int, pages: list[Page] = pages) -> str | None:
            import jinja2

            page = pages[number]
            try:
                page.write(targets[page.name])
            except jinja2.TemplateError as error:
                return _template_problem(page.name, error)
            except RecursionError:  # a template that includes or extends itself
                return (f"cannot render {page.name}: it nests too deeply (a template that "
                        "includes or extends itself)")
            return None

        for problem in spread(write, len(pages), least, chunk):
            if problem is not None:
                raise BuildError(problem)
            done += 1
            if progress is not None:
                progress(done, len(todo))


def locked_views(run: CheckRun, settings: Settings) -> dict[str, LockedView]:
    """The notes with a K001 finding as the record shows them: their locked text (parsed)
    and what changed, by session path."""
    from soapbuild.history.lock import LockState, check_lock, normalized
    from soapbuild.model.parse import parse_note
    from soapbuild.render.markdown import note_text
    from soapbuild.render.pages import LockedView

    views: dict[str, LockedView] = {}
    zone = settings.timezone
    for session in run.sessions:
        note = run.notes.get(session.path)
        if note is None or not any(f.code == "K001" for f in session.findings):
            continue
        record = run.ledger.lock(note.key)
        if record is None:
            continue
        verdict = check_lock(note, record)
        if verdict.state is LockState.APPENDED:
            text: str | None = normalized(note.source.text)[:record.length]
        elif verdict.state is LockState.CHANGED:
            text = record.text
        else:
            continue
        parsed = parse_note(text.encode("utf-8", "surrogatepass"), session.path,
                            dict(settings.formats), note.key).note if text is not None else None
        locked = (f"{record.locked_at.astimezone(zone):%Y-%m-%d %H:%M}" if record.locked_at
                  else record.evidence)
        views[session.path] = LockedView(note_text(parsed) if parsed is not None else None,
                                         locked, verdict.hunks,
                                         verdict.state is LockState.APPENDED)
    return views


def _template_problem(page: str, error: Exception) -> str:
    import jinja2

    where = ""
    if isinstance(error, jinja2.TemplateSyntaxError):
        where = f" ({error.filename or error.name}, line {error.lineno})"
    elif isinstance(error, jinja2.TemplateNotFound):
        where = f" (template {error.name!r} not found)"
    return f"cannot render {page}: {error}{where}"
