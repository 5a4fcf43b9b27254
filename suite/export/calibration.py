"""Representative data for int8 calibration, as converter feeds.

The converter calibrates activation ranges on a few hundred batch-1 feeds
`{input name: array}`. For a window model they are evenly spaced training
windows; for a streaming step they are the step inputs of training windows
together with the recurrent states reached on them, so the state inputs get
realistic ranges too.
"""

from collections.abc import Mapping

import keras
import numpy as np

from suite.errors import SuiteError
from suite.export import streaming

CALIBRATION_SAMPLES = 200
"""Representative samples fed to the int8 calibration."""


def fixed_length(model, sequence_length, representative_data) -> int:
    """The length an unrolled int8 window gets: asked, model's, or data's."""
    if sequence_length is not None:
        return sequence_length
    current = model.inputs[0].shape[1]
    if current is not None:
        return current
    first = input_list(model, representative_data)[0]
    return int(first.shape[1])


def input_list(model, data) -> list[np.ndarray]:
    """Representative data as one array per model input, in input order."""
    names = [t.name for t in model.inputs]
    if isinstance(data, Mapping):
        missing = set(names) - set(data)
        if missing:
            raise SuiteError(
                f"representative_data lacks input(s) {sorted(missing)}"
            )
        arrays = [np.asarray(data[name]) for name in names]
    elif isinstance(data, list | tuple):
        arrays = [np.asarray(x) for x in data]
    else:
        arrays = [np.asarray(data)]
    if len(arrays) != len(names) or any(len(a) == 0 for a in arrays):
        raise SuiteError(
            f"representative_data must give a non-empty batch for each of "
            f"the inputs {names}"
        )
    return arrays


def window_feeds(model, arrays, limit=CALIBRATION_SAMPLES) -> list[dict]:
    """Up to `limit` batch-1 feeds `{input name: array}`, evenly spaced."""
    count = len(arrays[0])
    picks = _spread(count, limit)
    feeds = []
    for index in picks:
        feed = {}
        for tensor, array in zip(model.inputs, arrays, strict=True):
            dtype = keras.backend.standardize_dtype(tensor.dtype)
            sample = array[index : index + 1].astype(dtype)
            if not _fits(tensor.shape[1:], sample.shape[1:]):
                raise SuiteError(
                    f"representative_data for {tensor.name!r} has samples of "
                    f"shape {list(sample.shape[1:])}, the model takes "
                    f"{list(tensor.shape[1:])}"
                )
            feed[tensor.name] = sample
        feeds.append(feed)
    return feeds


def _fits(wanted, got) -> bool:
    return len(wanted) == len(got) and all(
        w is None or w == g for w, g in zip(wanted, got, strict=True)
    )


def step_feeds(base, representative_data, windows=32) -> list[dict]:
    """Step feeds (inputs + states reached) from up to `windows` windows."""
    arrays = input_list(base, representative_data)
    count = len(arrays[0])
    picks = _spread(count, windows)
    arrays = [a[picks] for a in arrays]
    batch_step = streaming.streaming_step_model(base, batch_size=None)
    data_count = len(base.inputs)
    names = [t.name for t in batch_step.inputs]
    states = [
        np.zeros((len(picks), *t.shape[1:]), "float32")
        for t in batch_step.inputs[data_count:]
    ]
    feeds = []
    for t in range(arrays[0].shape[1]):
        inputs = [a[:, t : t + 1] for a in arrays] + states
        for row in range(len(picks)):
            feeds.append(
                {
                    n: np.asarray(x[row : row + 1])
                    for n, x in zip(names, inputs, strict=True)
                }
            )
        outputs = batch_step(inputs, training=False)
        states = [np.asarray(s) for s in outputs[-len(states) :]]
    return [
        _cast_feed(batch_step, feeds[i])
        for i in _spread(len(feeds), CALIBRATION_SAMPLES)
    ]


def _spread(count: int, limit: int) -> np.ndarray:
    """Up to `limit` evenly spaced indices into `count` items."""
    return np.unique(np.linspace(0, count - 1, min(limit, count)).astype(int))


def _cast_feed(model, feed):
    return {
        t.name: feed[t.name].astype(keras.backend.standardize_dtype(t.dtype))
        for t in model.inputs
    }
