"""Streaming-step models: one time step in, recurrent states in and out.

`streaming_step_model(model)` walks a functional (or Sequential) model's
graph and replaces every recurrent layer by the same cell run for one step
(`keras.layers.RNN(cell, unroll=True, return_state=True)`, sharing the
trained weights), fed by explicit state inputs `<layer>_state_<i>` and
returning the new states as outputs `next_<layer>_state_<i>`. Every other
layer is reused as is, applied to a window of length 1. Stepping it over a
window from zero states reproduces the window model: the last step's output
equals the window output (per-step heads match step by step). A masked
(padding, token id 0) step leaves the states unchanged and outputs zeros;
a stream has no padding to feed.

A Bidirectional layer needs the whole window (its backward pass starts at
the end), so it cannot stream and is refused, as are `go_backwards` layers
and layers fed an `initial_state` by another layer (encoder-decoder).
Causal convolutions (`Conv1D(padding="causal")`, the suite's
`CausalDepthwiseConv1D`, or any layer with a `receptive_field` attribute)
stream too: their last `receptive_field - 1` inputs become a state buffer
`<layer>_buffer`. `check_step_parity()` refuses models whose other layers
mix time steps (e.g. attention over the window).

Example:
>>> step = streaming_step_model(model)  # doctest: +SKIP
>>> [t.name for t in step.inputs]  # doctest: +SKIP
['features', 'recurrent_1_state_0', 'recurrent_1_state_1', ...]
"""

import keras
import numpy as np

from suite.errors import SuiteError

STATE_OUTPUT_PREFIX = "next_"  # same as suite.export.runtime


def streaming_step_model(model, *, batch_size: int | None = 1):
    """Returns the one-step model of `model` (see the module docstring).

    Args:
        model: a functional or Sequential keras model with recurrent layers.
        batch_size: static batch of the step model; 1 for export, None for
            calibrating on many windows at once.

    Inputs are the model's inputs with time axis 1 (`[B, 1, F]` or `[B, 1]`
    token ids), then one input per recurrent state; outputs are the model's
    outputs, then `next_<state>` for each state, in the same order.
    """
    graph = _functional_graph(model)
    step_inputs = [_step_input(t, batch_size) for t in graph.inputs]
    states_in, states_out = [], []

    def call(operation, *args, **kwargs):
        _refuse_unstreamable(operation)
        field = _receptive_field(operation)
        if isinstance(operation, keras.layers.RNN):
            y, s_in, s_out = _step_layer(operation, args, kwargs, batch_size)
        elif field > 1:
            y, s_in, s_out = _step_causal(operation, args, batch_size, field)
        else:
            return operation(*args, **kwargs)
        states_in.extend(s_in)
        states_out.extend(s_out)
        return y

    outputs = graph._run_through_graph(step_inputs, call_fn=call)
    if not states_in:
        raise SuiteError(
            f"model {model.name!r} has no recurrent layer, so it has no "
            "state to stream; export the window form instead"
        )
    outputs = keras.tree.flatten(outputs)
    return keras.Model(
        step_inputs + states_in,
        outputs + states_out,
        name=f"{model.name}_step",
    )


def state_names(step_model, num_data_inputs: int) -> list[str]:
    """Names of a step model's state inputs (after its data inputs)."""
    return [t.name for t in step_model.inputs[num_data_inputs:]]


def step_over_window(step_model, window_inputs, num_states: int):
    """Runs a step model over `[B, T, ...]` inputs from zero states.

    Returns the per-step model outputs (states dropped) as a list over time,
    each a list of arrays.
    """
    window_inputs = [np.asarray(x) for x in window_inputs]
    data_count = len(step_model.inputs) - num_states
    batch = window_inputs[0].shape[0]
    states = [
        np.zeros(
            (batch, *t.shape[1:]), keras.backend.standardize_dtype(t.dtype)
        )
        for t in step_model.inputs[data_count:]
    ]
    per_step = []
    for t in range(window_inputs[0].shape[1]):
        feeds = [x[:, t : t + 1] for x in window_inputs] + states
        outputs = [np.asarray(y) for y in step_model(feeds, training=False)]
        states = outputs[len(outputs) - num_states :]
        per_step.append(outputs[: len(outputs) - num_states])
    return per_step


def match_steps(window_output, step_outputs):
    """What the step outputs should equal: `(expected, got)` arrays.

    A per-step head (`[B, T, ...]` window output, `[B, 1, ...]` step
    outputs) is compared step by step; any other head at the last step.
    """
    window_output = np.asarray(window_output)
    steps = len(step_outputs)
    first = np.asarray(step_outputs[0])
    per_step = (
        steps > 1
        and window_output.ndim == first.ndim >= 2
        and window_output.shape[1] == steps
        and first.shape[1] == 1
    )
    if per_step:
        return window_output, np.concatenate(step_outputs, axis=1)
    return window_output, np.asarray(step_outputs[-1])


