"""Task metrics in NumPy, each checked against hand-computed values."""

import numpy as np

from suite.errors import SuiteError


def mae(actual, predicted) -> float:
    """Mean absolute error."""
    return float(np.mean(np.abs(_diff(actual, predicted))))


def mse(actual, predicted) -> float:
    """Mean squared error."""
    return float(np.mean(np.square(_diff(actual, predicted))))


def rmse(actual, predicted) -> float:
    """Root mean squared error."""
    return float(np.sqrt(mse(actual, predicted)))


def mape(actual, predicted) -> float:
    """Mean absolute percentage error, in percent (actuals must be != 0)."""
    actual = np.asarray(actual, dtype="float64")
    if np.any(actual == 0):
        return float("nan")
    return float(100 * np.mean(np.abs(_diff(actual, predicted) / actual)))


def smape(actual, predicted) -> float:
    """Symmetric MAPE in percent: mean of 2|y - p| / (|y| + |p|)."""
    actual = np.asarray(actual, dtype="float64")
    predicted = np.asarray(predicted, dtype="float64")
    denominator = np.abs(actual) + np.abs(predicted)
    ratio = np.divide(
        2 * np.abs(actual - predicted),
        denominator,
        out=np.zeros_like(denominator),
        where=denominator > 0,
    )
    return float(100 * np.mean(ratio))


def mase(actual, predicted, scale: float) -> float:
    """Mean absolute scaled error: MAE divided by the in-sample naive MAE."""
    return mae(actual, predicted) / scale if scale > 0 else float("nan")


def naive_scale(train: np.ndarray, period: int) -> float:
    """In-sample MAE of the seasonal-naive forecast `y[t-period]` on train."""
    train = np.asarray(train, dtype="float64")
    if len(train) <= period:
        return float("nan")
    return float(np.mean(np.abs(train[period:] - train[:-period])))


def seasonal_naive(
    values: np.ndarray, starts: np.ndarray, horizon: int, period: int
) -> np.ndarray:
    """Forecasts `[W, H, F]`: each step repeats the last observed season.

    For a window whose targets start at row t, step k (0-based) is
    `values[t + k - period * (k // period + 1)]`.
    """
    steps = np.arange(horizon)
    offsets = steps - period * (steps // period + 1)  # [H], all < 0
    rows = starts[:, None] + offsets[None, :]
    if rows.min() < 0:
        raise SuiteError(
            f"seasonal naive needs {period} rows of history before the "
            "first window; use a later split or a shorter period"
        )
    return values[rows]


def pinball(actual, predicted, quantile: float) -> float:
    """Mean quantile (pinball) loss at one quantile level."""
    error = np.asarray(actual) - np.asarray(predicted)
    return float(np.mean(np.maximum(quantile * error, (quantile - 1) * error)))


def coverage(actual, lower, upper) -> float:
    """Fraction of actuals inside `[lower, upper]`."""
    actual = np.asarray(actual)
    inside = (actual >= np.asarray(lower)) & (actual <= np.asarray(upper))
    return float(np.mean(inside))


def point_metrics(actual, predicted, scale: float) -> dict[str, float]:
    """MAE, RMSE, MAPE, sMAPE and MASE in one dict."""
    return {
        "mae": mae(actual, predicted),
        "rmse": rmse(actual, predicted),
        "mape": mape(actual, predicted),
        "smape": smape(actual, predicted),
        "mase": mase(actual, predicted, scale),
    }


def _diff(actual, predicted) -> np.ndarray:
    actual = np.asarray(actual, dtype="float64")
    predicted = np.asarray(predicted, dtype="float64")
    if actual.shape != predicted.shape:
        raise SuiteError(
            f"actual {actual.shape} and predicted {predicted.shape} differ "
            "in shape"
        )
    return actual - predicted
