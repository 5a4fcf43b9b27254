"""The JSON sidecar written beside every exported `.tflite` file.

`model.tflite` gets `model.json`: the form (window or streaming step), the
quantization, the name, shape and dtype of every input and output, the
recurrent state pairs of a streaming model, the ops in the file, and the
task extras a device needs to use it (normalization statistics, vocabulary,
labels, sample rate). Imports neither TensorFlow nor Keras, so the runtime
and device-side tools can read it.

Example:
>>> meta = read_metadata("saved_models/run/model.tflite")  # doctest: +SKIP
>>> meta["inputs"][0]["shape"]  # doctest: +SKIP
[1, 96, 7]
"""

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from suite.errors import SuiteError

FORMAT = "lstm-suite-litert/1"
"""Value of the sidecar's `format` key; bumped if the layout changes."""

FORMS = ("window", "streaming")
"""The sidecar's `form`: one invoke per window, or one per time step."""
QUANTIZATIONS = (
    "none",
    "dynamic",
    "float16",
    "int8",
    "int8-per-channel",
    "int8-act16",
)
"""The sidecar's `quantization` (what `suite.export.tflite` can write)."""


def metadata_path(tflite_path) -> Path:
    """`x/model.tflite` -> `x/model.json`."""
    return Path(tflite_path).with_suffix(".json")


def tensor_entry(name: str, shape, dtype) -> dict[str, Any]:
    """One input/output description: name, shape (None = free), dtype."""
    dims = [None if d is None or int(d) < 0 else int(d) for d in shape]
    return {"name": name, "shape": dims, "dtype": str(dtype)}


def write_metadata(
    tflite_path,
    *,
    form: str,
    quantization: str,
    inputs: Sequence[Mapping[str, Any]],
    outputs: Sequence[Mapping[str, Any]],
    states: Sequence[Mapping[str, Any]] = (),
    ops: Sequence[str] = (),
    float_ops: Sequence[str] = (),
    reset_variables: bool = False,
    extras: Mapping[str, Any] | None = None,
) -> Path:
    """Writes the sidecar of `tflite_path` and returns its path.

    Args:
        tflite_path: the `.tflite` file the sidecar describes.
        form: `"window"` or `"streaming"`.
        quantization: `"none"`, `"dynamic"`, `"float16"`, `"int8"`,
            `"int8-per-channel"` or `"int8-act16"`.
        inputs, outputs: `tensor_entry()` dicts in signature order.
        states: for a streaming model, `{"input": name, "output": name}`
            pairs: feed each output back into its input at the next step.
        ops: distinct op names in the file (all subgraphs).
        float_ops: ops that compute in float (after int8: what stayed float).
        reset_variables: the file keeps state in variable tensors (LiteRT's
            fused LSTM op) that persist between invokes: a device resets
            them before each window (`reset_variables_each_invoke`).
        extras: task values needed on the device, JSON-serializable
            (e.g. `{"mean": [...], "std": [...]}`, `{"vocabulary": [...]}`).
    """
    values = {
        "format": FORMAT,
        "file": Path(tflite_path).name,
        "form": form,
        "quantization": quantization,
        "inputs": [dict(entry) for entry in inputs],
        "outputs": [dict(entry) for entry in outputs],
        "states": [dict(entry) for entry in states],
        "ops": sorted(ops),
        "float_ops": sorted(float_ops),
        "reset_variables_each_invoke": reset_variables,
        "extras": dict(extras or {}),
    }
    try:
        text = json.dumps(values, indent=2, sort_keys=True)
    except TypeError as error:
        raise SuiteError(
            f"metadata extras must be JSON-serializable ({error}); pass "
            "lists and plain numbers (e.g. array.tolist())"
        ) from None
    path = metadata_path(tflite_path)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def read_metadata(tflite_path) -> dict[str, Any]:
    """Reads the sidecar of `tflite_path` (raises if it is missing)."""
    path = metadata_path(tflite_path)
    if not path.is_file():
        raise SuiteError(
            f"no metadata sidecar {path} beside {tflite_path}; export with "
            "suite.export.tflite (or `suite export`), which writes it"
        )
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
