"""Export Keras models to `.tflite` files the stock LiteRT runtime runs.

Keras 3's own `model.export(format="litert")` keeps a dynamic batch, so an
LSTM's loop needs Select-TF (Flex) ops that the builtin runtime lacks. Here
the model is rebuilt from its own config with a static batch of 1 (weights
copied, stateful layers made stateless = reset, cuDNN off), traced on the
CPU, converted with builtin ops only, and the ops of the produced file are
listed and checked. A request that needs Flex ops is refused with a
`SuiteError` unless `allow_flex=True`.

Two forms:
- `export_window()`: batch 1, the model's time axis (free or fixed), or a
  fixed `sequence_length`.
- `export_streaming_step()`: one step in, recurrent states in and out (see
  `suite.export.streaming`); run it with `runtime.StreamingSession`.

Quantization (`quantization=`): `"none"` (float32), `"dynamic"` (int8
weights, float activations), `"float16"` (float16 weights), `"int8"`
(weights and activations, calibrated on `representative_data` drawn from
the training windows; one scale per weight tensor, which keeps the file
small), `"int8-per-channel"` (the converter's per-output-channel weight
scales: a larger file, sometimes closer to float) and `"int8-act16"` (int8
weights, int16 activations: LiteRT's 16x8 mode, same calibration, for
models whose int8 activations lose too much; BENCHMARKS.md has a
forecasting model where int8 costs 13% MSE and int8-act16 0.01%; the
converter refuses it for some models, e.g. the char LM, with a
`SuiteError`). All int8 modes need calibration, and the converter crashes
calibrating a recurrent WHILE loop. So int8 windows swap every plain
`keras.layers.LSTM` for LiteRT's fused LSTM op (`fuse_lstm`, see
`suite.layers.fused_lstm`: weights stored once, the loop inside the op, a
full-integer kernel), which needs no fixed length and stays about a quarter
of the float file. What cannot be fused (GRU, custom cells, every layer
under `"int8-act16"`, which has no fused 16x8 kernel) is rebuilt with
`unroll=True` at a fixed length (`sequence_length`, else the model's, else
the data's): every step's ops are stored, so that file grows with the
window. The streaming step is unrolled by construction (one step) and
stays small. Inputs and outputs stay float32; ops without an int8 kernel
stay float and are listed in `ExportResult.float_ops`.

Every export writes a JSON sidecar beside the file
(`suite.export.metadata`), with the caller's `extras`.

Example:
>>> result = export_window(model, "out/model.tflite", quantization="int8",
...                        representative_data=x_train)  # doctest: +SKIP
>>> result.size_bytes, result.float_ops  # doctest: +SKIP
"""

import dataclasses
import os
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import keras

from suite.errors import SuiteError
from suite.export import calibration, fusion, metadata, runtime, streaming
from suite.layers import fused_lstm
from suite.layers.fused_lstm import FusedLSTM

FORMS = metadata.FORMS
QUANTIZATIONS = metadata.QUANTIZATIONS
FUSED_QUANTIZATIONS = ("int8", "int8-per-channel")
"""Modes whose windows use the fused LSTM op by default."""


@dataclasses.dataclass(frozen=True)
class ExportResult:
    """What an export wrote and what is inside it."""

    path: Path
    """The `.tflite` file."""
    metadata_path: Path
    """Its JSON sidecar."""
    form: str
    """`"window"` or `"streaming"`."""
    quantization: str
    """One of `QUANTIZATIONS`."""
    ops: tuple[str, ...]
    """Distinct op names in the file, every subgraph."""
    float_ops: tuple[str, ...]
    """Ops that produce float32 (for int8: those that stayed float)."""
    size_bytes: int
    """File size."""


def export(model, path, *, form: str = "window", **options) -> ExportResult:
    """`export_window` or `export_streaming_step`, chosen by `form`."""
    if form not in FORMS:
        raise SuiteError(f"unknown form {form!r}; choose one of {FORMS}")
    if form == "streaming":
        if options.pop("fuse_lstm", None):
            raise SuiteError(
                "fuse_lstm applies to the window form; a streaming step "
                "has no loop to fuse"
            )
        if options.pop("sequence_length", None) is not None:
            raise SuiteError(
                "--sequence-length applies to the window form; a streaming "
                "step always takes one time step"
            )
        return export_streaming_step(model, path, **options)
    return export_window(model, path, **options)


