"""Every metric against values computed by hand."""

import math

import numpy as np
import pytest

from suite.errors import SuiteError
from suite.tasks import metrics

ACTUAL = np.array([1.0, 2.0, 3.0, 4.0])
PREDICTED = np.array([2.0, 2.0, 2.0, 2.0])  # errors -1, 0, 1, 2


def test_point_errors():
    assert metrics.mae(ACTUAL, PREDICTED) == pytest.approx(1.0)
    assert metrics.mse(ACTUAL, PREDICTED) == pytest.approx(1.5)
    assert metrics.rmse(ACTUAL, PREDICTED) == pytest.approx(math.sqrt(1.5))


def test_percentage_errors():
    # |e|/y = 1, 0, 1/3, 1/2 -> mean 0.458333
    assert metrics.mape(ACTUAL, PREDICTED) == pytest.approx(45.833333, 1e-6)
    # 2|e|/(|y|+|p|) = 2/3, 0, 2/5, 4/6 -> mean 0.433333
    assert metrics.smape(ACTUAL, PREDICTED) == pytest.approx(43.333333, 1e-6)
    assert math.isnan(metrics.mape([0.0, 1.0], [1.0, 1.0]))
    assert metrics.smape([0.0], [0.0]) == 0.0


def test_mase_uses_in_sample_seasonal_naive_scale():
    # lag-1 differences of the train series: 2, 1, 3 -> scale 2
    assert metrics.naive_scale(np.array([1.0, 3.0, 2.0, 5.0]), 1) == 2.0
    # lag-2 differences: |2-1|, |5-3| -> 1.5
    assert metrics.naive_scale(np.array([1.0, 3.0, 2.0, 5.0]), 2) == 1.5
    assert metrics.mase(ACTUAL, PREDICTED, 2.0) == pytest.approx(0.5)


def test_seasonal_naive_repeats_last_season():
    values = np.arange(10.0)[:, None]
    forecast = metrics.seasonal_naive(values, np.array([6]), 5, 3)
    # steps 0..4 look back 3, 3, 3, 6, 6 rows -> rows 3, 4, 5, 3, 4
    np.testing.assert_array_equal(forecast[0, :, 0], [3, 4, 5, 3, 4])


def test_seasonal_naive_needs_history():
    with pytest.raises(SuiteError, match="needs 12 rows of history"):
        metrics.seasonal_naive(np.arange(20.0), np.array([5]), 3, 12)


def test_pinball_and_coverage():
    assert metrics.pinball([1.0], [0.0], 0.9) == pytest.approx(0.9)
    assert metrics.pinball([0.0], [1.0], 0.9) == pytest.approx(0.1)
    assert metrics.coverage([1, 5, 3, 9], [0, 0, 4, 8], [2, 4, 6, 10]) == 0.5


def test_shape_mismatch_is_refused():
    with pytest.raises(SuiteError, match="differ in shape"):
        metrics.mae([1.0, 2.0], [1.0])
