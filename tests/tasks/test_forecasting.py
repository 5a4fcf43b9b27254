"""The forecasting pipeline end to end on real series."""

import dataclasses
import os

import numpy as np
import pytest

from suite.errors import SuiteError
from suite.export import runs
from suite.tasks import forecasting, forecasting_runs

TINY = dataclasses.replace(
    forecasting.DEMO_CONFIG,
    model_options={"units": (8,)},
    epochs=3,
    patience=2,
)


@pytest.mark.slow
def test_demo_config_beats_seasonal_naive_and_saves_a_full_run(runs_dir):
    result, folder = forecasting_runs.run_training(
        forecasting.DEMO_CONFIG, "demo"
    )
    assert result["seasonal_naive"]["mape"] == pytest.approx(15.5234, 1e-4)
    assert result["model"]["mape"] < 10.0
    assert result["model"]["mape"] < result["seasonal_naive"]["mape"]
    assert sorted(os.listdir(folder)) == [
        "config.json",
        "forecast.png",
        "loss.png",
        "metrics.json",
        "model.keras",
    ]
    assert not [p for p in os.listdir(runs_dir) if p.startswith(".")]
    assert forecasting_runs.evaluate_run("demo")["model"] == pytest.approx(
        result["model"]
    )
    future = forecasting_runs.predict_next("demo")
    assert len(future) == 24
    assert str(future.index[0].date()) == "1961-01-01"
    assert (future["passengers"] > 300).all()


def test_same_seed_same_metrics():
    first, _ = forecasting_runs.run_training(TINY, "a")
    second, _ = forecasting_runs.run_training(TINY, "b")
    assert first["model"] == second["model"]


def test_quantiles_give_ordered_intervals_with_coverage():
    config = dataclasses.replace(TINY, quantiles=(0.1, 0.5, 0.9), epochs=5)
    result, _ = forecasting_runs.run_training(config, "q")
    intervals = result["intervals"]
    assert intervals["nominal_coverage"] == pytest.approx(0.8)
    assert 0.0 <= intervals["empirical_coverage"] <= 1.0
    future = forecasting_runs.predict_next("q")
    assert list(future.columns) == [
        "passengers",
        "passengers_q0.1",
        "passengers_q0.5",
        "passengers_q0.9",
    ]
    np.testing.assert_allclose(future["passengers"], future["passengers_q0.5"])


def test_failed_run_leaves_nothing_behind(runs_dir, monkeypatch):
    def broken_plot(*args):
        raise OSError("disk full")

    monkeypatch.setattr(
        forecasting_runs.plots, "save_forecast_plot", broken_plot
    )
    with pytest.raises(OSError, match="disk full"):
        forecasting_runs.run_training(TINY, "broken")
    assert list(runs_dir.iterdir()) == []


def test_existing_run_is_not_overwritten_by_default():
    forecasting_runs.run_training(TINY, "once")
    with pytest.raises(SuiteError, match="exists; choose another"):
        forecasting_runs.run_training(TINY, "once")


def test_too_few_rows_for_lookback_and_horizon():
    config = dataclasses.replace(TINY, lookback=100)
    with pytest.raises(SuiteError, match="too few for lookback 100"):
        forecasting.prepare(forecasting.resolve(config))


def test_bad_config_values():
    with pytest.raises(SuiteError, match="strictly between 0 and 1"):
        forecasting.ForecastConfig(quantiles=(0.5, 1.0))
    with pytest.raises(SuiteError, match="unknown model 'transformer'"):
        forecasting.ForecastConfig(model="transformer")
    with pytest.raises(SuiteError, match="unknown option"):
        forecasting.ForecastConfig(model_options={"layers": 2})


def test_csv_needs_columns_named(tmp_path):
    with pytest.raises(SuiteError, match="--time-column and --targets"):
        forecasting.resolve(forecasting.ForecastConfig(data="x.csv"))


def test_user_csv_with_covariate(tmp_path):
    rng = np.random.default_rng(0)
    hours = np.arange(400)
    csv = tmp_path / "load.csv"
    import pandas as pd

    pd.DataFrame(
        {
            "time": pd.date_range("2021-01-01", periods=400, freq="h"),
            "load": 10
            + np.sin(2 * np.pi * hours / 24)
            + rng.normal(0, 0.1, 400),
            "temp": np.cos(2 * np.pi * hours / 24),
        }
    ).to_csv(csv, index=False)
    config = forecasting.ForecastConfig(
        data=str(csv),
        time_column="time",
        targets=("load",),
        covariates=("temp",),
        lookback=24,
        horizon=6,
        seasonal_period=24,
        model="gru",
        model_options={"units": (8,)},
        epochs=2,
    )
    result, _ = forecasting_runs.run_training(config, "csv")
    assert np.isfinite(result["model"]["mae"])
    future = forecasting_runs.predict_next("csv", csv)
    assert str(future.index[0]) == "2021-01-17 16:00:00"


@pytest.mark.data
def test_ett_standard_protocol_split(data_dir):
    config = forecasting.resolve(
        forecasting.ForecastConfig(data="ETTh1", lookback=96, horizon=96)
    )
    data = forecasting.prepare(config)
    assert config.targets[-1] == "OT" and len(config.targets) == 7
    assert (data.split.train_end, data.split.val_end, data.split.test_end) == (
        8640,
        11520,
        14400,
    )
    test = forecasting.make_window_set(config, data, "test")
    assert len(test.x) == 2785  # the canonical ETTh1 test size at H=96
    train_mean = data.frame.to_numpy()[:8640].mean(axis=0)
    np.testing.assert_allclose(data.prep.mean, train_mean)


def test_ett_download_path_reads_a_local_mirror(tmp_path, monkeypatch):
    """The no-data-dir path fetches the CSV by URL (here a file:// URL)."""
    from suite.data import sources

    source = tmp_path / "ETTh1.csv"
    source.write_text("date,OT\n2016-07-01 00:00:00,1\n")
    monkeypatch.delenv("SUITE_DATA_DIR", raising=False)
    monkeypatch.setattr(
        sources, "ETT_URL", source.as_uri().replace("ETTh1", "{name}")
    )
    path = sources.ett_csv("ETTh1", cache_dir=tmp_path / "cache")
    assert path.read_text() == source.read_text()


def test_runs_resolve_error_names_the_folder():
    with pytest.raises(SuiteError, match="no run found at 'missing'"):
        runs.resolve_run("missing")
