"""The test suite's time against the commit the suite work started from, side by side.

This machine's speed changes by a third over hours, so the two sides run one right after
the other, each from a fresh clone with ``.ci/run`` (its installs, then the README's test
command), alternating, ``--pairs`` times. Three runs a pair:

* ``start``: the start commit's whole suite, as it was;
* ``same tests``: today's versions of the start's tests (the test functions the start had,
  found by name, and the successors of the two that were merged or replaced since), run as
  today's suite runs them. This is the before-and-after of the suite's own speed: the same
  tests, before and after the work;
* ``whole``: today's whole suite, with the tests later issues added.

For each run: the wall time of ``.ci/run``, the busy and idle CPU seconds of the whole
machine over it (``/proc/stat``), and pytest's last line, printed and added as one JSON line
to ``benchmarks/out/suite_time.jsonl``.

Usage: ``python -m benchmarks.suite_time [--start ee2fb24] [--head HEAD] [--pairs 1]``.
About 15 minutes a pair on the two-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out" / "suite_time.jsonl"
START = "ee2fb24"  # the commit the suite work (One rule, one place) started from
# Tests of the start that were merged into or replaced by another since.
SUCCESSORS = {
    # The WCAG sweep and the cut-text sweep are one test per page now.
    "test_no_serious_wcag_violation": [
        "test_every_page_is_accessible_uncut_and_asks_no_other_host"
    ],
    # Two quick Nexts became three, each of which must count.
    "test_two_quick_nexts_end_on_the_later_page": [
        "test_quick_nexts_each_count_and_end_on_the_last_page"
    ],
}
TEST_DEF = re.compile(r"^(?:async )?def (test_\w+)", re.M)
CI_PYTEST = "python3 -m pytest"


def _machine() -> tuple[float, float]:
    """(busy, idle) CPU seconds of the whole machine so far."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = v[3] + v[4]
    return (sum(v) - idle - v[7]) / tick, idle / tick  # steal is neither


def _clone(commit: str, into: Path) -> Path:
    shutil.rmtree(into, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", str(ROOT), str(into)], check=True)
    subprocess.run(["git", "-C", str(into), "checkout", "-q", commit], check=True)
    return into


def function_names(checkout: Path) -> set[str]:
    """The names of the test functions in a checkout's ``tests/``."""
    return {
        n for p in (checkout / "tests").rglob("test_*.py") for n in TEST_DEF.findall(p.read_text())
    }


def same_tests(checkout: Path, start_names: set[str]) -> list[str]:
    """The node ids of ``checkout``'s tests whose function the start had (or succeeds one)."""
    wanted = set(start_names)
    for old, new in SUCCESSORS.items():
        if old in start_names:
            wanted.update(new)
    collected = subprocess.run(
        ["python3", "-m", "pytest", "--collect-only", "-q", "-n", "0"],
        cwd=checkout,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    ids = [line for line in collected if "::" in line]
    return [i for i in ids if i.rsplit("::", 1)[1].split("[")[0] in wanted]


def _run(label: str, checkout: Path, node_ids: list[str] | None) -> dict:
    """``.ci/run`` in ``checkout``; with ``node_ids``, its test command runs just those."""
    ci = checkout / ".ci" / "run"
    if node_ids is not None:
        args = checkout / "selected_tests.txt"
        args.write_text("\n".join(node_ids) + "\n")
        text = ci.read_text()
        assert text.count(f"\n{CI_PYTEST}\n") == 1, "the README's test command moved in .ci/run"
        ci.write_text(text.replace(f"\n{CI_PYTEST}\n", f"\n{CI_PYTEST} @{args}\n"))
    busy0, idle0 = _machine()
    t0 = time.monotonic()
    out = subprocess.run(
        ["bash", str(ci)], cwd=checkout, env={**os.environ, "CI": "true"},
        capture_output=True, text=True,
    )  # fmt: skip
    wall = time.monotonic() - t0
    busy1, idle1 = _machine()
    lines = out.stdout.strip().splitlines()
    return {
        "run": label,
        "rc": out.returncode,
        "wall_s": round(wall, 1),
        "busy_cpu_s": round(busy1 - busy0),
        "idle_cpu_s": round(idle1 - idle0),
        "pytest": lines[-1].strip("= ") if lines else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--start", default=START)
    parser.add_argument("--head", default="HEAD")
    parser.add_argument("--pairs", type=int, default=1)
    a = parser.parse_args()
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", a.head], capture_output=True,
        text=True, check=True,
    ).stdout.strip()  # fmt: skip
    work = Path(tempfile.mkdtemp(prefix="suite_time-"))
    start_names = function_names(_clone(a.start, work / "names"))
    # Collected in a clone of its own: the timed runs start from fresh clones, without the
    # bytecode a collection leaves.
    selected = same_tests(_clone(head, work / "ids"), start_names)
    OUT.parent.mkdir(exist_ok=True)
    for k in range(a.pairs):
        # Alternate which side goes first: the machine drifts within a pair too.
        order = ["start", "same tests", "whole"] if k % 2 == 0 else ["whole", "same tests", "start"]
        for label in order:
            checkout = _clone(a.start if label == "start" else head, work / "run")
            ids = selected if label == "same tests" else None
            row = {
                "pair": k + 1,
                "commit": a.start if label == "start" else head,
                **_run(label, checkout, ids),
            }
            print(json.dumps(row), flush=True)
            with OUT.open("a") as f:
                f.write(json.dumps(row) + "\n")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
