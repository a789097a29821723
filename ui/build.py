"""Index builds that survive navigation: one background thread per source and process.

Streamlit stops a script run when the user clicks another page, and anything the run was
doing stops with it. A cold index build (a minute on the real files) therefore runs in a
thread of its own; every run that needs the source (this session's next page, another
session) waits on the same thread and shows its progress. Across processes the build lock
of :mod:`data_access.sources.index` does the same. No Streamlit call is made here, so the waiting
loop can be tested without a server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from data_access.progress import Progress


@dataclass
class _Job:
    done: int = 0
    total: int = 0
    message: str = "starting"
    error: BaseException | None = None
    finished: threading.Event = field(default_factory=threading.Event)

    def update(self, done: int, total: int, message: str) -> None:
        self.done, self.total, self.message = done, total, message


_lock = threading.Lock()
_jobs: dict[Hashable, _Job] = {}


def build_once(
    key: Hashable, build: Callable[[Progress], object], show: Progress, poll: float = 0.2
) -> None:
    """Runs ``build(progress)`` in a background thread unless one for ``key`` already runs,
    and waits for it, calling ``show`` with its progress.

    If the waiting run is stopped (``show`` raises, as Streamlit's stop does), the build goes
    on and the next call for ``key`` waits on it instead of starting over.

    Raises:
        Whatever ``build`` raised (to every waiter of that build).
    """
    with _lock:
        job = _jobs.get(key)
        if job is None:
            job = _jobs[key] = _Job()
            threading.Thread(
                target=_run, args=(key, job, build), name=f"index-build {key}", daemon=True
            ).start()
    while not job.finished.wait(poll):
        show(job.done, job.total, job.message)
    if job.error is not None:
        raise job.error


def _run(key: Hashable, job: _Job, build: Callable[[Progress], object]) -> None:
    try:
        build(job.update)
    except BaseException as e:  # handed to the waiters, who report it
        job.error = e
    finally:
        with _lock:
            if _jobs.get(key) is job:
                del _jobs[key]  # the next open of a changed source builds afresh
        job.finished.set()
