"""The `bench/export.py` cases: each task's default model, from a run.

A case loader takes a trained run folder (`--run`) and returns a `Case`:
the Keras model that ships, the inputs and scoring of the task's own test
metric, and what int8 calibration and streaming need. `train_*` functions
produce the runs the figures used (see BENCHMARKS.md).
"""

import dataclasses
from collections.abc import Callable
from pathlib import Path

import keras
import numpy as np

from suite.errors import SuiteError


@dataclasses.dataclass
class Case:
    """One task's default model, trained, with its test inputs and metric."""

    name: str
    run: str
    """The run folder the model came from."""
    model: keras.Model
    """The part that ships as `.tflite` (window form)."""
    inputs: list
    """Test inputs, one batch-1 array each (lengths may differ)."""
    score: Callable
    """score(outputs, indices) -> metric; outputs[i] is the model output
    (batch 1) for inputs[indices[i]]."""
    metric_name: str
    higher_is_better: bool
    keras_metric: float
    """The task pipeline's own figure for the Keras model on `inputs`."""
    sample: np.ndarray
    """The batch-1 input of the latency figures."""
    calibration: object
    """Training inputs for int8 calibration (an unrolled int8 window takes
    their length)."""
    stream: Callable | None = None
    """stream(step_outputs) -> the window output; None: no streaming form."""
    no_stream_reason: str = ""
    skip: dict = dataclasses.field(default_factory=dict)
    """quantization -> why that variant is not produced."""
    extras: dict = dataclasses.field(default_factory=dict)
    notes: list = dataclasses.field(default_factory=list)


def pad_to(array: np.ndarray, length: int) -> np.ndarray:
    """Zero-pads (or refuses to cut) axis 1 of a batch-1 input."""
    if array.shape[1] > length:
        raise SuiteError(f"input of {array.shape[1]} steps > {length}")
    pad = [(0, 0)] * array.ndim
    pad[1] = (0, length - array.shape[1])
    return np.pad(array, pad)


# ------------------------------------------------------------ forecasting


def train_forecasting(run_name: str, epochs: int) -> Path:
    """bench/forecast_ett.py's ETTh1 configuration, `epochs` epochs."""
    from bench.forecast_ett import ETT_CONFIG
    from suite.tasks import forecasting_runs

    config = dataclasses.replace(ETT_CONFIG, epochs=epochs)
    result, folder = forecasting_runs.run_training(
        config, run_name=run_name, overwrite=True
    )
    print(f"{folder}: test MSE {result['scaled']['mse']:.4f}", flush=True)
    return folder


def forecasting_case(run: Path, args) -> Case:
    """The forecasting pipeline's own test MSE (z-scored, ETT protocol)."""
    from suite.data import windows
    from suite.tasks import forecasting, forecasting_runs, metrics

    config, prep, model, folder = forecasting_runs.load_run(run)
    data = dataclasses.replace(forecasting.prepare(config), prep=prep)
    test = forecasting.make_window_set(config, data, "test")
    raw = data.frame.to_numpy()[:, list(data.target_index)]
    train_raw = raw[: data.split.train_end]
    mean, std = train_raw.mean(axis=0), train_raw.std(axis=0)
    actual = np.stack([raw[s : s + config.horizon] for s in test.starts])

    def score(outputs, indices):
        outputs = np.concatenate(outputs)  # [W, H, T] model scale
        values = windows.invert_targets(
            windows.uncenter(outputs, test.offsets[indices]),
            np.zeros((len(indices), 0, len(mean))),
            data.prep,
            data.target_index,
        )
        return metrics.mse(
            (actual[indices] - mean) / std, (values - mean) / std
        )

    pipeline = forecasting.evaluate(config, data, model)[0]["scaled"]["mse"]
    train = forecasting.make_window_set(config, data, "train")
    return Case(
        name=(
            f"forecasting: {config.model} {config.model_options}, "
            f"{config.data} {config.lookback} -> {config.horizon} x "
            f"{len(config.targets)}, instance norm"
        ),
        run=str(folder),
        model=model,
        inputs=[test.x[i : i + 1] for i in range(len(test.x))],
        score=score,
        metric_name="test MSE (z-scored)",
        higher_is_better=False,
        keras_metric=pipeline,
        sample=test.x[:1],
        calibration=train.x,
        stream=lambda steps: steps[-1],  # the forecast after the last step
        extras={"run_config": forecasting_runs.run_config(config, data)},
        notes=[
            "windows are centred on their last input step (the pipeline's "
            "instance norm), so a stream must know that value first"
        ],
    )


