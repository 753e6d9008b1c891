"""Fine-tune a token classifier: ``arner train CONFIG [key=value ...]`` (or ``python train.py ...``).

Also runs under ``accelerate launch [--multi_gpu|--cpu --num_processes N] train.py CONFIG``.
A config lists only what differs from the defaults (the quickstart recipe); ``--help``
lists every setting with its type, default and meaning.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from arner.commands import fail, parse
from arner.config import ConfigError, describe_config, load_config


def build_parser(prog: str = "arner train") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description=__doc__.strip(), epilog=describe_config(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("config", metavar="CONFIG", help="YAML config (see configs/)")
    parser.add_argument("overrides", nargs="*", default=[], metavar="key=value", help="settings that replace the config's")
    return parser


def main(argv: Sequence[str] | None = None, prog: str = "arner train") -> int:
    args = parse(build_parser(prog), argv)
    if isinstance(args, int):
        return args
    try:
        config = load_config(args.config, args.overrides)
    except ConfigError as err:
        return fail(err)
    from arner.checkpoints import RunDirError, describe_os_error
    from arner.encoders.sources import ModelLoadError
    from arner.training import train

    try:
        result = train(config)
    except (ModelLoadError, RunDirError) as err:
        return fail(err)
    except OSError as err:  # a full disk or a read-only folder: name the path and the cause
        return fail(describe_os_error(err))
    print(f"run directory: {result.run_dir}")
    return 0
