"""Chronological splits, reversible transforms and sliding windows.

The flow for a forecasting table of shape `[rows, features]`:

1. `chronological_split` cuts rows into train / validation / test.
2. `fit_preprocessing` fits the optional log transform, seasonal
   differencing and standardization on the training rows only; the fitted
   statistics are returned as a value and saved with the model.
3. `transform` applies them; `make_windows` cuts `(x [W, L, F], y [W, H, T])`
   pairs whose targets start inside one split (inputs may reach back into
   the previous split, as in the ETT protocol).
4. `center_windows` optionally subtracts each window's last input value
   (per-window instance normalization); `invert_targets` undoes every step
   on predictions, back to original units.
"""

import dataclasses

import numpy as np

from suite.errors import SuiteError


@dataclasses.dataclass(frozen=True)
class Split:
    """Row boundaries: train `[0, train_end)`, val and test after it."""

    train_end: int
    """First row after the training rows."""
    val_end: int
    """First row after the validation rows."""
    test_end: int
    """First row after the test rows (rows past it are unused)."""


@dataclasses.dataclass(frozen=True)
class Preprocessing:
    """Statistics fitted on the training rows; saved beside the model."""

    log: bool = False
    """Natural log applied first (values must be positive)."""
    seasonal_lag: int = 0
    """Difference `y_t - y_{t-lag}` after the log; 0 disables."""
    mean: tuple[float, ...] = ()
    """Per-feature mean of the transformed training rows."""
    std: tuple[float, ...] = ()
    """Per-feature standard deviation (1.0 where a feature is constant)."""


def chronological_split(
    n_rows: int,
    train_rows: int | None = None,
    val_rows: int | None = None,
    test_rows: int | None = None,
    min_rows: int = 1,
) -> Split:
    """Splits rows in time order; defaults: 20% test, 10% val, rest train.

    A defaulted val or test split gets at least `min_rows` rows (the
    forecasting horizon, so that each split holds a whole target window).
    """
    if test_rows is None:
        test_rows = max(round(0.2 * n_rows), min_rows)
    if val_rows is None:
        val_rows = max(round(0.1 * n_rows), min_rows)
    if train_rows is None:
        train_rows = n_rows - val_rows - test_rows
    if min(train_rows, val_rows, test_rows) < 1:
        raise SuiteError(
            f"cannot split {n_rows} rows into train={train_rows}, "
            f"val={val_rows}, test={test_rows}; every split needs rows"
        )
    if train_rows + val_rows + test_rows > n_rows:
        raise SuiteError(
            f"train+val+test rows ({train_rows}+{val_rows}+{test_rows}) "
            f"exceed the {n_rows} rows in the data"
        )
    val_end = train_rows + val_rows
    return Split(train_rows, val_end, val_end + test_rows)


def fit_preprocessing(
    train: np.ndarray, log: bool, seasonal_lag: int, scale: bool
) -> Preprocessing:
    """Fits the transforms on training rows `[rows, features]`."""
    if log and np.any(train <= 0):
        raise SuiteError(
            "log transform needs positive values, but the training rows "
            "contain values <= 0; drop --log or shift the series"
        )
    draft = Preprocessing(log=log, seasonal_lag=seasonal_lag)
    transformed = transform(train, draft)[seasonal_lag:]
    if len(transformed) < 2:
        raise SuiteError(
            f"seasonal lag {seasonal_lag} leaves too few training rows"
        )
    features = train.shape[1]
    if not scale:
        return dataclasses.replace(
            draft, mean=(0.0,) * features, std=(1.0,) * features
        )
    std = transformed.std(axis=0)
    std = np.where(std > 1e-12, std, 1.0)
    return dataclasses.replace(
        draft,
        mean=tuple(map(float, transformed.mean(axis=0))),
        std=tuple(map(float, std)),
    )


