"""Masked pooling of a sequence of features over time."""

import keras
from keras import ops

POOLING_MODES = ("max", "mean", "max_mean")


@keras.saving.register_keras_serializable(package="suite")
class SequencePooling(keras.layers.Layer):
    """Max, mean, or both concatenated, over the unmasked time steps.

    Used after a recurrent layer that returns sequences, so that a
    classifier sees every step instead of only the last state. Masked steps
    (padding) never contribute, so the result is the same however much
    padding follows a sequence; a fully masked sequence pools to zeros.

    Args:
        mode: "max", "mean" or "max_mean" (max then mean, concatenated).

    Call arguments:
        inputs: `[B, T, F]` features.
        mask: optional `[B, T]` boolean, True for real steps.

    Output shape: `[B, F]`, or `[B, 2 * F]` for "max_mean".

    Example:
    >>> import numpy as np
    >>> x = np.array([[[1.0], [3.0], [-9.0]]], "float32")
    >>> mask = np.array([[True, True, False]])
    >>> SequencePooling("max_mean")(x, mask=mask).numpy().tolist()
    [[3.0, 2.0]]
    """

    def __init__(self, mode: str = "max_mean", **kwargs):
        super().__init__(**kwargs)
        if mode not in POOLING_MODES:
            raise ValueError(
                f"mode must be one of {POOLING_MODES}, got {mode!r}"
            )
        self.mode = mode
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            mask = ops.ones(ops.shape(inputs)[:2], dtype="bool")
        valid = ops.expand_dims(ops.cast(mask, "bool"), -1)  # [B, T, 1]
        pooled = []
        if self.mode in ("max", "max_mean"):
            lowest = ops.full_like(inputs, -1e9)
            maximum = ops.max(ops.where(valid, inputs, lowest), axis=1)
            any_valid = ops.any(valid, axis=1)  # [B, 1]
            pooled.append(ops.where(any_valid, maximum, 0.0))  # [B, F]
        if self.mode in ("mean", "max_mean"):
            weights = ops.cast(valid, inputs.dtype)
            total = ops.sum(inputs * weights, axis=1)  # [B, F]
            count = ops.maximum(ops.sum(weights, axis=1), 1.0)  # [B, 1]
            pooled.append(total / count)
        return pooled[0] if len(pooled) == 1 else ops.concatenate(pooled, -1)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        width = input_shape[-1]
        if self.mode == "max_mean" and width is not None:
            width = 2 * width
        return (input_shape[0], width)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}
