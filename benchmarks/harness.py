"""Time whole processes, alternating, and describe the machine they ran on.

benchmarks/run.py states each figure as a ratio to a baseline measured in the
same run: on a shared or slow machine absolute times swing with the load, but
two commands run turn about (A B A B …, never all A then all B) feel the same
load, so their ratio holds. Each command is a new process, timed from start to
exit, so interpreter start-up and imports count as a user pays them; its CPU
time and peak memory come from the kernel's accounting of that child
(``os.wait4``), not from sampling. Linux carries the memory of the process
that started the child into its peak (exec keeps the high-water mark of the
copy it replaces), so a peak below this harness's own size (about 30 MiB)
reads as that size: the figure is true for the large processes it is meant for.
"""

from __future__ import annotations

import datetime
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

PACKAGES = ("soapbuild", "click", "markdown-it-py", "PyYAML", "Jinja2", "weasyprint",
            "watchdog", "python-frontmatter", "proselint", "mkdocs")


class MeasureFailed(Exception):
    """A timed command exited with a code it should not have; the message holds its stderr."""


@dataclass(frozen=True, slots=True)
class Sample:
    """One run of one command."""

    wall: float  # seconds, start to exit
    cpu: float  # user + system seconds of the child
    peak_mib: float  # the child's peak resident memory (ru_maxrss)


@dataclass(frozen=True, slots=True)
class Spread:
    """Median and range of several values."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(statistics.median(values), min(values), max(values))


@dataclass
class Measure:
    """A command to time, where, and what to reset before each run.

    ``prepare`` runs untimed before every run (for example, empty the cache for
    a cold check). ``ok`` lists the exit codes that mean the command did its job
    (``check`` exits 1 when it finds errors, which the corpus has on purpose);
    ``verify`` runs after each run and raises MeasureFailed when the run did not
    do what the figure assumes.
    """

    name: str
    command: list[str]
    cwd: Path
    prepare: Callable[[], None] | None = None
    ok: tuple[int, ...] = (0,)
    env: dict[str, str] = field(default_factory=dict)
    verify: Callable[[], None] | None = None

    def shown(self, aliases: Mapping[str, str] | None = None) -> str:
        """The command as a person would type it in ``cwd``.

        ``aliases`` maps a leading part of a word (a folder) to what to show instead.
        """
        words = []
        for word in self.command:
            if word == sys.executable:
                word = "python"
            for prefix, alias in (aliases or {}).items():
                if word.startswith(prefix):
                    word = alias + word[len(prefix):]
            words.append(word)
        return shlex.join(words)


def run_once(measure: Measure, logs: Path) -> Sample:
    """Run ``measure`` once; raises MeasureFailed on an exit code not in ``measure.ok``."""
    if measure.prepare is not None:
        measure.prepare()
    logs.mkdir(parents=True, exist_ok=True)
    out_path, err_path = logs / f"{measure.name}.out", logs / f"{measure.name}.err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        child = subprocess.Popen(measure.command, cwd=measure.cwd, stdout=out, stderr=err,
                                 stdin=subprocess.DEVNULL, env={**os.environ, **measure.env})
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait again
    if child.returncode not in measure.ok:
        tail = err_path.read_text("utf-8", "replace")[-2000:]
        raise MeasureFailed(f"{measure.name}: exit {child.returncode} from "
                            f"{measure.shown()} (in {measure.cwd})\n{tail}")
    if measure.verify is not None:
        measure.verify()
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def alternate(measures: Sequence[Measure], repeat: int, warmup: int, logs: Path,
              report: Callable[[str], None] = print) -> dict[str, list[Sample]]:
    """Run the measures in turn, ``repeat`` rounds after ``warmup`` untimed ones.

    Within a round the measures run in the order given, so one that depends on
    the state another leaves (a check with nothing changed after a cold one)
    follows it.
    """
    samples: dict[str, list[Sample]] = {measure.name: [] for measure in measures}
    for round_number in range(-warmup, repeat):
        label = "warm-up" if round_number < 0 else f"round {round_number + 1}/{repeat}"
        for measure in measures:
            sample = run_once(measure, logs)
            report(f"  {label:<12} {measure.name:<20} {sample.wall:8.2f} s wall "
                   f"{sample.cpu:8.2f} s cpu {sample.peak_mib:7.0f} MiB")
            if round_number >= 0:
                samples[measure.name].append(sample)
    return samples


# --- the machine -------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text("utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text("utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError):
        pass
    return "unknown"


def _versions() -> str:
    found = []
    for name in PACKAGES:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def _revision(repo: Path) -> str:
    try:
        done = subprocess.run(["git", "-C", str(repo), "describe", "--always", "--dirty"],
                              capture_output=True, text=True, check=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip()


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def byte_compile() -> str:
    """Compile soapbuild's modules to bytecode before timing anything, and say so.

    ``pip install .`` compiles a package's modules when it installs them, and an editable
    install writes them on its first import, unless ``PYTHONDONTWRITEBYTECODE`` is set
    (as it is on some CI machines and sandboxes): then every run compiles every module it
    imports from source again, ~70 ms that no installed soapbuild pays, charged against
    baselines whose modules are compiled. compileall writes them whatever that says.
    """
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("soapbuild")
    if spec is None or spec.origin is None:
        return "soapbuild not found"
    package = Path(spec.origin).parent
    compileall.compile_dir(str(package), quiet=1)
    unset = "unset" if not os.environ.get("PYTHONDONTWRITEBYTECODE") else "set"
    return f"compiled before timing (PYTHONDONTWRITEBYTECODE {unset})"


def machine(repo: Path) -> list[tuple[str, str]]:
    """What the figures were measured on, as (label, value) lines."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    return [
        ("date", datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")),
        ("CPU", f"{_cpu_model()}; {os.cpu_count()} cores, {usable} usable by this run"),
        ("RAM", _memory_gib()),
        ("system", f"{platform.system()} {platform.release()}"),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("packages", _versions()),
        ("soapbuild revision", _revision(repo)),
        ("load average at start (1 / 5 / 15 min)", load()),
    ]
