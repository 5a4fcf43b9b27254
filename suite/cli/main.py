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
    from suite.cli import (
        export,
        forecast,
        general,
        sentiment,
        seq2seq,
        speech,
        textgen,
        tune,
    )

    parser = argparse.ArgumentParser(
        prog="suite",
        description="Recurrent sequence models: train, evaluate, export.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module in (
        general,
        forecast,
        export,
        sentiment,
        textgen,
        speech,
        seq2seq,
        tune,
    ):
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = build_parser().parse_args(argv)
    if getattr(args, "needs_tensorflow", True):  # False: LiteRT-only paths
        _import_tensorflow_quietly()
    try:
        return args.handler(args) or 0
    except (SuiteError, ValueError, FileNotFoundError) as error:
        print(f"error: {_one_line(error)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted; nothing was saved", file=sys.stderr)
        return 130


def _import_tensorflow_quietly() -> None:
    """Imports TensorFlow with C-level stderr sent to /dev/null.

    TF 2.21 prints absl INFO lines at import (oneDNN, CPU features) that no
    environment variable silences; they would bury the CLI's own output.
    Python-level errors still surface: the exception is raised after
    stderr is restored.
    """
    try:
        stderr_fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        return  # stderr is not a real file (e.g. captured by a test)
    saved = os.dup(stderr_fd)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), stderr_fd)
            import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, stderr_fd)
        os.close(saved)


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split()) or type(error).__name__


if __name__ == "__main__":
    sys.exit(main())
