"""sLSTM: the scalar-memory LSTM of xLSTM, with exponential gating.

Reference: Beck et al. 2024, "xLSTM: Extended Long Short-Term Memory"
(arXiv 2405.04517), section 2.2, and the official implementation
(`xlstm/blocks/slstm/src/vanilla/slstm.py`, `slstm_forward_pointwise`).
"""

import keras
from keras import ops

from suite.layers import initializers
from suite.layers.cell_rnn import CellRNN

FORGET_GATES = ("log_sigmoid", "exp")


@keras.saving.register_keras_serializable(package="suite")
class SLSTMCell(keras.layers.Layer):
    """One sLSTM step: exponential input gate, stabilised, memory mixing.

    Pre-activations `W x + R h + b` in gate order (i, f, z, o), then

        log_f = log_sigmoid(f~)            (or f~ with forget_gate="exp")
        m_t   = max(log_f + m_{t-1}, i~)   (m_t = i~ where n_{t-1} == 0)
        i'    = exp(i~ - m_t),  f' = exp(log_f + m_{t-1} - m_t)
        c_t   = f' c_{t-1} + i' tanh(z~),  n_t = f' n_{t-1} + i'
        h_t   = sigmoid(o~) * c_t / n_t

    No gradient flows through the stabiliser `m` (h does not depend on it).
    `R` is block-diagonal over `num_heads` heads (memory mixing within a
    head only), stored as `[num_heads, head_dim, 4, head_dim]`. From zero
    states `n_t >= 1` and `|h_t| <= 1` hold at every step.

    Use it inside `keras.layers.RNN` (or the `SLSTM` layer), which brings
    masking, `go_backwards`, `return_state`, `stateful` and `Bidirectional`.

    Args:
        units: width of h (and c, n, m); a multiple of `num_heads`.
        num_heads: heads of the block-diagonal recurrent matrix.
        forget_gate: "log_sigmoid" (sigmoid forget gate in log space, the
            official default) or "exp" (exponential forget gate).
        use_input_kernel: False skips `W`: the input must then already be
            the `4 * units` gate pre-activations `W x` (as in the sLSTM
            block, where a causal convolution feeds i and f).
        kernel_initializer: initializer of `W`, `[input_dim, 4 * units]`.
        recurrent_initializer: initializer of `R`; "zeros" is the official.
        bias_initializer: initializer of the i, z and o biases.
        forget_bias_initializer: initializer of the f bias; "powerlaw" is
            the official `PowerLawForgetBias`.

    Call arguments:
        inputs: `[batch, input_dim]`, one step.
        states: list `[h, c, n, m]`, each `[batch, units]`.

    Returns `(h, [h, c, n, m])`.

    Example:
    >>> layer = keras.layers.RNN(SLSTMCell(8, num_heads=2))
    >>> tuple(layer(ops.ones((3, 5, 4))).shape)
    (3, 8)
    """

    def __init__(
        self,
        units,
        num_heads=1,
        forget_gate="log_sigmoid",
        use_input_kernel=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="zeros",
        bias_initializer="zeros",
        forget_bias_initializer="powerlaw",
        **kwargs,
    ):
        super().__init__(**kwargs)
        _check_heads(units, num_heads)
        if forget_gate not in FORGET_GATES:
            raise ValueError(
                f"forget_gate must be one of {FORGET_GATES}, got "
                f"{forget_gate!r}"
            )
        self.units = units
        self.num_heads = num_heads
        self.forget_gate = forget_gate
        self.use_input_kernel = use_input_kernel
        self.kernel_initializer = kernel_initializer
        self.recurrent_initializer = recurrent_initializer
        self.bias_initializer = bias_initializer
        self.forget_bias_initializer = forget_bias_initializer
        self.head_dim = units // num_heads
        self.state_size = [units] * 4
        self.output_size = units

    def build(self, input_shape):
        gates = 4 * self.units
        if self.use_input_kernel:
            self.kernel = self.add_weight(
                shape=(input_shape[-1], gates),
                initializer=keras.initializers.get(self.kernel_initializer),
                name="kernel",
            )
        elif input_shape[-1] != gates:
            raise ValueError(
                f"use_input_kernel=False needs inputs of width 4 * units = "
                f"{gates} (the gate pre-activations), got {input_shape[-1]}"
            )
        self.recurrent_kernel = self.add_weight(
            shape=(self.num_heads, self.head_dim, 4, self.head_dim),
            initializer=keras.initializers.get(self.recurrent_initializer),
            name="recurrent_kernel",
        )
        self.bias = self.add_weight(
            shape=(gates,), initializer=self._init_bias, name="bias"
        )

    def _init_bias(self, shape, dtype=None):
        other = keras.initializers.get(self.bias_initializer)
        forget = initializers.get(
            self.forget_bias_initializer, num_heads=self.num_heads
        )
        units = (self.units,)
        return ops.concatenate(
            [
                other(units, dtype=dtype),
                forget(units, dtype=dtype),
                other(units, dtype=dtype),
                other(units, dtype=dtype),
            ]
        )

    def call(self, inputs, states, training=False):
        h, c, n, m = states  # each [B, U]
        wx = inputs
        if self.use_input_kernel:
            wx = ops.matmul(inputs, self.kernel)  # [B, F] -> [B, 4U]
        pre = wx + self.recurrent_matmul(h) + self.bias  # [B, 4U]
        i_pre, f_pre, z_pre, o_pre = ops.split(pre, 4, axis=-1)
        if self.forget_gate == "log_sigmoid":
            log_f = ops.log_sigmoid(f_pre)
        else:
            log_f = f_pre
        log_f_plus_m = log_f + m
        m_new = ops.where(
            ops.equal(n, 0.0), i_pre, ops.maximum(i_pre, log_f_plus_m)
        )
        m_new = ops.stop_gradient(m_new)
        i_gate = ops.exp(i_pre - m_new)
        # <= 0 except on a first step (n == 0), where c = n = 0 anyway.
        f_gate = ops.exp(ops.minimum(log_f_plus_m - m_new, 0.0))
        c_new = f_gate * c + i_gate * ops.tanh(z_pre)
        n_new = f_gate * n + i_gate
        h_new = ops.sigmoid(o_pre) * c_new / n_new
        return h_new, [h_new, c_new, n_new, m_new]

    def recurrent_matmul(self, h):
        """`R h` for the block-diagonal `R`: `[B, U] -> [B, 4U]` (i,f,z,o).

        The `[H, d, 4, d]` head blocks are spread into a dense `[U, 4U]`
        matrix (zeros off the blocks) and applied with one matmul: on a CPU
        that is faster than a batched per-head matmul for small heads.
        """
        kernel = self.recurrent_kernel
        if self.num_heads > 1:
            eye = ops.eye(self.num_heads, dtype=kernel.dtype)
            # [H, d, 4, 1, d] * [H, 1, 1, H, 1] -> [H, d, 4, H, d]
            kernel = kernel[:, :, :, None, :] * eye[:, None, None, :, None]
        return ops.matmul(h, ops.reshape(kernel, (self.units, -1)))

    def get_initial_state(self, batch_size=None):
        return [
            ops.zeros((batch_size, self.units), dtype=self.compute_dtype)
            for _ in range(4)
        ]

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "num_heads": self.num_heads,
            "forget_gate": self.forget_gate,
            "use_input_kernel": self.use_input_kernel,
            **initializers.configs_of(
                self,
                (
                    "kernel_initializer",
                    "recurrent_initializer",
                    "bias_initializer",
                    "forget_bias_initializer",
                ),
            ),
        }


@keras.saving.register_keras_serializable(package="suite")
class SLSTM(CellRNN):
    """`keras.layers.RNN` over an `SLSTMCell`, with a flat config.

    Takes `SLSTMCell`'s arguments plus `keras.layers.RNN`'s
    (`return_sequences`, `return_state`, `go_backwards`, `stateful`,
    `unroll`). With `return_state=True` it returns `[h_seq, h, c, n, m]`.

    Reference: Beck et al. 2024, xLSTM (arXiv 2405.04517).

    Example:
    >>> y = SLSTM(8, num_heads=2, return_sequences=True)(
    ...     ops.ones((3, 5, 4)))
    >>> tuple(y.shape)
    (3, 5, 8)
    """

    cell_class = SLSTMCell


def _check_heads(units, num_heads):
    if units < 1 or num_heads < 1 or units % num_heads:
        raise ValueError(
            f"units ({units}) must be a positive multiple of num_heads "
            f"({num_heads}); pick units = num_heads * head_dim"
        )
