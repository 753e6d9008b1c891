"""``python predict.py --model RUN_DIR --input PATH ... --output OUT.jsonl``: ``arner predict``
(arner.commands.predict, which documents every option) as a file, for
``accelerate launch [--multi_gpu] --num_processes N predict.py ...``."""

import sys

from arner.commands import predict


def main(argv: list[str] | None = None) -> int:
    return predict.main(argv, prog="predict.py")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
