"""seq2seq_attention in the forecasting pipeline: teacher inputs, calendar
covariates, saved runs, Tetouan data."""

import dataclasses

import numpy as np
import pytest

from suite.data import series, sources
from suite.errors import SuiteError
from suite.tasks import forecasting, forecasting_runs, seq2seq_forecasting

TINY = dataclasses.replace(
    forecasting.DEMO_CONFIG,
    model="seq2seq_attention",
    model_options={"units": (8,)},
    horizon=6,
    lookback=12,
    epochs=2,
    patience=2,
)


def test_teacher_inputs_are_last_observed_then_shifted_targets():
    x = np.arange(2 * 3 * 2, dtype="float32").reshape(2, 3, 2)
    y = 100 + np.arange(2 * 4 * 1, dtype="float32").reshape(2, 4, 1)
    got = seq2seq_forecasting.teacher_inputs(x, y)
    np.testing.assert_array_equal(got[:, 0, 0], x[:, -1, 0])
    np.testing.assert_array_equal(got[:, 1:], y[:, :-1])


def test_calendar_features_pinned():
    times = np.array(["2017-01-02 06:00", "2017-01-08 18:00"], "M8[ns]")
    got = series.calendar_features(times)
    # Monday 06:00: hour angle pi/2, weekday 0; Sunday 18:00: 3pi/2, 6
    np.testing.assert_allclose(
        got,
        [
            [1, 0, 0, 1],
            [-1, 0, np.sin(12 * np.pi / 7), np.cos(12 * np.pi / 7)],
        ],
        atol=1e-6,
    )


@pytest.mark.parametrize(
    "options, message",
    [
        ({"model": "stacked_lstm", "calendar_covariates": True}, "use --model"),
        ({"quantiles": (0.1, 0.9)}, "drop --quantiles"),
        ({"sampling_schedule": "cosine"}, "must be one of"),
    ],
)
def test_seq2seq_only_options_are_checked(options, message):
    with pytest.raises(SuiteError, match=message):
        dataclasses.replace(TINY, **options)


@pytest.mark.slow
def test_seq2seq_run_with_covariates_and_sampling_saves_and_reloads(runs_dir):
    config = dataclasses.replace(
        TINY,
        calendar_covariates=True,
        sampling_schedule="linear",
        sampling_k=1.0,
    )
    result, folder = forecasting_runs.run_training(config, "s2s")
    assert result["sampling_probability"] == [0.0, 0.25]
    assert np.isfinite(result["model"]["mae"])
    assert forecasting_runs.evaluate_run("s2s")["model"] == pytest.approx(
        result["model"]
    )
    future = forecasting_runs.predict_next("s2s")
    assert len(future) == 6 and np.all(np.isfinite(future["passengers"]))


def test_tetouan_hourly(data_dir):
    frame = sources.tetouan_power()
    assert frame.shape == (8736, 9)
    assert frame["time"].diff().dropna().eq(np.timedelta64(1, "h")).all()
    assert not frame.isna().any().any()
    assert 13_000 < frame["zone_1"].min() < frame["zone_1"].max() < 53_000
    config = forecasting.resolve(
        forecasting.ForecastConfig(data="tetouan", lookback=168, horizon=24)
    )
    data = forecasting.prepare(config)
    assert list(data.frame.columns) == ["zone_1"]
    assert data.frequency == "h"
