"""Browse views: which images a view shows, in which order, and how it travels.

Modules: ``filters`` (every Browse filter, each one object: URL key, label, options, CLI
flag, predicate), ``choices`` (the class and group labels filters offer, and how a
value is written in a link), ``view`` (:class:`~data_access.browse.view.BrowseState`, the rows of a
view, paging), ``url`` (a view in a link and back), ``records`` (a view's images in words and
tables: tile chips, alt text, CSV and JSON Lines export).
"""
