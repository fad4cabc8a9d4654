"""Run soapbuild's command line on many prepared workspaces, each under a time bound.

Used by tests/test_hostile.py, as a subprocess of its own: ``python driver.py
CASES.json RESULTS.json``. soapbuild is imported once, and each case runs in
process through click's runner (as the rule-example tests run), so that a hundred
cases cost seconds rather than a hundred interpreter starts. Each case runs with
an interval timer: a case still running after its bound is interrupted and
reported as a hang. A hang that the timer cannot interrupt (inside C code) is
caught by the test's own timeout on this process; the driver writes the case it
is at to ``RESULTS.json.current`` first, so the test can name it.
"""

from __future__ import annotations

import json
import signal
import sys
import time
import traceback
from pathlib import Path
from types import FrameType


class Hang(BaseException):
    """The case ran past its bound (a BaseException, so click's runner lets it through)."""


def _alarm(_signum: int, _frame: FrameType | None) -> None:
    raise Hang


def main(cases_file: str, results_file: str) -> int:
    from click.testing import CliRunner

    from soapbuild.cli import main as soapbuild

    cases = json.loads(Path(cases_file).read_text("utf-8"))
    current = Path(results_file + ".current")
    signal.signal(signal.SIGALRM, _alarm)
    results = []
    for case in cases:
        current.write_text(case["id"], "utf-8")
        started = time.perf_counter()
        outcome: dict[str, object] = {"id": case["id"], "hung": False, "traceback": None}
        try:
            signal.setitimer(signal.ITIMER_REAL, case["bound"])
            result = CliRunner().invoke(soapbuild, ["-C", case["root"], *case["args"]],
                                        env={"SOAPBUILD_NOW": None, "NO_COLOR": "1"})
            signal.setitimer(signal.ITIMER_REAL, 0)
            outcome["exit"] = result.exit_code
            outcome["output"] = result.output
            error = result.exception
            if error is not None and not isinstance(error, SystemExit):
                outcome["traceback"] = "".join(traceback.format_exception(error))
        except Hang:
            outcome["hung"] = True
            outcome["exit"] = None
            outcome["output"] = ""
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        outcome["seconds"] = round(time.perf_counter() - started, 3)
        results.append(outcome)
    Path(results_file).write_text(json.dumps(results), "utf-8")
    current.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
