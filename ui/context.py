"""What every page works with, built once per run: the opened source, its loaded models, the
operator's command line and the review store.

The sidebar (run first by ``app.py``) builds it; a page calls :func:`ui.state.context` and
gets the same object, so models are loaded once per run and nothing parses the command line
or finds the review database a second time.
"""

from __future__ import annotations

from dataclasses import dataclass

from data_access.predictions import Model
from data_access.reviews import ReviewStore, default_target
from data_access.sources.source import Source
from ui.cli_args import AppArgs


@dataclass(frozen=True)
class AppContext:
    source: Source
    models: dict[str, Model]
    args: AppArgs

    @property
    def reviews_db(self) -> str:
        """``--reviews-db`` from the command line (a SQLite path or a PostgreSQL URL), else
        ``IMLR_REVIEWS_DB``, else the SQLite file in the data folder."""
        return self.args.reviews_db or default_target()

    def reviews(self) -> ReviewStore:
        """The review store (shared by all sessions).

        Raises:
            ReviewError: the database cannot be used (the page says why).
        """
        from ui.reviews import store

        return store(self.reviews_db)