def check_step_parity(model, step_model, *, steps: int = 9, atol=1e-4):
    """Raises unless stepping `step_model` reproduces `model` on a sample."""
    length = model.inputs[0].shape[1] or steps
    inputs = [_sample(t, length, model) for t in model.inputs]
    feed = inputs if len(inputs) > 1 else inputs[0]
    window = keras.tree.flatten(model(feed, training=False))
    num_states = len(step_model.inputs) - len(model.inputs)
    per_step = step_over_window(step_model, inputs, num_states)
    for index, output in enumerate(window):
        expected, got = match_steps(output, [s[index] for s in per_step])
        if expected.shape != got.shape or not np.allclose(
            expected, got, atol=atol
        ):
            raise SuiteError(
                f"model {model.name!r} cannot stream: stepping it does not "
                "reproduce its window output (a layer mixes time steps, "
                "e.g. attention or pooling over the window); export the "
                "window form instead"
            )


def _functional_graph(model):
    if isinstance(model, keras.Sequential):
        model = getattr(model, "_functional", None) or model
    if not hasattr(model, "_run_through_graph") or not model.inputs:
        raise SuiteError(
            f"streaming export needs a functional or Sequential model, got "
            f"{type(model).__name__}; build it with a suite registry builder"
        )
    return model


def _step_input(tensor, batch_size):
    if len(tensor.shape) < 2:
        raise SuiteError(
            f"input {tensor.name!r} has shape {tensor.shape}; streaming needs "
            "a time axis ([batch, time, ...])"
        )
    return keras.Input(
        batch_shape=(batch_size, 1, *tensor.shape[2:]),
        dtype=tensor.dtype,
        name=tensor.name,
    )


def _refuse_unstreamable(operation):
    if isinstance(operation, keras.layers.Bidirectional):
        raise SuiteError(
            f"layer {operation.name!r} is Bidirectional: its backward pass "
            "needs the whole window, so the model cannot stream one step at "
            "a time; export the window form (--form window) instead"
        )
    if isinstance(operation, keras.Model):
        raise SuiteError(
            f"nested model {operation.name!r} cannot be streamed; build the "
            "model as one functional graph"
        )


def _step_layer(layer, args, kwargs, batch_size):
    """One step of recurrent `layer` with explicit state tensors."""
    if layer.go_backwards:
        raise SuiteError(
            f"layer {layer.name!r} runs backwards (go_backwards=True) and "
            "cannot stream; export the window form instead"
        )
    extra = set(kwargs) - {"mask", "training"}
    if len(args) > 1 or extra:
        raise SuiteError(
            f"layer {layer.name!r} is called with {sorted(extra) or 'extra'}"
            " inputs (e.g. an initial_state from an encoder); only layers "
            "that carry their own state can stream"
        )
    initial = layer.get_initial_state(1)
    states_in = [
        keras.Input(
            batch_shape=(batch_size, *state.shape[1:]),
            dtype=keras.backend.standardize_dtype(state.dtype),
            name=f"{layer.name}_state_{index}",
        )
        for index, state in enumerate(initial)
    ]
    step = keras.layers.RNN(
        layer.cell,
        return_sequences=layer.return_sequences,
        return_state=True,
        unroll=True,
        name=f"{layer.name}_step",
    )
    masks = {"mask": kwargs["mask"]} if kwargs.get("mask") is not None else {}
    outputs = step(args[0], initial_state=states_in, **masks)
    # [B, 1, F] -> [B, 1, U] or [B, U], then one new tensor per state
    states_out = [
        keras.layers.Identity(name=STATE_OUTPUT_PREFIX + s.name)(new)
        for s, new in zip(states_in, outputs[1:], strict=True)
    ]
    return outputs[0], states_in, states_out


def _receptive_field(layer) -> int:
    """Steps a causal convolution sees (current + past); 1 otherwise."""
    if isinstance(layer, keras.layers.Conv1D) and layer.padding == "causal":
        return (layer.kernel_size[0] - 1) * layer.dilation_rate[0] + 1
    if type(layer).__name__ == "CausalDepthwiseConv1D":  # suite.layers
        return int(layer.kernel_size)
    return int(getattr(layer, "receptive_field", 1))


def _step_causal(layer, args, batch_size, field):
    """One step of a causal conv: its last `field - 1` inputs are state."""
    x = args[0]  # [B, 1, F]
    buffer = keras.Input(
        batch_shape=(batch_size, field - 1, x.shape[-1]),
        dtype=x.dtype,
        name=f"{layer.name}_buffer",
    )
    window = keras.layers.Concatenate(axis=1, name=f"{layer.name}_window")(
        [buffer, x]
    )  # [B, field - 1, F] + [B, 1, F] -> [B, field, F]
    y = layer(window)[:, -1:]  # the conv at the newest step: [B, 1, F']
    shifted = keras.layers.Identity(name=STATE_OUTPUT_PREFIX + buffer.name)(
        window[:, 1:]
    )
    return y, [buffer], [shifted]


def _sample(tensor, length, model):
    rng = np.random.default_rng(0)
    shape = (1, length, *tensor.shape[2:])
    if "int" in keras.backend.standardize_dtype(tensor.dtype):
        high = min([layer.input_dim for layer in _embeddings(model)] or [2])
        return rng.integers(1, max(high, 2), size=shape).astype("int32")
    return rng.normal(size=shape).astype("float32")


def _embeddings(model):
    return [
        layer
        for layer in model._flatten_layers(include_self=False)
        if isinstance(layer, keras.layers.Embedding)
    ]
