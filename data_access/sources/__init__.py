"""Where the images and their label sets come from.

One interface over every kind of source: :func:`~data_access.sources.source.open_source`
returns a :class:`~data_access.sources.source.Source` (its annotation table, images and
thumbnails), whatever the kind.

Modules: ``source`` (the interface), ``kinds`` (one small object per kind: demo, label JSON,
TFDS, Parquet), ``labels_json`` (the label JSON and its download), ``tfds`` (a prepared TFDS
build), ``demo`` (the built-in synthetic data), ``images`` / ``parquet`` (picture readers),
``index`` (the on-disk index of a real source), ``thumbnails`` (made on request, cached).
"""
