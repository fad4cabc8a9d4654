#!/usr/bin/env python3
"""soapbuild's performance, every row of issue 15's Targets table, as ratios measured in one run.

    python benchmarks/run.py [--quick] [--rows KEY ...] [--repeat N] [--count 10000]
                             [--small-count 1000] [--pdf-count 200] [--seed 2]
                             [--small-seed 1] [--out benchmarks/RESULTS.md] [--work DIR]

Generates the corpora (benchmarks/gen_corpus.py) into a temporary folder once,
then times whole processes, turn about (see harness.py): soapbuild's commands
and, in the same rounds, what each is judged against: the parse floor
(benchmarks/floor_parse.py: read, split the front matter, parse the Markdown,
nothing else, in one process), an interpreter importing click, yaml and
markdown_it (what any hook written with them pays), WeasyPrint alone in one
process on the same record HTML, and, with the ``bench`` extra installed
(``pip install -e '.[bench]'``), proselint 0.16 and MkDocs 1.6 on the same
notes. Prints the table and writes it, with the machine it ran on and every
command, to RESULTS.md. ``--quick`` is a smoke run (small corpora, one round);
its figures mean little. Exit 0 when every row was measured (met or not), 1
when a command failed.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench_build import rendered
from harness import Measure, MeasureFailed, Sample, Spread, alternate, byte_compile, load, machine
from watch_latency import WatchFailed, save_latencies

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
NOW = "2025-01-15 12:00"  # a fixed "now": findings, and so what is cached, depend on it
SETTINGS = 'timezone = "America/New_York"\n'
PEERS = "not installed: pip install -e '.[bench]'"
GIT_USER = ["-c", "user.name=Benchmark", "-c", "user.email=bench@example.invalid",
            "-c", "commit.gpgsign=false"]

Samples = dict[str, list[Sample]]


@dataclass(frozen=True, slots=True)
class Sizes:
    large: int
    small: int
    pdf: int
    seed: int
    small_seed: int
    saves: int


# --- the workspaces ----------------------------------------------------------------------


def generate(workspace: Path, count: int, seed: int) -> None:
    """A workspace of ``count`` generated notes in notes/, with a soapbuild.toml."""
    if not (workspace / "notes").is_dir():
        partial = workspace / "notes.partial"
        shutil.rmtree(partial, ignore_errors=True)
        subprocess.run([sys.executable, str(HERE / "gen_corpus.py"), str(partial),
                        "--count", str(count), "--seed", str(seed)], check=True,
                       capture_output=True)
        partial.rename(workspace / "notes")
    (workspace / "soapbuild.toml").write_text(SETTINGS, "utf-8")


def copy_workspace(source: Path, target: Path) -> None:
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copytree(source / "notes", target / "notes")
    shutil.copy2(source / "soapbuild.toml", target / "soapbuild.toml")


def clearer(*folders: Path) -> Callable[[], None]:
    """Empty these folders before a run (a cold start: no cache, no earlier output)."""
    def clear() -> None:
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
    return clear


def git(repository: Path, *args: str) -> None:
    subprocess.run(["git", *GIT_USER, *args], cwd=repository, check=True, capture_output=True)


def hook_repository(source: Path, target: Path) -> None:
    """A git repository of the notes, all committed, one note changed and staged.

    The hook is installed as users install it; a check before the timing leaves
    whatever a workspace that has been checked before holds (its cache).
    """
    copy_workspace(source, target)
    (target / ".gitignore").write_text("output/\n.soapbuild/cache/\n", "utf-8")
    git(target, "init", "-q")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "notes")
    subprocess.run([sys.executable, "-m", "soapbuild", "hook", "install"], cwd=target,
                   check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "soapbuild", "check", "--now", NOW], cwd=target,
                   check=False, capture_output=True)
    notes = sorted((target / "notes").rglob("*.md"))
    note = notes[len(notes) // 2]
    note.write_text(note.read_text("utf-8").replace(
        "## Plan\n", "## Plan\n\nReviewed the plan together before the session ended.\n", 1),
        "utf-8")
    git(target, "add", note.relative_to(target).as_posix())


def mkdocs_config(workspace: Path, site: Path) -> None:
    """MkDocs over the same notes, with a one-page nav (the others are built, not listed)."""
    first = sorted((workspace / "notes").rglob("*.md"))[0].relative_to(workspace / "notes")
    (workspace / "mkdocs.yml").write_text(
        "site_name: soapbuild benchmark\ndocs_dir: notes\n"
        f"site_dir: {site.as_posix()}\nnav:\n  - Home: {first.as_posix()}\n", "utf-8")


# --- the rows ----------------------------------------------------------------------------


def walls(name: str) -> Callable[[Samples], list[float]]:
    return lambda samples: [s.wall for s in samples[name]]


def cpus(name: str) -> Callable[[Samples], list[float]]:
    return lambda samples: [s.cpu for s in samples[name]]


def pdf_step(samples: Samples) -> list[float]:
    """soapbuild's PDF step: a cold build with PDFs less the cold build without, per round."""
    return [a.wall - b.wall for a, b in zip(samples["build-pdf-cold"],
                                            samples["build-nopdf-cold"], strict=True)]


