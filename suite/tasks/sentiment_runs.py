"""Saved sentiment runs: train and save, load, evaluate, predict, export.

`run_training` prepares, fits (one model or fold-bagged members), tests
and saves `saved_models/<run>/`: `model.keras` (raw strings in, class
probabilities out), `config.json`, `metrics.json`, `vocabulary.json` (the
NumPy tokenizer of `suite.data.tokenizer`), a confusion matrix and a loss
plot. `export_tflite` writes its `token_classifier` sub-model (token ids ->
probabilities) as a builtin-ops `.tflite` for
`suite.export.text_runtime.LiteRTTextClassifier`.

Example:
>>> config = SentimentConfig(dataset="rt_polarity")
>>> metrics, folder = run_training(config)  # doctest: +SKIP
>>> predict(load_run(folder), ["a gripping, funny film"])  # doctest: +SKIP
[('positive', 0.93)]
"""

import dataclasses
import time
from pathlib import Path

import keras
import numpy as np

from suite import configs
from suite.data import text
from suite.data.vectorizer import vectorize
from suite.errors import SuiteError
from suite.export import runs
from suite.tasks import classification, sentiment, training
from suite.tasks.sentiment import PreparedData, SentimentConfig

TASK = "sentiment"
VOCABULARY_FILE = "vocabulary.json"
CONFUSION_FILE = "confusion_matrix.png"
LOSS_FILE = "loss.png"
TFLITE_FILE = "model.tflite"


def run_training(
    config: SentimentConfig,
    run_name: str | None = None,
    overwrite: bool = False,
) -> tuple[dict, Path]:
    """Prepares, builds, fits, tests and saves; returns the metrics and the
    run folder."""
    training.set_seed(config.seed)
    data = sentiment.prepare(config)
    started = time.perf_counter()
    _, model, histories, held_out = sentiment.fit_members(config, data)
    seconds = time.perf_counter() - started
    metrics = sentiment.evaluate_texts(model, data.test)
    metrics.update(
        epochs=sum(len(history["loss"]) for history in histories),
        train_seconds=round(seconds, 1),
        train_samples=len(data.train),
        history=histories[0],
    )
    if held_out:  # fold-bagging: no held-out set common to all members
        metrics.update(
            validation_accuracy=float(np.mean(held_out)),
            validation="mean of the members' accuracies on their own slices",
            member_validation_accuracies=held_out,
        )
    else:
        metrics["validation_accuracy"] = sentiment.evaluate_texts(
            model, data.validation
        )["accuracy"]
    if len(histories) > 1:
        metrics["member_histories"] = histories
    name = run_name or runs.default_run_name(TASK, config.model)
    with runs.staged_run(name, overwrite=overwrite) as folder:
        save_run(folder, model, config, data, metrics)
    return metrics, runs.runs_root() / name


def save_run(folder: Path, model, config, data: PreparedData, metrics):
    """model.keras, config.json, metrics.json, vocabulary.json, plots."""
    vectorizer = data.vectorizer
    classes = len(data.class_names)
    token_config = sentiment.model_config(
        config, vectorizer.vocabulary_size(), classes
    )
    values = {
        "task": TASK,
        "config": configs.to_dict(config),
        "class_names": list(data.class_names),
        "model_config": configs.to_dict(token_config),
    }
    runs.save_run_files(folder, model, values, metrics)
    from suite.data.tokenizer import Tokenizer

    Tokenizer(
        vectorizer.get_vocabulary(), config.sequence_length, config.truncation
    ).save(folder / VOCABULARY_FILE)
    classification.save_confusion_matrix(
        metrics["confusion_matrix"], data.class_names, folder / CONFUSION_FILE
    )
    training.save_loss_plot(metrics["history"], folder / LOSS_FILE)


@dataclasses.dataclass(frozen=True)
class SentimentRun:
    """A saved run: end-to-end model, its config and class names."""

    folder: Path
    model: keras.Model
    config: SentimentConfig
    class_names: tuple[str, ...]


def load_run(run) -> SentimentRun:
    """Loads a run folder (or name under saved_models/) written by
    `run_training`."""
    folder, values = runs.load_task_run(run, TASK)
    config = configs.from_dict(SentimentConfig, values["config"])
    return SentimentRun(
        folder, runs.load_model(folder), config, tuple(values["class_names"])
    )


def evaluate(run: SentimentRun, data: text.LabelledTexts | None = None):
    """Metrics of a saved run on `data` (default: its dataset's test split)."""
    if data is None:
        data = sentiment.load_splits(run.config)[1]
    if data.class_names != run.class_names:
        raise SuiteError(
            f"the data's labels {list(data.class_names)} differ from the "
            f"model's {list(run.class_names)}"
        )
    return sentiment.evaluate_texts(run.model, data)


def predict(run: SentimentRun, texts) -> list[tuple[str, float]]:
    """(label, probability of that label) for each raw text."""
    probabilities = sentiment.predict_texts(run.model, texts)
    best = probabilities.argmax(axis=1)
    return [
        (run.class_names[k], float(probabilities[i, k]))
        for i, k in enumerate(best)
    ]


def export_tflite(
    run: SentimentRun, path=None, quantization: str = "none", float_layers=()
):
    """The token-ids classifier as a builtin-ops `.tflite` (batch 1, free
    length); its sidecar carries the vocabulary, sequence length and class
    names that `suite.export.text_runtime.LiteRTTextClassifier` needs.
    int8 modes calibrate on `representative_inputs(run)` and may leave
    `float_layers` (LSTM layer names) in float; "int8-act16" is refused (no
    fused 16x8 LSTM kernel, and an unrolled text model is impractical)."""
    from suite.export import tflite

    if quantization == "int8-act16":
        raise SuiteError(
            "int8-act16 needs an unrolled fixed-length text model; use "
            "quantization 'int8' or 'dynamic' for sentiment exports"
        )
    data = None
    if quantization.startswith("int8"):
        data = representative_inputs(run)
    vocabulary = run.model.get_layer("vectorizer").get_vocabulary()
    return tflite.export_window(
        run.model.get_layer("token_classifier"),
        Path(path) if path else run.folder / TFLITE_FILE,
        quantization=quantization,
        representative_data=data,
        float_layers=float_layers,
        extras={
            "task": TASK,
            "vocabulary": list(vocabulary),
            "sequence_length": run.config.sequence_length,
            "truncation": run.config.truncation,
            "class_names": list(run.class_names),
        },
    )


def representative_inputs(run, count: int = 400):
    """Token ids of `count` evenly spaced training texts of a saved run
    (int8 calibration), padded to its sequence length."""
    if not isinstance(run, SentimentRun):
        run = load_run(run)
    train = sentiment.load_splits(run.config)[0]
    picks = np.linspace(0, len(train.texts) - 1, count).astype(int)
    texts = [train.texts[i] for i in np.unique(picks)]
    return vectorize(run.model.get_layer("vectorizer"), texts)


def export_run(folder, out, form: str = "window", quantization: str = "none"):
    """`suite export RUN` for a sentiment run: the token-ids classifier."""
    if form != "window":
        raise SuiteError(
            "sentiment models read the whole text in both directions; "
            "export them with --form window (the default)"
        )
    return export_tflite(load_run(folder), out, quantization)