def export_window(
    model,
    path,
    *,
    sequence_length: int | None = None,
    quantization: str = "none",
    representative_data=None,
    allow_flex: bool = False,
    fuse_lstm: bool | None = None,
    float_layers: Sequence[str] = (),
    extras: Mapping | None = None,
) -> ExportResult:
    """Exports `model` for batch-1 windows; returns what was written.

    Args:
        model: a functional or Sequential keras model (any registry model).
        path: the `.tflite` file to write (`.json` sidecar beside it).
        sequence_length: fix the time axis (None keeps the model's).
        quantization: one of `QUANTIZATIONS`.
        representative_data: training inputs `[N, T, ...]` (or a list /
            dict per input) for `"int8"` calibration.
        allow_flex: permit Select-TF ops (the file then needs the Flex
            delegate, which the stock runtime lacks).
        fuse_lstm: plain LSTM layers become LiteRT's fused LSTM op
            (`suite.layers.fused_lstm`: smaller and faster, equal to Keras
            except that masks are ignored).
            None (default): fused for `"int8"` and `"int8-per-channel"`,
            the only way their LSTMs calibrate without unrolling; a `WHILE`
            loop otherwise (`"int8-act16"` has no fused 16x8 kernel).
        float_layers: names of fused LSTM layers (as in the rebuilt model,
            e.g. `"backward_recurrent_1"`) that `"int8"` and
            `"int8-per-channel"` leave in float while the rest is int8: for
            a layer whose integer kernel loses too much (BENCHMARKS.md:
            one of the four in the IMDB BiLSTM). Pick them on validation
            data (`bench/export_selective.py`).
        extras: JSON values for the sidecar (normalization, vocabulary...).
    """
    _check_request(path, quantization, representative_data)
    if fuse_lstm is None:
        fuse_lstm = quantization in FUSED_QUANTIZATIONS
    if float_layers and not (fuse_lstm and quantization in FUSED_QUANTIZATIONS):
        raise SuiteError(
            "float_layers applies to the fused LSTMs of an 'int8' or "
            f"'int8-per-channel' window, not to {quantization!r}"
        )
    calibrated = quantization.startswith("int8")
    window = window_model(
        model, sequence_length=sequence_length, fuse_lstm=fuse_lstm
    )
    if calibrated and _loops(window):
        sequence_length = calibration.fixed_length(
            model, sequence_length, representative_data
        )
        window = window_model(
            model,
            sequence_length=sequence_length,
            unroll=True,
            fuse_lstm=fuse_lstm,
        )
    feeds = None
    if calibrated:
        arrays = calibration.input_list(window, representative_data)
        feeds = calibration.window_feeds(window, arrays)
    content = convert(
        window,
        quantization=quantization,
        feeds=feeds,
        allow_flex=allow_flex,
        float_layers=float_layers,
    )
    return _write(path, content, window, "window", quantization, extras)


def export_streaming_step(
    model,
    path,
    *,
    quantization: str = "none",
    representative_data=None,
    allow_flex: bool = False,
    extras: Mapping | None = None,
) -> ExportResult:
    """Exports the one-step streaming model of `model` (same arguments as
    `export_window`; `representative_data` are windows, from which step
    inputs and the states reached on them are drawn)."""
    _check_request(path, quantization, representative_data)
    base = window_model(model)
    step = streaming.streaming_step_model(base)
    streaming.check_step_parity(base, step)
    feeds = None
    if quantization.startswith("int8"):
        feeds = calibration.step_feeds(base, representative_data)
    content = convert(
        step,
        quantization=quantization,
        feeds=feeds,
        allow_flex=allow_flex,
    )
    data_count = len(base.inputs)
    states = [
        {"input": name, "output": streaming.STATE_OUTPUT_PREFIX + name}
        for name in streaming.state_names(step, data_count)
    ]
    return _write(
        path, content, step, "streaming", quantization, extras, states
    )


def window_model(
    model,
    *,
    sequence_length: int | None = None,
    unroll: bool = False,
    fuse_lstm: bool = False,
    batch_size: int | None = 1,
):
    """`model` rebuilt from its config with a static batch (weights copied).

    Stateful layers become stateless (the export starts from zero state);
    `fuse_lstm=True` turns every plain `keras.layers.LSTM` that converts
    exactly into a `FusedLSTM` (LiteRT's fused LSTM op, see
    `suite.layers.fused_lstm`); `unroll=True` unrolls every other recurrent
    layer (needs a fixed length).
    """
    config = _model_config(model)
    _check_length(model, sequence_length)
    _edit_config(config, batch_size, sequence_length, unroll)
    if fuse_lstm:
        _fuse_lstms(config)
    import suite.layers  # noqa: F401  (registers custom layers)

    rebuilt = model.__class__.from_config(config)
    _copy_weights(model, rebuilt)
    for layer in rebuilt._flatten_layers(include_self=False):
        if hasattr(layer, "use_cudnn"):
            layer.use_cudnn = False  # CPU trace: no cuDNN op in the graph
    return rebuilt


