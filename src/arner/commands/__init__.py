"""The command lines behind ``arner train|evaluate|predict|data`` and the root scripts.

Each command module has ``main(argv, prog) -> int``: argparse for the arguments, the
library for the work, and one error style: a usage error is argparse's usage line and
``PROG: error: ...``; a run that could not start or finish prints one line
``error: ...`` on stderr. Exit status 0 is success, 1 that some records failed
(predict), 2 that the command could not run.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

Check = Callable[[argparse.ArgumentParser, argparse.Namespace], None]


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None,
          check: Check | None = None) -> argparse.Namespace | int:
    """The parsed arguments, or the status argparse chose (0 after --help, 2 for a
    usage error) so that ``main`` returns a status instead of raising SystemExit."""
    try:
        args = parser.parse_args(argv)
        if check is not None:
            check(parser, args)  # checks across arguments call parser.error too
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 2
    return args


def fail(err: BaseException | str) -> int:
    """The one-line error every command prints when it could not run; status 2."""
    print(f"error: {err}", file=sys.stderr)
    return 2
