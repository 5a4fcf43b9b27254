"""Helpers shared by every flat frozen config dataclass.

Configs are saved as `config.json` beside each model; these functions turn a
config into JSON-safe values and back, and build one from user options with
a clear error for unknown names.
"""

import dataclasses
import json
import typing
from collections.abc import Mapping
from typing import Any

from suite.errors import SuiteError


def to_dict(config) -> dict[str, Any]:
    """Returns the config's fields as JSON-safe values (tuples as lists)."""
    return json.loads(json.dumps(dataclasses.asdict(config)))


def from_dict(cls, values: Mapping[str, Any]):
    """Builds `cls` from `values`, turning JSON lists back into tuples."""
    check_fields(cls, values)
    hints = typing.get_type_hints(cls)
    converted = {}
    for name, value in values.items():
        if isinstance(value, list) and _is_tuple_type(hints[name]):
            value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
        converted[name] = value
    return cls(**converted)


def check_fields(cls, values: Mapping[str, Any]) -> None:
    """Raises a `SuiteError` naming any key that is not a field of `cls`."""
    names = {field.name for field in dataclasses.fields(cls)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise SuiteError(
            f"unknown option(s) {unknown} for {cls.__name__}; "
            f"valid options are {sorted(names)}"
        )


def _is_tuple_type(hint) -> bool:
    origins = {typing.get_origin(hint)}
    for arg in typing.get_args(hint):
        origins.add(typing.get_origin(arg))
        origins.add(arg)
    return tuple in origins


def save_json(path, values: Mapping[str, Any]) -> None:
    """Writes `values` as indented, key-sorted JSON."""
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(values, handle, indent=2, sort_keys=True)
        handle.write("\n")


def load_json(path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
