"""Time-series forecasting: any registry model, direct multi-step output.

The whole flow, top to bottom:

    config = ForecastConfig(data="airline", lookback=24, horizon=24, ...)
    data = prepare(config)                 # read, split, fit transforms
    model = build(config, data)            # registry builder + forecast head
    history = train(config, data, model)   # early stopping, LR decay, clip
    metrics, forecast = evaluate(config, data, model)  # original units

`forecasting_runs.run_training` does all of it and saves
`saved_models/<run-name>/`; `forecasting_runs.predict_next` loads a run and
forecasts the next `horizon` steps after the end of a CSV.
"""

import dataclasses
from typing import Any

import keras
import numpy as np
import pandas as pd

from suite.data import series, sources, windows
from suite.errors import SuiteError
from suite.layers import PinballLoss
from suite.models import registry
from suite.tasks import metrics, seq2seq_forecasting, training

ETT_NAMES = ("ETTh1", "ETTh2", "ETTm1", "ETTm2")
TETOUAN = "tetouan"
MODES = ("", "M", "S", "MS")


@dataclasses.dataclass(frozen=True)
class ForecastConfig(training.FitOptions):
    """Everything a forecasting run needs; saved as config.json."""

    data: str = "airline"
    """'airline', an ETT name (ETTh1, ...), 'tetouan' or a CSV path."""
    time_column: str = ""
    """Timestamp column; empty takes the built-in dataset's."""
    targets: tuple[str, ...] = ()
    """Columns to forecast; empty takes the built-in dataset's."""
    covariates: tuple[str, ...] = ()
    """Extra input columns that are not forecast."""
    mode: str = ""
    """ETT convention: M (all->all), S (target->target), MS (all->target)."""
    fill_policy: str = "none"
    """Missing values: none (refuse), ffill, interpolate or zero."""
    lookback: int = 24
    """Input steps per window."""
    horizon: int = 24
    """Steps forecast at once (direct multi-output)."""
    train_rows: int | None = None
    """Training rows; None takes what val and test leave."""
    val_rows: int | None = None
    """Validation rows; None takes 10%, at least `horizon` (ETT: 4 months)."""
    test_rows: int | None = None
    """Test rows; None takes 20%, at least `horizon` (ETT: 4 months)."""
    log_transform: bool = False
    """Model log(y); predictions are exponentiated back."""
    seasonal_period: int = 1
    """Season length: for the naive baseline, MASE and differencing."""
    seasonal_differencing: bool = False
    """Model y_t - y_{t-period}; undone at prediction time."""
    scale: bool = True
    """Standardize with training-row mean and standard deviation."""
    instance_norm: bool = False
    """Subtract each window's last input value (added back after)."""
    quantiles: tuple[float, ...] = ()
    """Quantile levels for pinball loss, e.g. (0.1, 0.5, 0.9)."""
    model: str = "stacked_lstm"
    """Registry name of the model."""
    model_options: dict[str, Any] = dataclasses.field(default_factory=dict)
    """Fields of the model's config (units, dropout_rate, ...)."""
    calendar_covariates: bool = False
    """seq2seq only: feed the decoder each target step's hour and weekday."""
    sampling_schedule: str = "none"
    """seq2seq only: teacher forcing ("none"), "linear", "inverse_sigmoid"."""
    sampling_k: float = 5.0
    """Ramp epochs (linear) or k of the inverse sigmoid."""
    max_sampling_probability: float = 0.25
    """Ceiling of the probability of feeding the model's own outputs."""

    def __post_init__(self):
        super().__post_init__()
        _validate(self)


def _validate(config: ForecastConfig) -> None:
    if config.lookback < 1 or config.horizon < 1:
        raise SuiteError(
            f"lookback and horizon must be >= 1, got {config.lookback} and "
            f"{config.horizon}"
        )
    if config.mode not in MODES:
        raise SuiteError(f"mode must be one of M, S, MS, got {config.mode!r}")
    if config.seasonal_period < 1:
        raise SuiteError("seasonal_period must be >= 1")
    if any(not 0 < q < 1 for q in config.quantiles):
        raise SuiteError(
            f"quantiles must lie strictly between 0 and 1, got "
            f"{config.quantiles}"
        )
    seq2seq_forecasting.check(config)
    registry.make_config(config.model, config.model_options)


