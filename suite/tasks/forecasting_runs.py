"""Forecasting run folders: train and save a run, re-evaluate it, forecast
past the end of a CSV with it, and the main job (`make demo`).

    result, folder = run_training(config, "my-run")   # saved_models/my-run/
    evaluate_run("my-run")                            # metrics again
    predict_next("my-run", "new.csv")                 # the next horizon
"""

import dataclasses
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from suite import configs
from suite.data import series, windows
from suite.errors import SuiteError
from suite.export import runs
from suite.tasks import forecasting, plots, seq2seq_forecasting, training
from suite.tasks.forecasting import ForecastConfig, PreparedData


def run_training(
    config: ForecastConfig,
    run_name: str | None = None,
    overwrite: bool = False,
    source=None,
) -> tuple[dict, Path]:
    """Prepare, build, train, evaluate and save one run; returns metrics."""
    config = forecasting.resolve(config)
    name = run_name or runs.default_run_name("forecast", config.model)
    data = forecasting.prepare(config, source)
    model = forecasting.build(config, data)
    started = time.perf_counter()
    history = forecasting.train(config, data, model)
    seconds = time.perf_counter() - started
    result, forecast = forecasting.evaluate(config, data, model)
    result["model_name"] = config.model
    result["epochs_trained"] = len(history["loss"])
    result["train_seconds"] = round(seconds, 2)
    if "sampling_probability" in history:
        result["sampling_probability"] = history["sampling_probability"]
    model = seq2seq_forecasting.inference_model(model)
    with runs.staged_run(name, overwrite=overwrite) as folder:
        runs.save_run_files(folder, model, run_config(config, data), result)
        training.save_loss_plot(history, folder / "loss.png")
        plots.save_forecast_plot(
            config, data, forecast, folder / "forecast.png"
        )
    return result, runs.runs_root() / name


def run_config(config: ForecastConfig, data: PreparedData) -> dict:
    """What config.json holds: the task config plus fitted statistics."""
    return {
        "task": "forecasting",
        "config": configs.to_dict(config),
        "model_config": configs.to_dict(
            forecasting.model_config(config, data.frame.shape[1])
        ),
        "preprocessing": configs.to_dict(data.prep),
        "columns": list(data.frame.columns),
        "frequency": data.frequency,
        "split": configs.to_dict(data.split),
    }


def load_run(run) -> tuple[ForecastConfig, windows.Preprocessing, Any, Path]:
    """Loads `(config, preprocessing, model, folder)` of a saved run."""
    folder, saved = runs.load_task_run(run, "forecasting")
    config = configs.from_dict(ForecastConfig, saved["config"])
    prep = configs.from_dict(windows.Preprocessing, saved["preprocessing"])
    return config, prep, runs.load_model(folder), folder


def evaluate_run(run, source=None) -> dict:
    """Re-evaluates a saved run on its data (or `source`, same columns)."""
    config, prep, model, _ = load_run(run)
    data = dataclasses.replace(forecasting.prepare(config, source), prep=prep)
    result, _ = forecasting.evaluate(config, data, model)
    return result


def predict_next(run, source=None) -> pd.DataFrame:
    """Forecasts the `horizon` steps after the last row of `source`.

    Returns a frame indexed by the future timestamps with one column per
    target (and `<target>_q<level>` columns when the run has quantiles).
    """
    config, prep, model, _ = load_run(run)
    frame = forecasting.load_table(config, source)
    needed = config.lookback + prep.seasonal_lag
    if len(frame) < needed:
        raise SuiteError(
            f"predict needs the last {needed} rows (lookback "
            f"{config.lookback} + seasonal lag {prep.seasonal_lag}); the "
            f"data has {len(frame)}"
        )
    target_index = tuple(range(len(config.targets)))
    raw = frame.to_numpy()[-needed:]
    scaled = windows.transform(raw, prep)[-config.lookback :][None]
    offsets = np.zeros((1, len(target_index)), dtype="float32")
    if config.instance_norm:
        scaled, offsets = windows.center_windows(scaled, target_index)
    future = _future_index(config, frame)
    inputs = seq2seq_forecasting.model_inputs(
        config, scaled, series.calendar_features(future)[None]
    )
    outputs = windows.uncenter(training.predict_array(model, inputs), offsets)
    history = raw[None, len(raw) - prep.seasonal_lag :, list(target_index)]
    values = windows.invert_targets(outputs, history, prep, target_index)[0]
    return _forecast_frame(config, frame, values)


def _future_index(config, frame) -> pd.DatetimeIndex:
    frequency = series.infer_frequency(frame.index)
    return pd.date_range(
        frame.index[-1], periods=config.horizon + 1, freq=frequency
    )[1:]


def _forecast_frame(config, frame, values) -> pd.DataFrame:
    future = _future_index(config, frame)
    columns = {}
    for t, target in enumerate(config.targets):
        if config.quantiles:
            point = values[:, t, forecasting.median_index(config.quantiles)]
            columns[target] = point
            for i, level in enumerate(config.quantiles):
                columns[f"{target}_q{level:g}"] = values[:, t, i]
        else:
            columns[target] = values[:, t]
    return pd.DataFrame(columns, index=pd.DatetimeIndex(future, name="time"))


def run_demo(seed: int = 0, run_name: str = "demo-airline") -> dict:
    """Trains the demo, prints LSTM vs seasonal naive, saves the run."""
    config = dataclasses.replace(forecasting.DEMO_CONFIG, seed=seed)
    result, folder = run_training(config, run_name, overwrite=True)
    print(summary_table(result))
    print(f"run saved to {folder}/")
    return result


def summary_table(result: dict) -> str:
    """A small text table: model vs seasonal naive on the test split."""
    lines = [f"{'':16s}{'MAPE %':>9s}{'RMSE':>10s}{'MAE':>10s}{'MASE':>8s}"]
    model = result.get("model_name", "model")
    for label, key in ((model, "model"), ("seasonal naive", "seasonal_naive")):
        row = result[key]
        lines.append(
            f"{label:16s}{row['mape']:9.2f}{row['rmse']:10.2f}"
            f"{row['mae']:10.2f}{row['mase']:8.3f}"
        )
    return "\n".join(lines)
