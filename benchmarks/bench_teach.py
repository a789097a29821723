"""Teach at full size (the project's targets), on the stand-in's TFDS build (20,000 images).

* server time of a slide change (Next, then Reveal) with Streamlit's AppTest in this process,
  over the "several-right" lesson, against a rerun of the same slide in the same run;
* a handout of a 20-image lesson: time and size (images embedded at slide size).

Targets: next slide (image + labels) <= 300 ms server time; a 20-image handout <= 3 s and
<= 10 MB.

Usage: ``python -m benchmarks.standin`` once, then ``python -m benchmarks.bench_teach``.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time

from benchmarks.bench_browse import DATA_DIR, ROOT


def slide_times() -> dict:
    from streamlit.testing.v1 import AppTest

    sys.argv = ["app.py", "--source", "tfds", "--data-dir", str(DATA_DIR)]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.query_params["lesson"] = "several-right"
    at.switch_page("app_pages/teach.py").run()
    assert not at.exception, at.exception
    started = time.perf_counter()
    at.run()
    rerun = time.perf_counter() - started
    nexts, reveals = [], []
    for _ in range(11):
        button = next(b for b in at.button if b.label.startswith("Next"))
        started = time.perf_counter()
        button.click().run()
        nexts.append(time.perf_counter() - started)
        assert not at.exception, at.exception
        button = next(b for b in at.button if b.label == "Reveal")
        started = time.perf_counter()
        button.click().run()
        reveals.append(time.perf_counter() - started)
    return {
        "server_same_slide_rerun_s": round(rerun, 3),
        "server_next_slide_s": {
            "median": round(statistics.median(nexts), 3),
            "max": round(max(nexts), 3),
        },
        "server_reveal_s": {
            "median": round(statistics.median(reveals), 3),
            "max": round(max(reveals), 3),
        },
    }


def handout_times() -> dict:
    from data_access.i18n import gettext_for
    from data_access.sources.source import open_source
    from data_access.teach.handout import lesson_handout
    from data_access.teach.lessons import LESSON_BY_NAME, lesson_rows

    source = open_source("tfds", data_dir=DATA_DIR)
    lesson = LESSON_BY_NAME["several-right"]
    rows = lesson_rows(source.table, lesson.name, {}, limit=20)
    assert len(rows) == 20
    started = time.perf_counter()
    page = lesson_handout(source, rows, lesson.title, lesson.explanation, gettext_for("en"))
    elapsed = time.perf_counter() - started
    return {
        "handout_20_images_s": round(elapsed, 3),
        "handout_20_images_mb": round(len(page.encode()) / 2**20, 2),
    }


def main() -> None:
    if not (DATA_DIR / "imagenet2012_multilabel").exists():
        sys.exit("no stand-in yet: run `python -m benchmarks.standin` first")
    os.environ["IMLR_INDEX_DIR"] = tempfile.mkdtemp(prefix="bench-index-")
    out = {**handout_times(), **slide_times()}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
