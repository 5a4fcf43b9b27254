"""Argument groups shared by the task CLIs."""

import json

from suite.errors import SuiteError


def add_model_arguments(parser, units_example: str = "64,64") -> None:
    """`--model`, `--units` and repeatable `--model-option KEY=JSON`."""
    parser.add_argument(
        "--model",
        default="stacked_lstm",
        help="registry name (see `suite models`)",
    )
    parser.add_argument("--units", help=f"layer widths, e.g. {units_example}")
    parser.add_argument(
        "--model-option",
        action="append",
        default=[],
        metavar="KEY=JSON",
        help="any field of the model config, e.g. l2=1e-4",
    )


def model_options(units: str | None, items: list[str]) -> dict:
    """`--units` and `--model-option` values as model-config fields."""
    options = {}
    if units:
        try:
            options["units"] = tuple(int(u) for u in units.split(","))
        except ValueError:
            raise SuiteError(
                f"--units takes comma-separated integers, got {units!r}"
            ) from None
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise SuiteError(f"--model-option needs KEY=VALUE, got {item!r}")
        try:
            options[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            options[key.strip()] = value
    return options
