"""``python -m arner ...``: the ``arner`` command without its console script."""

import sys

from arner.cli import main

sys.exit(main())
