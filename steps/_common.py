"""What every step shares: the --params option, params loading, and clean error exits."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable

from fgcross.config import load_params
from fgcross.errors import FgcrossError, ParamsError
from fgcross.params import Params
from fgcross.stage_times import record_stage_time

USER_ERRORS = (FgcrossError, FileNotFoundError)
"""What a user can fix (fgcross.errors, and a missing file): one message and exit code 2, not a traceback."""


def parser(stage: str, description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=f"python -m steps.{stage}", description=description,
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--params", default="params.yaml", help="params file (validated against the schema)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p


def params_of(args: argparse.Namespace) -> Params:
    """The validated params; a bad file ends the step with one clear message and exit code 2."""
    try:
        return load_params(args.params)
    except ParamsError as err:
        print(f"{args.params}: error: {err}", file=sys.stderr)
        sys.exit(2)


def run(stage: str, main: Callable[[], None], part: str = "") -> None:
    """Run a step's main; a user error prints one clear message and exits 2, not a traceback.

    A step that finishes records its wall time (`part`: which shard or merge) for the
    provenance report."""
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s %(levelname)s [{stage}] %(message)s",
                        datefmt="%Y-%m-%d %H:%M:%S")
    start = time.perf_counter()
    try:
        main()
    except USER_ERRORS as err:
        print(f"{stage}: error: {err}", file=sys.stderr)
        sys.exit(2)
    seconds = time.perf_counter() - start
    record_stage_time(stage, seconds, part)
    logging.getLogger(stage).info("done in %.1f s", seconds)