# -------------------------------------------------------------- sentiment


def train_sentiment(run_name: str, epochs: int) -> Path:
    """The sentiment task's defaults on IMDB, `epochs` epochs."""
    from suite.tasks import sentiment, sentiment_runs

    config = sentiment.SentimentConfig(dataset="imdb", epochs=epochs)
    return sentiment_runs.run_training(
        config, run_name=run_name, overwrite=True
    )[1]


def seeded_reviews(loaded, data, count: int, seed: int = 0):
    """`count` seeded reviews of `data` (texts + labels) as token ids of a
    sentiment run: (padded ids [N, L], one batch-1 array per review cut to
    its own length, labels [N])."""
    from suite.tasks import sentiment

    picks = np.random.default_rng(seed).permutation(len(data.texts))
    picks = np.sort(picks[:count])
    texts = np.asarray(data.texts, dtype=object)[picks]
    ids = sentiment.vectorize(loaded.model.get_layer("vectorizer"), texts)
    lengths = np.maximum(np.count_nonzero(ids, axis=1), 1)
    inputs = [ids[i : i + 1, : lengths[i]] for i in range(len(ids))]
    return ids, inputs, np.asarray(data.labels)[picks]


def sentiment_case(run: Path, args) -> Case:
    """Test accuracy of the token-ids classifier on a seeded test subset."""
    from suite.tasks import sentiment, sentiment_runs

    loaded = sentiment_runs.load_run(run)
    test = sentiment.load_splits(loaded.config)[1]
    ids, inputs, labels = seeded_reviews(loaded, test, args.test_limit)
    classifier = loaded.model.get_layer("token_classifier")
    keras_probs = sentiment.predict_ids(classifier, ids)
    lengths = [x.shape[1] for x in inputs]

    def score(outputs, indices):
        probs = np.concatenate(outputs)[:, 0]  # [N] P(positive)
        return 100 * float(np.mean((probs > 0.5) == labels[indices]))

    keras_accuracy = 100 * float(np.mean(keras_probs.argmax(axis=1) == labels))
    median = int(np.argsort(lengths)[len(lengths) // 2])
    return Case(
        name=(
            f"sentiment: {loaded.config.model} "
            f"{loaded.config.model_options}, IMDB, token ids -> P(positive)"
        ),
        run=str(loaded.folder),
        model=classifier,
        inputs=inputs,
        score=score,
        metric_name=f"test accuracy % ({len(inputs)} seeded test reviews)",
        higher_is_better=True,
        keras_metric=keras_accuracy,
        sample=inputs[median],
        calibration=sentiment_runs.representative_inputs(loaded),
        no_stream_reason=(
            "bidirectional LSTM: the backward direction needs the whole "
            "text, so there is no streaming form"
        ),
        skip={
            "int8-act16": "no fused 16x8 LSTM kernel, and an unrolled graph "
            f"of {loaded.config.sequence_length} steps x 2 directions x 2 "
            "layers is not practical"
        },
        notes=[
            f"latency input: the median-length review of the subset "
            f"({lengths[median]} tokens)"
        ],
    )


# -------------------------------------------------------- text generation


def text_generation_case(run: Path, args) -> Case:
    """Validation nats per character (every `--val-every`th window)."""
    from suite.tasks import text_generation, text_generation_runs

    config, vocab, model, folder = text_generation_runs.load_run(run)
    data = text_generation.prepare(config, vocab=vocab)
    every = np.arange(0, len(data.x_val), args.val_every)
    x, y = data.x_val[every], data.y_val[every]
    if config.level != "char":
        raise SuiteError("the text-generation case expects a char model")

    def score(outputs, indices):
        logits = np.concatenate(outputs).astype("float64")  # [N, T, V]
        logits -= logits.max(axis=-1, keepdims=True)
        log_z = np.log(np.exp(logits).sum(axis=-1))
        picked = np.take_along_axis(logits, y[indices][..., None], -1)
        return float(np.mean(log_z - picked[..., 0]))

    keras_logits = model.predict(x, batch_size=64, verbose=0)
    return Case(
        name=(
            f"text generation: {config.model} {config.model_options}, "
            f"char level, tiny Shakespeare, vocabulary {vocab.size}"
        ),
        run=str(folder),
        model=model,
        inputs=[x[i : i + 1] for i in range(len(x))],
        score=score,
        metric_name=(
            f"validation nats/char ({len(x)} windows of "
            f"{config.sequence_length})"
        ),
        higher_is_better=False,
        keras_metric=score([keras_logits], np.arange(len(x))),
        sample=x[:1],
        calibration=data.x_train[:: max(1, len(data.x_train) // 400)],
        stream=lambda steps: np.concatenate(steps, axis=1),
        extras={"task": "text_generation", "vocabulary": vocab.to_dict()},
        notes=["streaming step = one character in, next-char logits out"],
    )


# ----------------------------------------------------------------- speech


def speech_case(run: Path, args) -> Case:
    """Single-digit accuracy (greedy CTC) on the FSDD test speakers."""
    from suite.data import audio, speech_corpus
    from suite.tasks import ctc, speech, speech_runs

    loaded = speech_runs.load_run(run)
    config = loaded.config
    splits = speech_corpus.split_recordings(
        speech_corpus.fsdd_recordings(config.sample_rate)
    )
    singles = speech_corpus.single_utterances(splits["test"])
    features = audio.batch_log_mel([u.samples for u in singles], loaded.spec)
    texts = [u.text for u in singles]
    frames = ctc.frames_after_striding(
        [len(f) for f in features], loaded.strides
    )
    inputs = [f[None] for f in features]

    def score(outputs, indices):
        probs = [
            np.asarray(out[0, : frames[i]])
            for out, i in zip(outputs, indices, strict=True)
        ]
        decoded = speech.decode_all(probs, loaded.vocabulary)
        rates = ctc.error_rates([texts[i] for i in indices], decoded)
        return 100 * rates["utterance_accuracy"]

    model = speech_runs.probability_model(loaded.model)
    keras_probs = speech.frame_probabilities(
        loaded.model, features, loaded.strides
    )
    keras_texts = speech.decode_all(keras_probs, loaded.vocabulary)
    keras_rates = ctc.error_rates(texts, keras_texts)
    longest = max(len(f) for f in features)
    step = int(np.prod(loaded.strides))
    train = audio.batch_log_mel(  # every 10th single training recording
        [u.samples for u in speech_corpus.single_utterances(splits["train"])][
            ::10
        ],
        loaded.spec,
    )
    calibration = np.stack(
        [
            pad_to(f[None], -(-longest // step) * step)[0]
            for f in train
            if len(f) <= longest
        ]
    )
    median = int(np.argsort([len(f) for f in features])[len(inputs) // 2])
    return Case(
        name=(
            f"speech: {loaded.config.model} (2x Conv1D stride 2 + 2x "
            f"BiLSTM), FSDD digits, log-mel -> per-frame probabilities"
        ),
        run=str(loaded.folder),
        model=model,
        inputs=inputs,
        score=score,
        metric_name=(
            f"single-digit accuracy % ({len(inputs)} test recordings, "
            "greedy CTC)"
        ),
        higher_is_better=True,
        keras_metric=100 * keras_rates["utterance_accuracy"],
        sample=inputs[median],
        calibration=calibration,
        no_stream_reason=(
            "bidirectional LSTM: the backward direction needs the whole "
            "utterance, so there is no streaming form"
        ),
        notes=[
            f"latency input: the median-length test recording "
            f"({len(features[median])} frames); the int8-act16 window is "
            f"fixed at {calibration.shape[1]} frames (the longest test "
            "recording, rounded to the stride) and inputs are zero-padded",
        ],
    )


CASES = {
    "forecasting": forecasting_case,
    "sentiment": sentiment_case,
    "text_generation": text_generation_case,
    "speech": speech_case,
}
TRAINERS = {"forecasting": train_forecasting, "sentiment": train_sentiment}
