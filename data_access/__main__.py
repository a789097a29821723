"""``python -m data_access``: see :mod:`data_access.cli.main`."""

import sys

from data_access.cli.main import main

sys.exit(main())
