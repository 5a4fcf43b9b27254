"""The LSTM variants of Greff et al.'s "LSTM: A Search Space Odyssey".

Reference: Greff, Srivastava, Koutnik, Steunebrink, Schmidhuber 2017,
"LSTM: A Search Space Odyssey" (arXiv 1503.04069), section 2 and the
variants of section 3; peepholes from Gers, Schraudolph, Schmidhuber 2002.
"""

import keras
from keras import ops

from suite.layers import initializers
from suite.layers.cell_rnn import CellRNN

VARIANTS = {
    "vanilla": "peepholes, forget gate, tanh in and out (Greff's V)",
    "nig": "no input gate (i = 1)",
    "nfg": "no forget gate (f = 1)",
    "nog": "no output gate (o = 1)",
    "niaf": "no input activation function (z = W x + R y + b)",
    "noaf": "no output activation function (y = o * c)",
    "np": "no peepholes",
    "cifg": "coupled input and forget gate (f = 1 - i)",
    "fgr": "full gate recurrence (gates also see i, f, o of t-1)",
}


@keras.saving.register_keras_serializable(package="suite")
class VariantLSTMCell(keras.layers.Layer):
    """Greff's vanilla LSTM (with peepholes) or one of its eight variants.

    Vanilla, with `y` the output and `c` the cell state:

        z = tanh(W_z x + R_z y_{t-1} + b_z)
        i = sigmoid(W_i x + R_i y_{t-1} + p_i * c_{t-1} + b_i)
        f = sigmoid(W_f x + R_f y_{t-1} + p_f * c_{t-1} + b_f)
        c = z * i + c_{t-1} * f
        o = sigmoid(W_o x + R_o y_{t-1} + p_o * c + b_o)
        y = tanh(c) * o

    Variants (`variant=`): "nig", "nfg", "nog" drop a gate (set it to 1);
    "niaf" / "noaf" drop the input / output tanh; "np" drops the
    peepholes (= Keras's LSTM); "cifg" couples f = 1 - i (GRU-like);
    "fgr" feeds i, f, o of step t-1 into all three gates (`R_gates`,
    `[3 * units, 3 * units]`, extra states). Only the weights a variant
    uses are created; gate order in `W` and `R` is (i, f, z, o) minus the
    gates the variant drops.

    Args:
        units: width of y and c.
        variant: one of `VARIANTS` ("vanilla" = peephole LSTM).
        kernel_initializer: initializer of `W`.
        recurrent_initializer: initializer of `R` (and `R_gates`).
        bias_initializer: initializer of the biases (forget bias + 1).
        peephole_initializer: initializer of the peephole weights.

    Call arguments:
        inputs: `[batch, input_dim]`; states `[y, c]` (+ `[i, f, o]` for
        "fgr"), each `[batch, units]`.

    Example:
    >>> y = keras.layers.RNN(VariantLSTMCell(4, variant="cifg"))(
    ...     ops.ones((2, 3, 5)))
    >>> tuple(y.shape)
    (2, 4)
    """

    def __init__(
        self,
        units,
        variant="vanilla",
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        peephole_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if variant not in VARIANTS:
            raise ValueError(
                f"unknown LSTM variant {variant!r}; choose one of "
                f"{', '.join(VARIANTS)}"
            )
        self.units = units
        self.variant = variant
        self.kernel_initializer = kernel_initializer
        self.recurrent_initializer = recurrent_initializer
        self.bias_initializer = bias_initializer
        self.peephole_initializer = peephole_initializer
        self.gates = _gates(variant)
        self.peepholes = _peepholes(variant)
        self.state_size = [units] * (5 if variant == "fgr" else 2)
        self.output_size = units

    def build(self, input_shape):
        width = len(self.gates) * self.units
        self.kernel = self.add_weight(
            shape=(input_shape[-1], width),
            initializer=keras.initializers.get(self.kernel_initializer),
            name="kernel",
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, width),
            initializer=keras.initializers.get(self.recurrent_initializer),
            name="recurrent_kernel",
        )
        self.bias = self.add_weight(
            shape=(width,), initializer=self._init_bias, name="bias"
        )
        if self.peepholes:
            self.peephole_kernel = self.add_weight(
                shape=(len(self.peepholes), self.units),
                initializer=keras.initializers.get(self.peephole_initializer),
                name="peephole_kernel",
            )
        if self.variant == "fgr":
            self.gate_recurrent_kernel = self.add_weight(
                shape=(3 * self.units, 3 * self.units),
                initializer=keras.initializers.get(self.recurrent_initializer),
                name="gate_recurrent_kernel",
            )

    def _init_bias(self, shape, dtype=None):
        init = keras.initializers.get(self.bias_initializer)
        parts = [init((self.units,), dtype=dtype) for _ in self.gates]
        if "f" in self.gates:  # forget-gate bias 1 (Gers et al. 2000)
            index = self.gates.index("f")
            parts[index] = parts[index] + 1.0
        return ops.concatenate(parts)

    def call(self, inputs, states, training=False):
        y, c = states[0], states[1]  # [B, U] each
        pre = (
            ops.matmul(inputs, self.kernel)
            + ops.matmul(y, self.recurrent_kernel)
            + self.bias
        )  # [B, G*U]
        pre = dict(
            zip(self.gates, ops.split(pre, len(self.gates), -1), strict=True)
        )
        if self.variant == "fgr":
            previous = ops.concatenate(states[2:], axis=-1)  # [B, 3U]
            extra = ops.matmul(previous, self.gate_recurrent_kernel)
            for name, part in zip("ifo", ops.split(extra, 3, -1), strict=True):
                pre[name] = pre[name] + part
        one = ops.ones_like(c)
        i = self._gate(pre, "i", c, one)
        f = 1.0 - i if self.variant == "cifg" else self._gate(pre, "f", c, one)
        z = pre["z"] if self.variant == "niaf" else ops.tanh(pre["z"])
        c_new = z * i + c * f
        o = self._gate(pre, "o", c_new, one)
        y_new = o * (c_new if self.variant == "noaf" else ops.tanh(c_new))
        new_states = [y_new, c_new]
        if self.variant == "fgr":
            new_states += [i, f, o]
        return y_new, new_states

    def _gate(self, pre, name, cell, one):
        """sigmoid(pre + peephole * cell), or 1 when the variant drops it."""
        if name not in pre:
            return one
        value = pre[name]
        if name in self.peepholes:
            weights = self.peephole_kernel[self.peepholes.index(name)]
            value = value + weights * cell
        return ops.sigmoid(value)

    def get_initial_state(self, batch_size=None):
        return [
            ops.zeros((batch_size, self.units), dtype=self.compute_dtype)
            for _ in self.state_size
        ]

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "variant": self.variant,
            **initializers.configs_of(
                self,
                (
                    "kernel_initializer",
                    "recurrent_initializer",
                    "bias_initializer",
                    "peephole_initializer",
                ),
            ),
        }


