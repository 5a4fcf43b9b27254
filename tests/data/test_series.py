"""Reading and validating time-series tables, with the exact messages."""

import numpy as np
import pandas as pd
import pytest

from suite.data import series
from suite.errors import SuiteError


def _frame(values, times=None):
    times = times or [f"2020-01-0{d}" for d in range(1, len(values) + 1)]
    return pd.DataFrame({"t": times, "y": values, "x": range(len(values))})


def test_reads_sorts_and_converts(tmp_path):
    path = tmp_path / "s.csv"
    _frame([3, 1, 2], ["2020-01-03", "2020-01-01", "2020-01-02"]).to_csv(
        path, index=False
    )
    frame = series.read_series(path, "t", ("y",))
    assert list(frame["y"]) == [1.0, 2.0, 3.0]
    assert series.infer_frequency(frame.index) == "D"


def test_missing_column_lists_available():
    with pytest.raises(SuiteError, match=r"\['z'\] not in the data.*'t', 'y'"):
        series.read_series(_frame([1, 2, 3]), "t", ("z",))


def test_nan_refused_with_row_numbers():
    with pytest.raises(SuiteError, match=r"NaN\) at rows 1, 3; .*ffill"):
        series.read_series(_frame([1, None, 3, None]), "t", ("y",))


@pytest.mark.parametrize(
    "policy, expected",
    [
        ("ffill", [1, 1, 3, 3]),
        ("interpolate", [1, 2, 3, 3]),
        ("zero", [1, 0, 3, 0]),
    ],
)
def test_named_fill_policies(policy, expected):
    frame = series.read_series(_frame([1, None, 3, None]), "t", ("y",), policy)
    np.testing.assert_allclose(frame["y"], expected)


def test_unknown_fill_policy():
    with pytest.raises(SuiteError, match="unknown fill policy 'mean'"):
        series.read_series(_frame([1, 2, 3]), "t", ("y",), "mean")


def test_non_numeric_values_named():
    with pytest.raises(
        SuiteError, match=r"'y' has non-numeric .*rows 2 .*'x7'"
    ):
        series.read_series(_frame([1, 2, "x7"]), "t", ("y",))


def test_duplicate_timestamps_refused():
    times = ["2020-01-01", "2020-01-02", "2020-01-02", "2020-01-03"]
    with pytest.raises(SuiteError, match="repeats 1 timestamp"):
        series.read_series(_frame([1, 2, 3, 4], times), "t", ("y",))


def test_irregular_gap_located():
    times = [
        "2020-01-01",
        "2020-01-02",
        "2020-01-03",
        "2020-01-05",
        "2020-01-06",
    ]
    with pytest.raises(SuiteError, match="2020-01-03.*-> 2020-01-05"):
        series.read_series(_frame([1, 2, 3, 4, 5], times), "t", ("y",))


def test_unparseable_time():
    with pytest.raises(SuiteError, match="unparseable values at rows 1"):
        series.read_series(
            _frame([1, 2, 3], ["2020-01-01", "soon", "2020-01-03"]), "t", ("y",)
        )


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(SuiteError, match="not found"):
        series.read_series(tmp_path / "no.csv", "t", ("y",))
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(SuiteError, match="is empty"):
        series.read_series(tmp_path / "empty.csv", "t", ("y",))