@dataclasses.dataclass(frozen=True)
class PreparedData:
    """A validated table, its split and fitted preprocessing."""

    frame: pd.DataFrame
    """Input columns (targets first) indexed by time, original units."""
    target_index: tuple[int, ...]
    """Positions of the targets among the columns."""
    split: windows.Split
    """Row boundaries of train / val / test."""
    prep: windows.Preprocessing
    """Transforms fitted on the training rows."""
    frequency: str
    """Pandas frequency of the time index."""


@dataclasses.dataclass(frozen=True)
class WindowSet:
    """Model-ready windows of one split plus what inverts them."""

    x: np.ndarray
    """Inputs `[W, lookback, F]` on the model's scale."""
    y: np.ndarray
    """Targets `[W, horizon, T]` on the model's scale."""
    starts: np.ndarray
    """Row of each window's first target."""
    offsets: np.ndarray
    """Per-window instance-norm offsets `[W, T]` (zeros when off)."""


def resolve(config: ForecastConfig) -> ForecastConfig:
    """Fills the built-in datasets' column names and splits."""
    if config.data == "airline":
        return dataclasses.replace(
            config,
            time_column=config.time_column or "month",
            targets=config.targets or ("passengers",),
        )
    if config.data in ETT_NAMES:
        return _resolve_ett(config)
    if config.data == TETOUAN:
        return dataclasses.replace(
            config,
            time_column=config.time_column or "time",
            targets=config.targets or ("zone_1",),
        )
    if not config.time_column or not config.targets:
        raise SuiteError(
            "a CSV needs --time-column and --targets (comma-separated)"
        )
    return config


def _resolve_ett(config: ForecastConfig) -> ForecastConfig:
    mode = config.mode or "M"
    features = ("HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT")
    month = 30 * (24 if config.data.startswith("ETTh") else 96)
    targets = features if mode == "M" else ("OT",)
    covariates = features[:-1] if mode == "MS" else ()
    return dataclasses.replace(
        config,
        mode=mode,
        time_column=config.time_column or "date",
        targets=config.targets or targets,
        covariates=config.covariates or covariates,
        train_rows=config.train_rows or 12 * month,
        val_rows=config.val_rows or 4 * month,
        test_rows=config.test_rows or 4 * month,
    )


def load_table(config: ForecastConfig, source=None) -> pd.DataFrame:
    """Reads `source` (default: the config's data) with the input columns."""
    if source is None:
        source = _default_source(config.data)
    columns = _input_columns(config)
    return series.read_series(
        source, config.time_column, columns, config.fill_policy
    )


def _default_source(data: str):
    if data == "airline":
        return sources.airline_passengers()
    if data in ETT_NAMES:
        return sources.ett_csv(data)
    if data == TETOUAN:
        return sources.tetouan_power()
    return data


def _input_columns(config: ForecastConfig) -> tuple[str, ...]:
    extra = [c for c in config.covariates if c not in config.targets]
    return (*config.targets, *extra)


def prepare(config: ForecastConfig, source=None) -> PreparedData:
    """Reads, validates and splits the data; fits transforms on train."""
    frame = load_table(config, source)
    split = windows.chronological_split(
        len(frame),
        config.train_rows,
        config.val_rows,
        config.test_rows,
        min_rows=config.horizon,
    )
    lag = config.seasonal_period if config.seasonal_differencing else 0
    needed = lag + config.lookback + config.horizon
    if split.train_end < needed:
        raise SuiteError(
            f"{split.train_end} training rows are too few for lookback "
            f"{config.lookback} + horizon {config.horizon} (+ seasonal lag "
            f"{lag}); need at least {needed}: shorten them or add data"
        )
    train = frame.to_numpy()[: split.train_end]
    prep = windows.fit_preprocessing(
        train, config.log_transform, lag, config.scale
    )
    return PreparedData(
        frame=frame,
        target_index=tuple(range(len(config.targets))),
        split=split,
        prep=prep,
        frequency=series.infer_frequency(frame.index),
    )


