"""Attention for seq2seq decoders: additive (Bahdanau) and Luong's.

Both take a decoder query and the encoder outputs ("values") and return
`(context, attention_weights)`, so a decoder can both use the context and
show where it looked.

References: Bahdanau, Cho, Bengio 2015, "Neural Machine Translation by
Jointly Learning to Align and Translate" (arXiv 1409.0473); Luong, Pham,
Manning 2015, "Effective Approaches to Attention-based Neural Machine
Translation" (arXiv 1508.04025), section 3.1.
"""

import keras
from keras import ops

from suite.layers import initializers

LUONG_SCORES = ("dot", "general")


class _Attention(keras.layers.Layer):
    """Shared call: scores -> masked softmax over values -> context."""

    def call(self, query, values, values_mask=None):
        single_step = len(query.shape) == 2
        if single_step:
            query = query[:, None, :]  # [B, Dq] -> [B, 1, Dq]
        attention_scores = self.score(query, values)  # [B, Tq, Tv]
        if values_mask is not None:
            keep = ops.cast(values_mask, "bool")[:, None, :]  # [B, 1, Tv]
            floor = ops.cast(
                -1e4 if self.compute_dtype == "float16" else -1e9,
                attention_scores.dtype,
            )
            attention_scores = ops.where(keep, attention_scores, floor)
        attention_weights = ops.softmax(attention_scores, axis=-1)
        context = ops.matmul(attention_weights, values)  # [B, Tq, Dv]
        if single_step:
            return context[:, 0], attention_weights[:, 0]
        return context, attention_weights

    def compute_output_spec(self, query, values, values_mask=None):
        steps = () if len(query.shape) == 2 else (query.shape[1],)
        batch = query.shape[0]
        context = keras.KerasTensor(
            (batch, *steps, values.shape[-1]), dtype=self.compute_dtype
        )
        weights = keras.KerasTensor(
            (batch, *steps, values.shape[1]), dtype=self.compute_dtype
        )
        return context, weights


@keras.saving.register_keras_serializable(package="suite")
class BahdanauAttention(_Attention):
    """Additive attention: `score(s, h_j) = v^T tanh(W_q s + W_k h_j)`.

    Weights `a = softmax_j(score)` over the encoder steps (masked ones get
    none); the context is `sum_j a_j h_j`.

    Reference: Bahdanau et al. 2015 (arXiv 1409.0473), appendix A.1.2.

    Args:
        units: width of the hidden scoring layer (`W_q`, `W_k`, `v`).
        kernel_initializer: initializer of `W_q`, `W_k` and `v`.

    Call arguments:
        query: `[batch, query_dim]` (one decoder step) or
            `[batch, query_steps, query_dim]`.
        values: encoder outputs `[batch, value_steps, value_dim]`.
        values_mask: optional `[batch, value_steps]`, True where valid.

    Returns `(context, attention_weights)`: `[batch, (query_steps,)
    value_dim]` and `[batch, (query_steps,) value_steps]`.

    Example:
    >>> context, weights = BahdanauAttention(8)(
    ...     ops.ones((2, 5)), ops.ones((2, 7, 6)))
    >>> tuple(context.shape), tuple(weights.shape)
    ((2, 6), (2, 7))
    """

    def __init__(self, units, kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.kernel_initializer = kernel_initializer

    def build(self, query_shape, values_shape, values_mask_shape=None):
        init = keras.initializers.get(self.kernel_initializer)
        self.query_kernel = self.add_weight(
            shape=(query_shape[-1], self.units),
            initializer=init,
            name="query_kernel",
        )
        self.key_kernel = self.add_weight(
            shape=(values_shape[-1], self.units),
            initializer=init,
            name="key_kernel",
        )
        self.score_vector = self.add_weight(
            shape=(self.units,), initializer=init, name="score_vector"
        )

    def score(self, query, values):
        keys = ops.matmul(values, self.key_kernel)  # [B, Tv, A]
        queries = ops.matmul(query, self.query_kernel)  # [B, Tq, A]
        hidden = ops.tanh(queries[:, :, None, :] + keys[:, None, :, :])
        return ops.sum(hidden * self.score_vector, axis=-1)  # [B, Tq, Tv]

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            **initializers.configs_of(self, ("kernel_initializer",)),
        }


@keras.saving.register_keras_serializable(package="suite")
class LuongAttention(_Attention):
    """Multiplicative attention: `s^T h_j` ("dot") or `s^T W h_j` ("general").

    Weights `a = softmax_j(score)` over the encoder steps (masked ones get
    none); the context is `sum_j a_j h_j`. "dot" needs query and value
    widths to match; "general" learns `W` `[query_dim, value_dim]`.

    Reference: Luong et al. 2015 (arXiv 1508.04025), equation (8).

    Args:
        score: "dot" or "general".
        kernel_initializer: initializer of `W` ("general" only).

    Call arguments and returns: as `BahdanauAttention`.

    Example:
    >>> context, weights = LuongAttention("general")(
    ...     ops.ones((2, 5)), ops.ones((2, 7, 6)))
    >>> tuple(context.shape), tuple(weights.shape)
    ((2, 6), (2, 7))
    """

    def __init__(
        self, score="dot", kernel_initializer="glorot_uniform", **kwargs
    ):
        super().__init__(**kwargs)
        if score not in LUONG_SCORES:
            raise ValueError(
                f"score must be one of {LUONG_SCORES}, got {score!r}"
            )
        self.score_name = score
        self.kernel_initializer = kernel_initializer

    def build(self, query_shape, values_shape, values_mask_shape=None):
        if self.score_name == "dot":
            if query_shape[-1] != values_shape[-1]:
                raise ValueError(
                    f"score='dot' needs query width {query_shape[-1]} to "
                    f"equal value width {values_shape[-1]}; use "
                    "score='general' for different widths"
                )
            return
        self.kernel = self.add_weight(
            shape=(query_shape[-1], values_shape[-1]),
            initializer=keras.initializers.get(self.kernel_initializer),
            name="kernel",
        )

    def score(self, query, values):
        if self.score_name == "general":
            query = ops.matmul(query, self.kernel)  # [B, Tq, Dv]
        return ops.matmul(query, ops.transpose(values, (0, 2, 1)))

    def get_config(self):
        return {
            **super().get_config(),
            "score": self.score_name,
            **initializers.configs_of(self, ("kernel_initializer",)),
        }
