"""Sequence transduction: date normalization with seq2seq + attention.

The whole flow, top to bottom:

    config = TransductionConfig(train_size=20000, epochs=12)
    data = prepare(config)                    # generated pairs, ids
    parts = build(config)                     # seq2seq_attention parts
    history = train(config, data, parts)      # teacher forcing (+ sampling)
    result = evaluate(config, data, parts)    # exact match on held-out days
    save_run(...)                             # saved_models/<run-name>/

Held-out pairs use calendar days that no training pair contains, so a
model must read the date, not remember it. Exact match counts a
prediction right only if all ten characters of YYYY-MM-DD are right.
`predict_texts` loads a run and normalizes new texts (greedy or beam),
returning the attention weights for the heatmap.
"""

import dataclasses
import time
from pathlib import Path
from typing import Any

import keras
import numpy as np

from suite import configs
from suite.data import dates
from suite.errors import SuiteError
from suite.export import runs, seq2seq_runtime
from suite.models import registry, seq2seq_attention
from suite.tasks import scheduled_sampling, training

MODEL = "seq2seq_attention"
HEATMAP_TEXT = "Saturday, November 21st, 2026"


@dataclasses.dataclass(frozen=True)
class TransductionConfig(training.FitOptions):
    """Everything a date-normalization run needs; saved as config.json."""

    epochs: int = 15
    """Maximum epochs (early stopping on the validation loss)."""
    batch_size: int = 64
    """Pairs per gradient step."""
    learning_rate: float = 3e-3
    """Initial Adam learning rate."""
    patience: int = 4
    """Epochs without validation improvement before stopping."""
    train_size: int = 20000
    """Generated training pairs."""
    val_size: int = 1000
    """Validation pairs (held-out days)."""
    test_size: int = 2000
    """Test pairs (held-out days: no training pair uses them)."""
    model_options: dict[str, Any] = dataclasses.field(
        default_factory=lambda: {"units": (64,), "embedding_dim": 32}
    )
    """Fields of Seq2SeqConfig (cell, attention, units, num_layers, ...)."""
    sampling_schedule: str = "none"
    """"none" (teacher forcing), "linear" or "inverse_sigmoid"."""
    sampling_k: float = 5.0
    """Ramp epochs (linear) or k of the inverse sigmoid."""
    max_sampling_probability: float = 0.25
    """Ceiling of the probability of feeding the model's own outputs."""

    def __post_init__(self):
        super().__post_init__()
        if min(self.train_size, self.val_size, self.test_size) < 1:
            raise SuiteError("train, val and test sizes must be >= 1")
        scheduled_sampling.check_schedule(
            self.sampling_schedule,
            self.sampling_k,
            self.max_sampling_probability,
        )
        model_config(self)


@dataclasses.dataclass(frozen=True)
class Split:
    """Model-ready ids of one split plus its texts."""

    sources: np.ndarray
    """`[N, SOURCE_LENGTH]` source ids."""
    targets: np.ndarray
    """`[N, TARGET_LENGTH]` target ids."""
    texts: tuple[str, ...]
    """Source strings."""
    answers: tuple[str, ...]
    """ISO target strings."""


def model_config(config: TransductionConfig):
    """The registry config for the date vocabularies and lengths."""
    options = {
        **config.model_options,
        "sequence_length": dates.SOURCE_LENGTH,
        "vocab_size": dates.source_vocab_size(),
        "output_units": dates.target_vocab_size(),
        "return_sequences": True,
        "target_length": dates.TARGET_LENGTH,
        "start_token": dates.START,
    }
    return registry.make_config(MODEL, options)


def prepare(config: TransductionConfig) -> dict[str, Split]:
    """Training pairs from training days; val and test from held-out days."""
    train_days, held_out = dates.day_split(config.seed)
    sizes = {"train": config.train_size, "val": config.val_size}
    sizes["test"] = config.test_size
    result = {}
    for offset, (which, size) in enumerate(sizes.items()):
        days = train_days if which == "train" else held_out
        pairs = dates.pairs(size, config.seed * 10 + offset + 1, days)
        texts, answers = zip(*pairs, strict=True)
        result[which] = Split(
            dates.encode_sources(texts),
            dates.encode_targets(answers),
            texts,
            answers,
        )
    return result


