"""Losses the tasks compile with, registered so saved models reload."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="suite")
class PinballLoss(keras.losses.Loss):
    """Quantile (pinball) loss summed over quantiles, averaged elsewhere.

    Trains one output per quantile level; each output converges to that
    quantile of the target's conditional distribution (Koenker & Bassett,
    1978), which gives prediction intervals.

    Args:
        quantiles: the quantile levels, in the order of the last axis of
            `y_pred`.

    Shapes: `y_true [B, ...]`, `y_pred [B, ..., Q]`.

    Example:
    >>> loss = PinballLoss(quantiles=(0.1, 0.5, 0.9))
    >>> float(loss(ops.zeros((1, 2)), ops.ones((1, 2, 3))))
    1.5
    """

    def __init__(self, quantiles=(0.1, 0.5, 0.9), name="pinball", **kwargs):
        super().__init__(name=name, **kwargs)
        self.quantiles = tuple(float(q) for q in quantiles)

    def call(self, y_true, y_pred):
        levels = ops.convert_to_tensor(self.quantiles, dtype=y_pred.dtype)
        error = ops.expand_dims(y_true, -1) - y_pred  # [B, ..., Q]
        loss = ops.maximum(levels * error, (levels - 1.0) * error)
        return ops.sum(loss, axis=-1)

    def get_config(self):
        return {**super().get_config(), "quantiles": self.quantiles}
