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


@keras.saving.register_keras_serializable(package="suite")
class CTCLoss(keras.losses.Loss):
    """Connectionist temporal classification loss on per-frame logits.

    Graves et al., 2006. Blank is class 0 (Keras 3 convention). Each
    target row packs what CTC needs per utterance, so the loss works with
    plain `fit(x, y)` on padded batches: column 0 is the number of valid
    logit frames (after the model's striding), the rest are the labels
    1..V padded with 0 (the label length is the count of non-zero labels).

    Shapes: `y_true [B, 1 + L]`, `y_pred [B, T, V + 1]` logits; returns the
    negative log-likelihood per utterance, `[B]`.

    Example:
    >>> y_true = ops.convert_to_tensor([[2.0, 1.0, 0.0]])  # 2 frames, 'a'
    >>> round(float(CTCLoss()(y_true, ops.zeros((1, 2, 2)))), 4)
    0.2877
    """

    def __init__(self, name="ctc", **kwargs):
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, "int32")
        frames = y_true[:, 0]
        labels = y_true[:, 1:]
        label_lengths = ops.sum(ops.cast(labels > 0, "int32"), axis=-1)
        return ops.ctc_loss(labels, y_pred, label_lengths, frames, mask_index=0)
