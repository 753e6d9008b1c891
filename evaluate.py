"""``python evaluate.py --gold GOLD.jsonl --pred PRED.jsonl --out DIR ...``: ``arner evaluate``
(arner.commands.evaluate, which documents every option) as a file."""

import sys

from arner.commands import evaluate


def main(argv: list[str] | None = None) -> int:
    return evaluate.main(argv, prog="evaluate.py")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