def transform(values: np.ndarray, prep: Preprocessing) -> np.ndarray:
    """Log -> seasonal difference -> standardize; first `lag` rows are NaN."""
    out = np.log(values) if prep.log else values.astype("float64")
    if prep.seasonal_lag:
        lag = prep.seasonal_lag
        diff = np.full_like(out, np.nan)
        diff[lag:] = out[lag:] - out[:-lag]
        out = diff
    if prep.mean:
        out = (out - np.asarray(prep.mean)) / np.asarray(prep.std)
    return out


def invert_targets(
    predictions: np.ndarray,
    history: np.ndarray,
    prep: Preprocessing,
    target_index: tuple[int, ...],
) -> np.ndarray:
    """Maps predictions `[W, H, T, ...]` back to original units.

    Args:
        predictions: model outputs on the transformed scale; extra trailing
            axes (quantiles) are inverted alike.
        history: original-unit target values of the `seasonal_lag` rows
            before each window's first target, `[W, lag, T]` (unused, may be
            empty, when there is no differencing).
        prep: the fitted preprocessing.
        target_index: positions of the target columns among the features.
    """
    extra = predictions.ndim - 3
    shape = (1, 1, len(target_index)) + (1,) * extra
    mean = np.asarray(prep.mean)[list(target_index)].reshape(shape)
    std = np.asarray(prep.std)[list(target_index)].reshape(shape)
    out = predictions * std + mean
    if prep.seasonal_lag:
        base = np.log(history) if prep.log else history
        out = _undifference(out, base.reshape(base.shape + (1,) * extra))
    return np.exp(out) if prep.log else out


def _undifference(diffs: np.ndarray, history: np.ndarray) -> np.ndarray:
    """`y[t+k] = d[t+k] + y[t+k-lag]`, with y before t taken from history."""
    lag = history.shape[1]
    history = np.broadcast_to(history, history.shape[:2] + diffs.shape[2:])
    levels = np.concatenate([history, np.zeros_like(diffs)], axis=1)
    for step in range(diffs.shape[1]):
        levels[:, lag + step] = diffs[:, step] + levels[:, step]
    return levels[:, lag:]


def window_starts(
    first: int, stop: int, lookback: int, horizon: int, earliest: int = 0
) -> np.ndarray:
    """Rows `t` where a window's targets `[t, t+horizon)` lie in `[first,
    stop)` and its inputs `[t-lookback, t)` start at or after `earliest`."""
    start = max(first, earliest + lookback)
    return np.arange(start, stop - horizon + 1)


def make_windows(
    values: np.ndarray,
    starts: np.ndarray,
    lookback: int,
    horizon: int,
    target_index: tuple[int, ...],
) -> tuple[np.ndarray, np.ndarray]:
    """Cuts `x [W, lookback, F]` and `y [W, horizon, T]` at `starts`."""
    inputs = np.lib.stride_tricks.sliding_window_view(values, lookback, 0)
    outputs = np.lib.stride_tricks.sliding_window_view(values, horizon, 0)
    x = inputs[starts - lookback].transpose(0, 2, 1)  # [W, F, L] -> [W, L, F]
    y = outputs[starts][:, list(target_index), :].transpose(0, 2, 1)
    return x.astype("float32"), y.astype("float32")


def center_windows(x, target_index):
    """Per-window instance normalization: subtract the last input step.

    Returns `(centered_x, offsets)`; `offsets [W, T]` is what
    `uncenter` adds back to target-space arrays.
    """
    last = x[:, -1:, :]  # [W, 1, F]
    offsets = last[:, 0, list(target_index)]  # [W, T]
    return x - last, offsets


def uncenter(y: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Adds `offsets [W, T]` back to `y [W, H, T, ...]`."""
    shape = offsets.shape[:1] + (1,) + offsets.shape[1:]
    shape = shape + (1,) * (y.ndim - 3)
    return y + offsets.reshape(shape)


def to_dataset(x, y, batch_size: int, shuffle: bool, seed: int):
    """A batched, prefetched `tf.data.Dataset` of `(x, y)` windows."""
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        dataset = dataset.shuffle(len(x), seed=seed)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)
