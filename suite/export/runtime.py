"""Runs exported `.tflite` files with ai-edge-litert only (no TensorFlow).

This is what a device integration mirrors: load the file in the stock
LiteRT interpreter (builtin ops only), feed batch-1 inputs by signature
name, read outputs by name. Two ways to run:

- `LiteRTModel`: one window (or any sample) per invoke; `predict()` loops
  over a batch of windows. A free time axis is resized per call.
- `StreamingSession`: a streaming-step export (one time step in, recurrent
  states in and out as explicit tensors). The session feeds each
  `next_<state>` output back into `<state>` at the next step, so a stream of
  any length runs in constant memory; `reset()` starts a new stream.

`op_names()` and `float_op_names()` list a file's ops from its flatbuffer
(every subgraph, so a WHILE loop's body counts too).

Neither this module nor `suite.export.metadata` imports TensorFlow or Keras.

Example:
>>> model = LiteRTModel("window.tflite")  # doctest: +SKIP
>>> y = model(x[:1])  # one window, [1, T, F] -> [1, ...]  # doctest: +SKIP
>>> session = StreamingSession("streaming.tflite")  # doctest: +SKIP
>>> for row in series:  # doctest: +SKIP
...     y_t = session.step(row)  # [F] -> [1, ...]: output after this step
"""

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from ai_edge_litert import schema_py_generated as schema
from ai_edge_litert.interpreter import Interpreter

from suite.errors import SuiteError
from suite.export.metadata import metadata_path, read_metadata

STATE_OUTPUT_PREFIX = "next_"
"""A streaming model's output `next_<name>` is the new value of input
`<name>`."""

_BUILTIN_NAMES = {
    code: name
    for name, code in vars(schema.BuiltinOperator).items()
    if not name.startswith("_")
}
_BOUNDARY_OPS = {"QUANTIZE", "DEQUANTIZE"}


