"""Wrappers around the third-party validators the test suite checks output with.

soapbuild's SARIF and HTML output is checked by the reference tools rather than
by our own assertions, because a hand-written check only proves what its author
thought the format was.  The tools are pinned in ``tools/package.json`` and
installed by ``npm ci --prefix tools`` (``.ci/run`` does this):

* ``@microsoft/sarif-multitool-linux``: the SARIF Multitool, whose ``validate``
  verb checks a log against the SARIF 2.1.0 schema and the spec's own rules.
* ``vnu-jar``: the W3C Nu HTML Checker, run with the machine's ``java``
  (Java 17 or newer).
* ``axe-core``: the accessibility engine whose ``axe.min.js`` the browser tests
  inject into Chromium.

Some tests also need Chromium (driven by Playwright) or a WeasyPrint that can
load Pango. :func:`missing` says in one line what is missing and how to get it;
a test declares what it needs with ``@pytest.mark.needs("vnu", ...)`` (names in
:data:`NEEDS`), and the helpers below raise :class:`ToolMissing` with the same
line. tests/conftest.py turns both into a skip on a machine without the tools
(the README's test command passes there), and into a failure when
``SOAPBUILD_REQUIRE_TOOLS=1`` is set, as ``.ci/run`` does: CI installs every
tool, so there a missing one is a broken setup, never a silently green run.

``SOAPBUILD_TOOLS_DIR`` names another ``node_modules`` folder to take the npm
tools from (the skip test points it at an empty one).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "AXE_MIN_JS",
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "NEEDS",
    "SARIF_MULTITOOL",
    "SARIF_SCHEMA",
    "TOOLS_DIR",
    "VNU_JAR",
    "ToolMissing",
    "axe_core_source",
    "missing",
    "validate_html",
    "validate_sarif",
    "without_root_override",
]

REPO = Path(__file__).resolve().parents[1]
TOOLS_DIR = Path(os.environ.get("SOAPBUILD_TOOLS_DIR") or REPO / "tools" / "node_modules")

#: The self-contained .NET executable inside the npm package (x86-64 Linux).
#: It is called directly rather than through the package's ``bin.js`` so that
#: no Node.js process and no shell sit between us and its exit code.
SARIF_MULTITOOL = TOOLS_DIR / "@microsoft" / "sarif-multitool-linux" / "Sarif.Multitool"
#: The SARIF 2.1.0 JSON schema that ships with the Multitool.
SARIF_SCHEMA = TOOLS_DIR / "@microsoft" / "sarif-multitool-linux" / "sarif-2.1.0.json"
VNU_JAR = TOOLS_DIR / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_MIN_JS = TOOLS_DIR / "axe-core" / "axe.min.js"

#: The system's Chromium (Debian's package); Playwright's own browser download is never used.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-gpu"]

_INSTALL_HINT = "run `bash .ci/run`, which installs it"

#: Generous: each call takes about 1-2 s here, but CI machines can be busy.
DEFAULT_TIMEOUT = 300.0


class ToolMissing(RuntimeError):
    """A program or library a test needs is not installed; the message is one line."""


def _shown(path: Path | str) -> str:
    path = Path(path)
    return path.relative_to(REPO).as_posix() if path.is_relative_to(REPO) else str(path)


def _file(path: Path, what: str) -> str | None:
    return None if path.is_file() else f"{what} is missing ({_shown(path)}): {_INSTALL_HINT}"


def _vnu() -> str | None:
    if shutil.which("java") is None:
        return f"Java (17 or newer, for the W3C HTML checker) is missing: {_INSTALL_HINT}"
    return _file(VNU_JAR, "the W3C HTML checker")


def _sarif() -> str | None:
    problem = _file(SARIF_MULTITOOL, "the SARIF Multitool")
    if problem is None and not os.access(SARIF_MULTITOOL, os.X_OK):
        # npm runs the package's `chmod u+x` postinstall only when install scripts are
        # allowed, and older npm versions drop the tarball's exec bit; .ci/run does the chmod.
        problem = (f"the SARIF Multitool is not executable: run `chmod u+x "
                   f"{_shown(SARIF_MULTITOOL)}` (`bash .ci/run` does)")
    return problem


def _axe() -> str | None:
    return _file(AXE_MIN_JS, "axe-core")


def _chromium() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is missing: python3 -m pip install -e '.[test]'"
    if not Path(CHROMIUM).is_file():
        return f"Chromium is missing ({CHROMIUM}): {_INSTALL_HINT}"
    return None


def _pango() -> str | None:
    from soapbuild.render.pdf import unavailable

    reason = unavailable()
    return None if reason is None else f"{reason}: {_INSTALL_HINT}"


def _read_only() -> str | None:
    """A folder made read-only must refuse writes: as root only without CAP_DAC_OVERRIDE,
    which util-linux's setpriv drops (see :func:`without_root_override`)."""
    if os.name != "posix" or os.geteuid() != 0 or shutil.which("setpriv"):
        return None
    return ("running as root, a read-only folder is writable unless util-linux's setpriv "
            "drops CAP_DAC_OVERRIDE: apt-get install util-linux")


