"""sLSTM/mLSTM properties: stabiliser invariants, gradients, float16."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from suite.layers import (
    MLSTM,
    SLSTM,
    BahdanauAttention,
    LuongAttention,
    MLSTMCell,
    SLSTMCell,
    VariantLSTM,
)


class _StateProbe(SLSTMCell):
    """SLSTMCell whose per-step output is `[h, n]`, to check n at all t."""

    def __init__(self, units, **kwargs):
        super().__init__(units, **kwargs)
        self.output_size = 2 * units

    def call(self, inputs, states, training=False):
        h, new_states = super().call(inputs, states, training)
        return ops.concatenate([h, new_states[2]], axis=-1), new_states


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_slstm_invariants_over_1000_steps_of_large_preactivations(dtype):
    units, steps = 8, 1000
    rng = np.random.default_rng(0)
    # The input is the gate pre-activations W x themselves (no W), std 20.
    preactivations = rng.normal(scale=20.0, size=(4, steps, 4 * units))
    cell = _StateProbe(
        units,
        num_heads=2,
        use_input_kernel=False,
        recurrent_initializer=keras.initializers.RandomNormal(stddev=5.0),
        dtype=dtype,
    )
    inputs = keras.Input((steps, 4 * units), dtype=dtype)
    model = keras.Model(
        inputs, keras.layers.RNN(cell, return_sequences=True)(inputs)
    )
    probe = model.predict(preactivations.astype(dtype), verbose=0)
    h, n = probe[..., :units], probe[..., units:]
    assert np.all(np.isfinite(probe))
    assert np.all(n >= 1.0)
    # |h| < 1 in exact arithmetic; sigmoid and tanh of pre-activations this
    # large round to exactly 1.0 in floating point, hence <= 1.
    assert np.all(np.abs(h) <= 1.0)
    assert np.mean(np.abs(h) > 0.5) > 0.05  # not trivially zero


def _finite_difference_check(layer, x, tolerance):
    layer(x)
    rng = np.random.default_rng(1)
    for variable in layer.weights:
        variable.assign(rng.normal(scale=0.7, size=variable.shape))
    probe = rng.normal(size=layer(x).shape)

    def loss():
        return float(np.sum(np.asarray(layer(x)) * probe))

    with tf.GradientTape() as tape:
        value = tf.reduce_sum(layer(x) * probe)
    gradients = tape.gradient(value, [v.value for v in layer.weights])
    step = 1e-6
    for variable, gradient in zip(layer.weights, gradients, strict=True):
        gradient = np.asarray(gradient)
        assert np.all(np.isfinite(gradient)), variable.name
        base = np.asarray(variable).copy()
        numeric = np.zeros_like(base)
        for index in np.ndindex(base.shape):
            for sign in (1, -1):
                shifted = base.copy()
                shifted[index] += sign * step
                variable.assign(shifted)
                numeric[index] += sign * loss() / (2 * step)
        variable.assign(base)
        np.testing.assert_allclose(
            gradient, numeric, rtol=tolerance, atol=tolerance
        )


@pytest.mark.parametrize(
    "layer",
    [
        lambda: SLSTM(2, return_sequences=True, dtype="float64"),
        lambda: SLSTM(
            4,
            num_heads=2,
            forget_gate="exp",
            return_sequences=True,
            dtype="float64",
        ),
        # epsilon=0: the official 1e-6 in the denominator makes h depend on
        # the stabiliser by O(1e-6), which the stopped gradient ignores.
        lambda: MLSTM(2, epsilon=0.0, return_sequences=True, dtype="float64"),
    ],
    ids=["slstm", "slstm_2_heads_exp", "mlstm"],
)
def test_gradients_match_finite_differences(layer):
    x = np.random.default_rng(0).normal(size=(2, 4, 2))
    _finite_difference_check(layer(), x, tolerance=1e-6)


def test_mixed_precision_training_has_no_nan():
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        inputs = keras.Input((12, 3))
        x = SLSTM(8, num_heads=2, return_sequences=True)(inputs)
        x = MLSTM(8, num_heads=2, return_sequences=True)(x)
        sequence = VariantLSTM(4, variant="vanilla", return_sequences=True)(x)
        context, _ = BahdanauAttention(4)(sequence[:, -1], sequence)
        luong, _ = LuongAttention("general")(context, sequence)
        outputs = keras.layers.Dense(1, dtype="float32")(luong)
        model = keras.Model(inputs, outputs)
        assert model.layers[1].cell.compute_dtype == "float16"
        model.compile(keras.optimizers.Adam(1e-2), "mse")
        rng = np.random.default_rng(0)
        x = (30.0 * rng.normal(size=(16, 12, 3))).astype("float32")
        y = rng.normal(size=(16, 1)).astype("float32")
        losses = [model.train_on_batch(x, y) for _ in range(3)]
        assert np.all(np.isfinite(losses))
        assert np.all(np.isfinite(model.predict(x, verbose=0)))
    finally:
        keras.config.set_dtype_policy(previous)


def test_mlstm_state_sizes_and_bad_heads():
    cell = MLSTMCell(6, num_heads=3)
    assert cell.state_size == [12, 6, 3]  # C: [U * d], n: [U], m: [H]
    with pytest.raises(ValueError, match="multiple of num_heads"):
        SLSTMCell(5, num_heads=2)
    with pytest.raises(ValueError, match="forget_gate must be one of"):
        SLSTMCell(4, forget_gate="sigmoid")