def make_window_set(
    config: ForecastConfig, data: PreparedData, which: str
) -> WindowSet:
    """Windows whose targets lie in split `which` (train, val or test)."""
    bounds = {
        "train": (0, data.split.train_end),
        "val": (data.split.train_end, data.split.val_end),
        "test": (data.split.val_end, data.split.test_end),
    }
    first, stop = bounds[which]
    starts = windows.window_starts(
        first, stop, config.lookback, config.horizon, data.prep.seasonal_lag
    )
    if len(starts) == 0:
        raise SuiteError(
            f"the {which} split ({stop - first} rows) holds no window of "
            f"horizon {config.horizon}; give it more rows or shorten the "
            "horizon"
        )
    scaled = windows.transform(data.frame.to_numpy(), data.prep)
    x, y = windows.make_windows(
        scaled, starts, config.lookback, config.horizon, data.target_index
    )
    offsets = np.zeros((len(x), len(data.target_index)), dtype="float32")
    if config.instance_norm:
        x, offsets = windows.center_windows(x, data.target_index)
        y = windows.uncenter(y, -offsets)
    return WindowSet(x, y, starts, offsets)


def model_config(config: ForecastConfig, num_features: int):
    """The registry config: windows in, `[horizon, targets(, Q)]` out."""
    head = (config.horizon, len(config.targets))
    if config.quantiles:
        head = (*head, len(config.quantiles))
    options = {
        **config.model_options,
        "sequence_length": config.lookback,
        "num_features": num_features,
        "output_units": int(np.prod(head)),
        "output_shape": head,
        **seq2seq_forecasting.model_options(config),
    }
    return registry.make_config(config.model, options)


def build(config: ForecastConfig, data: PreparedData) -> keras.Model:
    """Builds and compiles the registry model for these windows."""
    training.set_seed(config.seed)
    spec = model_config(config, data.frame.shape[1])
    if config.model == seq2seq_forecasting.MODEL:
        return seq2seq_forecasting.build(config, spec)  # parts
    model = registry.build_from_config(config.model, spec)
    loss = PinballLoss(config.quantiles) if config.quantiles else "mse"
    model.compile(
        optimizer=training.make_optimizer(config),
        loss=loss,
    )
    return model


def train(config: ForecastConfig, data: PreparedData, model) -> dict:
    """Fits on train windows with validation; returns the loss history."""
    train_set = make_window_set(config, data, "train")
    val_set = make_window_set(config, data, "val")
    if config.model == seq2seq_forecasting.MODEL:
        sets = {"train": train_set, "val": val_set}
        covariates = {k: _covariates(config, data, v) for k, v in sets.items()}
        return seq2seq_forecasting.train(config, model, sets, covariates)
    return training.fit(
        model,
        windows.to_dataset(
            train_set.x, train_set.y, config.batch_size, True, config.seed
        ),
        windows.to_dataset(
            val_set.x, val_set.y, config.batch_size, False, config.seed
        ),
        config,
    )


@dataclasses.dataclass(frozen=True)
class Forecast:
    """Test-window forecasts in original units."""

    actual: np.ndarray
    """`[W, H, T]` true values."""
    predicted: np.ndarray
    """`[W, H, T]` point forecasts (the median quantile when quantiles)."""
    quantiles: np.ndarray | None
    """`[W, H, T, Q]` quantile forecasts, or None."""
    naive: np.ndarray
    """`[W, H, T]` seasonal-naive forecasts."""
    starts: np.ndarray
    """Row of each window's first target."""


def forecast_windows(
    config: ForecastConfig, data: PreparedData, model, which: str = "test"
) -> Forecast:
    """Forecasts every window of a split and maps it to original units."""
    window_set = make_window_set(config, data, which)
    raw = data.frame.to_numpy()[:, list(data.target_index)]
    outputs = training.predict_array(
        seq2seq_forecasting.inference_model(model),
        seq2seq_forecasting.model_inputs(
            config, window_set.x, _covariates(config, data, window_set)
        ),
    )
    outputs = windows.uncenter(outputs, window_set.offsets)
    lag = data.prep.seasonal_lag
    history = np.stack([raw[s - lag : s] for s in window_set.starts])
    values = windows.invert_targets(
        outputs, history, data.prep, data.target_index
    )
    quantiles = values if config.quantiles else None
    point = (
        values[..., median_index(config.quantiles)]
        if quantiles is not None
        else values
    )
    return Forecast(
        actual=np.stack(
            [raw[s : s + config.horizon] for s in window_set.starts]
        ),
        predicted=point,
        quantiles=quantiles,
        naive=metrics.seasonal_naive(
            raw, window_set.starts, config.horizon, config.seasonal_period
        ),
        starts=window_set.starts,
    )


