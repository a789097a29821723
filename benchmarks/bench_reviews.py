"""The review store at lab size (the project's targets), on SQLite and on a real PostgreSQL server
started here (tests/pg.py: initdb + pg_ctl in a temporary folder).

* save latency with 8 writer processes saving at once (200 saves each, all starting together):
  p50 / p95 / max per backend, and the same with one writer alone as the baseline;
* the Review page's queue with each image's review state: a model's ~1,400 mistakes on the demo
  table, half of them reviewed, read as the page reads it (queue + the reviewer's reviews).

Targets: save <= 20 ms p95 on PostgreSQL with 8 concurrent writers; the queue of 1,400 images
with their review state <= 150 ms on both backends.

Usage: ``python -m benchmarks.bench_reviews``.
"""

from __future__ import annotations

import json
import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path

N = "ILSVRC2012_val_{:08d}.JPEG"


def _writer(target: str, who: str, n: int, start, out) -> None:
    from data_access.reviews import Review, ReviewStore

    store = ReviewStore(target)
    start.wait(timeout=120)
    times = []
    for k in range(n):
        review = Review("m", N.format(k % 100 + 1), who, "fine_grained", "minor", 3, [], str(k))
        started = time.perf_counter()
        store.save(review)
        times.append(time.perf_counter() - started)
    out.put(times)


def save_latency(target: str, writers: int, n: int = 200) -> dict:
    from data_access.reviews import ReviewStore

    ReviewStore(target)
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Barrier(writers), ctx.Queue()
    procs = [
        ctx.Process(target=_writer, args=(target, f"w{i}", n, start, out)) for i in range(writers)
    ]
    for p in procs:
        p.start()
    times = sorted(t for _ in procs for t in out.get(timeout=600))
    for p in procs:
        p.join()
    return {
        "p50_ms": round(1000 * statistics.median(times), 2),
        "p95_ms": round(1000 * times[int(0.95 * len(times))], 2),
        "max_ms": round(1000 * times[-1], 2),
        "saves": len(times),
    }


def queue_time(target: str) -> dict:
    import numpy as np

    from data_access.api import demo_model
    from data_access.reviews import Review, ReviewStore, review_queue
    from data_access.sources.source import open_source

    source = open_source("demo")
    table, model = source.table, demo_model(source, "demo-strong")
    store = ReviewStore(target)
    queue = review_queue(table, model.top1)
    for r in queue[::2].tolist():
        store.save(Review("demo-strong", str(table.file_name[r]), "ada", "other", "minor",
                          int(max(model.top1[r], 0)), [], ""))  # fmt: skip

    def page_read():
        rows = review_queue(table, model.top1)
        names = [str(table.file_name[r]) for r in rows]
        done = {r.file_name for r in store.reviews(model="demo-strong", reviewer="ada")}
        return len(names), sum(n in done for n in names)

    page_read()
    times = []
    for _ in range(7):
        started = time.perf_counter()
        size, reviewed = page_read()
        times.append(time.perf_counter() - started)
    assert reviewed == len(np.asarray(queue)[::2])
    return {"queue_images": size, "reviewed": reviewed,
            "queue_with_state_ms": round(1000 * statistics.median(times), 1)}  # fmt: skip


def main() -> None:
    from tests.pg import new_database, postgres_server

    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp, postgres_server() as (admin, _):
        for backend in ("sqlite", "postgresql"):

            def fresh(name: str, backend=backend) -> str:
                return str(Path(tmp) / f"{name}.sqlite") if backend == "sqlite" else (
                    new_database(admin))  # fmt: skip

            out[backend] = {
                "save_one_writer": save_latency(fresh("one"), 1),
                "save_8_writers": save_latency(fresh("eight"), 8),
                **queue_time(fresh("queue")),
            }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
