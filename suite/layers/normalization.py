"""Per-head layer normalisation (the xLSTM blocks' "group norm")."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="suite")
class MultiHeadLayerNorm(keras.layers.Layer):
    """Layer norm over each head's features separately, then a scale.

    Splits the last axis into `num_heads` heads, normalises each head to
    zero mean and unit variance over its own features (never over time, so
    it stays causal), and multiplies by a learned per-feature scale. This
    is the group norm after the sLSTM and mLSTM cells of xLSTM.

    Reference: Beck et al. 2024, xLSTM (arXiv 2405.04517), official
    `MultiHeadLayerNorm`.

    Args:
        num_heads: heads (groups) the last axis is split into.
        epsilon: added to the variance.

    Example:
    >>> tuple(MultiHeadLayerNorm(2)(ops.ones((3, 5, 8))).shape)
    (3, 5, 8)
    """

    def __init__(self, num_heads=1, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.num_heads = num_heads
        self.epsilon = epsilon
        self.supports_masking = True

    def build(self, input_shape):
        width = input_shape[-1]
        if width % self.num_heads:
            raise ValueError(
                f"feature width {width} is not a multiple of num_heads "
                f"({self.num_heads})"
            )
        self.scale = self.add_weight(
            shape=(width,), initializer="ones", name="scale"
        )

    def call(self, inputs):
        shape = ops.shape(inputs)
        width = inputs.shape[-1]
        heads = ops.reshape(
            inputs, (*shape[:-1], self.num_heads, width // self.num_heads)
        )  # [..., U] -> [..., H, d]
        mean = ops.mean(heads, axis=-1, keepdims=True)
        variance = ops.var(heads, axis=-1, keepdims=True)
        normed = (heads - mean) * ops.rsqrt(variance + self.epsilon)
        return ops.reshape(normed, shape) * self.scale

    def get_config(self):
        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "epsilon": self.epsilon,
        }