def build(config: TransductionConfig) -> seq2seq_attention.Seq2SeqParts:
    """Builds the parts and compiles the training model."""
    training.set_seed(config.seed)
    parts = seq2seq_attention.build_parts(
        model_config(config),
        scheduled_sampling=config.sampling_schedule != "none",
        seed=config.seed,
    )
    parts.training.compile(
        optimizer=training.make_optimizer(config),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return parts


def _dataset(split: Split, batch_size: int, shuffle: bool, seed: int):
    import tensorflow as tf

    inputs = (split.sources, dates.decoder_inputs(split.targets))
    dataset = tf.data.Dataset.from_tensor_slices((inputs, split.targets))
    if shuffle:
        dataset = dataset.shuffle(len(split.sources), seed=seed)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def train(config: TransductionConfig, data, parts) -> dict:
    """Fits the training model; returns the history (+ sampling p)."""
    return scheduled_sampling.fit(
        config,
        parts,
        _dataset(data["train"], config.batch_size, True, config.seed),
        _dataset(data["val"], config.batch_size, False, config.seed),
    )


def predict_ids(parts, sources) -> tuple[np.ndarray, np.ndarray]:
    """Greedy decode in the graph: `(ids [N, 10], weights [N, 10, T])`."""
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices(sources).batch(256)
    logits, weights = parts.inference_attention.predict(dataset, verbose=0)
    return np.argmax(logits, -1), weights


def exact_match(predicted: np.ndarray, targets: np.ndarray) -> dict:
    """Sequence exact match and per-character accuracy."""
    equal = np.asarray(predicted) == np.asarray(targets)
    return {
        "exact_match": float(np.mean(np.all(equal, axis=1))),
        "char_accuracy": float(np.mean(equal)),
    }


def evaluate(config: TransductionConfig, data, parts) -> dict:
    """Exact match on the held-out test pairs, per input format too."""
    test = data["test"]
    ids, _ = predict_ids(parts, test.sources)
    result = exact_match(ids, test.targets)
    result["test_pairs"] = len(test.sources)
    wrong = np.flatnonzero(np.any(ids != test.targets, axis=1))
    outputs = dates.decode_targets(ids[wrong[:10]])
    result["errors"] = [
        {"input": test.texts[i], "expected": test.answers[i], "got": got}
        for i, got in zip(wrong[:10], outputs, strict=True)
    ]
    return result


def run_training(
    config: TransductionConfig,
    run_name: str | None = None,
    overwrite: bool = False,
) -> tuple[dict, Path]:
    """Prepare, build, train, evaluate and save one run."""
    name = run_name or runs.default_run_name("transduction", MODEL)
    data = prepare(config)
    parts = build(config)
    started = time.perf_counter()
    history = train(config, data, parts)
    seconds = time.perf_counter() - started
    result = evaluate(config, data, parts)
    result["epochs_trained"] = len(history["loss"])
    result["train_seconds"] = round(seconds, 2)
    if "sampling_probability" in history:
        result["sampling_probability"] = history["sampling_probability"]
    with runs.staged_run(name, overwrite=overwrite) as folder:
        runs.save_run_files(folder, parts.inference, run_config(config), result)
        training.save_loss_plot(history, folder / "loss.png")
        outputs, weights = greedy_texts(parts, [HEATMAP_TEXT])
        save_attention_heatmap(
            HEATMAP_TEXT, outputs[0], weights[0], folder / "attention.png"
        )
    return result, runs.runs_root() / name


def run_config(config: TransductionConfig) -> dict:
    return {
        "task": "transduction",
        "config": configs.to_dict(config),
        "model_config": configs.to_dict(model_config(config)),
    }


def load_parts(run) -> tuple[TransductionConfig, Any, Path]:
    """`(config, parts with the run's weights, folder)` of a saved run."""
    folder, saved = runs.load_task_run(run, "transduction")
    config = configs.from_dict(TransductionConfig, saved["config"])
    parts = seq2seq_attention.build_parts(model_config(config))
    seq2seq_attention.copy_weights(parts, runs.load_model(folder))
    return config, parts, folder


def predict_texts(run, texts, beam_width: int = 0):
    """Normalizes `texts` with a saved run.

    Returns `(outputs, weights)`: ISO strings and one `[10, T]` attention
    array per text. `beam_width > 1` runs beam search over the step
    models; otherwise greedy decoding.
    """
    _, parts, _ = load_parts(run)
    if beam_width > 1:
        return _beam_texts(parts, texts, beam_width)
    return greedy_texts(parts, texts)


def greedy_texts(parts, texts):
    """Greedy outputs (ISO strings) and attention weights of `texts`."""
    ids, weights = predict_ids(parts, dates.encode_sources(texts))
    return dates.decode_targets(ids), list(weights)


def _beam_texts(parts, texts, beam_width):
    runner = seq2seq_runtime.KerasSeq2Seq(parts.encoder, parts.decoder_step)
    outputs, weights = [], []
    for row in dates.encode_sources(texts):
        ids, _, step_weights = seq2seq_runtime.beam_search(
            runner, row[None], dates.TARGET_LENGTH, dates.START, beam_width
        )
        outputs += dates.decode_targets(ids[None])
        weights.append(step_weights)
    return outputs, weights


def save_attention_heatmap(text: str, output: str, weights, path) -> None:
    """PNG: output characters (rows) vs input characters (columns)."""
    weights = np.asarray(weights)[:, : len(text)]  # drop padding columns
    figure = training.new_figure(max(6, len(text) * 0.3), 4)
    axes = figure.add_subplot(1, 1, 1)
    image = axes.imshow(weights, cmap="viridis", aspect="auto", vmin=0)
    axes.set_xticks(range(len(text)), list(text))
    axes.set_yticks(range(len(output)), list(output))
    axes.set_xlabel("input")
    axes.set_ylabel("output")
    axes.set_title(f"{text!r} -> {output}")
    figure.colorbar(image, ax=axes)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
