"""`suite ...`: parses arguments and calls the task functions.

Each task module in `suite.cli` exposes `add_parser(subparsers)`, which adds
its subcommands with `handler=` set to a function taking the parsed args.
Heavy imports (TensorFlow) happen inside those handlers, so `suite --help`
and bad arguments answer at once. A `SuiteError` (or other `ValueError`)
becomes one line on stderr and exit code 2.
"""

import argparse
import os
import sys

from suite.errors import SuiteError

EXIT_BAD_INPUT = 2


def build_parser() -> argparse.ArgumentParser:
    from suite.cli import general, sentiment

    parser = argparse.ArgumentParser(
        prog="suite",
        description="Recurrent sequence models: train, evaluate, export.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module in (general, sentiment):
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args) or 0
    except (SuiteError, ValueError, FileNotFoundError) as error:
        print(f"error: {_one_line(error)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted; nothing was saved", file=sys.stderr)
        return 130


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split()) or type(error).__name__


if __name__ == "__main__":
    sys.exit(main())