class LiteRTModel:
    """A `.tflite` file in the LiteRT interpreter, fed by signature names.

    Args:
        path: the `.tflite` file (its `.json` sidecar is read if present).
        num_threads: interpreter threads (1 = what latency figures use).

    Call arguments (`__call__`): one array per input in signature order, or
    arrays by input name, each with batch 1. Returns the output array, or a
    dict by name when the model has several outputs.
    """

    def __init__(self, path, *, num_threads: int = 1):
        self.path = Path(path)
        if not self.path.is_file():
            raise SuiteError(f"no .tflite file at {self.path}")
        custom = custom_op_names(self.path)
        if custom:
            raise SuiteError(
                f"the stock LiteRT runtime cannot run {self.path.name}: it "
                f"needs ops outside the builtin set {custom} (Flex ops need "
                "the Select-TF delegate); re-export without allow_flex"
            )
        self.interpreter = Interpreter(
            model_path=str(self.path), num_threads=num_threads
        )
        runner = self.interpreter.get_signature_runner()
        self.input_details = runner.get_input_details()
        self.output_details = runner.get_output_details()
        del runner  # it holds the interpreter; resizing needs it released
        self.interpreter.allocate_tensors()
        # the fused LSTM op keeps its state in variable tensors, which
        # persist between invokes: each window must start from zero
        self._reset_variables = has_variable_tensors(self.path)
        self._shapes = {
            name: tuple(detail["shape"])
            for name, detail in self.input_details.items()
        }
        has_sidecar = metadata_path(self.path).is_file()
        self.metadata = read_metadata(self.path) if has_sidecar else {}

    @property
    def input_names(self) -> list[str]:
        return list(self.input_details)

    @property
    def output_names(self) -> list[str]:
        return list(self.output_details)

    def invoke(self, feeds: Mapping[str, np.ndarray]) -> dict:
        """Runs once on `{input name: array}`; returns `{output: array}`."""
        missing = set(self.input_details) - set(feeds)
        if missing:
            raise SuiteError(
                f"missing input(s) {sorted(missing)}; {self.path.name} "
                f"takes {self.input_names}"
            )
        arrays = {name: self._cast(name, feeds[name]) for name in feeds}
        self._resize(arrays)
        if self._reset_variables:
            self.interpreter.reset_all_variables()
        for name, array in arrays.items():
            self.interpreter.set_tensor(
                self.input_details[name]["index"], array
            )
        self.interpreter.invoke()
        return {
            name: self.interpreter.get_tensor(detail["index"])
            for name, detail in self.output_details.items()
        }

    def __call__(self, *arrays, **named):
        if arrays:
            given = zip(self.input_names, arrays, strict=False)
            named = {**dict(given), **named}
        outputs = self.invoke(named)
        return _single_or_dict(outputs)

    def predict(self, x) -> np.ndarray | dict:
        """Runs every sample of a batch (leading axis) one invoke at a time.

        `x` is one array (single-input model) or `{name: array}`; returns
        outputs stacked over the batch, like `keras.Model.predict`.
        """
        named = x if isinstance(x, Mapping) else {self.input_names[0]: x}
        count = len(next(iter(named.values())))
        rows = [
            self.invoke({k: v[i : i + 1] for k, v in named.items()})
            for i in range(count)
        ]
        stacked = {
            name: np.concatenate([row[name] for row in rows], axis=0)
            for name in self.output_names
        }
        return _single_or_dict(stacked)

    def _cast(self, name: str, value) -> np.ndarray:
        if name not in self.input_details:
            raise SuiteError(
                f"unknown input {name!r}; {self.path.name} takes "
                f"{self.input_names}"
            )
        array = np.asarray(value, dtype=self.input_details[name]["dtype"])
        signature = self.input_details[name]["shape_signature"]
        if len(signature) != array.ndim or any(
            want >= 0 and want != got
            for want, got in zip(signature, array.shape, strict=False)
        ):
            wanted = [int(d) if d >= 0 else None for d in signature]
            raise SuiteError(
                f"input {name!r} of {self.path.name} takes shape {wanted} "
                f"(None = any), got {list(array.shape)}"
            )
        return array

    def _resize(self, arrays: Mapping[str, np.ndarray]) -> None:
        changed = False
        for name, array in arrays.items():
            if self._shapes[name] != array.shape:
                self.interpreter.resize_tensor_input(
                    self.input_details[name]["index"], list(array.shape)
                )
                self._shapes[name] = array.shape
                changed = True
        if changed:
            self.interpreter.allocate_tensors()


class StreamingSession:
    """Steps a streaming export over an unbounded stream, carrying state.

    Args:
        model: a `LiteRTModel` or the path of a streaming-step `.tflite`.
        num_threads: interpreter threads when a path is given.

    Call `step(x_t)` once per time step with one step's input (`[F]`
    features or one token id; any shape with the step input's size); it
    returns the model's output after that step. `run(window)` steps over a
    whole window and stacks the outputs on a new leading axis.
    """

    def __init__(self, model, *, num_threads: int = 1):
        if not isinstance(model, LiteRTModel):
            model = LiteRTModel(model, num_threads=num_threads)
        self.model = model
        outputs = set(model.output_names)
        self.state_names = [
            name
            for name in model.input_names
            if STATE_OUTPUT_PREFIX + name in outputs
        ]
        self.data_names = [
            n for n in model.input_names if n not in self.state_names
        ]
        if not self.state_names or len(self.data_names) != 1:
            raise SuiteError(
                f"{model.path.name} is not a streaming-step export (needs "
                "one data input and state inputs <s> with outputs next_<s>); "
                "export it with form='streaming'"
            )
        self.states: dict[str, np.ndarray] = {}
        self.reset()

    def reset(self) -> None:
        """Starts a new stream: every recurrent state back to zeros."""
        details = self.model.input_details
        self.states = {
            name: np.zeros(details[name]["shape"], details[name]["dtype"])
            for name in self.state_names
        }

    def step(self, x):
        """Feeds one time step; returns the output(s) after it."""
        name = self.data_names[0]
        shape = tuple(int(d) for d in self.model.input_details[name]["shape"])
        array = np.asarray(x)
        if array.size != int(np.prod(shape)):
            raise SuiteError(
                f"one step of {self.model.path.name} is {list(shape)} "
                f"({int(np.prod(shape))} values), got shape "
                f"{list(array.shape)}"
            )
        outputs = self.model.invoke({name: array.reshape(shape), **self.states})
        for state in self.state_names:
            self.states[state] = outputs.pop(STATE_OUTPUT_PREFIX + state)
        return _single_or_dict(outputs)

    def run(self, window) -> np.ndarray | dict:
        """Steps over `window` (`[T, ...]`, or `[1, T, ...]`) from the
        current state; returns per-step outputs stacked on axis 0."""
        window = np.asarray(window)
        if window.ndim >= 2 and window.shape[0] == 1:
            window = window[0]
        rows = [self.step(row) for row in window]
        if isinstance(rows[0], dict):
            return {k: np.stack([r[k] for r in rows]) for k in rows[0]}
        return np.stack(rows)


