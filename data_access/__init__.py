"""Pure-Python data layer of ImageNet Multi-Label Review (never imports streamlit).

Modules: ``classes`` (the 1000 classes and WordNet), ``annotations`` (the columnar table),
``labels_json`` / ``tfds_source`` / ``demo`` (the three kinds of source), ``images``
(readers and thumbnails), ``index`` (the on-disk index), ``sources`` (one interface over all),
``cli`` (``python -m data_access``).
"""

__version__ = "0.1.0"
