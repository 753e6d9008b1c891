"""The ``arner`` command: ``arner train|evaluate|predict|data ...``.

Each subcommand is the module that also backs a root script (``train.py``,
``evaluate.py``, ``predict.py``) or ``python -m arner.data``; they take the same
arguments and give the same exit status (0 done, 1 some records failed, 2 could
not run). ``arner SUBCOMMAND --help`` shows the subcommand's own options.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

from arner.commands import fail

# name -> (module with main(argv, prog), one-line summary); imported only when run,
# so that ``arner --help`` does not load torch
SUBCOMMANDS = {
    "train": ("arner.commands.train", "fine-tune a token classifier from a YAML config (train.py)"),
    "evaluate": ("arner.commands.evaluate", "score predictions against gold into a report folder (evaluate.py)"),
    "predict": ("arner.commands.predict", "tag documents with a trained model (predict.py)"),
    "data": ("arner.data", "build, validate, convert, count and de-duplicate data (python -m arner.data)"),
}


def usage() -> str:
    width = max(map(len, SUBCOMMANDS))
    lines = [f"  {name:<{width}}  {summary}" for name, (_, summary) in SUBCOMMANDS.items()]
    return "\n".join([f"usage: arner {{{','.join(SUBCOMMANDS)}}} ...", "", "Arabic NER for conflict news: MILITIA, PLACE and CASUALTY spans.",
                      "", "subcommands:", *lines, "", "arner SUBCOMMAND --help shows its options."])


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(usage(), file=sys.stdout if args else sys.stderr)
        return 0 if args else 2  # no subcommand: the usage, as "could not run"
    name, rest = args[0], args[1:]
    if name not in SUBCOMMANDS:
        return fail(f"unknown subcommand {name!r}; choose from {', '.join(SUBCOMMANDS)} (arner --help)")
    module = importlib.import_module(SUBCOMMANDS[name][0])
    return module.main(rest, prog=f"arner {name}")


if __name__ == "__main__":
    sys.exit(main())
