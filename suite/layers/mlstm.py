"""mLSTM: the matrix-memory LSTM of xLSTM, recurrent form.

Reference: Beck et al. 2024, "xLSTM: Extended Long Short-Term Memory"
(arXiv 2405.04517), section 2.3, and the official recurrent step
(`xlstm/blocks/mlstm/backends.py`, `recurrent_step_stabilized_simple`).
"""

import math

import keras
from keras import ops

from suite.layers import initializers
from suite.layers.cell_rnn import CellRNN
from suite.layers.slstm import _check_heads


@keras.saving.register_keras_serializable(package="suite")
class MLSTMCell(keras.layers.Layer):
    """One mLSTM step: a `head_dim x head_dim` matrix memory per head.

    With `q, k, v = W_q x, W_k x / sqrt(d), W_v x` per head and scalar
    gate pre-activations `i~, f~` per head (all from one fused matmul):

        m_t = max(log_sigmoid(f~) + m_{t-1}, i~)
        i'  = exp(i~ - m_t),  f' = exp(log_sigmoid(f~) + m_{t-1} - m_t)
        C_t = f' C_{t-1} + i' v k^T,   n_t = f' n_{t-1} + i' k
        h_t = o * (C_t q) / (max(|n_t^T q|, exp(-m_t)) + eps)

    with `o = sigmoid(W_o x + b_o)` (or 1 when `use_output_gate=False`, as
    in the mLSTM block, which gates with its own branch instead). The
    stabiliser is the official one (m_0 = 0); `h` does not depend on it and
    no gradient flows through it. There is no memory mixing (no `R h`).

    Args:
        units: width of h; `num_heads * head_dim`.
        num_heads: heads, each with its own `[head_dim, head_dim]` memory.
        use_output_gate: multiply h by a sigmoid output gate.
        epsilon: added to the denominator (official value 1e-6).
        kernel_initializer: initializer of the fused input kernel.
        bias_initializer: initializer of the q, k, v, o and i biases.
        forget_bias_initializer: of the f bias; the official is
            `LinspaceBias(3, 6)` over heads.

    Call arguments:
        inputs: `[batch, input_dim]`, one step.
        states: `[C, n, m]`: `[batch, units * head_dim]`, `[batch, units]`,
            `[batch, num_heads]`.

    Returns `(h, [C, n, m])`.

    Example:
    >>> y = keras.layers.RNN(MLSTMCell(8, num_heads=2))(
    ...     ops.ones((3, 5, 4)))
    >>> tuple(y.shape)
    (3, 8)
    """

    def __init__(
        self,
        units,
        num_heads=1,
        use_output_gate=True,
        epsilon=1e-6,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        forget_bias_initializer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        _check_heads(units, num_heads)
        self.units = units
        self.num_heads = num_heads
        self.use_output_gate = use_output_gate
        self.epsilon = epsilon
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        if forget_bias_initializer is None:
            forget_bias_initializer = initializers.LinspaceBias(3.0, 6.0)
        self.forget_bias_initializer = forget_bias_initializer
        self.head_dim = units // num_heads
        self.state_size = [units * self.head_dim, units, num_heads]
        self.output_size = units

    @property
    def _vector_width(self):
        return (4 if self.use_output_gate else 3) * self.units

    def build(self, input_shape):
        width = self._vector_width + 2 * self.num_heads
        self.kernel = self.add_weight(
            shape=(input_shape[-1], width),
            initializer=keras.initializers.get(self.kernel_initializer),
            name="kernel",
        )
        self.bias = self.add_weight(
            shape=(width,), initializer=self._init_bias, name="bias"
        )

    def _init_bias(self, shape, dtype=None):
        other = keras.initializers.get(self.bias_initializer)
        forget = initializers.get(self.forget_bias_initializer)
        return ops.concatenate(
            [
                other((self._vector_width + self.num_heads,), dtype=dtype),
                forget((self.num_heads,), dtype=dtype),
            ]
        )

    def call(self, inputs, states, training=False):
        memory, normalizer, m = states  # [B, U*d], [B, U], [B, H]
        heads, dim = self.num_heads, self.head_dim
        proj = ops.matmul(inputs, self.kernel) + self.bias  # [B, 4U + 2H]
        u = self.units
        q = ops.reshape(proj[:, :u], (-1, heads, dim))  # [B, H, d]
        k = ops.reshape(proj[:, u : 2 * u], (-1, heads, dim))
        k = k / ops.cast(math.sqrt(dim), k.dtype)
        v = ops.reshape(proj[:, 2 * u : 3 * u], (-1, heads, dim))
        i_pre = proj[:, -2 * heads : -heads]  # [B, H]
        log_f = ops.log_sigmoid(proj[:, -heads:])  # [B, H]

        m_new = ops.stop_gradient(ops.maximum(log_f + m, i_pre))
        i_gate = ops.exp(i_pre - m_new)[:, :, None]  # [B, H, 1]
        f_gate = ops.exp(log_f + m - m_new)[:, :, None]
        memory = ops.reshape(memory, (-1, heads, dim, dim))  # [B, H, dv, dk]
        memory_new = f_gate[..., None] * memory + i_gate[..., None] * (
            v[:, :, :, None] * k[:, :, None, :]
        )
        normalizer_new = (
            f_gate * ops.reshape(normalizer, (-1, heads, dim)) + i_gate * k
        )
        numerator = ops.sum(memory_new * q[:, :, None, :], axis=-1)
        qn = ops.abs(ops.sum(normalizer_new * q, axis=-1))  # [B, H]
        denominator = ops.maximum(qn, ops.exp(-m_new)) + self.epsilon
        h = ops.reshape(numerator / denominator[:, :, None], (-1, u))
        if self.use_output_gate:
            h = ops.sigmoid(proj[:, 3 * u : 4 * u]) * h
        new_states = [
            ops.reshape(memory_new, (-1, u * dim)),
            ops.reshape(normalizer_new, (-1, u)),
            m_new,
        ]
        return h, new_states

    def get_initial_state(self, batch_size=None):
        return [
            ops.zeros((batch_size, size), dtype=self.compute_dtype)
            for size in self.state_size
        ]

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "num_heads": self.num_heads,
            "use_output_gate": self.use_output_gate,
            "epsilon": self.epsilon,
            **initializers.configs_of(
                self,
                (
                    "kernel_initializer",
                    "bias_initializer",
                    "forget_bias_initializer",
                ),
            ),
        }


@keras.saving.register_keras_serializable(package="suite")
class MLSTM(CellRNN):
    """`keras.layers.RNN` over an `MLSTMCell`, with a flat config.

    Takes `MLSTMCell`'s arguments plus `keras.layers.RNN`'s.

    Example:
    >>> y = MLSTM(8, num_heads=2, return_sequences=True)(
    ...     ops.ones((3, 5, 4)))
    >>> tuple(y.shape)
    (3, 5, 8)
    """

    cell_class = MLSTMCell