def op_names(model) -> list[str]:
    """Distinct op names in a `.tflite` (path or bytes), every subgraph.

    Builtin ops by their LiteRT name (`FULLY_CONNECTED`, `WHILE`, ...);
    custom ops by their custom code (Select-TF ops start with `Flex`).
    """
    return sorted({name for name, _ in _operators(model)})


def float_op_names(model) -> list[str]:
    """Ops that produce a float32 tensor (not counting QUANTIZE/DEQUANTIZE).

    On a float model that is every compute op; after int8 quantization it is
    what stayed float.
    """
    return sorted(
        {name for name, is_float in _operators(model) if is_float}
        - _BOUNDARY_OPS
    )


def has_variable_tensors(model) -> bool:
    """Whether a `.tflite` holds variable (stateful) tensors, e.g. the
    state of LiteRT's fused LSTM op."""
    root = schema.Model.GetRootAs(_read_bytes(model), 0)
    subgraphs = [root.Subgraphs(s) for s in range(root.SubgraphsLength())]
    return any(
        subgraph.Tensors(t).IsVariable()
        for subgraph in subgraphs
        for t in range(subgraph.TensorsLength())
    )


def custom_op_names(model) -> list[str]:
    """Ops the stock builtin runtime cannot run (Flex and other custom)."""
    return [name for name in op_names(model) if name not in _BUILTINS]


_BUILTINS = set(_BUILTIN_NAMES.values()) - {"CUSTOM"}


def _operators(model):
    """Yields `(op name, has a float32 output)` for every operator."""
    buffer = _read_bytes(model)
    root = schema.Model.GetRootAs(buffer, 0)
    names = [
        _code_name(root.OperatorCodes(i))
        for i in range(root.OperatorCodesLength())
    ]
    for s in range(root.SubgraphsLength()):
        subgraph = root.Subgraphs(s)
        for o in range(subgraph.OperatorsLength()):
            operator = subgraph.Operators(o)
            outputs = [
                subgraph.Tensors(operator.Outputs(j)).Type()
                for j in range(operator.OutputsLength())
                if operator.Outputs(j) >= 0
            ]
            is_float = schema.TensorType.FLOAT32 in outputs
            yield names[operator.OpcodeIndex()], is_float


def _code_name(code) -> str:
    value = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
    if value == schema.BuiltinOperator.CUSTOM:
        return code.CustomCode().decode("utf-8")
    return _BUILTIN_NAMES.get(value, f"BUILTIN_{value}")


def _read_bytes(model) -> bytes:
    if isinstance(model, bytes | bytearray):
        return bytes(model)
    return Path(model).read_bytes()


def _single_or_dict(outputs: dict):
    if len(outputs) == 1:
        return next(iter(outputs.values()))
    return outputs
