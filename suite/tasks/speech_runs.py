"""Saved speech runs: train and save, load, transcribe, export.

`run_training` prepares, trains (one model, or `config.ensemble` seeds
saved as one model, `ensemble_model`), evaluates and saves
`saved_models/<run>/` with the model, `config.json` (feature settings and
vocabulary included), `metrics.json`, a loss plot and `acoustic.tflite`
(features -> per-frame probabilities, builtin LiteRT ops; run it without
TensorFlow with `suite.export.speech_runtime.SpeechTranscriber`).
`load_run` + `transcribe` give text from WAV files.

Example:
>>> result, folder = run_training(SpeechConfig(), "digits")  # doctest: +SKIP
>>> transcribe(load_run(folder), ["a.wav"])  # doctest: +SKIP
['4071']
"""

import dataclasses
import time
from pathlib import Path
from typing import Any

import keras

from suite import configs
from suite.data import audio
from suite.errors import SuiteError
from suite.export import runs
from suite.tasks import ctc, speech, training
from suite.tasks.speech import SpeechConfig, SpeechData

TFLITE_FILE = "acoustic.tflite"


def run_training(
    config: SpeechConfig,
    run_name: str | None = None,
    overwrite: bool = False,
    export_tflite: bool = True,
    recordings=None,
    callbacks=(),
) -> tuple[dict, Path]:
    """Prepare, build, train, evaluate, save (and export) one run (with
    `config.ensemble` > 1, one run holding every member)."""
    name = run_name or runs.default_run_name("speech", config.model)
    if recordings is None:
        recordings = speech.load_recordings(config)
    members, histories, data, seconds = [], [], None, 0.0
    for k in range(config.ensemble):
        member = dataclasses.replace(config, seed=config.seed + k, ensemble=1)
        member_data = speech.prepare(member, recordings)
        data = data or member_data  # the first seed's sets score the run
        members.append(speech.build(member, member_data))
        started = time.perf_counter()  # training only, as for one model
        histories.append(
            speech.train(member, member_data, members[-1], callbacks)
        )
        seconds += time.perf_counter() - started
    model = members[0] if len(members) == 1 else ensemble_model(members)
    history = histories[0]
    result = speech.evaluate(config, data, model)
    result["epochs_trained"] = sum(len(h["loss"]) for h in histories)
    result["train_seconds"] = round(seconds, 2)
    result["history"] = history
    if len(histories) > 1:
        result["member_histories"] = histories
    with runs.staged_run(name, overwrite=overwrite) as folder:
        runs.save_run_files(folder, model, run_config(config, data), result)
        training.save_loss_plot(history, folder / "loss.png")
        if export_tflite:
            export_acoustic_model(
                model, config, data.vocabulary, folder / TFLITE_FILE
            )
    return result, runs.runs_root() / name


def run_config(config: SpeechConfig, data: SpeechData) -> dict:
    """What config.json holds: task config, model config, vocabulary."""
    spec = speech.model_config(config, data.vocabulary)
    return {
        "task": "speech",
        "config": configs.to_dict(config),
        "model_config": configs.to_dict(spec),
        "vocabulary": data.vocabulary,
        "features": configs.to_dict(speech.feature_spec(config)),
        "strides": list(speech.strides_of(spec)),
    }


@dataclasses.dataclass(frozen=True)
class SpeechRun:
    """A loaded run: what transcription needs."""

    config: SpeechConfig
    vocabulary: str
    spec: audio.FeatureSpec
    strides: tuple[int, ...]
    model: Any
    folder: Path


SAVED_BEFORE_DEFAULTS = {"feature_normalization": "per_bin"}
"""Settings of runs saved before their config field existed (session 6
made 'global' the default; earlier runs were trained on per-bin means)."""


def load_run(run) -> SpeechRun:
    """A saved run (folder or name under saved_models/): config, model,
    feature settings, vocabulary and the model's time strides."""
    folder, saved = runs.load_task_run(run, "speech")
    values = {**SAVED_BEFORE_DEFAULTS, **saved["config"]}
    config = configs.from_dict(SpeechConfig, values)
    return SpeechRun(
        config=config,
        vocabulary=saved["vocabulary"],
        spec=speech.feature_spec(config),
        strides=tuple(saved["strides"]),
        model=runs.load_model(folder),
        folder=folder,
    )


def transcribe(
    speech_run: SpeechRun, paths, beam_width: int = 1, lexicon=None
) -> list[str]:
    """Transcribes WAV files with the Keras model (one file per call);
    `lexicon`: allowed transcripts (constrained decoding)."""
    lexicon = ctc.check_lexicon(lexicon, speech_run.vocabulary)
    texts = []
    for path in paths:
        samples = audio.load_audio(path, speech_run.spec)
        texts.append(
            transcribe_samples(speech_run, samples, beam_width, lexicon)
        )
    return texts


def transcribe_samples(
    speech_run: SpeechRun, samples, beam_width=1, lexicon=None
) -> str:
    """Checked samples at the model rate -> text."""
    features = audio.features_for(samples, speech_run.spec)
    logits = speech_run.model.predict_on_batch(features[None])[0]
    probs = ctc.members_first(ctc.softmax(logits))
    return ctc.decode(probs, speech_run.vocabulary, beam_width, lexicon)


def evaluate_run(run, recordings=None, lexicon=None) -> dict:
    """Re-evaluates a saved run on its data's test sets (see `evaluate`)."""
    speech_run = load_run(run)
    data = speech.prepare(speech_run.config, recordings)
    if data.vocabulary != speech_run.vocabulary:
        raise SuiteError(
            f"the data's vocabulary {data.vocabulary!r} differs from the "
            f"run's {speech_run.vocabulary!r}"
        )
    lexicon = ctc.check_lexicon(lexicon, data.vocabulary)
    return speech.evaluate(speech_run.config, data, speech_run.model, lexicon)


def ensemble_model(members) -> keras.Model:
    """One model of several trained acoustic models: features `[B, T,
    mel]` -> logits `[B, T', M, V+1]`, member m at index m (they share
    the strides and vocabulary). Each member still ignores padding."""
    inputs = keras.Input(members[0].inputs[0].shape[1:], name="features")
    outputs = []
    for index, member in enumerate(members):
        member.name = f"member_{index}"
        classes = member.outputs[0].shape[-1]
        logits = member(inputs)  # [B, T', V+1]
        outputs.append(
            keras.layers.Reshape((-1, 1, classes), name=f"member_{index}_axis")(
                logits
            )
        )
    stacked = keras.layers.Concatenate(axis=2, name="members")(outputs)
    return keras.Model(inputs, stacked, name="acoustic_ensemble")


def probability_model(model) -> keras.Model:
    """The acoustic model with a softmax: features -> probabilities."""
    probs = keras.layers.Softmax(name="probabilities")(model.outputs[0])
    return keras.Model(model.inputs, probs, name="acoustic_model")


def export_acoustic_model(model, config, vocabulary, path, quantization="none"):
    """Exports features -> per-frame probabilities, builtin ops only, with
    what a device needs in the sidecar (feature settings, vocabulary)."""
    from suite.export import tflite

    spec = speech.model_config(config, vocabulary)
    extras = {
        "task": "speech",
        "vocabulary": vocabulary,
        "blank_index": ctc.BLANK,
        "features": configs.to_dict(speech.feature_spec(config)),
        "normalization": "per-utterance: bin means removed, unit std",
        "strides": list(speech.strides_of(spec)),
    }
    return tflite.export_window(
        probability_model(model),
        path,
        quantization=quantization,
        extras=extras,
    )