def without_root_override(command: Sequence[str]) -> list[str]:
    """``command`` run so that file permissions bind it: as root, through setpriv without
    the capabilities that let root write anywhere; otherwise as it is."""
    if os.name == "posix" and os.geteuid() == 0:
        drop = "-dac_override,-dac_read_search,-fowner"
        return ["setpriv", f"--inh-caps={drop}", f"--bounding-set={drop}", "--", *command]
    return list(command)


#: What a test can declare with ``@pytest.mark.needs(...)``.
NEEDS: dict[str, Callable[[], str | None]] = {
    "vnu": _vnu, "sarif": _sarif, "axe": _axe, "chromium": _chromium, "pango": _pango,
    "read-only": _read_only}


@cache
def missing(need: str) -> str | None:
    """One line saying what is missing for ``need`` (a key of NEEDS) and how to get it, or None."""
    return NEEDS[need]()


def require(need: str) -> None:
    """Raise :class:`ToolMissing` when ``need`` (a key of NEEDS) is not installed."""
    problem = missing(need)
    if problem is not None:
        raise ToolMissing(problem)


def _run(
    cmd: Sequence[str],
    *,
    timeout: float,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a tool with captured output, turning a hang or a missing binary into RuntimeError."""
    try:
        return subprocess.run(
            list(cmd),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(
            f"{cmd[0]} did not finish within {timeout:g} s: {' '.join(cmd)}"
        ) from exc
    except OSError as exc:  # not executable, wrong architecture, ...
        raise RuntimeError(f"could not run {cmd[0]}: {exc}") from exc


def _describe(proc: subprocess.CompletedProcess[str]) -> str:
    return (
        f"exit code {proc.returncode}\n"
        f"--- stdout ---\n{proc.stdout[-4000:]}\n"
        f"--- stderr ---\n{proc.stderr[-4000:]}"
    )


# --------------------------------------------------------------------------- SARIF

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{(\d+)\}")


def _format_message_string(template: str, arguments: Sequence[Any]) -> str:
    """Fill a SARIF message string (``{0}`` placeholders, ``{{``/``}}`` escapes; SARIF §3.11.5)."""

    def substitute(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        index = int(match.group(1))
        return str(arguments[index]) if index < len(arguments) else token

    return _PLACEHOLDER.sub(substitute, template)


def _rule_for(result: Mapping[str, Any], rules: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    index = result.get("ruleIndex")
    if isinstance(index, int) and 0 <= index < len(rules):
        return rules[index]
    rule_id = result.get("ruleId")
    for rule in rules:
        if rule.get("id") == rule_id:
            return rule
    return {}


def _effective_level(result: Mapping[str, Any], rule: Mapping[str, Any]) -> str:
    """A result's level as SARIF §3.27.10 defines it when ``level`` is absent.

    The Multitool omits ``level`` on results whose rule defaults to a warning,
    so looking at ``result["level"]`` alone would misclassify them.
    """
    level = result.get("level")
    if isinstance(level, str):
        return level
    kind = result.get("kind", "fail")
    if kind != "fail":
        return "none"
    default_level = rule.get("defaultConfiguration", {}).get("level")
    return default_level if isinstance(default_level, str) else "warning"


def _result_text(result: Mapping[str, Any], rule: Mapping[str, Any]) -> str:
    message = result.get("message", {})
    if isinstance(message.get("text"), str):
        return str(message["text"])
    arguments = message.get("arguments", [])
    template = rule.get("messageStrings", {}).get(message.get("id", ""), {}).get("text")
    if isinstance(template, str):
        return _format_message_string(template, arguments)
    return f"{message.get('id', '?')} {arguments}"


def _result_location(result: Mapping[str, Any]) -> str:
    for location in result.get("locations", []):
        region = location.get("physicalLocation", {}).get("region", {})
        if "startLine" in region:
            column = region.get("startColumn")
            return (
                f"{region['startLine']}:{column}"
                if column is not None
                else str(region["startLine"])
            )
    return "?"


def _check_invocations(run: Mapping[str, Any], proc: subprocess.CompletedProcess[str]) -> None:
    """Fail loudly when the Multitool itself failed, as opposed to finding errors in the log."""
    for invocation in run.get("invocations", []):
        problems = [
            notification
            for key in ("toolExecutionNotifications", "toolConfigurationNotifications")
            for notification in invocation.get(key, [])
            if notification.get("level", "warning") == "error"
        ]
        if invocation.get("executionSuccessful") is False or problems:
            texts = [n.get("message", {}).get("text", json.dumps(n)) for n in problems]
            raise RuntimeError(
                f"SARIF Multitool did not complete the validation: {texts}\n{_describe(proc)}"
            )


def validate_sarif(path: Path, *, timeout: float = DEFAULT_TIMEOUT) -> list[str]:
    """Validate a SARIF 2.1.0 log with the SARIF Multitool; return its error messages.

    An empty list means the log is valid.  Each message reads
    ``"<path>:<line>:<column>: <ruleId>: <text>"``, for example
    ``"out.sarif:1:1: JSON1002: root: The required property 'version' is missing."``.
    Warnings and notes (such as SARIF2005, "tool does not provide informationUri")
    are style advice, not validity, and are not returned.

    Why it works the way it does:

    * The Multitool exits 0 whether or not the log has errors, so the exit code
      only tells whether the tool ran; the verdict is read from the SARIF log it
      writes with ``--output``, whose ``runs[0].results`` of level "error" are
      the errors.  This is sturdier than scraping its console output.
    * The input is copied to a temporary directory first: the Multitool treats
      its argument as a file specifier that may contain wildcards, and a
      private directory keeps parallel calls apart.
    * ``DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1`` lets the .NET binary run where
      libicu is not installed (without it, it aborts at start-up there).

    * Backstop: Multitool 5.7.0 reports *nothing at all* (not even its schema
      errors) for a log that its .NET object model cannot load, e.g. a value
      outside an enum (``"level": "bogus"``, ``"columnKind": "bogus"``) or a
      string ``startLine``.  So when it reports no error, the log is also
      checked with the ``jsonschema`` package against the SARIF 2.1.0 schema
      shipped in the same pinned npm package, and those errors are returned
      (as ``"<path>: schema: <json path>: <message>"``).
    """
    source = Path(path)
    if not source.is_file():
        raise FileNotFoundError(f"SARIF file to validate does not exist: {source}")
    require("sarif")
    executable = SARIF_MULTITOOL
    env = dict(os.environ)
    env["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1"
    env["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1"

    with tempfile.TemporaryDirectory(prefix="soapbuild-sarif-validate-") as tmp:
        workdir = Path(tmp)
        target = workdir / "input.sarif"
        shutil.copyfile(source, target)
        output = workdir / "validation.sarif"
        cmd = [
            str(executable),
            "validate",
            str(target),
            "--output",
            str(output),
            "--log",
            "ForceOverwrite",
            "--quiet",
        ]
        proc = _run(cmd, timeout=timeout, cwd=workdir, env=env)
        if proc.returncode != 0 or not output.is_file():
            raise RuntimeError(f"SARIF Multitool failed on {source}: {_describe(proc)}")
        try:
            log = json.loads(output.read_text(encoding="utf-8-sig"))
            run = log["runs"][0]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise RuntimeError(
                f"unreadable SARIF Multitool result log for {source}: {exc}\n{_describe(proc)}"
            ) from exc

    _check_invocations(run, proc)
    rules = run.get("tool", {}).get("driver", {}).get("rules", [])
    errors: list[str] = []
    for result in run.get("results", []):
        rule = _rule_for(result, rules)
        if _effective_level(result, rule) != "error":
            continue
        errors.append(
            f"{source}:{_result_location(result)}: "
            f"{result.get('ruleId', '?')}: {_result_text(result, rule)}"
        )
    if not errors:
        errors = _schema_errors(source)
    return errors


def _schema_errors(source: Path) -> list[str]:
    """Check a log against the SARIF 2.1.0 JSON schema with ``jsonschema`` (see validate_sarif)."""
    try:
        import jsonschema  # type: ignore[import-untyped, unused-ignore]
    except ImportError as exc:
        raise RuntimeError(
            "the `jsonschema` package is needed by tests/validators.py "
            "(it belongs to the `test` extra in pyproject.toml)"
        ) from exc
    problem = _file(SARIF_SCHEMA, "the SARIF 2.1.0 schema")
    if problem is not None:
        raise ToolMissing(problem)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8-sig"))
    try:
        instance = json.loads(source.read_text(encoding="utf-8-sig"))
    except ValueError as exc:
        return [f"{source}: schema: not valid JSON: {exc}"]
    validator_class = jsonschema.validators.validator_for(schema)
    validator = validator_class(schema)
    found = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{source}: schema: {error.json_path}: {error.message}" for error in found]


# --------------------------------------------------------------------------- HTML


def validate_html(
    path_or_paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[dict[str, Any]]:
    """Check HTML documents with the W3C Nu HTML Checker; return its error messages.

    Returns vnu's JSON message objects of ``"type": "error"`` (keys such as
    ``url``, ``lastLine``, ``firstColumn``, ``message``, ``extract``); an empty list
    means every document is valid.  Warnings (``"type": "info"``) are dropped.

    All files go to one ``java -jar vnu.jar --format json --exit-zero-always
    --stdout FILE...`` call, because JVM start-up (about 1.5 s) dominates.
    ``--exit-zero-always`` makes vnu exit 0 even when documents have errors, so
    a non-zero exit code means the checker itself failed (e.g. too old a Java);
    ``--stdout`` puts the JSON report on stdout instead of stderr.  vnu picks
    its parser by file extension (``.xhtml`` is checked as XML, anything else
    given explicitly as HTML).

    vnu silently ignores a file that does not exist, so paths are checked here
    first; a ``non-document-error`` (the checker could not read a document)
    raises ``RuntimeError`` rather than counting as a pass.
    """
    paths: list[Path]
    if isinstance(path_or_paths, (str, os.PathLike)):
        paths = [Path(path_or_paths)]
    else:
        paths = [Path(p) for p in path_or_paths]
    if not paths:
        raise ValueError("validate_html needs at least one file")
    for p in paths:
        if not p.is_file():
            raise FileNotFoundError(f"HTML file to validate does not exist: {p}")
    require("vnu")
    cmd = [
        str(shutil.which("java")),
        "-jar",
        str(VNU_JAR),
        "--format",
        "json",
        "--exit-zero-always",
        "--stdout",
        *(str(p.resolve()) for p in paths),
    ]
    proc = _run(cmd, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"vnu.jar failed: {_describe(proc)}")
    try:
        report = json.loads(proc.stdout)
        messages = report["messages"]
    except (ValueError, KeyError, TypeError) as exc:
        raise RuntimeError(
            f"could not parse vnu.jar's JSON report: {exc}\n{_describe(proc)}"
        ) from exc
    broken = [m for m in messages if m.get("type") == "non-document-error"]
    if broken:
        raise RuntimeError(f"vnu.jar could not check some documents: {broken}")
    return [m for m in messages if m.get("type") == "error"]


# --------------------------------------------------------------------------- axe-core


def axe_core_source() -> str:
    """Return the text of the pinned axe-core's ``axe.min.js``.

    The browser tests inject it into the page under test (e.g. with Chrome
    DevTools' ``Runtime.evaluate``) and then call ``axe.run()``; reading it from
    the npm package keeps the version pinned by ``tools/package-lock.json``.
    """
    require("axe")
    source = AXE_MIN_JS.read_text(encoding="utf-8")
    if "axe" not in source[:10000]:
        raise RuntimeError(f"{AXE_MIN_JS} does not look like axe-core")
    return source
