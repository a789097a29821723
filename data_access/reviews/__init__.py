"""Reviews of model mistakes, in the taxonomy of Vasudevan et al. 2022.

* :mod:`.taxonomy`: categories, severities, their aliases, and the checks of a review;
* :mod:`.store`: the store (every save one transaction with its history), on SQLite or
  PostgreSQL (:mod:`.db`: backends and migrations); :mod:`.copy`: moving a history between
  stores;
* :mod:`.reference`: reading the published categorisation files (and this app's exports);
* :mod:`.agreement`: suggestions, Cohen's kappa between two sets, the review queue.
"""

from data_access.reviews.agreement import (
    FINE_GRAINED_MAX_STEPS,
    agreement,
    cohen_kappa,
    review_queue,
    suggest,
    wordnet_distance,
)
from data_access.reviews.reference import parse_reference_file
from data_access.reviews.store import DB_FILE, ReviewStore, default_db_path, default_target
from data_access.reviews.taxonomy import (
    CATEGORIES,
    MAX_NAME,
    MAX_NOTE,
    SEVERITIES,
    Review,
    ReviewError,
    category_key,
    review_problems,
    severity_key,
    validate,
)

__all__ = [
    "CATEGORIES",
    "DB_FILE",
    "FINE_GRAINED_MAX_STEPS",
    "MAX_NAME",
    "MAX_NOTE",
    "SEVERITIES",
    "Review",
    "ReviewError",
    "ReviewStore",
    "agreement",
    "category_key",
    "cohen_kappa",
    "default_db_path",
    "default_target",
    "parse_reference_file",
    "review_problems",
    "review_queue",
    "severity_key",
    "suggest",
    "validate",
    "wordnet_distance",
]
