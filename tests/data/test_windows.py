"""Splits, transforms and windows against hand-built arrays."""

import numpy as np
import pytest

from suite.data import windows
from suite.errors import SuiteError


def test_split_defaults_and_explicit_rows():
    assert windows.chronological_split(100) == windows.Split(70, 80, 100)
    assert windows.chronological_split(50, 10, 5, 5) == windows.Split(
        10, 15, 20
    )


def test_defaulted_splits_hold_at_least_min_rows():
    # airline: 144 months, horizon 24 -> val 14 -> 24 rows, test 29 stays
    assert windows.chronological_split(144, min_rows=24) == windows.Split(
        91, 115, 144
    )
    # given rows are never changed
    assert windows.chronological_split(144, None, 10, 10, min_rows=24) == (
        windows.Split(124, 134, 144)
    )


@pytest.mark.parametrize(
    "rows, message",
    [((10, 0, 5), "every split needs rows"), ((40, 10, 10), "exceed the 50")],
)
def test_split_errors(rows, message):
    with pytest.raises(SuiteError, match=message):
        windows.chronological_split(50, *rows)


def test_make_windows_cuts_the_right_rows():
    values = np.arange(20.0).reshape(10, 2)  # row r = [2r, 2r+1]
    x, y = windows.make_windows(values, np.array([3, 5]), 3, 2, (1,))
    np.testing.assert_array_equal(x[0], values[0:3])
    np.testing.assert_array_equal(x[1], values[2:5])
    np.testing.assert_array_equal(y[0, :, 0], [7.0, 9.0])  # rows 3, 4 col 1
    np.testing.assert_array_equal(y[1, :, 0], [11.0, 13.0])
    assert x.dtype == np.float32


def test_window_starts_respect_split_and_lag():
    np.testing.assert_array_equal(
        windows.window_starts(10, 20, 4, 3), np.arange(10, 18)
    )
    # inputs may not start before the first differenced row (earliest=12)
    np.testing.assert_array_equal(
        windows.window_starts(0, 20, 4, 3, earliest=12), np.arange(16, 18)
    )


def test_standardization_uses_training_rows_only():
    train = np.array([[1.0], [3.0]])
    prep = windows.fit_preprocessing(train, False, 0, True)
    assert prep.mean == (2.0,) and prep.std == (1.0,)
    np.testing.assert_allclose(
        windows.transform(np.array([[5.0]]), prep), [[3.0]]
    )


def test_constant_feature_gets_unit_std():
    prep = windows.fit_preprocessing(np.ones((5, 1)), False, 0, True)
    assert prep.std == (1.0,)


def test_log_needs_positive_training_values():
    with pytest.raises(SuiteError, match="positive values"):
        windows.fit_preprocessing(np.array([[1.0], [0.0]]), True, 0, True)


def test_log_seasonal_difference_scale_round_trip():
    rng = np.random.default_rng(0)
    season = np.tile([1.0, 2.0, 3.0, 2.5], 12)
    raw = np.stack([season * np.linspace(10, 30, 48), rng.uniform(1, 2, 48)], 1)
    prep = windows.fit_preprocessing(raw[:30], True, 4, True)
    scaled = windows.transform(raw, prep)
    assert np.isnan(scaled[:4]).all() and np.isfinite(scaled[4:]).all()
    starts = np.array([20, 30, 38])
    _, y = windows.make_windows(scaled, starts, 8, 10, (0,))
    history = np.stack([raw[s - 4 : s, :1] for s in starts])
    restored = windows.invert_targets(y, history, prep, (0,))
    expected = np.stack([raw[s : s + 10, :1] for s in starts])
    np.testing.assert_allclose(restored, expected, rtol=1e-5)


def test_invert_targets_handles_quantile_axis():
    prep = windows.Preprocessing(mean=(1.0, 10.0), std=(2.0, 5.0))
    predictions = np.zeros((1, 2, 1, 3))  # [W, H, T=1 (column 1), Q]
    out = windows.invert_targets(predictions, np.zeros((1, 0, 1)), prep, (1,))
    np.testing.assert_allclose(out, np.full((1, 2, 1, 3), 10.0))


def test_center_and_uncenter_round_trip():
    x = np.arange(24.0).reshape(2, 4, 3)
    centered, offsets = windows.center_windows(x, (2,))
    np.testing.assert_array_equal(centered[:, -1], 0.0)
    np.testing.assert_array_equal(offsets, [[11.0], [23.0]])
    y = np.ones((2, 5, 1))
    np.testing.assert_array_equal(
        windows.uncenter(windows.uncenter(y, offsets), -offsets), y
    )
