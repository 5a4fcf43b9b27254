"""Reading and validating a time-series table.

`read_series` turns a CSV path or DataFrame into a clean frame: the time
column parsed and sorted, duplicates and irregular spacing refused, values
numeric, and NaNs either refused (with their row numbers) or filled by an
explicitly named policy.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from suite.errors import SuiteError

FILL_POLICIES = ("none", "ffill", "interpolate", "zero")
_MAX_LISTED = 5


def read_series(
    source,
    time_column: str,
    columns: tuple[str, ...],
    fill_policy: str = "none",
) -> pd.DataFrame:
    """Returns `source` as a frame indexed by time with `columns` (float64).

    Args:
        source: a CSV path (plain or .gz) or a DataFrame.
        time_column: the column holding timestamps.
        columns: the value columns to keep, in this order.
        fill_policy: what to do with missing values: "none" refuses them,
            "ffill" carries the last value forward, "interpolate" fills
            linearly in time, "zero" writes 0.
    """
    if fill_policy not in FILL_POLICIES:
        raise SuiteError(
            f"unknown fill policy {fill_policy!r}; choose one of "
            f"{', '.join(FILL_POLICIES)}"
        )
    frame = _as_frame(source).reset_index(drop=True)
    _check_columns(frame, (time_column, *columns))
    values = _numeric(frame[list(columns)])
    if fill_policy == "none":
        _refuse_missing(values)
    values.index = _time_index(frame[time_column])
    values = values.sort_index(kind="stable")
    _check_spacing(values.index, time_column)
    return _fill_missing(values, fill_policy)


def infer_frequency(index: pd.DatetimeIndex) -> str:
    """The pandas frequency of a regular index, e.g. 'MS' or 'h'."""
    return _regular_frequency(index)


def _as_frame(source) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source.copy()
    path = Path(source)
    if not path.is_file():
        raise SuiteError(f"CSV file {str(path)!r} not found; check the path")
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise SuiteError(f"cannot parse {path} as CSV: {error}") from None
    except pd.errors.EmptyDataError:
        raise SuiteError(f"{path} is empty; give a CSV with a header") from None
    return frame


def _check_columns(frame: pd.DataFrame, wanted) -> None:
    missing = [name for name in wanted if name not in frame.columns]
    if missing:
        raise SuiteError(
            f"column(s) {missing} not in the data; available columns: "
            f"{list(map(str, frame.columns))}"
        )


def _time_index(column: pd.Series) -> pd.DatetimeIndex:
    times = pd.to_datetime(column, errors="coerce")
    bad = np.flatnonzero(times.isna().to_numpy())
    if bad.size:
        raise SuiteError(
            f"time column {column.name!r} has unparseable values at rows "
            f"{_rows(bad)}; use ISO dates such as 2016-07-01 00:00:00"
        )
    return pd.DatetimeIndex(times, name=column.name)


def _check_spacing(index: pd.DatetimeIndex, time_column: str) -> None:
    duplicated = index.duplicated()
    if duplicated.any():
        raise SuiteError(
            f"time column {time_column!r} repeats {duplicated.sum()} "
            f"timestamp(s), first {index[duplicated][0]}; aggregate "
            "duplicates first"
        )
    _regular_frequency(index)


def _regular_frequency(index: pd.DatetimeIndex) -> str:
    if len(index) < 3:
        raise SuiteError(
            f"need at least 3 timestamps to infer the spacing, got {len(index)}"
        )
    frequency = pd.infer_freq(index)
    if frequency is not None:
        return frequency
    steps = pd.Series(index[1:] - index[:-1])
    usual = steps.mode().iloc[0]
    odd = np.flatnonzero((steps != usual).to_numpy())
    position = int(odd[0]) if odd.size else 0
    raise SuiteError(
        f"irregular time spacing: the usual step is {usual}, but "
        f"{index[position]} -> {index[position + 1]} differs "
        f"({odd.size} such gaps); resample to a regular frequency first"
    )


def _numeric(values: pd.DataFrame) -> pd.DataFrame:
    converted = values.apply(pd.to_numeric, errors="coerce")
    broken = converted.isna() & values.notna()
    for name in values.columns:
        rows = np.flatnonzero(broken[name].to_numpy())
        if rows.size:
            sample = values[name].iloc[rows[0]]
            raise SuiteError(
                f"column {name!r} has non-numeric values at rows "
                f"{_rows(rows)} (e.g. {sample!r}); clean or drop them"
            )
    return converted.astype("float64")


def _refuse_missing(values: pd.DataFrame) -> None:
    missing = values.isna().any(axis=1).to_numpy()
    if missing.any():
        raise SuiteError(
            f"missing values (NaN) at rows {_rows(np.flatnonzero(missing))}; "
            "fix the data or choose a fill policy: ffill, interpolate or zero"
        )


def _fill_missing(values: pd.DataFrame, fill_policy: str) -> pd.DataFrame:
    if not values.isna().to_numpy().any():
        return values
    if fill_policy == "ffill":
        filled = values.ffill().bfill()
    elif fill_policy == "interpolate":
        filled = values.interpolate(method="time").ffill().bfill()
    else:
        filled = values.fillna(0.0)
    return filled


def _rows(positions) -> str:
    """Data-row numbers as in the file (0 = first row after the header)."""
    listed = ", ".join(str(int(p)) for p in positions[:_MAX_LISTED])
    more = len(positions) - _MAX_LISTED
    return listed + (f" and {more} more" if more > 0 else "")


CALENDAR_FEATURES = ("hour_sin", "hour_cos", "weekday_sin", "weekday_cos")


def calendar_features(times: pd.DatetimeIndex) -> np.ndarray:
    """`[N, 4]` float32: hour of day and day of week on the unit circle.

    Known for any future timestamp, so a decoder can take them as known
    future covariates.
    """
    times = pd.DatetimeIndex(times)
    hour = 2 * np.pi * (times.hour + times.minute / 60) / 24
    weekday = 2 * np.pi * times.dayofweek / 7
    columns = [np.sin(hour), np.cos(hour), np.sin(weekday), np.cos(weekday)]
    return np.stack(columns, axis=-1).astype("float32")
