"""Many reviewers paging through Browse on one server at once (#29): sessions that speak
Streamlit's websocket protocol (``tests/e2e/wsclient.py``), on the loopback address, bounded
in count and time.

Starts the app on the full-size stand-in (``python -m benchmarks.standin`` first). Each
session opens Browse at its own page (session ``i`` at page ``1 + 3 i``, so thumbnails are
made for many pages, not one; ``--spread 0``: a class on the same pages), then asks for the
next page every ``--look`` seconds, as a reader would: with the grid's own Next (its trigger,
which reruns Browse's view alone) or, with ``--by address``, by a new address (a run of the
whole app). A page's time is from the request
until its run has finished arriving (the grid's data, thumbnails inline, included). For each
number of sessions it prints p50 and p95 of those times, the server's peak RSS, its CPU use
and its CPU time per page; the first limit is where p95 passes the target.

Target (#29): with 50 sessions at once, p95 next page <= 300 ms and the server under 1.5 GB.

Usage: ``python -m benchmarks.load_browse [--sessions 10 25 50] [--pages 10] [--look 1.5]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import threading
import time

from benchmarks.bench_browse import DATA_DIR, _rss_mb
from tests.e2e.server import serve
from tests.e2e.wsclient import Session, component_trigger

TARGET_P95_S = 0.300


async def _reader(url: str, first_page: int, pages: int, look: float, times: list, by: str) -> None:
    async with Session(url, timeout=120) as s:
        opened = await s.run()
        browse = opened.page_hashes["browse"]
        first = await s.run(page_script_hash=browse, query_string=f"page={first_page}")
        grid, fragment = first.components["browse_grid"]
        for k in range(first_page + 1, first_page + 1 + pages):
            await asyncio.sleep(look)
            started = time.perf_counter()
            if by == "grid":  # the grid's Next: its trigger, a run of Browse's view alone
                run = await s.run(
                    [component_trigger(grid, "page", k)],
                    page_script_hash=browse,
                    query_string=f"page={k - 1}",
                    fragment_id=fragment,
                )
            else:  # a new address: a run of the whole app
                run = await s.run(page_script_hash=browse, query_string=f"page={k}")
            times.append(time.perf_counter() - started)
            if run.exceptions:
                raise RuntimeError(run.exceptions[0])
            if not any(f"page {k} of" in t for t in run.texts):  # the page asked for, shown
                raise RuntimeError(f"asked for page {k}, the run showed another")


def _watch(pid: int, peak: list[float], done: threading.Event) -> None:
    """Samples the server's RSS every 0.2 s into ``peak`` until ``done``."""
    while not done.wait(0.2):
        peak.append(_rss_mb(pid))


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _all(
    url: str, sessions: int, pages: int, look: float, spread: int, by: str
) -> list[float]:
    times: list[float] = []
    readers = []
    for i in range(sessions):
        readers.append(asyncio.create_task(_reader(url, 1 + spread * i, pages, look, times, by)))
        await asyncio.sleep(look / sessions)  # arrivals spread over one look
    await asyncio.wait_for(asyncio.gather(*readers), timeout=600)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, nargs="+", default=[10, 25, 50])
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--look", type=float, default=1.5)
    parser.add_argument(
        "--spread", type=int, default=3, help="pages between sessions' first pages (0: a class)"
    )
    parser.add_argument(
        "--by",
        choices=("grid", "address"),
        default="grid",
        help="next page with the grid's own Next (as a reader pages), or by a new address",
    )
    args = parser.parse_args()
    if not (DATA_DIR / "imagenet2012_multilabel").exists():
        sys.exit("no stand-in yet: run `python -m benchmarks.standin` first")
    os.environ["IMLR_INDEX_DIR"] = tempfile.mkdtemp(prefix="bench-index-")
    out = []
    for n in args.sessions:
        # A fresh server for each count: what one server holds from a cold start.
        with serve(app_args=["--source", "tfds", "--data-dir", str(DATA_DIR)]) as (url, proc):
            peak = [_rss_mb(proc.pid)]
            done = threading.Event()
            watcher = threading.Thread(target=_watch, args=(proc.pid, peak, done), daemon=True)
            watcher.start()
            cpu, wall = _cpu_seconds(proc.pid), time.perf_counter()
            times = asyncio.run(_all(url, n, args.pages, args.look, args.spread, args.by))
            cpu, wall = _cpu_seconds(proc.pid) - cpu, time.perf_counter() - wall
            done.set()
            ordered = sorted(times)
            p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
            out.append(
                {
                    "sessions": n,
                    "spread": args.spread,
                    "by": args.by,
                    "pages": len(times),
                    "next_page_p50_s": round(statistics.median(times), 3),
                    "next_page_p95_s": round(p95, 3),
                    "within_target": p95 <= TARGET_P95_S,
                    "server_peak_rss_mb": round(max(peak), 1),
                    "server_cpu_cores_used": round(cpu / wall, 2),
                    # Per page asked for (the sessions' opening runs and the thumbnails made
                    # for pages nobody had seen included): what one page costs the server.
                    "server_cpu_ms_per_page": round(cpu / len(times) * 1000),
                }
            )
            print(json.dumps(out[-1]), flush=True)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
