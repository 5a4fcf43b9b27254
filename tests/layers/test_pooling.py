"""SequencePooling: masked max / mean, config round trip."""

import keras
import numpy as np
import pytest

from suite.errors import SuiteError
from suite.layers import SequencePooling
from suite.models import registry
from tests import helpers


def test_masked_max_and_mean_against_numpy():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 5, 4)).astype("float32") - 3.0  # all negative
    lengths = np.array([5, 2, 0])
    mask = np.arange(5)[None, :] < lengths[:, None]
    out = np.asarray(SequencePooling("max_mean")(x, mask=mask))
    for row, length in enumerate(lengths):
        if length:
            expected = np.concatenate(
                [x[row, :length].max(0), x[row, :length].mean(0)]
            )
        else:
            expected = np.zeros(8)  # fully masked pools to zeros
        np.testing.assert_allclose(out[row], expected, rtol=1e-6)
    unmasked = np.asarray(SequencePooling("mean")(x))
    np.testing.assert_allclose(unmasked, x.mean(1), rtol=1e-6)


def test_config_round_trip_and_bad_mode():
    layer = SequencePooling("max", name="p")
    clone = SequencePooling.from_config(layer.get_config())
    assert clone.mode == "max" and clone.name == "p"
    assert keras.saving.get_registered_name(SequencePooling) == (
        "suite>SequencePooling"
    )
    with pytest.raises(ValueError, match="mode must be one of"):
        SequencePooling("median")


@pytest.mark.parametrize("name", ["bilstm", "gru"])
def test_pooled_builders_pass_the_builder_battery(name, tmp_path):
    options = {**helpers.TINY_IO, "units": (4,), "pooling": "max_mean"}
    helpers.check_builder(name, options, tmp_path)


def test_pooling_refuses_per_step_outputs():
    with pytest.raises(SuiteError, match="cannot be combined"):
        registry.make_config(
            "bilstm", {"pooling": "max", "return_sequences": True}
        )
    with pytest.raises(SuiteError, match="pooling must be one of"):
        registry.make_config("bilstm", {"pooling": "first"})
