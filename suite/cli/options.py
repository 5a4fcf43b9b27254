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


FIT_ARGUMENTS = (
    ("epochs", int, "maximum epochs"),
    ("batch_size", int, "samples per gradient step"),
    ("learning_rate", float, "initial Adam learning rate"),
    ("patience", int, "epochs without improvement before stopping"),
    ("seed", int, "seed for weights, shuffling and dropout"),
    (
        "weight_average",
        float,
        "momentum of a moving average of the weights, used for validation "
        "and saved (0 = off, 0.999 = about the last 1000 steps)",
    ),
    (
        "lr_schedule",
        str,
        "'plateau' (halve the rate when validation stalls) or 'cosine' "
        "(decay it towards 0 over --epochs)",
    ),
)
FIT_FIELDS = tuple(name for name, _, _ in FIT_ARGUMENTS)


def add_fit_arguments(parser) -> None:
    """The training-loop flags every task shares, plus --run-name/--overwrite.

    They default to None, so a flag left out keeps the task config's own
    default (the one place each default lives); see `given`.
    """
    for name, kind, text in FIT_ARGUMENTS:
        flag = "--" + name.replace("_", "-")
        parser.add_argument(flag, type=kind, help=f"{text} (task default)")
    parser.add_argument("--run-name", help="folder name under saved_models/")
    parser.add_argument(
        "--overwrite", action="store_true", help="replace a run of that name"
    )


def given(args, names) -> dict:
    """The `names` the user set (not None): keyword overrides for a config."""
    values = {name: getattr(args, name) for name in names}
    return {name: value for name, value in values.items() if value is not None}
