"""One keras-tuner HyperModel per task, all through the task's own code.

`TASKS` maps a task name to a `TaskTuning`: the task's config class, its
default search space, the objectives it reports, and the task functions a
trial calls (prepare, build, train, validation metrics) plus the normal
run function that retrains the best configuration. `TaskHyperModel` only
maps hyperparameters onto that config (`spaces.apply_values`) and calls
those functions: a trial trains exactly as `suite <task> train` would.

Adding a task (e.g. seq2seq) is one `TaskTuning(...)` entry in `TASKS`.
"""

import dataclasses
import importlib
import json
import math
from collections.abc import Callable
from typing import Any

import keras_tuner

from suite.errors import SuiteError
from suite.tuning import spaces

COMMON_SPACE = {
    "learning_rate": {"min": 1e-4, "max": 1e-2, "sampling": "log"},
    "dropout": {"min": 0.0, "max": 0.5, "step": 0.1},
}
"""Entries every task's default space starts from."""


def _run_training(task, config, run_name):
    """The retrain of the best configuration: `run_training` of the task's
    `<task>_runs` module, a normal run (overwriting one of that name)."""
    runs_module = importlib.import_module(f"{task.__name__}_runs")
    return runs_module.run_training(config, run_name, True)


@dataclasses.dataclass(frozen=True)
class TaskTuning:
    """How the tuner drives one task."""

    name: str
    """Task name used in job specs."""
    config_cls: type
    """The task's flat frozen config dataclass."""
    data_field: str
    """Config field that a spec's `data` key sets."""
    default_space: dict
    """Search-space entries (spec syntax) a job starts from."""
    objectives: tuple[str, ...]
    """Metric names a trial reports; the first is the default objective."""
    load: Callable[[], Any]
    """Returns the task module (imported lazily: TensorFlow)."""
    resolve: Callable[[Any, Any], Any] = lambda task, config: config
    """`(module, config) -> config` with dataset defaults filled in."""
    prepare: Callable[[Any, Any], Any] = lambda task, c: task.prepare(c)
    """`(module, config) -> prepared data`."""
    build: Callable[[Any, Any, Any], Any] = lambda task, c, d: task.build(c, d)
    """`(module, config, data) -> keras.Model`."""
    train: Callable = lambda task, c, d, m: task.train(c, d, m)
    """`(module, config, data, model) -> loss history`."""
    extra_metrics: Callable = lambda task, c, d, m: {}
    """`(module, config, data, model) -> {"val_...": value}`."""
    retrain: Callable = _run_training
    """`(module, config, run_name) -> (metrics, run folder)`: a normal run."""

    def direction(self, objective: str) -> str:
        return "max" if "accuracy" in objective else "min"


def _forecasting():
    from suite.tasks import forecasting

    return forecasting


def _sentiment():
    from suite.tasks import sentiment

    return sentiment


def _text_generation():
    from suite.tasks import text_generation

    return text_generation


def _speech():
    from suite.tasks import speech

    return speech


def _forecast_metrics(task, config, data, model) -> dict:
    values = task.split_metrics(config, data, model, "val")
    return {f"val_{k}": v for k, v in values.items()}


def _textgen_metrics(task, config, data, model) -> dict:
    result = task.evaluate(config, data, model)
    return {"val_bits_per_char": result["bits_per_char"]}


def _registry() -> dict[str, TaskTuning]:
    from suite.tasks import forecasting, sentiment, speech, text_generation

    entries = (
        TaskTuning(
            name="forecasting",
            config_cls=forecasting.ForecastConfig,
            data_field="data",
            default_space={
                **COMMON_SPACE,
                "model": ["stacked_lstm", "gru"],
                "layers": {"min": 1, "max": 3},
                "units": {"min": 32, "max": 256, "step": 32},
                "batch_size": [8, 16, 32],
                "lookback": [24, 36, 48],
            },
            objectives=("val_mape", "val_loss", "val_rmse", "val_mae"),
            load=_forecasting,
            resolve=lambda task, config: task.resolve(config),
            extra_metrics=_forecast_metrics,
        ),
        TaskTuning(
            name="sentiment",
            config_cls=sentiment.SentimentConfig,
            data_field="dataset",
            default_space={
                **COMMON_SPACE,
                "model": ["bilstm", "stacked_lstm", "gru"],
                "layers": {"min": 1, "max": 2},
                "units": {"min": 16, "max": 128, "step": 16},
                "batch_size": [32, 64, 128],
                "sequence_length": [200, 400],
                "model_options.embedding_dim": [64, 128],
                "model_options.pooling": ["last", "max_mean"],
            },
            objectives=("val_accuracy", "val_loss"),
            load=_sentiment,
            build=lambda task, c, d: task.build(c, d)[0],
            train=lambda task, c, d, m: task.fit(c, m, d),
        ),
        TaskTuning(
            name="text_generation",
            config_cls=text_generation.TextGenConfig,
            data_field="corpus",
            default_space={
                **COMMON_SPACE,
                "dropout": {"min": 0.0, "max": 0.3, "step": 0.1},
                "model": ["stacked_lstm", "gru"],
                "layers": {"min": 1, "max": 2},
                "units": {"min": 64, "max": 512, "step": 64},
                "batch_size": [32, 64, 128],
                "sequence_length": [50, 100, 200],
                "embedding_dim": [32, 64, 128],
            },
            objectives=("val_loss", "val_bits_per_char"),
            load=_text_generation,
            extra_metrics=_textgen_metrics,
        ),
        TaskTuning(
            name="speech",
            config_cls=speech.SpeechConfig,
            data_field="data",
            default_space={
                **COMMON_SPACE,
                "layers": {"min": 1, "max": 3},
                "units": {"min": 32, "max": 192, "step": 32},
                "batch_size": [16, 32],
                "spec_augment": [True, False],
            },
            objectives=("val_loss",),
            load=_speech,
        ),
    )
    return {entry.name: entry for entry in entries}


