"""``python train.py CONFIG [key=value ...]``: ``arner train`` (arner.commands.train) as a file,
for ``accelerate launch train.py ...``."""

import sys

from arner.commands import train


def main(argv: list[str] | None = None) -> int:
    return train.main(argv, prog="train.py")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
