"""Forecasting with `seq2seq_attention`: how the forecasting task trains it.

The forecasting pipeline (`suite.tasks.forecasting`) builds the model's
parts here when `model="seq2seq_attention"`:

- training runs the teacher-forced training model: decoder input at step
  h is the true value of step h-1 (the last observed value at h = 0);
  with a sampling schedule, the model's own outputs replace some of them
  (`suite.tasks.scheduled_sampling`);
- evaluation and saved runs use the inference model, which feeds its own
  outputs back (no true values after the window end);
- `calendar_covariates=True` feeds each decoder step the hour of day and
  day of week of its target time (`series.calendar_features`), known in
  advance for any future step.
"""

import keras
import numpy as np
import pandas as pd

from suite.data import series
from suite.errors import SuiteError
from suite.models import seq2seq_attention
from suite.tasks import scheduled_sampling, training

MODEL = "seq2seq_attention"


def check(config) -> None:
    """Raises if seq2seq-only options are set for another model."""
    scheduled_sampling.check_schedule(
        config.sampling_schedule,
        config.sampling_k,
        config.max_sampling_probability,
    )
    uses = config.calendar_covariates or config.sampling_schedule != "none"
    if uses and config.model != MODEL:
        raise SuiteError(
            "calendar covariates and scheduled sampling feed a decoder; "
            f"use --model {MODEL} (got {config.model!r})"
        )
    if config.model == MODEL and config.quantiles:
        raise SuiteError(f"{MODEL} forecasts point values; drop --quantiles")


def model_options(config) -> dict:
    """Model-config fields the task sets for seq2seq."""
    if config.model != MODEL:
        return {}
    count = len(series.CALENDAR_FEATURES) if config.calendar_covariates else 0
    return {"num_covariates": count}


def build(config, spec) -> seq2seq_attention.Seq2SeqParts:
    """The parts, with the training model compiled (MSE, Adam)."""
    parts = seq2seq_attention.build_parts(
        spec,
        scheduled_sampling=config.sampling_schedule != "none",
        seed=config.seed,
    )
    parts.training.compile(
        optimizer=training.make_optimizer(config),
        loss="mse",
    )
    return parts


def future_covariates(config, index: pd.DatetimeIndex, starts) -> np.ndarray:
    """`[W, H, 4]` calendar features of each window's target times."""
    return np.stack(
        [
            series.calendar_features(index[s : s + config.horizon])
            for s in starts
        ]
    )


def model_inputs(config, x, covariates):
    """What the inference model takes: the windows (+ covariates)."""
    if not config.calendar_covariates:
        return x
    return {"features": x, "future_covariates": covariates}


def teacher_inputs(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """`[W, H, T]`: the last observed targets, then y shifted right."""
    targets = y.shape[-1]
    return np.concatenate([x[:, -1:, :targets], y[:, :-1]], axis=1)


def _dataset(config, window_set, covariates, shuffle):
    import tensorflow as tf

    inputs = [window_set.x, teacher_inputs(window_set.x, window_set.y)]
    if config.calendar_covariates:
        inputs.append(covariates)
    dataset = tf.data.Dataset.from_tensor_slices((tuple(inputs), window_set.y))
    if shuffle:
        dataset = dataset.shuffle(len(window_set.x), seed=config.seed)
    return dataset.batch(config.batch_size).prefetch(tf.data.AUTOTUNE)


def train(config, parts, sets: dict, covariates: dict) -> dict:
    """Fits the training model on `sets["train"]`, validates on "val"."""
    return scheduled_sampling.fit(
        config,
        parts,
        _dataset(config, sets["train"], covariates["train"], True),
        _dataset(config, sets["val"], covariates["val"], False),
    )


def inference_model(model) -> keras.Model:
    """The model to predict with and save: parts -> their inference."""
    if isinstance(model, seq2seq_attention.Seq2SeqParts):
        return model.inference
    return model
