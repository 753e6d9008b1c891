"""Fine-tune a token classifier: ``python train.py CONFIG [key=value ...]``.

Also runs under ``accelerate launch [--multi_gpu|--cpu --num_processes N] train.py CONFIG``.
A config lists only what differs from the defaults (the quickstart recipe); ``--help``
lists every setting with its type, default and meaning.
"""

from __future__ import annotations

import sys

from arner.config import ConfigError, describe_config, load_config


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print(__doc__.strip())
        if args:
            print(f"\n{describe_config()}")
        return 0 if args else 2
    try:
        config = load_config(args[0], args[1:])
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    from arner.checkpoints import RunDirError, describe_os_error
    from arner.encoders.sources import ModelLoadError
    from arner.training import train

    try:
        result = train(config)
    except (ModelLoadError, RunDirError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # a full disk or a read-only folder: name the path and the cause
        print(f"error: {describe_os_error(err)}", file=sys.stderr)
        return 2
    print(f"run directory: {result.run_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
