#!/usr/bin/env python3
"""How long an editor waits for findings: a change notification to published diagnostics.

A real client (pytest-lsp's) starts ``soapbuild lsp`` over stdio in a workspace of
generated notes (benchmarks/gen_corpus.py; the reference is 10,000 notes, seed 2), opens
a 300-line note, waits until the server has read the workspace (its second publication
of the note, after the background reading), then types: each round sends one
incremental ``textDocument/didChange`` (a word typed, or taken away again) and times
until the ``textDocument/publishDiagnostics`` of that version arrives. The median is
the figure; the target is under 50 ms. For scale, the same note's parse floor (front
matter with libyaml and the body with markdown-it, nothing else) is timed in this
process and the median is also given as a ratio to it.

    python benchmarks/bench_lsp.py [--corpus DIR | --count 10000 --seed 2] [--rounds 60]

--corpus takes a folder of notes gen_corpus.py wrote (generating 10,000 takes minutes);
they are hard-linked (or copied) into a temporary workspace's notes folder.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import yaml
from lsprotocol import types as lsp
from markdown_it import MarkdownIt
from pytest_lsp import LanguageClient, make_test_lsp_client

HERE = Path(__file__).resolve().parent
NOW = "2024-12-31 12:00"
LINES = 300
FM = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?\n", re.S | re.M)


def workspace(corpus: Path, into: Path) -> Path:
    """A workspace of the corpus's notes (hard links where the file system allows)."""
    notes = into / "notes"
    notes.mkdir(parents=True)
    for file in sorted(corpus.glob("*.md")):
        try:
            os.link(file, notes / file.name)
        except OSError:
            shutil.copy(file, notes / file.name)
    (into / "soapbuild.toml").write_text('timezone = "America/New_York"\n', "utf-8")
    return into


def long_note(corpus: Path, seed: int = 7) -> str:
    """A note of LINES lines: a corpus note's front matter, its sections filled with
    paragraphs of other notes, wrapped at 80 columns as an editor would keep them."""
    files = sorted(corpus.glob("*.md"))
    chooser = random.Random(seed)
    first = files[0].read_text("utf-8")
    front = FM.match(first)
    assert front is not None
    paragraphs = [p for file in chooser.sample(files, 40)
                  for p in file.read_text("utf-8")[FM.match(file.read_text("utf-8")).end():]
                  .split("\n\n") if p.strip() and not p.startswith("#")]
    sections = ["Subjective", "Objective", "Assessment", "Plan"]
    lines = ["---", *front.group(1).splitlines(), "---", ""]
    per_section = (LINES - len(lines)) // len(sections)
    for name in sections:
        lines += [f"## {name}", ""]
        end = len(lines) + per_section - 2
        while len(lines) < end - 1:
            lines += [*textwrap.wrap(chooser.choice(paragraphs), 80), ""]
        del lines[end:]
    return "\n".join(lines[:LINES]) + "\n"


def floor(text: str, repeat: int = 20) -> float:
    """The parse floor of one note: libyaml front matter and markdown-it body, median s."""
    parser = MarkdownIt("commonmark", {"html": False})
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        match = FM.match(text)
        assert match is not None
        yaml.load(match.group(1), Loader=yaml.CSafeLoader)
        parser.parse(text[match.end():])
        times.append(time.perf_counter() - start)
    return statistics.median(times)


async def published(client: LanguageClient, uri: str, version: int | None,
                    timeout: float) -> lsp.PublishDiagnosticsParams:
    """The next publication for ``uri`` (of ``version`` when given)."""
    while True:
        params = await asyncio.wait_for(client.protocol.wait_for_notification_async(
            lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), timeout)
        if params.uri == uri and (version is None or params.version == version):
            return params


async def measure(root: Path, note: Path, rounds: int,
                  ) -> tuple[list[float], int, float, float]:
    client = make_test_lsp_client()
    await client.start_io(sys.executable, "-m", "soapbuild", "lsp",
                          env={**os.environ, "SOAPBUILD_NOW": NOW})
    client.feature(lsp.CLIENT_REGISTER_CAPABILITY)(lambda ls, params: None)
    await client.initialize_session(lsp.InitializeParams(
        lsp.ClientCapabilities(), root_uri=root.as_uri()))
    uri, text = note.as_uri(), note.read_text("utf-8")
    started = time.perf_counter()
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(
        lsp.TextDocumentItem(uri, "markdown", 1, text)))
    await published(client, uri, 1, 600)
    await published(client, uri, 1, 600)  # again once the workspace's notes are read
    ready = time.perf_counter() - started
    line = text.split("\n").index("## Assessment") + 2
    server = client._server.pid if client._server else None
    cpu_before = cpu_seconds(server)
    times = []
    findings = 0
    for version in range(2, rounds + 2):
        typed = version % 2 == 0  # type " really" after the first word, then take it away
        where = lsp.Position(line, 6)
        change = lsp.TextDocumentContentChangePartial(
            lsp.Range(where, where if typed else lsp.Position(line, 13)),
            " really" if typed else "")
        start = time.perf_counter()
        client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            lsp.VersionedTextDocumentIdentifier(version, uri), [change]))
        result = await published(client, uri, version, 60)
        times.append(time.perf_counter() - start)
        findings = len(result.diagnostics)
    cpu = (cpu_seconds(server) - cpu_before) / len(times)
    await client.shutdown_session()
    await client.stop()
    return times, findings, ready, cpu


def cpu_seconds(pid: int | None) -> float:
    """The CPU time (user + system) a process has used, from /proc (Linux; 0 elsewhere):
    what the server spends per edit, whatever else the machine is doing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text("ascii").rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, help="a folder of notes gen_corpus.py wrote")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-lsp-") as scratch:
        corpus = args.corpus
        if corpus is None:
            corpus = Path(scratch) / "corpus"
            subprocess.run([sys.executable, str(HERE / "gen_corpus.py"), str(corpus), "--count",
                            str(args.count), "--seed", str(args.seed)], check=True)
        root = workspace(corpus, Path(scratch) / "workspace")
        text = long_note(corpus)
        note = root / "notes" / "C-9999_long.md"
        note.write_text(text, "utf-8")
        notes = sum(1 for _ in (root / "notes").glob("*.md"))
        times, findings, ready, cpu = asyncio.run(measure(root, note, args.rounds))
        base = floor(text)
    median = statistics.median(times)
    ordered = sorted(times)
    print(f"workspace: {notes:,} notes; the note: {text.count(chr(10))} lines, "
          f"{len(text):,} characters, {findings} findings")
    print(f"first diagnostics with the workspace read: {ready:.1f} s after opening")
    print(f"didChange -> publishDiagnostics over {len(times)} edits: median "
          f"{median * 1000:.1f} ms, 90th percentile {ordered[int(len(ordered) * 0.9)] * 1000:.1f}"
          f" ms, range {ordered[0] * 1000:.1f}-{ordered[-1] * 1000:.1f} ms (target < 50 ms)")
    print(f"server CPU per edit: {cpu * 1000:.1f} ms; load average {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} cores")
    print(f"the note's parse floor: {base * 1000:.2f} ms; median / floor = {median / base:.1f}x")
    return 0 if median < 0.050 else 1


if __name__ == "__main__":
    sys.exit(main())
