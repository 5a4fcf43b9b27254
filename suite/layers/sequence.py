"""Small sequence layers the xLSTM blocks need: causal conv, last step."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="suite")
class CausalDepthwiseConv1D(keras.layers.Layer):
    """Causal depthwise 1D convolution: `y_t = sum_j w_j * x_{t-j} + b`.

    Each feature has its own `kernel_size` taps over the current and past
    steps only, so step t never sees the future; masks pass through. Built
    from pad + slice + multiply (builtin TFLite ops, any sequence length).
    This is the convolution feeding the gates in the xLSTM blocks.

    Reference: Beck et al. 2024, xLSTM (arXiv 2405.04517), figures 9-10.

    Args:
        kernel_size: taps (current step and `kernel_size - 1` past ones).
        kernel_initializer: initializer of the `[kernel_size, features]`
            taps.

    Example:
    >>> tuple(CausalDepthwiseConv1D(4)(ops.ones((2, 7, 3))).shape)
    (2, 7, 3)
    """

    def __init__(
        self, kernel_size=4, kernel_initializer="glorot_uniform", **kwargs
    ):
        super().__init__(**kwargs)
        if kernel_size < 1:
            raise ValueError(f"kernel_size must be >= 1, got {kernel_size}")
        self.kernel_size = kernel_size
        self.kernel_initializer = kernel_initializer
        self.supports_masking = True

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(self.kernel_size, input_shape[-1]),
            initializer=keras.initializers.get(self.kernel_initializer),
            name="kernel",
        )
        self.bias = self.add_weight(
            shape=(input_shape[-1],), initializer="zeros", name="bias"
        )

    def call(self, inputs):
        size = self.kernel_size
        padded = ops.pad(inputs, ((0, 0), (size - 1, 0), (0, 0)))
        outputs = self.bias + inputs * self.kernel[0]
        for lag in range(1, size):
            # padded[t + size - 1 - lag] = inputs[t - lag]
            shifted = padded[:, size - 1 - lag : -lag]
            outputs = outputs + shifted * self.kernel[lag]
        return outputs  # [B, T, F]

    def get_config(self):
        return {
            **super().get_config(),
            "kernel_size": self.kernel_size,
            "kernel_initializer": _serialize(self.kernel_initializer),
        }


@keras.saving.register_keras_serializable(package="suite")
class LastValidStep(keras.layers.Layer):
    """`[B, T, F] -> [B, F]`: each sequence's last unmasked step.

    Without a mask this is `inputs[:, -1]`. With right padding (mask True
    then False) it picks step `length - 1`, which for a causal stack equals
    running the unpadded sequence.

    Example:
    >>> tuple(LastValidStep()(ops.ones((2, 7, 3))).shape)
    (2, 3)
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return inputs[:, -1]
        lengths = ops.sum(ops.cast(mask, "int32"), axis=1)  # [B]
        last = ops.maximum(lengths - 1, 0)
        picked = ops.take_along_axis(inputs, last[:, None, None], axis=1)
        return picked[:, 0]

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])


def _serialize(identifier):
    if isinstance(identifier, str | dict):
        return identifier
    return keras.initializers.serialize(identifier)
