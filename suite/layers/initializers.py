"""Bias initializers of the xLSTM paper's official implementation."""

import keras
import numpy as np


@keras.saving.register_keras_serializable(package="suite")
class PowerLawForgetBias(keras.initializers.Initializer):
    """The official sLSTM forget-gate bias: a power law over each head.

    Unit `j` of every head (size `d`) starts at
    `5 - 12 * (j / (d - 1)) ** (0.3 + 1.3 * block_ratio)`, so each head
    spans long memories (bias +5) to fast forgetting (bias -7); deeper
    blocks (`block_ratio` near 1) keep more long-memory units.

    Reference: Beck et al. 2024, xLSTM (arXiv 2405.04517), official code
    `sLSTMCellBase.reset_parameters` ("powerlaw_blockdependent").

    Args:
        num_heads: heads the units are split into.
        block_ratio: `block_index / (num_blocks - 1)` in a stack, 0 for one.

    Example:
    >>> PowerLawForgetBias(num_heads=1)((3,)).numpy().round(2).tolist()
    [5.0, -4.75, -7.0]
    """

    def __init__(self, num_heads=1, block_ratio=0.0):
        self.num_heads = num_heads
        self.block_ratio = block_ratio

    def __call__(self, shape, dtype=None):
        units = int(shape[-1])
        head_dim = units // self.num_heads
        ramp = np.arange(head_dim) / max(head_dim - 1, 1)
        values = 5.0 - 12.0 * ramp ** (0.3 + 1.3 * self.block_ratio)
        values = np.tile(values, self.num_heads)  # [d] -> [H * d]
        return keras.ops.convert_to_tensor(
            np.broadcast_to(values, shape), dtype=dtype or "float32"
        )

    def get_config(self):
        return {"num_heads": self.num_heads, "block_ratio": self.block_ratio}


@keras.saving.register_keras_serializable(package="suite")
class LinspaceBias(keras.initializers.Initializer):
    """Evenly spaced values from `start` to `stop` (mLSTM forget bias 3..6).

    Args:
        start: first value.
        stop: last value.

    Example:
    >>> LinspaceBias(3.0, 6.0)((4,)).numpy().tolist()
    [3.0, 4.0, 5.0, 6.0]
    """

    def __init__(self, start=3.0, stop=6.0):
        self.start = start
        self.stop = stop

    def __call__(self, shape, dtype=None):
        values = np.linspace(self.start, self.stop, int(np.prod(shape)))
        return keras.ops.convert_to_tensor(
            values.reshape(shape), dtype=dtype or "float32"
        )

    def get_config(self):
        return {"start": self.start, "stop": self.stop}


def get(identifier, **powerlaw_kwargs):
    """`keras.initializers.get`, plus "powerlaw" for `PowerLawForgetBias`."""
    if identifier == "powerlaw":
        return PowerLawForgetBias(**powerlaw_kwargs)
    return keras.initializers.get(identifier)


def serialize(identifier):
    """Config value for an initializer argument: strings stay strings."""
    if isinstance(identifier, str | dict):
        return identifier
    return keras.initializers.serialize(identifier)


def configs_of(layer, names):
    """`{name: serialize(layer.name)}` for the initializer arguments."""
    return {name: serialize(getattr(layer, name)) for name in names}