def convert(
    model, *, quantization="none", feeds=None, allow_flex=False, float_layers=()
):
    """Converts a static-batch keras model to `.tflite` bytes.

    The signature's inputs are the model's input names, its outputs the
    model's output names. Raises a `SuiteError` if the result would need
    non-builtin ops and `allow_flex` is False. `float_layers`: fused LSTM
    layers of `model` that int8 leaves in float (see `export_window`).
    """
    import tensorflow as tf

    specs = [tf.TensorSpec(t.shape, t.dtype, name=t.name) for t in model.inputs]
    names = model.output_names

    def serve(*args):
        outputs = model(list(args) if len(args) > 1 else args[0])
        return dict(zip(names, keras.tree.flatten(outputs), strict=True))

    with tempfile.TemporaryDirectory() as folder, tf.device("/CPU:0"):
        archive = keras.export.ExportArchive()
        archive.track(model)
        archive.add_endpoint("serve", serve, input_signature=specs)
        _quietly(archive.write_out, folder, verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(folder)
        _configure(converter, quantization, feeds, allow_flex)
        converter._experimental_calibrate_only = bool(float_layers)
        try:
            with warnings.catch_warnings():
                # int8 calibration runs TF's own deprecated interpreter
                warnings.filterwarnings(
                    "ignore", message=r"(?s).*tf.lite.Interpreter is deprecated"
                )
                content = converter.convert()
                if float_layers:
                    content = fusion.quantize_except(
                        content, model, float_layers, quantization
                    )
        except SuiteError:
            raise
        except Exception as error:  # ConverterError and friends
            raise SuiteError(_conversion_message(error, allow_flex)) from None
    content = fusion.unclip_fused_lstms(content)
    custom = runtime.custom_op_names(content)
    if custom and not allow_flex:
        raise SuiteError(
            f"the converted model needs non-builtin ops {custom}, which the "
            "stock LiteRT runtime cannot run; pass allow_flex=True "
            "(--allow-flex) only if your device links the Flex delegate"
        )
    return content


def _quietly(function, *args, **kwargs):
    """Runs `function` with TF's Python logger at ERROR (no "Assets
    written to" line per export)."""
    import tensorflow as tf

    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("ERROR")
    try:
        return function(*args, **kwargs)
    finally:
        logger.setLevel(level)


def _configure(converter, quantization, feeds, allow_flex):
    import tensorflow as tf

    supported = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if allow_flex:
        supported.append(tf.lite.OpsSet.SELECT_TF_OPS)
    converter.target_spec.supported_ops = supported
    if allow_flex:  # keep TensorList ops as Flex rather than fail
        converter._experimental_lower_tensor_list_ops = False
    if quantization != "none":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantization == "float16":
        converter.target_spec.supported_types = [tf.float16]
    if quantization == "int8-act16":
        converter.target_spec.supported_ops = [
            tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8,
            *supported,  # ops without a 16x8 kernel stay float (listed)
        ]
    if quantization.startswith("int8"):
        converter.representative_dataset = lambda: iter(feeds)
        # one scale per weight tensor unless asked: per-channel scales and
        # int64 zero points add ~20% to a small int8 file (BENCHMARKS.md)
        per_channel = quantization == "int8-per-channel"
        converter._experimental_disable_per_channel = not per_channel


def _conversion_message(error, allow_flex) -> str:
    text = " ".join(str(error).split())
    flex_hints = ("Flex", "Select TF", "TensorList", "not supported")
    if not allow_flex and any(hint in text for hint in flex_hints):
        return (
            "conversion needs Select-TF (Flex) ops, which the stock LiteRT "
            "runtime cannot run; export with a static batch of 1 (the "
            "default) or pass allow_flex=True (--allow-flex) if the device "
            f"links the Flex delegate. Converter said: {text[:300]}"
        )
    return f"TFLite conversion failed: {text[:400]}"


def _write(path, content, model, form, quantization, extras, states=()):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    staging.write_bytes(content)
    os.replace(staging, path)
    ops = runtime.op_names(content)
    float_ops = runtime.float_op_names(content)
    if not runtime.custom_op_names(content):
        runtime.LiteRTModel(path)  # proves the stock runtime allocates it
    sidecar = metadata.write_metadata(
        path,
        form=form,
        quantization=quantization,
        inputs=[_entry(t.name, t) for t in model.inputs],
        outputs=[
            _entry(name, t)
            for name, t in zip(model.output_names, model.outputs, strict=True)
        ],
        states=states,
        ops=ops,
        float_ops=float_ops,
        reset_variables=runtime.has_variable_tensors(content),
        extras=extras,
    )
    return ExportResult(
        path=path,
        metadata_path=sidecar,
        form=form,
        quantization=quantization,
        ops=tuple(ops),
        float_ops=tuple(float_ops),
        size_bytes=len(content),
    )


def _entry(name, tensor):
    dtype = keras.backend.standardize_dtype(tensor.dtype)
    return metadata.tensor_entry(name, tensor.shape, dtype)


def _check_request(path, quantization, representative_data):
    if Path(path).suffix != ".tflite":
        raise SuiteError(f"export path must end with .tflite, got {path}")
    if quantization not in QUANTIZATIONS:
        raise SuiteError(
            f"unknown quantization {quantization!r}; choose one of "
            f"{QUANTIZATIONS}"
        )
    if quantization.startswith("int8") and representative_data is None:
        raise SuiteError(
            "int8 quantization needs representative_data: a few hundred "
            "training inputs to calibrate activation ranges"
        )


def _model_config(model):
    if not isinstance(model, keras.Model) or not hasattr(model, "inputs"):
        raise SuiteError(
            f"export takes a keras.Model, got {type(model).__name__}"
        )
    try:
        return model.get_config()
    except NotImplementedError:
        raise SuiteError(
            f"model {model.name!r} ({type(model).__name__}) has no config to "
            "rebuild from; export a functional or Sequential model"
        ) from None


def _check_length(model, sequence_length):
    if sequence_length is None:
        return
    if sequence_length < 1:
        raise SuiteError(f"sequence_length must be >= 1, got {sequence_length}")
    current = model.inputs[0].shape[1] if len(model.inputs[0].shape) > 1 else 0
    if current not in (None, sequence_length):
        raise SuiteError(
            f"model {model.name!r} takes windows of {current} steps; "
            f"sequence_length={sequence_length} cannot change that"
        )


def _edit_config(node, batch_size, sequence_length, unroll):
    """Static batch, fixed length, no state carry, optional unroll."""
    if isinstance(node, list):
        for item in node:
            _edit_config(item, batch_size, sequence_length, unroll)
        return
    if not isinstance(node, dict):
        return
    if node.get("class_name") == "InputLayer":
        shape = list(node["config"]["batch_shape"])
        shape[0] = batch_size
        if sequence_length is not None and len(shape) > 1:
            shape[1] = sequence_length
        node["config"]["batch_shape"] = shape
    if "stateful" in node:
        node["stateful"] = False
    if unroll and "unroll" in node:
        node["unroll"] = True
    for value in node.values():
        _edit_config(value, batch_size, sequence_length, unroll)


def _fuse_lstms(node):
    """Swaps fusable `LSTM` configs for `FusedLSTM` in place."""
    if isinstance(node, list):
        for item in node:
            _fuse_lstms(item)
        return
    if not isinstance(node, dict):
        return
    is_lstm = node.get("class_name") == "LSTM" and node.get("module") in (
        "keras.layers",
        "keras.src.layers.rnn.lstm",
    )
    if is_lstm and fused_lstm.fusable(node["config"]):
        node.update(
            module=FusedLSTM.__module__,
            class_name=FusedLSTM.__name__,
            registered_name=f"suite>{FusedLSTM.__name__}",
        )
        node["config"]["unroll"] = False
    for value in node.values():
        _fuse_lstms(value)


def _loops(model) -> bool:
    """Whether a recurrent layer other than `FusedLSTM` is left: its
    `WHILE` loop cannot be calibrated for int8, so it is unrolled."""
    return any(
        isinstance(layer, keras.layers.RNN) and not isinstance(layer, FusedLSTM)
        for layer in model._flatten_layers(include_self=False)
    )


def _copy_weights(source, target):
    values = {w.path: w for w in source.weights}
    unique = len(values) == len(source.weights)  # nested models can repeat
    if unique and all(w.path in values for w in target.weights):
        for weight in target.weights:
            weight.assign(values[weight.path])
        return
    target.set_weights(source.get_weights())
