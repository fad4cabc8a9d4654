"""Commands that sign a note or put its locked text right: submit, attest, cosign,
restore, retire. Each changes a note (or the seal log) and nothing else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from soapbuild.cli.options import now_option, run_in


def _signing(name: str, who: str, doc: str) -> click.Command:  # submit, attest, cosign
    @click.command(name, help=doc)
    @click.argument("notes", nargs=-1, required=True, type=click.Path(path_type=Path))
    @click.option("--as", "signer", metavar='"NAME, CREDENTIAL"', help=f"Sign as {who} "
                  "[default: their credential in soapbuild.toml; never guessed].")
    @now_option()
    @click.pass_obj
    def command(directory: Path, /, notes: tuple[Path, ...], **options: Any) -> None:
        run_in(name, directory, options["now_text"], notes, options["signer"])

    return command


submit = _signing("submit", "the note's clinician",
                  "Sign notes off: refuse a note with errors, else stamp 'submitted' and "
                  "'signed_by' (author, credential), nothing else.")
attest = _signing("attest", "the note's clinician",
                  "Sign notes submitted without a signature: append the author's dated "
                  "signature attestation, changing nothing else.")
cosign = _signing("cosign", "the clinician's supervisor",
                  "Co-sign notes as the author's supervisor (cosigned_by, cosigned); refuses "
                  "anyone else and unsigned or flawed notes.")


@click.command()
@click.argument("notes", nargs=-1, required=True, type=click.Path(path_type=Path))
@now_option()
@click.pass_obj
def restore(directory: Path, notes: tuple[Path, ...], now_text: str | None) -> None:
    """Put a locked note's text back (or a deleted one); the change becomes a draft addendum."""
    run_in("restore", directory, now_text, notes)


@click.command()
@click.argument("note", type=click.Path(path_type=Path))
@click.option("--reason", required=True, help="Why the note never belonged in the record.")
@now_option()
@click.pass_obj
def retire(directory: Path, note: Path, reason: str, now_text: str | None) -> None:
    """Record that a deleted locked note is gone on purpose, and why (ends K002)."""
    run_in("retire", directory, now_text, note, reason)
