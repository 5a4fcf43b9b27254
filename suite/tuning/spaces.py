"""Search spaces: job-spec entries -> keras-tuner hyperparameters -> configs.

A space maps a hyperparameter name to one entry:

    model = ["stacked_lstm", "gru"]          # a list: Choice
    units = {min = 32, max = 256, step = 32} # ints: Int
    learning_rate = {min = 1e-4, max = 1e-2, sampling = "log"}  # Float
    lookback = 36                            # a scalar: Fixed

A name is one of the shared knobs (`layers`, `units`, `dropout`,
`recurrent_dropout`), a field of the task's config (`learning_rate`,
`batch_size`, `lookback`, `sequence_length`, `log_transform`, ...) or
`model_options.<field>` for any field of the model's registry config.
`apply_values` turns one trial's values into the task config; nothing here
builds or trains.
"""

import dataclasses
import math
from typing import Any

from suite.errors import SuiteError
from suite.models import registry

SHARED_KNOBS = ("layers", "units", "dropout", "recurrent_dropout")
MODEL_PREFIX = "model_options."
RANGE_KEYS = ("min", "max", "step", "sampling")
SAMPLINGS = ("linear", "log", "reverse_log")
JOB_OWNED_FIELDS = ("epochs", "seed", "model_options")
"""Task-config fields a space may not tune (the job sets them)."""


@dataclasses.dataclass(frozen=True)
class Dimension:
    """One hyperparameter of a search space."""

    name: str
    """Hyperparameter name (a knob, config field or model option)."""
    kind: str
    """'choice', 'int', 'float' or 'fixed'."""
    values: tuple = ()
    """Choices (kind 'choice') or the one value (kind 'fixed')."""
    low: float = 0.0
    """Smallest value of an int / float range."""
    high: float = 0.0
    """Largest value of an int / float range."""
    step: float | None = None
    """Grid step of a range (None: continuous floats, step 1 for ints)."""
    sampling: str = "linear"
    """'linear', 'log' or 'reverse_log' sampling of a range."""

    def samples(self) -> tuple:
        """The values that bound this dimension (for validation)."""
        if self.kind in ("choice", "fixed"):
            return self.values
        return (self.low, self.high)


def parse_dimension(name: str, entry: Any) -> Dimension:
    """A Dimension from a TOML entry; raises a one-line SuiteError."""
    if isinstance(entry, list):
        return _choice(name, entry)
    if isinstance(entry, dict):
        return _range(name, entry)
    if isinstance(entry, bool | int | float | str):
        return Dimension(name, "fixed", (entry,))
    raise SuiteError(
        f"space entry {name!r} must be a list (choice), a table with "
        f"min/max (range) or a single value, got {entry!r}"
    )


def _choice(name: str, entry: list) -> Dimension:
    if not entry:
        raise SuiteError(f"space entry {name!r} is an empty list of choices")
    if not all(isinstance(v, bool | int | float | str) for v in entry):
        raise SuiteError(
            f"choices of {name!r} must be numbers, strings or booleans, "
            f"got {entry!r}"
        )
    if len({_kind_of(v) for v in entry}) > 1:
        raise SuiteError(f"choices of {name!r} mix types: {entry!r}")
    if len(set(entry)) != len(entry):
        raise SuiteError(f"choices of {name!r} repeat a value: {entry!r}")
    return Dimension(name, "choice", tuple(entry))


def _kind_of(value) -> str:
    if isinstance(value, bool):
        return "bool"
    return "str" if isinstance(value, str) else "number"


def _range(name: str, entry: dict) -> Dimension:
    unknown = sorted(set(entry) - set(RANGE_KEYS))
    if unknown or "min" not in entry or "max" not in entry:
        raise SuiteError(
            f"range {name!r} takes min, max and optionally step and "
            f"sampling; got keys {sorted(entry)}"
        )
    low, high = entry["min"], entry["max"]
    step = entry.get("step")
    sampling = entry.get("sampling", "linear")
    numbers = [v for v in (low, high, step) if v is not None]
    if any(
        isinstance(v, bool) or not isinstance(v, int | float) for v in numbers
    ):
        raise SuiteError(f"range {name!r} needs numeric min/max/step")
    if not low < high:
        raise SuiteError(
            f"range {name!r} needs min < max, got min={low} max={high}"
        )
    if sampling not in SAMPLINGS:
        raise SuiteError(
            f"sampling of {name!r} must be one of {SAMPLINGS}, got {sampling!r}"
        )
    if sampling != "linear" and low <= 0:
        raise SuiteError(f"{sampling} sampling of {name!r} needs min > 0")
    if step is not None and step <= 0:
        raise SuiteError(f"step of {name!r} must be > 0, got {step}")
    kind = "int" if all(isinstance(v, int) for v in numbers) else "float"
    return Dimension(name, kind, (), low, high, step, sampling)


