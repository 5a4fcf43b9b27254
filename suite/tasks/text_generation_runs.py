"""Saved text-generation runs: train and save, load, re-evaluate, generate,
export.

`run_training` prepares, trains, evaluates and saves
`saved_models/<run-name>/` (model.keras, config.json with the vocabulary,
metrics.json, vocabulary.json, a loss plot); `generate_run` samples from a
saved run; `export_run` (also `suite export RUN`'s task hook) writes the
streaming-step `.tflite` that `sampling.LiteRTStepper` runs without
TensorFlow, or the whole-sequence model.

Example:
>>> result, folder = run_training(TextGenConfig(), "bard")  # doctest: +SKIP
>>> generate_run(folder, "ROMEO:", SamplingConfig())  # doctest: +SKIP
"""

import dataclasses
import time
from pathlib import Path
from typing import Any

from suite import configs
from suite.data.corpus import Vocabulary
from suite.export import runs, tflite
from suite.tasks import sampling, text_generation, training
from suite.tasks.text_generation import TextGenConfig

VOCABULARY_FILE = "vocabulary.json"


def run_training(
    config: TextGenConfig,
    run_name: str | None = None,
    overwrite: bool = False,
    text: str | None = None,
) -> tuple[dict, Path]:
    """Prepare, build, train, evaluate and save one run; returns metrics."""
    name = run_name or runs.default_run_name("textgen", config.model)
    data = text_generation.prepare(config, text)
    model = text_generation.build(config, data)
    started = time.perf_counter()
    history = text_generation.train(config, data, model)
    seconds = time.perf_counter() - started
    result = text_generation.evaluate(config, data, model)
    result["model_name"] = config.model
    result["epochs_trained"] = len(history["loss"])
    result["train_seconds"] = round(seconds, 2)
    result["history"] = history
    with runs.staged_run(name, overwrite=overwrite) as folder:
        save_run(folder, config, data.vocab, model, result)
        training.save_loss_plot(history, folder / "loss.png")
    return result, runs.runs_root() / name


def save_run(folder: Path, config, vocab: Vocabulary, model, result) -> None:
    """model.keras, config.json (with the vocabulary), metrics.json and
    vocabulary.json into a (staging) run folder."""
    saved = {
        "task": "text_generation",
        "config": configs.to_dict(config),
        "model_config": configs.to_dict(
            text_generation.model_config(config, vocab.size)
        ),
        "vocabulary": vocab.to_dict(),
    }
    runs.save_run_files(folder, model, saved, result)
    configs.save_json(folder / VOCABULARY_FILE, vocab.to_dict())


def load_run(run) -> tuple[TextGenConfig, Vocabulary, Any, Path]:
    """Loads `(config, vocabulary, model, folder)` of a saved run."""
    folder, saved = runs.load_task_run(run, "text_generation")
    config = configs.from_dict(TextGenConfig, saved["config"])
    vocab = Vocabulary.from_dict(saved["vocabulary"])
    return config, vocab, runs.load_model(folder), folder


def evaluate_run(run, corpus_source: str | None = None) -> dict:
    """Re-evaluates a saved run with its vocabulary on the held-out end of
    its corpus (or of `corpus_source`)."""
    config, vocab, model, _ = load_run(run)
    if corpus_source:
        config = dataclasses.replace(config, corpus=corpus_source)
    return text_generation.evaluate(
        config, text_generation.prepare(config, vocab=vocab), model
    )


def generate_run(
    run,
    prompt: str,
    config: sampling.SamplingConfig,
    mode: str = "stateful",
    on_text=None,
) -> str:
    """Loads a saved run and generates text after `prompt`."""
    _, vocab, model, _ = load_run(run)
    return text_generation.generate_text(
        model, vocab, prompt, config, mode, on_text
    )


def export_litert(
    model,
    vocab: Vocabulary,
    path,
    quantization: str = "none",
    representative_data=None,
) -> tflite.ExportResult:
    """Writes the streaming-step `.tflite` (token + states in, logits +
    states out) with the vocabulary in its sidecar, for
    `sampling.LiteRTStepper`. int8 needs `representative_data`: training
    sequences `[N, T]` of token ids."""
    return tflite.export_streaming_step(
        model,
        path,
        quantization=quantization,
        representative_data=representative_data,
        extras={"task": "text_generation", "vocabulary": vocab.to_dict()},
    )


def representative_inputs(folder, count: int = 64, length: int = 32):
    """Training sequences of a saved run, for int8 calibration (also
    used by `suite export RUN --quantization int8`)."""
    folder = runs.resolve_run(folder)
    saved = runs.load_config(folder)
    config = configs.from_dict(TextGenConfig, saved["config"])
    data = text_generation.prepare(
        config, vocab=Vocabulary.from_dict(saved["vocabulary"])
    )
    return data.x_train[:count, :length]


def export_run(
    run, path=None, form: str = "streaming", quantization: str = "none"
):
    """Exports a saved run (default: RUN/<form>-<quantization>.tflite).

    The streaming step model by default, for stateful generation on a
    device; `form="window"` writes the whole-sequence model. Also the task
    hook `suite export RUN` calls, with the same arguments.
    """
    _, vocab, model, folder = load_run(run)
    path = Path(path) if path else folder / f"{form}-{quantization}.tflite"
    int8 = quantization.startswith("int8")
    data = representative_inputs(folder) if int8 else None
    if form == "streaming":
        return export_litert(model, vocab, path, quantization, data)
    return tflite.export(
        model,
        path,
        form=form,
        quantization=quantization,
        representative_data=data,
        extras={"task": "text_generation", "vocabulary": vocab.to_dict()},
    )
