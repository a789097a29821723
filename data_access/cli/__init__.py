"""``python -m data_access``: the headless command line.

Modules: ``main`` (the parser and the source, evaluation and index commands), ``common``
(the source flags every command shares), ``predictions``, ``reviews``, ``thumbnails`` (one
command group each).
"""
