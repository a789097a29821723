"""The one progress-callback type: ``progress(done, total, message)``, called by long reads
(index builds, label JSON, prediction arrays) and shown as a bar by the CLI and the app."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int, str], None]