def _covariates(config, data, window_set):
    if not config.calendar_covariates:
        return None
    return seq2seq_forecasting.future_covariates(
        config, data.frame.index, window_set.starts
    )


def median_index(quantiles: tuple[float, ...]) -> int:
    """Position of the quantile nearest 0.5 (the point forecast)."""
    return int(np.argmin(np.abs(np.asarray(quantiles) - 0.5)))


def evaluate(config: ForecastConfig, data: PreparedData, model):
    """Test metrics of the model and the seasonal-naive baseline."""
    forecast = forecast_windows(config, data, model, "test")
    train_raw = data.frame.to_numpy()[: data.split.train_end]
    result = {
        "model": _per_target_mean(
            config, forecast.actual, forecast.predicted, train_raw
        ),
        "seasonal_naive": _per_target_mean(
            config, forecast.actual, forecast.naive, train_raw
        ),
        "scaled": _scaled_errors(forecast, train_raw, data.target_index),
        "test_windows": int(len(forecast.starts)),
    }
    if forecast.quantiles is not None:
        result["intervals"] = _interval_metrics(config, forecast)
    return result, forecast


def split_metrics(
    config: ForecastConfig, data: PreparedData, model, which: str
) -> dict:
    """Point metrics (MAPE, RMSE, MAE, MASE) on split `which`, original
    units; the tuner scores trials on "val" this way."""
    forecast = forecast_windows(config, data, model, which)
    train_raw = data.frame.to_numpy()[: data.split.train_end]
    return _per_target_mean(
        config, forecast.actual, forecast.predicted, train_raw
    )


def _per_target_mean(config, actual, predicted, train_raw) -> dict:
    """Point metrics per target column, then averaged over targets."""
    rows = []
    for t in range(actual.shape[-1]):
        scale = metrics.naive_scale(train_raw[:, t], config.seasonal_period)
        rows.append(
            metrics.point_metrics(actual[..., t], predicted[..., t], scale)
        )
    return {key: float(np.mean([row[key] for row in rows])) for key in rows[0]}


def _scaled_errors(forecast: Forecast, train_raw, target_index) -> dict:
    """MSE / MAE after z-scoring with training statistics (ETT protocol)."""
    targets = train_raw[:, list(target_index)]
    mean, std = targets.mean(axis=0), targets.std(axis=0)
    actual = (forecast.actual - mean) / std
    predicted = (forecast.predicted - mean) / std
    naive = (forecast.naive - mean) / std
    return {
        "mse": metrics.mse(actual, predicted),
        "mae": metrics.mae(actual, predicted),
        "naive_mse": metrics.mse(actual, naive),
        "naive_mae": metrics.mae(actual, naive),
    }


def _interval_metrics(config: ForecastConfig, forecast: Forecast) -> dict:
    low, high = min(config.quantiles), max(config.quantiles)
    q = forecast.quantiles
    lower = q[..., int(np.argmin(config.quantiles))]
    upper = q[..., int(np.argmax(config.quantiles))]
    return {
        "nominal_coverage": high - low,
        "empirical_coverage": metrics.coverage(forecast.actual, lower, upper),
        "pinball": {
            str(level): metrics.pinball(forecast.actual, q[..., i], level)
            for i, level in enumerate(config.quantiles)
        },
    }


DEMO_CONFIG = ForecastConfig(
    data="airline",
    lookback=36,
    horizon=24,
    val_rows=24,
    test_rows=24,
    log_transform=True,
    seasonal_period=12,
    seasonal_differencing=True,
    model="stacked_lstm",
    model_options={"units": (32, 32)},
    epochs=200,
    batch_size=16,
    learning_rate=1e-3,
    patience=20,
)
"""The main job: airline passengers 1949-1960, last 24 months held out."""
