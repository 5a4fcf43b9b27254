"""Attention layers, the per-head layer norm, initializers, RNN wrappers."""

import keras
import numpy as np
import pytest

from suite.layers import (
    MLSTM,
    SLSTM,
    BahdanauAttention,
    LinspaceBias,
    LuongAttention,
    MultiHeadLayerNorm,
    PowerLawForgetBias,
    VariantLSTM,
)
from tests import helpers
from tests.layers import reference

ATTENTION = {
    "bahdanau": (lambda: BahdanauAttention(5), reference.bahdanau),
    "luong_dot": (
        lambda: LuongAttention("dot"),
        lambda q, v, w, m: reference.luong(q, v, w, "dot", m),
    ),
    "luong_general": (
        lambda: LuongAttention("general"),
        lambda q, v, w, m: reference.luong(q, v, w, "general", m),
    ),
}


@pytest.fixture
def query_values():
    rng = np.random.default_rng(3)
    query = rng.normal(size=(2, 3, 4)).astype("float32")
    values = rng.normal(size=(2, 6, 4)).astype("float32")
    mask = np.ones((2, 6), dtype=bool)
    mask[1, 4:] = False
    return query, values, mask


@pytest.mark.parametrize("name", ATTENTION)
def test_attention_matches_reference_with_mask(name, query_values):
    make, ref = ATTENTION[name]
    query, values, mask = query_values
    layer = make()
    layer(query, values)
    weights = helpers.randomize_weights(layer)
    context, attention = layer(query, values, values_mask=mask)
    want_context, want_attention = ref(
        query.astype("float64"), values.astype("float64"), weights, mask
    )
    np.testing.assert_allclose(np.asarray(context), want_context, atol=1e-5)
    np.testing.assert_allclose(np.asarray(attention), want_attention, atol=1e-6)
    assert np.all(np.asarray(attention)[1, :, 4:] == 0.0)
    # One decoder step ([B, D] query) gives the first row of the above.
    step_context, step_attention = layer(query[:, 0], values, values_mask=mask)
    np.testing.assert_allclose(
        np.asarray(step_attention), np.asarray(attention)[:, 0], atol=1e-6
    )
    assert step_context.shape == (2, 4)


@pytest.mark.parametrize("name", ATTENTION)
def test_attention_config_and_save_load(name, query_values, tmp_path):
    import suite.layers  # noqa: F401

    make = ATTENTION[name][0]
    layer = make()
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config
    query, values, _ = query_values
    query_in = keras.Input((3, 4))
    values_in = keras.Input((6, 4))
    context, attention = layer(query_in, values_in)
    model = keras.Model([query_in, values_in], [context, attention])
    helpers.randomize_weights(model)
    expected = [np.asarray(t) for t in model([query, values])]
    model.save(tmp_path / "attention.keras")
    loaded = keras.saving.load_model(tmp_path / "attention.keras")
    for got, want in zip(loaded([query, values]), expected, strict=True):
        np.testing.assert_allclose(np.asarray(got), want, atol=1e-6)


def test_luong_dot_refuses_mismatched_widths():
    with pytest.raises(ValueError, match="score='general'"):
        LuongAttention("dot")(np.ones((1, 3)), np.ones((1, 2, 4)))
    with pytest.raises(ValueError, match="score must be one of"):
        LuongAttention("concat")


def test_multi_head_layer_norm_normalises_each_head():
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(2, 5, 6))
    layer = MultiHeadLayerNorm(num_heads=2)
    y = np.asarray(layer(x.astype("float32"))).reshape(2, 5, 2, 3)
    np.testing.assert_allclose(y.mean(-1), 0.0, atol=1e-5)
    np.testing.assert_allclose(y.var(-1), 1.0, atol=1e-3)
    config = layer.get_config()
    assert MultiHeadLayerNorm.from_config(config).get_config() == config


def test_bias_initializers_match_official_values():
    bias = np.asarray(PowerLawForgetBias(num_heads=2)((6,)))
    np.testing.assert_allclose(bias[:3], [5.0, 5.0 - 12 * 0.5**0.3, -7.0])
    np.testing.assert_allclose(bias[3:], bias[:3])
    deep = np.asarray(PowerLawForgetBias(1, block_ratio=1.0)((3,)))
    assert deep[1] == pytest.approx(5.0 - 12 * 0.5**1.6)
    np.testing.assert_allclose(
        np.asarray(LinspaceBias(3.0, 6.0)((4,))), [3, 4, 5, 6]
    )


@pytest.mark.parametrize(
    "layer",
    [
        lambda: SLSTM(4, num_heads=2, return_sequences=True, unroll=True),
        lambda: MLSTM(4, use_output_gate=False, go_backwards=True),
        lambda: VariantLSTM(3, variant="cifg", return_state=True),
    ],
    ids=["slstm", "mlstm", "variant"],
)
def test_rnn_wrapper_config_round_trip(layer):
    layer = layer()
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    assert clone.cell.get_config() == layer.cell.get_config()
    x = np.ones((2, 5, 3), dtype="float32")
    outputs = layer(x)
    if config["return_state"]:
        assert len(outputs) == 1 + len(layer.cell.state_size)
    else:
        assert outputs.shape[0] == 2