def parse_space(entries: dict) -> dict[str, Dimension]:
    """Parses every entry of a `[space]` table (insertion order kept)."""
    return {name: parse_dimension(name, e) for name, e in entries.items()}


def declare(hp, space: dict[str, Dimension]) -> dict[str, Any]:
    """Declares the space on a keras-tuner `HyperParameters`; returns the
    values of this trial (defaults when the space is new)."""
    values = {}
    for name, dim in space.items():
        values[name] = _declare_one(hp, dim)
    return values


def _declare_one(hp, dim: Dimension):
    if dim.kind == "fixed":
        return hp.Fixed(dim.name, dim.values[0])
    if dim.kind == "choice":
        return hp.Choice(dim.name, list(dim.values))
    if dim.kind == "int":
        return hp.Int(
            dim.name,
            int(dim.low),
            int(dim.high),
            step=int(dim.step) if dim.step else None,
            sampling=dim.sampling,
        )
    return hp.Float(
        dim.name, dim.low, dim.high, step=dim.step, sampling=dim.sampling
    )


def check_names(space: dict[str, Dimension], config_cls) -> None:
    """Raises unless every name is a knob, config field or model option."""
    fields = {f.name for f in dataclasses.fields(config_cls)}
    tunable = (fields - set(JOB_OWNED_FIELDS)) | set(SHARED_KNOBS)
    option_fields = _all_model_fields()
    for name in space:
        if name.startswith(MODEL_PREFIX):
            if name[len(MODEL_PREFIX) :] not in option_fields:
                raise SuiteError(
                    f"{name!r} is not a field of any registry model config"
                )
        elif name not in tunable:
            raise SuiteError(
                f"unknown hyperparameter {name!r} for {config_cls.__name__}; "
                f"use one of {sorted(tunable)} or model_options.<field>"
            )


def _all_model_fields() -> set[str]:
    return {
        f.name
        for name in registry.names()
        for f in dataclasses.fields(registry.get(name).config_cls)
    }


def apply_values(base, values: dict[str, Any]):
    """The task config `base` with one trial's hyperparameter values.

    `units` and `layers` become `model_options["units"] = (units,) *
    layers`; `dropout` and `recurrent_dropout` go to the model's
    `dropout_rate` / `recurrent_dropout_rate` (or the task's own
    `dropout_rate` field when it has one); model options the chosen model
    does not have are dropped, so a space may mix model families.
    """
    fields = {f.name for f in dataclasses.fields(base)}
    changes = {k: v for k, v in values.items() if k in fields}
    model = changes.get("model", base.model)
    model_fields = {
        f.name for f in dataclasses.fields(registry.get(model).config_cls)
    }
    options = dict(base.model_options)
    options.update(_units(options, values))
    if "dropout" in values:
        if "dropout_rate" in fields:
            changes["dropout_rate"] = values["dropout"]
        else:
            options["dropout_rate"] = values["dropout"]
    if "recurrent_dropout" in values:
        options["recurrent_dropout_rate"] = values["recurrent_dropout"]
    for name, value in values.items():
        if name.startswith(MODEL_PREFIX):
            options[name[len(MODEL_PREFIX) :]] = value
    options = {k: v for k, v in options.items() if k in model_fields}
    return dataclasses.replace(base, **changes, model_options=options)


def _units(options: dict, values: dict) -> dict:
    if "units" not in values and "layers" not in values:
        return {}
    current = tuple(options.get("units") or (64,))
    width = int(values.get("units", current[0]))
    layers = int(values.get("layers", len(current)))
    return {"units": (width,) * layers}


def corner_values(space: dict[str, Dimension]) -> list[dict[str, Any]]:
    """Value sets that touch every bound and choice once (for checking
    that each one makes a valid config before anything runs)."""
    middle = {name: dim.samples()[0] for name, dim in space.items()}
    combos = [middle]
    for name, dim in space.items():
        for value in dim.samples()[1:]:
            combos.append({**middle, name: value})
    return combos


def is_log(dim: Dimension) -> bool:
    """Whether a plot of this dimension wants a log axis."""
    return dim.kind in ("int", "float") and (
        dim.sampling != "linear" or (dim.low > 0 and dim.high / dim.low >= 50)
    )


def finite(value) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)
