"""SequencePooling: masked max / mean, config round trip."""

import keras
import numpy as np
import pytest

from suite.layers import SequencePooling


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