def pdf_step_cpu(samples: Samples) -> list[float]:
    return [a.cpu - b.cpu for a, b in zip(samples["build-pdf-cold"],
                                          samples["build-nopdf-cold"], strict=True)]


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the Targets table: what is measured against what, and the target.

    ``kind`` says how the figure is made from the two series, round by round:
    ``ratio`` soapbuild / baseline (target: at most ``limit``), ``faster``
    baseline / soapbuild (at least ``limit``), ``ms`` and ``MiB`` soapbuild's own
    figure (at most ``limit``).
    """

    key: str
    title: str
    kind: str
    limit: float
    measures: tuple[str, ...]
    subject: Callable[[Samples], list[float]]
    baseline: Callable[[Samples], list[float]] | None = None
    subject_cpu: Callable[[Samples], list[float]] | None = None
    baseline_cpu: Callable[[Samples], list[float]] | None = None
    peers: tuple[str, ...] = ()

    def target(self) -> str:
        return {"ratio": f"≤ {self.limit:g}×", "faster": f"≥ {self.limit:g}× faster",
                "ms": f"≤ {self.limit:g} ms", "MiB": f"≤ {self.limit:g} MiB"}[self.kind]

    def figures(self, subject: list[float], baseline: list[float] | None) -> list[float]:
        if baseline is None:
            return subject
        if self.kind == "faster":
            return [b / s for s, b in zip(subject, baseline, strict=True)]
        return [s / b for s, b in zip(subject, baseline, strict=True)]

    def met(self, figure: float) -> bool:
        return figure >= self.limit if self.kind == "faster" else figure <= self.limit


def versus(key: str, title: str, kind: str, limit: float, subject: str, baseline: str,
           peers: tuple[str, ...] = ()) -> Row:
    """A row that sets one command's time against another's, round by round."""
    return Row(key, title, kind, limit, (baseline, subject), walls(subject), walls(baseline),
               cpus(subject), cpus(baseline), peers)


def rows(sizes: Sizes) -> list[Row]:
    large, small, pdf = f"{sizes.large:,}", f"{sizes.small:,}", f"{sizes.pdf:,}"
    scale = round(1.1 * sizes.large / sizes.small, 2)  # 10× the notes in at most 11× the time
    return [
        versus("check-floor", f"`check`, cold, {large} notes, against the one-process parse "
               "floor", "ratio", 0.8, "check-large-cold", "floor-large"),
        versus("check-proselint", f"`check`, cold, {small} notes, against proselint 0.16 "
               "(`proselint check notes`)", "faster", 20, "check-small-cold", "proselint-small",
               peers=("proselint",)),
        versus("check-unchanged", f"`check`, nothing changed, {large} notes, against the cold "
               "check", "ratio", 0.1, "check-large-warm", "check-large-cold"),
        versus("hook", f"hook (`soapbuild check --staged`), one staged note in a {large}-note "
               'git repository, against `python -c "import click, yaml, markdown_it"`',
               "ratio", 1.5, "hook", "import-line"),
        versus("build-floor", f"`build --no-pdf`, cold, {small} notes, against the parse floor",
               "ratio", 2, "build-small-cold", "floor-small"),
        versus("build-mkdocs", f"`build --no-pdf`, cold, {small} notes, against MkDocs 1.6 "
               "with a one-page nav", "faster", 5, "build-small-cold", "mkdocs-small",
               peers=("mkdocs",)),
        versus("build-unchanged", f"`build --no-pdf`, nothing changed, {small} notes, against "
               "the cold build", "ratio", 0.05, "build-small-warm", "build-small-cold"),
        Row("pdf", f"PDF records, {pdf} notes (`build` less `build --no-pdf`, cold), against "
            "WeasyPrint in one process on the same HTML", "faster", 1.6,
            ("build-nopdf-cold", "build-pdf-cold", "weasyprint"), pdf_step,
            walls("weasyprint"), pdf_step_cpu, cpus("weasyprint")),
        Row("watch", f"`watch`: save to rebuilt page, {small}-note workspace, median of "
            f"{sizes.saves} saves", "ms", 150, ("watch",),
            lambda samples: [s.wall * 1000 for s in samples["watch"]]),
        versus("scaling-check", f"scaling {small} → {large} notes, `check` (cold) time ratio",
               "ratio", scale, "check-large-cold", "check-small-cold"),
        versus("scaling-build", f"scaling {small} → {large} notes, `build --no-pdf` (cold) "
               "time ratio", "ratio", scale, "build-large-cold", "build-small-cold"),
        Row("memory", f"peak memory, `check` of {large} notes (cold)", "MiB", 250,
            ("check-large-cold",),
            lambda samples: [s.peak_mib for s in samples["check-large-cold"]]),
    ]


# --- the measures ------------------------------------------------------------------------


def soapbuild(*args: str) -> list[str]:
    return [sys.executable, "-m", "soapbuild", *args]


def floor_command(floor_fm: str) -> list[str]:
    return [sys.executable, str(HERE / "floor_parse.py"), "notes", "--fm", floor_fm,
            "--body", "parse"]


def nothing_rendered(stdout: Path) -> Callable[[], None]:
    """After an unchanged build: it must have rendered nothing, or the row means nothing."""
    def verify() -> None:
        if rendered(stdout.read_text("utf-8")) != 0:
            raise MeasureFailed(f"an unchanged rebuild rendered pages:\n{stdout.read_text()}")
    return verify


def measures(work: Path, floor_fm: str, logs: Path) -> dict[str, Measure]:
    """Every timed command, by name, in the order a round runs them.

    Each command runs next to the one it is set against (a scaling pair's small
    check follows the large checks), so that the two see the same load.
    """
    large, small, pdf = work / "large", work / "small", work / "pdf"
    check = soapbuild("check", "notes", "--format", "json", "--now", NOW)
    build = soapbuild("build", "--no-pdf", "--now", NOW)
    cold_large = clearer(large / ".soapbuild" / "cache")
    return {m.name: m for m in [
        Measure("floor-large", floor_command(floor_fm), large),
        Measure("check-large-cold", check, large, cold_large, ok=(0, 1)),
        Measure("check-large-warm", check, large, ok=(0, 1)),
        Measure("check-small-cold", check, small, clearer(small / ".soapbuild" / "cache"),
                ok=(0, 1)),
        Measure("proselint-small", [sys.executable, "-m", "proselint", "check", "notes"], small,
                ok=(0, 1)),
        Measure("import-line", [sys.executable, "-c", "import click, yaml, markdown_it"], work),
        Measure("hook", soapbuild("check", "--staged"), work / "hook", ok=(0, 1)),
        Measure("floor-small", floor_command(floor_fm), small),
        Measure("build-small-cold", build, small,
                clearer(small / "output", small / ".soapbuild" / "cache")),
        Measure("build-small-warm", build, small,
                verify=nothing_rendered(logs / "build-small-warm.out")),
        Measure("mkdocs-small", [sys.executable, "-m", "mkdocs", "build", "-q", "-f",
                                 "mkdocs.yml"], small, clearer(work / "mkdocs-site")),
        Measure("build-large-cold", build, large,
                clearer(large / "output", large / ".soapbuild" / "cache")),
        Measure("build-nopdf-cold", build, pdf,
                clearer(pdf / "output", pdf / ".soapbuild" / "cache")),
        Measure("build-pdf-cold", soapbuild("build", "--pdf", "--now", NOW), pdf,
                clearer(pdf / "output", pdf / ".soapbuild" / "cache")),
        Measure("weasyprint", [sys.executable, str(HERE / "pdf_records.py"), "render",
                               str(work / "pdf-html"), str(work / "pdf-alone")], work,
                clearer(work / "pdf-alone")),
    ]}


def prepare(work: Path, needed: set[str], sizes: Sizes, say: Callable[[str], None]) -> None:
    """Generate the corpora and set up the workspaces that the needed measures use."""
    uses = {"large": ("floor-large", "check-large-cold", "check-large-warm", "build-large-cold",
                      "hook"),
            "small": ("floor-small", "check-small-cold", "proselint-small", "build-small-cold",
                      "mkdocs-small", "watch"),
            "pdf": ("build-nopdf-cold", "build-pdf-cold", "weasyprint")}
    counts = {"large": (sizes.large, sizes.seed), "small": (sizes.small, sizes.small_seed),
              "pdf": (sizes.pdf, sizes.small_seed)}
    for name, users in uses.items():
        if needed & set(users):
            count, seed = counts[name]
            say(f"corpus: {count} notes, seed {seed} -> {work / name}")
            generate(work / name, count, seed)
            # The first check of a workspace outside git records the seals of its locked
            # notes; every later one reads them. Timed runs are all "later ones".
            subprocess.run(soapbuild("check", "--now", NOW), cwd=work / name, check=False,
                           capture_output=True)
    if "hook" in needed:
        say("hook: a git repository of the large corpus, one note staged")
        hook_repository(work / "large", work / "hook")
    if "mkdocs-small" in needed:
        mkdocs_config(work / "small", work / "mkdocs-site")
    if "weasyprint" in needed:
        say("pdf: capturing the record HTML that soapbuild hands WeasyPrint")
        shutil.rmtree(work / "pdf-html", ignore_errors=True)
        subprocess.run([sys.executable, str(HERE / "pdf_records.py"), "capture",
                        str(work / "pdf"), str(work / "pdf-html"), "--now", NOW],
                       check=True, capture_output=True)
    if "watch" in needed:
        copy_workspace(work / "small", work / "watch")


# --- the table ---------------------------------------------------------------------------


def seconds(spread: Spread, unit: str = "s") -> str:
    if unit == "ms":
        return f"{spread.median:.0f} ms ({spread.low:.0f}–{spread.high:.0f})"
    if unit == "MiB":
        return f"{spread.median:.0f} MiB ({spread.low:.0f}–{spread.high:.0f})"
    return f"{spread.median:.2f} s ({spread.low:.2f}–{spread.high:.2f})"


def factor(spread: Spread, kind: str) -> str:
    text = f"{spread.median:.2f}× ({spread.low:.2f}–{spread.high:.2f})"
    return text.replace("×", "× faster", 1) if kind == "faster" else text


def table_row(row: Row, samples: Samples, missing: str | None) -> list[str]:
    """The cells: measure, soapbuild, baseline, result, CPU-time result, target, met."""
    if missing is not None:
        return [row.title, "—", "—", missing, "—", row.target(), "not measured"]
    subject = row.subject(samples)
    baseline = row.baseline(samples) if row.baseline else None
    unit = row.kind if row.kind in ("ms", "MiB") else "s"
    result = Spread.of(row.figures(subject, baseline))
    if baseline is None:
        shown = seconds(result, unit)
        return [row.title, shown, "—", shown, "—", row.target(),
                "yes" if row.met(result.median) else "no"]
    cpu = "—"
    if row.subject_cpu and row.baseline_cpu:
        cpu_figures = row.figures(row.subject_cpu(samples), row.baseline_cpu(samples))
        cpu = f"{statistics.median(cpu_figures):.2f}×"
    return [row.title, seconds(Spread.of(subject)), seconds(Spread.of(baseline)),
            factor(result, row.kind), cpu, row.target(),
            "yes" if row.met(result.median) else "no"]


HEADER = ["measure", "soapbuild", "baseline", "result (median, min–max)", "CPU-time result",
          "target", "met"]


def markdown_table(cells: list[list[str]]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join(lines)


def results_file(cells: list[list[str]], facts: list[tuple[str, str]], chosen: list[Row],
                 timed: dict[str, Measure], work: Path, arguments: list[str], rounds: int,
                 floor_fm: str) -> str:
    """RESULTS.md: the machine, the table, and how each figure was made."""
    command = " ".join(["python benchmarks/run.py", *arguments])
    lines = ["# soapbuild benchmark results", "",
             f"Measured by `{command}`. Every figure is the median of {rounds} round(s), "
             "with the lowest and highest in brackets; each round runs every command once, "
             "turn about, as a new process timed from start to exit (issue 15; method in "
             "benchmarks/harness.py). A ratio is taken round by round, so both sides of it "
             "ran under the same load. \"CPU-time result\" is the same ratio of the "
             "processes' user + system time, steadier than wall time on a busy machine but "
             "blind to work spread over cores. Peak memory is the child's ru_maxrss, which "
             "Linux never reports below the harness's own size (about 30 MiB).", "",
             "## Machine", ""]
    lines += [f"- {label}: {value}" for label, value in facts]
    lines += ["", "## Results", "", markdown_table(cells), "", "## Commands", "",
              "Run in a workspace holding `notes/` and a `soapbuild.toml` (`timezone = "
              "\"America/New_York\"`); `large`, `small` and `pdf` are the generated corpora "
              "(benchmarks/gen_corpus.py) in a scratch folder WORK, `hook` a git repository of "
              "the large one with one "
              f"note changed and staged and the hook installed. The parse floor splits the "
              f"front matter with `--fm {floor_fm}`. A cold run starts with no "
              "`.soapbuild/cache/` (and no `output/` for a build).", "",
              "| name | command | in |", "|---|---|---|"]
    used = sorted({name for row in chosen for name in row.measures} - {"watch"},
                  key=list(timed).index)
    aliases = {f"{REPO}{os.sep}": "", str(work): "WORK"}
    for name in used:
        place = timed[name].cwd
        where = "WORK" if place == work else place.name
        lines.append(f"| {name} | `{timed[name].shown(aliases)}` | {where} |")
    if any(row.key == "watch" for row in chosen):
        lines.append("| watch | `python -m soapbuild watch --port 0 --now ...`; save one note, "
                     "GET its page from 127.0.0.1 every 20 ms until it shows the new text | "
                     "watch (a copy of small) |")
    return "\n".join(lines) + "\n"


# --- main --------------------------------------------------------------------------------


def options(argv: list[str] | None) -> argparse.Namespace:
    keys = [row.key for row in rows(Sizes(10000, 1000, 200, 2, 1, 7))]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: small corpora (100, 40 and 5 notes), one round")
    parser.add_argument("--rows", nargs="+", choices=keys, metavar="KEY",
                        help=f"only these rows: {', '.join(keys)}")
    parser.add_argument("--repeat", type=int, help="rounds (default 3; 1 with --quick)")
    parser.add_argument("--warmup", type=int,
                        help="untimed rounds first (default 0: each workspace is checked once "
                             "before timing, which records its seals and warms the disk cache)")
    parser.add_argument("--count", type=int, help="notes of the large corpus (default 10000)")
    parser.add_argument("--small-count", type=int, help="notes of the small corpus (1000)")
    parser.add_argument("--pdf-count", type=int,
                        help="notes of the PDF corpus, 20 a client (default 200)")
    parser.add_argument("--seed", type=int, default=2, help="seed of the large corpus")
    parser.add_argument("--small-seed", type=int, default=1,
                        help="seed of the small and PDF corpora")
    parser.add_argument("--saves", type=int, help="saves timed by the watch row (7; 2 quick)")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md",
                        help="where to write the results (default benchmarks/RESULTS.md)")
    parser.add_argument("--work", type=Path,
                        help="keep the corpora in this folder and reuse them next time "
                             "(default: a temporary folder, removed at the end)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = options(argv)
    quick = args.quick
    sizes = Sizes(args.count or (100 if quick else 10000),
                  args.small_count or (40 if quick else 1000),
                  args.pdf_count or (5 if quick else 200), args.seed, args.small_seed,
                  args.saves or (2 if quick else 7))
    repeat = args.repeat or (1 if quick else 3)
    warmup = args.warmup if args.warmup is not None else 0
    if importlib.util.find_spec("soapbuild") is None:
        print("soapbuild is not installed: pip install -e .", file=sys.stderr)
        return 2
    floor_fm = "frontmatter" if importlib.util.find_spec("frontmatter") else "regex"
    chosen = [row for row in rows(sizes) if args.rows is None or row.key in args.rows]
    missing = {row.key: PEERS for row in chosen
               if any(importlib.util.find_spec(peer) is None for peer in row.peers)}
    measured = [row for row in chosen if row.key not in missing]
    needed = {name for row in measured for name in row.measures}
    facts = machine(REPO)
    facts.append(("soapbuild's bytecode", byte_compile()))

    temporary = None
    if args.work is None:
        temporary = tempfile.TemporaryDirectory(prefix="soapbuild-bench-")
        work = Path(temporary.name)
    else:
        work = args.work.resolve()
        work.mkdir(parents=True, exist_ok=True)
    say = print
    started = time.perf_counter()
    try:
        prepare(work, needed, sizes, say)
        logs = work / "logs"
        timed = measures(work, floor_fm, logs)
        order = [timed[name] for name in timed if name in needed]
        say(f"timing {len(order)} commands, {warmup} warm-up and {repeat} timed round(s)")
        samples = alternate(order, repeat, warmup, logs, say)
        if "watch" in needed:
            say(f"watch: {sizes.saves} saves in a {sizes.small}-note workspace")
            samples["watch"] = [Sample(seconds, 0.0, 0.0) for seconds in
                                save_latencies(work / "watch", sizes.saves, NOW)]
    except (MeasureFailed, WatchFailed, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", None)
        print(f"benchmark failed: {error}\n{detail or ''}", file=sys.stderr)
        return 1
    finally:
        if temporary is not None:
            temporary.cleanup()
    facts.append(("load average at end (1 / 5 / 15 min)", load()))
    facts.append(("duration", f"{(time.perf_counter() - started) / 60:.1f} min"))
    if quick:
        facts.append(("note", "a --quick smoke run: small corpora, one round; not a result"))
    cells = [table_row(row, samples, missing.get(row.key)) for row in chosen]
    print()
    print(markdown_table(cells))
    arguments = sys.argv[1:] if argv is None else argv
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(results_file(cells, facts, chosen, timed, work, arguments,
                                           repeat, floor_fm),
                        "utf-8")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
