"""xLSTM and LSTM-variant builders: causality, masking, bad configs."""

import numpy as np
import pytest

from suite.errors import SuiteError
from suite.layers import CausalDepthwiseConv1D
from suite.models import registry

TOKEN_OPTIONS = {"vocab_size": 9, "embedding_dim": 4, "output_units": 2}
BUILDERS = {
    "xlstm": {"width": 4, "num_heads": 2, "pattern": "sm"},
    "lstm_variant": {"units": (3,), "variant": "vanilla"},
}


@pytest.mark.parametrize("name", BUILDERS)
def test_right_padding_never_changes_the_prediction(name):
    model = registry.build(name, {**TOKEN_OPTIONS, **BUILDERS[name]})
    tokens = np.array([[3, 1, 4, 1, 5]])
    padded = np.array([[3, 1, 4, 1, 5, 0, 0, 0]])
    np.testing.assert_allclose(
        np.asarray(model(padded)), np.asarray(model(tokens)), atol=1e-5
    )


def test_xlstm_blocks_are_causal():
    options = {"num_features": 2, "width": 4, "num_heads": 2}
    model = registry.build(
        "xlstm", {**options, "pattern": "sm", "return_sequences": True}
    )
    x = np.random.default_rng(0).normal(size=(1, 8, 2)).astype("float32")
    changed = x.copy()
    changed[:, 5:] += 3.0
    before, after = np.asarray(model(x)), np.asarray(model(changed))
    np.testing.assert_allclose(before[:, :5], after[:, :5], atol=1e-6)
    assert not np.allclose(before[:, 5:], after[:, 5:])
    names = [layer.name for layer in model.layers]
    assert "block_1_slstm_cell" in names and "block_2_mlstm_cell" in names


def test_causal_depthwise_conv_matches_numpy():
    layer = CausalDepthwiseConv1D(3)
    x = np.random.default_rng(1).normal(size=(2, 6, 4)).astype("float32")
    y = np.asarray(layer(x))
    kernel, bias = (np.asarray(w) for w in layer.weights)
    padded = np.pad(x, ((0, 0), (2, 0), (0, 0)))
    expected = bias + sum(
        padded[:, 2 - lag : 2 - lag + 6] * kernel[lag] for lag in range(3)
    )
    np.testing.assert_allclose(y, expected, atol=1e-6)


@pytest.mark.parametrize(
    "name, options, message",
    [
        ("xlstm", {"pattern": "msx"}, "letters 'm'"),
        ("slstm", {"width": 6, "num_heads": 4}, "multiple of num_heads"),
        ("mlstm", {"num_blocks": 0}, "num_blocks must be >= 1"),
        ("lstm_variant", {"variant": "gru"}, "unknown LSTM variant"),
    ],
)
def test_bad_options_are_refused(name, options, message):
    with pytest.raises(SuiteError, match=message):
        registry.make_config(name, options)


def test_slstm_blocks_get_the_official_block_dependent_forget_bias():
    model = registry.build(
        "slstm", {"width": 6, "num_heads": 2, "num_blocks": 2}
    )
    for index, ratio in ((1, 0.0), (2, 1.0)):
        cell = model.get_layer(f"block_{index}_slstm_cell").cell
        forget_bias = np.asarray(cell.bias)[6:12]  # gate order i, f, z, o
        ramp = np.array([0.0, 0.5, 1.0]) ** (0.3 + 1.3 * ratio)
        np.testing.assert_allclose(
            forget_bias, np.tile(5.0 - 12.0 * ramp, 2), rtol=1e-6
        )
        assert not np.any(np.asarray(cell.recurrent_kernel))  # zeros init
