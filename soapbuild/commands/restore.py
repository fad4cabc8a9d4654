"""``soapbuild restore NOTE``: a locked note's text back, its change kept as a draft addendum.

A locked note changed in place (K001) is rewritten as the text it locked with
(from its commit in git, from the original kept beside the seals outside git),
followed by a draft addendum that holds every line the change removed and added,
word for word in fenced blocks, for the clinician to rewrite as a correction,
date and sign. So nothing of what was typed is lost, and the note is a complete
record again once the addendum is dated and signed. A locked note that was
deleted (K002) is written back where it was. Writes are atomic, and a note that
changes on disk while soapbuild works on it is left alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import click

from soapbuild.commands.check import run_checks
from soapbuild.console import UsageProblem
from soapbuild.history.lock import Hunk, LockState, changes, check_lock, normalized
from soapbuild.settings import Settings

DRAFT_HEADING = "## Addendum (draft: date this heading and sign it)"


@dataclass(frozen=True, slots=True)
class Restored:
    """What happened to one note: ``done`` (written), ``kept`` (nothing to do) or ``refused``."""

    path: str
    outcome: str
    message: str


def draft_addendum(hunks: Sequence[Hunk], when: str) -> str:
    """The draft addendum that carries a change out of the locked text, word for word."""
    parts = [DRAFT_HEADING, "Author:", "Reason:", "",
             f"<!-- soapbuild restore, {when}: these changes were made to the note after it "
             "locked, without an addendum, and the locked text is back above. Write the "
             "correction below in your own words, date the heading with the day and time you "
             "write it, fill in Author and Reason, and delete this comment and what you do not "
             "keep. -->", ""]
    for hunk in hunks:
        where = f" ({hunk.section})" if hunk.section else ""
        if hunk.removed:
            parts += [f"At line {hunk.locked_line}{where}, the locked note reads:", "",
                      *_fenced(hunk.removed), ""]
        if hunk.added:
            said = "was changed to" if hunk.removed else f"had this added at line {hunk.line}"
            parts += [f"After it locked, it {said}:", "", *_fenced(hunk.added), ""]
        elif hunk.removed:
            parts += ["After it locked, this was deleted.", ""]
    return "\n".join(parts).rstrip("\n") + "\n"


def _fenced(lines: Sequence[str]) -> list[str]:
    """Lines in a fenced block whose fence no line can close."""
    longest = max((len(line) - len(line.lstrip("~")) for line in lines), default=0)
    fence = "~" * max(3, longest + 1)
    return [f"{fence}text", *lines, fence]


def restored_text(locked: str, hunks: Sequence[Hunk], when: str) -> str:
    """The locked text, then the draft addendum (LF line ends)."""
    return normalized(locked) + "\n\n" + draft_addendum(hunks, when)


def _encoded(text: str, like: bytes) -> bytes:
    """``text`` with the line ends and BOM of the file it replaces."""
    if b"\r\n" in like:
        text = text.replace("\n", "\r\n")
    data = text.encode("utf-8", "surrogatepass")
    return (b"\xef\xbb\xbf" + data) if like.startswith(b"\xef\xbb\xbf") else data


def restore_notes(directory: Path, settings: Settings, now: datetime,
                  notes: Sequence[Path]) -> list[Restored]:
    """Restore each note (see the module docstring)."""
    from soapbuild.atomic import ChangedOnDisk, create_new, read_snapshot, replace_file
    from soapbuild.discover import display_path, workspace_key
    from soapbuild.model.raw import MAX_NOTE_BYTES

    run = run_checks(directory, settings, now)
    by_key = {note.key: note for note in run.notes.values() if note.key is not None}
    deleted = {gone.key: gone for gone in run.ledger.deleted}
    when = f"{now.astimezone(settings.timezone):%Y-%m-%d %H:%M}"
    results = []
    for name in notes:
        target = directory / name
        shown = display_path(target, directory)
        key = workspace_key(target, settings.root)
        if key is None:
            raise UsageProblem(f"{target}: not inside the workspace ({settings.root})")
        if not target.exists():
            gone = deleted.get(key)
            if gone is None:
                raise UsageProblem(f"{target}: no such note, and no locked note of that name "
                                   "was deleted")
            if gone.text is None:
                results.append(Restored(shown, "refused", "only the hash of its locked text "
                                        "was kept, so it cannot be written back; restore it "
                                        "from a backup"))
                continue
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                create_new(target, gone.text.encode("utf-8", "surrogatepass"))
            except OSError as error:
                results.append(Restored(shown, "refused", f"cannot write it ({error})"))
                continue
            results.append(Restored(shown, "done", "written back as it was locked"))
            continue
        note, record = by_key.get(key), run.ledger.lock(key)
        if note is None or record is None:
            results.append(Restored(shown, "kept", "not locked, so there is nothing to restore"))
            continue
        verdict = check_lock(note, record)
        if verdict.state in (LockState.UNCHANGED, LockState.EXTENDED):
            results.append(Restored(shown, "kept", "unchanged since it locked"))
            continue
        if record.text is None:
            results.append(Restored(shown, "refused", "only the hash of its locked text was "
                                    "kept, so soapbuild cannot write it back; restore it from "
                                    "a backup or version control"))
            continue
        hunks = verdict.hunks if verdict.state is LockState.APPENDED else changes(
            record.text, note)
        try:
            snapshot = read_snapshot(target, MAX_NOTE_BYTES)
            replace_file(snapshot, _encoded(restored_text(record.text, hunks, when),
                                            snapshot.data))
        except ChangedOnDisk:
            results.append(Restored(shown, "refused", "the file changed on disk while soapbuild "
                                    "read it; nothing was written, run 'soapbuild restore' "
                                    "again"))
            continue
        except OSError as error:
            results.append(Restored(shown, "refused", f"cannot write it ({error})"))
            continue
        count = sum(max(len(h.removed), len(h.added)) for h in hunks)
        results.append(Restored(shown, "done",
                                f"the locked text is back; {count} changed line"
                                f"{'' if count == 1 else 's'} moved into a draft addendum at "
                                "the end: date it, sign it (Author, Reason) and write the "
                                "correction"))
    return results


def restore(directory: Path, settings: Settings, now: datetime, notes: Sequence[Path]) -> int:
    """Exit 0 when every note is restored (or needed nothing), 1 when one was refused."""
    from soapbuild.commands.common import held

    with held(settings, "notes", "writing a note"):
        results = restore_notes(directory, settings, now, notes)
    for result in results:
        verb = {"done": "restored", "kept": "nothing to restore in",
                "refused": "not restored:"}[result.outcome]
        click.echo(f"{verb} {result.path}: {result.message}")
    return 1 if any(r.outcome == "refused" for r in results) else 0