@keras.saving.register_keras_serializable(package="suite")
class PeepholeLSTMCell(VariantLSTMCell):
    """The peephole LSTM of Gers et al. 2002 (= Greff's vanilla LSTM).

    Example:
    >>> tuple(keras.layers.RNN(PeepholeLSTMCell(4))(ops.ones((2, 3, 5))).shape)
    (2, 4)
    """

    def __init__(self, units, **kwargs):
        kwargs.pop("variant", None)
        super().__init__(units, variant="vanilla", **kwargs)


@keras.saving.register_keras_serializable(package="suite")
class VariantLSTM(CellRNN):
    """`keras.layers.RNN` over a `VariantLSTMCell`, with a flat config.

    Example:
    >>> tuple(VariantLSTM(4, variant="nfg")(ops.ones((2, 3, 5))).shape)
    (2, 4)
    """

    cell_class = VariantLSTMCell


def _gates(variant):
    """Gates with their own weights, in (i, f, z, o) order."""
    dropped = {"nig": "i", "nfg": "f", "cifg": "f", "nog": "o"}
    return tuple(g for g in "ifzo" if g != dropped.get(variant))


def _peepholes(variant):
    """Gates with a peephole weight vector, in (i, f, o) order."""
    if variant == "np":
        return ()
    dropped = {"nig": "i", "nfg": "f", "cifg": "f", "nog": "o"}
    return tuple(g for g in "ifo" if g != dropped.get(variant))
