"""The custom-cell battery (tests/helpers.py) on every recurrent cell."""

import functools

import keras
import numpy as np
import pytest

from suite.layers import (
    VARIANTS,
    MLSTMCell,
    PeepholeLSTMCell,
    SLSTMCell,
    VariantLSTMCell,
)
from tests import helpers
from tests.layers import reference


def _variant_case(variant, cell_cls=VariantLSTMCell):
    kwargs = {} if cell_cls is PeepholeLSTMCell else {"variant": variant}
    return (
        functools.partial(cell_cls, 3, **kwargs),
        functools.partial(reference.variant_lstm, variant=variant),
    )


# name -> (fresh cell factory, NumPy reference(x, weights) -> h [B, T, U])
CASES = {
    "slstm_2_heads": (
        functools.partial(SLSTMCell, 4, num_heads=2),
        reference.slstm,
    ),
    "slstm_exp_forget": (
        functools.partial(SLSTMCell, 3, forget_gate="exp"),
        functools.partial(reference.slstm, forget_gate="exp"),
    ),
    "mlstm_2_heads": (
        functools.partial(MLSTMCell, 4, num_heads=2),
        functools.partial(reference.mlstm, num_heads=2),
    ),
    "mlstm_no_output_gate": (
        functools.partial(MLSTMCell, 3, use_output_gate=False),
        functools.partial(reference.mlstm, num_heads=1, use_output_gate=False),
    ),
    **{f"variant_{name}": _variant_case(name) for name in VARIANTS},
    "peephole": _variant_case("vanilla", PeepholeLSTMCell),
}


@pytest.fixture
def x():
    rng = np.random.default_rng(42)
    return rng.normal(size=(3, 6, 2)).astype("float32")


@pytest.mark.parametrize("name", CASES)
def test_config_round_trip(name):
    helpers.check_cell_config_round_trip(CASES[name][0])


@pytest.mark.parametrize("name", CASES)
def test_matches_numpy_reference(name, x):
    make_cell, ref = CASES[name]
    helpers.check_cell_matches_reference(make_cell, ref, x)


@pytest.mark.parametrize("name", CASES)
def test_rnn_equals_step_loop(name, x):
    helpers.check_cell_matches_step_loop(CASES[name][0], x)


@pytest.mark.parametrize("name", CASES)
def test_unroll_equals_while_loop(name, x):
    helpers.check_cell_unroll_and_graph(CASES[name][0], x)


@pytest.mark.parametrize("name", CASES)
def test_masking_and_stateful(name, x):
    helpers.check_cell_masking_and_stateful(CASES[name][0], x)


@pytest.mark.parametrize("name", CASES)
def test_bidirectional_save_load(name, x, tmp_path):
    helpers.check_cell_bidirectional_save_load(CASES[name][0], x, tmp_path)


# Pinned last-step outputs from constant initializers on a fixed input
# (computed once from tests/layers/reference.py, which must agree too).
CONSTANT = {
    "kernel_initializer": keras.initializers.Constant(0.3),
    "bias_initializer": keras.initializers.Constant(0.1),
}
PINNED_CASES = {
    "slstm": (
        lambda: SLSTMCell(
            4,
            num_heads=2,
            recurrent_initializer=keras.initializers.Constant(-0.2),
            **CONSTANT,
        ),
        reference.slstm,
    ),
    "mlstm": (
        lambda: MLSTMCell(4, num_heads=2, **CONSTANT),
        functools.partial(reference.mlstm, num_heads=2),
    ),
    "vanilla": (
        lambda: VariantLSTMCell(
            2,
            recurrent_initializer=keras.initializers.Constant(-0.2),
            peephole_initializer=keras.initializers.Constant(0.5),
            **CONSTANT,
        ),
        functools.partial(reference.variant_lstm, variant="vanilla"),
    ),
}
PINNED = {
    "slstm": [
        [-0.1121798, 0.0247368, -0.1121798, 0.0247368],
        [0.332818, 0.4624461, 0.332818, 0.4624461],
    ],
    "mlstm": [
        [0.0021941, 0.0021941, 0.0026872, 0.0026872],
        [0.5353519, 0.5353519, 0.5309699, 0.5309699],
    ],
    "vanilla": [[-0.0790369, -0.0790369], [0.673569, 0.673569]],
}


def _pinned_input():
    return np.linspace(-1.0, 1.0, 2 * 5 * 3).reshape(2, 5, 3).astype("f4")


@pytest.mark.parametrize("name", PINNED_CASES)
def test_pinned_outputs_from_constant_initializers(name):
    make_cell, ref = PINNED_CASES[name]
    x = _pinned_input()
    layer = keras.layers.RNN(make_cell(), return_sequences=True)
    outputs = np.asarray(layer(x))
    weights = {w.name: np.asarray(w, "float64") for w in layer.cell.weights}
    expected = ref(x.astype("float64"), weights)
    np.testing.assert_allclose(outputs, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        outputs[:, -1], PINNED[name], rtol=1e-5, atol=1e-6
    )
