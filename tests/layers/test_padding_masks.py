"""SequenceLengths, LengthMask, ZeroMaskedSteps, CenteredSteps: the padding
bookkeeping of the strided conv front end."""

import keras
import numpy as np
import pytest

from suite.layers import (
    CenteredSteps,
    LengthMask,
    SequenceLengths,
    ZeroMaskedSteps,
)


def test_lengths_end_at_the_last_non_zero_step():
    x = np.ones((3, 6, 2), "float32")
    x[0, 4:] = 0.0  # padded to 6
    x[1, 2] = 0.0  # a zero step inside stays
    x[2] = 0.0  # all padding
    np.testing.assert_array_equal(SequenceLengths()(x), [4, 6, 0])


def test_lengths_follow_an_embedding_mask():
    ids = np.array([[4, 0, 2, 0, 0], [1, 2, 3, 4, 5]], "int32")
    embedded = keras.layers.Embedding(6, 3, mask_zero=True)
    inputs = keras.Input((None,), dtype="int32")
    model = keras.Model(inputs, SequenceLengths()(embedded(inputs)))
    np.testing.assert_array_equal(model(ids), [3, 5])


@pytest.mark.parametrize("stride", [1, 2, 3, 4])
def test_length_mask_marks_ceil_of_length_over_stride(stride):
    lengths = np.array([0, 1, 5, 12], "int32")
    frames = np.zeros((4, -(-12 // stride), 1), "float32")
    mask = np.asarray(LengthMask(stride)(lengths, frames))
    np.testing.assert_array_equal(mask.sum(axis=1), -(-lengths // stride))
    assert not np.any(mask[:, 1:] & ~mask[:, :-1])  # True then False


def test_zero_masked_steps_and_configs():
    x = np.arange(12, dtype="float32").reshape(2, 3, 2) + 1
    out = np.asarray(ZeroMaskedSteps()(x, np.array([[1, 1, 0], [1, 0, 0]])))
    np.testing.assert_array_equal(out[0, :2], x[0, :2])
    assert not out[0, 2:].any() and not out[1, 1:].any()
    layer = LengthMask(3, name="m")
    assert LengthMask.from_config(layer.get_config()).stride == 3
    with pytest.raises(ValueError, match="stride must be >= 1"):
        LengthMask(0)


def test_centered_steps_remove_each_sequences_own_mean():
    x = np.array(
        [[[1, 10], [3, 20], [8, 30]], [[2, 4], [9, 9], [9, 9]]], "float32"
    )
    mask = np.array([[1, 1, 1], [1, 0, 0]])  # lengths 3 and 1
    out = np.asarray(CenteredSteps()(x, mask))
    np.testing.assert_allclose(out[0], [[-3, -10], [-1, 0], [4, 10]])
    np.testing.assert_allclose(out[1], 0.0)  # one step: itself is the mean
    alone = np.asarray(CenteredSteps()(x[:1], mask[:1]))
    np.testing.assert_allclose(alone, out[:1])