def get_task(name: str) -> TaskTuning:
    """The `TaskTuning` of `name` or a SuiteError listing the valid ones."""
    tasks = _registry()
    if name not in tasks:
        raise SuiteError(
            f"unknown task {name!r}; choose one of {', '.join(sorted(tasks))}"
        )
    return tasks[name]


def task_names() -> list[str]:
    return sorted(_registry())


class TaskHyperModel(keras_tuner.HyperModel):
    """hp -> task config -> the task's own builder and training loop.

    Args:
        tuning: The task's `TaskTuning`.
        base: The task config every trial starts from.
        space: `{name: spaces.Dimension}` searched over.
        seed: Seed of execution 0; execution i trains with `seed + i`.
        log_path: Optional JSON-lines file; one line per finished fit.
    """

    def __init__(self, tuning, base, space, seed=0, log_path=None):
        super().__init__(name=f"{tuning.name}_hypermodel")
        self.tuning, self.base, self.space = tuning, base, space
        self.seed, self.log_path = seed, log_path
        self.execution = 0
        self.trial_id = None
        self._built = None
        self._data = {}

    def declare_hyperparameters(self, hp):
        spaces.declare(hp, self.space)

    def config_for(self, hp):
        """The task config of this trial and execution (resolved)."""
        values = spaces.declare(hp, self.space)
        config = spaces.apply_values(self.base, values)
        config = dataclasses.replace(config, seed=self.seed + self.execution)
        return self.tuning.resolve(self.tuning.load(), config)

    def prepared(self, config):
        """The task's prepared data for `config`, cached by data fields."""
        key = _data_key(config)
        if key not in self._data:
            self._data = {key: self.tuning.prepare(self.tuning.load(), config)}
        return self._data[key]

    def build(self, hp):
        from suite.tasks import training

        try:
            config = self.config_for(hp)
            data = self.prepared(config)
            training.set_seed(config.seed)
            built = self.tuning.build(self.tuning.load(), config, data)
        except (SuiteError, ValueError) as error:
            raise keras_tuner.errors.FailedTrialError(str(error)) from error
        # seq2seq builds several weight-sharing models (Seq2SeqParts): the
        # tuner checkpoints the inference model, the task trains the parts
        self._built = built
        return getattr(built, "inference", built)

    def fit(self, hp, model, *args, epochs=None, callbacks=(), **kwargs):
        config = self.config_for(hp)
        if epochs is not None:  # Hyperband decides the epochs of a round
            config = dataclasses.replace(config, epochs=int(epochs))
        task = self.tuning.load()
        data = self.prepared(config)
        if getattr(self._built, "inference", None) is model:
            model = self._built
        try:
            history = self.tuning.train(task, config, data, model)
        except (SuiteError, ValueError) as error:  # NaN loss, bad combo
            self._log(hp, "failed", {"message": str(error)})
            raise keras_tuner.errors.FailedTrialError(str(error)) from error
        result = best_of_history(history)
        result.update(self.tuning.extra_metrics(task, config, data, model))
        _save_checkpoint(getattr(model, "inference", model), callbacks)
        self._log(hp, "completed", result)
        return result

    def _log(self, hp, status: str, values: dict) -> None:
        if self.log_path is None:
            return
        import os

        line = {
            "trial_id": self.trial_id,
            "tuner_id": os.environ.get("KERASTUNER_TUNER_ID", "tuner0"),
            "execution": self.execution,
            "status": status,
            "values": {k: v for k, v in hp.values.items()},
            **values,
        }
        with open(self.log_path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, default=str) + "\n")


TRAINING_ONLY = (
    "epochs",
    "batch_size",
    "learning_rate",
    "clipnorm",
    "patience",
    "weight_average",
    "lr_schedule",
    "model",
    "model_options",
    "dropout_rate",
    "embedding_dim",
    "max_minutes",
)


def _data_key(config) -> str:
    values = dataclasses.asdict(config)
    for name in TRAINING_ONLY:
        values.pop(name, None)
    return json.dumps(values, sort_keys=True, default=str)


def best_of_history(history: dict) -> dict[str, float]:
    """Best epoch value of each validation metric (max for accuracy)."""
    result = {}
    for key, values in history.items():
        values = [v for v in values if math.isfinite(v)]
        if key.startswith("val_") and values:
            pick = max if "accuracy" in key else min
            result[key] = float(pick(values))
    return result


def _save_checkpoint(model, callbacks) -> None:
    """Writes the trained weights where keras-tuner expects the trial's
    checkpoint (Hyperband continues from it; get_best_models loads it)."""
    from keras_tuner.src.engine.tuner_utils import SaveBestEpoch

    for callback in callbacks or ():
        if isinstance(callback, SaveBestEpoch):
            model.save_weights(callback.filepath)
