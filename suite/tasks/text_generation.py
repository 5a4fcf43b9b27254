"""Text generation: character- and word-level language models.

The whole flow, top to bottom:

    config = TextGenConfig(corpus="tiny_shakespeare", level="char", ...)
    data = prepare(config)                  # read, split 90/10, vocabulary
    model = build(config, data)             # registry model, per-step logits
    history = train(config, data, model)    # next-token cross-entropy
    metrics = evaluate(config, data, model) # nats/token, bits/char, ppl
    text = generate_text(model, data.vocab, "ROMEO:", SamplingConfig())

`text_generation_runs.run_training` does all of it and saves
`saved_models/<run-name>/` (model.keras, config.json with the vocabulary,
metrics.json, vocabulary.json). Any registry model works: its builder gets
an Embedding input (`vocab_size > 0`) and a per-step head
(`return_sequences=True`).

Generation is stateful: `KerasStepper` cuts the streaming-step model
(`suite.export.streaming`) from the trained model and carries the
recurrent state from token to token, one step of work per token.
`prefix_stepper` re-reads the whole prefix at every token instead (same
tokens under greedy decoding, quadratic cost);
`text_generation_runs.export_litert` writes the step model as a `.tflite`
that `sampling.LiteRTStepper` runs without TensorFlow.
"""

import dataclasses
import math
import time
from typing import Any

import keras
import numpy as np

from suite.data import corpus
from suite.data.corpus import Vocabulary
from suite.errors import SuiteError
from suite.export import streaming
from suite.models import registry
from suite.tasks import sampling, training

LAYOUTS = ("contiguous", "ngram_lines")


@dataclasses.dataclass(frozen=True)
class TextGenConfig(training.FitOptions):
    """Everything a text-generation run needs; saved as config.json."""

    corpus: str = "tiny_shakespeare"
    """'tiny_shakespeare', 'nursery_rhyme' or a UTF-8 text file path."""
    level: str = "char"
    """Tokens: 'char' (characters) or 'word' (words and punctuation)."""
    unknown_token: str = "<unk>"
    """Id 1 for out-of-vocabulary tokens; '' refuses them instead."""
    max_vocab: int = 0
    """Keep the most frequent tokens only (0 keeps all)."""
    layout: str = "contiguous"
    """'contiguous' sequences, or 'ngram_lines' (every prefix of a line)."""
    sequence_length: int = 100
    """Tokens per training sequence (BPTT length)."""
    validation_fraction: float = 0.1
    """Share of the corpus, at its end, held out for validation."""
    model: str = "stacked_lstm"
    """Registry name of the model."""
    embedding_dim: int = 64
    """Width of the token embedding."""
    dropout_rate: float = 0.0
    """Dropout on each recurrent layer's inputs (if the model has it)."""
    model_options: dict[str, Any] = dataclasses.field(default_factory=dict)
    """Other fields of the model's config (units, ...)."""
    max_minutes: float = 0.0
    """Stop training after this many minutes (0: no limit)."""
    epochs: int = 10
    """Maximum epochs."""
    batch_size: int = 64
    """Sequences per gradient step."""
    learning_rate: float = 2e-3
    """Initial Adam learning rate."""
    patience: int = 3
    """Epochs without validation improvement before stopping."""

    def __post_init__(self):
        super().__post_init__()
        _validate(self)


def _validate(config: TextGenConfig) -> None:
    if config.level not in corpus.LEVELS:
        raise SuiteError(
            f"level must be one of {corpus.LEVELS}, got {config.level!r}"
        )
    if config.layout not in LAYOUTS:
        raise SuiteError(
            f"layout must be one of {LAYOUTS}, got {config.layout!r}"
        )
    if config.sequence_length < 1 or config.epochs < 1:
        raise SuiteError(
            "sequence_length and epochs must be >= 1, got "
            f"{config.sequence_length} and {config.epochs}"
        )
    if not 0.0 < config.validation_fraction < 1.0:
        raise SuiteError("validation_fraction must be in (0, 1)")
    model_config(config, vocab_size=2)  # unknown model / options fail here


@dataclasses.dataclass(frozen=True)
class PreparedText:
    """A corpus split, its vocabulary and model-ready sequences."""

    vocab: Vocabulary
    """Fitted on the training split."""
    train_ids: np.ndarray
    """Training split as token ids `[N]` (contiguous layout)."""
    x_train: np.ndarray
    """Training inputs `[S, T]`."""
    y_train: np.ndarray
    """Training targets `[S, T]`: the inputs shifted one token ahead."""
    x_val: np.ndarray
    """Validation inputs `[S', T]`."""
    y_val: np.ndarray
    """Validation targets `[S', T]`."""


def prepare(
    config: TextGenConfig,
    text: str | None = None,
    vocab: Vocabulary | None = None,
) -> PreparedText:
    """Reads the corpus (or `text`), holds out its end, and fits the
    vocabulary on the rest (or uses the given `vocab`)."""
    if text is None:
        text = corpus.load_text(config.corpus)
    elif not text.strip():
        raise SuiteError("the corpus is empty; give some text to train on")
    if config.layout == "ngram_lines":
        return _prepare_lines(config, text, vocab)
    train_text, val_text = corpus.split_text(text, config.validation_fraction)
    vocab = vocab or _fit(config, train_text)
    train_ids = vocab.encode(train_text, what="the training text")
    val_ids = vocab.encode(val_text, what="the validation text")
    length = config.sequence_length
    x_train, y_train = corpus.contiguous_sequences(
        train_ids, length, "training split (first 90%)"
    )
    x_val, y_val = corpus.contiguous_sequences(
        val_ids, length, "validation split (last 10%)"
    )
    return PreparedText(vocab, train_ids, x_train, y_train, x_val, y_val)


def _fit(config: TextGenConfig, train_text: str) -> Vocabulary:
    return corpus.fit_vocabulary(
        train_text, config.level, config.unknown_token, config.max_vocab
    )


def _prepare_lines(config, text: str, vocab) -> PreparedText:
    lines = [line for line in text.splitlines() if line.strip()]
    held = max(1, math.ceil(len(lines) * config.validation_fraction))
    if len(lines) <= held:
        raise SuiteError(
            f"the n-gram layout needs at least 2 non-empty lines (one "
            f"held out), got {len(lines)}"
        )
    train_lines = lines[:-held]
    vocab = vocab or _fit(config, "\n".join(train_lines))
    encode = [vocab.encode(line, what="the corpus") for line in lines]
    width = config.sequence_length
    x_train, y_train = corpus.ngram_prefixes(encode[:-held], width)
    x_val, y_val = corpus.ngram_prefixes(encode[-held:], width)
    train_ids = np.concatenate(encode[:-held])
    return PreparedText(vocab, train_ids, x_train, y_train, x_val, y_val)


def model_config(config: TextGenConfig, vocab_size: int):
    """The registry config: token ids in, next-token logits at each step."""
    options = {
        **config.model_options,
        "vocab_size": vocab_size,
        "embedding_dim": config.embedding_dim,
        "output_units": vocab_size,
        "return_sequences": True,
        "sequence_length": None,
    }
    fields = {
        f.name
        for f in dataclasses.fields(registry.get(config.model).config_cls)
    }
    if "dropout_rate" in fields:
        options.setdefault("dropout_rate", config.dropout_rate)
    elif config.dropout_rate > 0:
        raise SuiteError(
            f"model {config.model!r} has no dropout_rate option; set "
            "dropout_rate=0 or use its own dropout field in model_options"
        )
    return registry.make_config(config.model, options)


def build(config: TextGenConfig, data: PreparedText) -> keras.Model:
    """Builds and compiles the registry model for this vocabulary."""
    training.set_seed(config.seed)
    spec = model_config(config, data.vocab.size)
    model = registry.build_from_config(config.model, spec)
    _refuse_bidirectional(model)
    model.compile(
        optimizer=training.make_optimizer(config),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


def _refuse_bidirectional(model) -> None:
    layers = model._flatten_layers(include_self=False)
    if any(isinstance(layer, keras.layers.Bidirectional) for layer in layers):
        raise SuiteError(
            f"model {model.name!r} is bidirectional: it would read the very "
            "token it must predict; a language model must be causal, so use "
            "stacked_lstm, gru or another one-directional model"
        )


class TimeLimit(keras.callbacks.Callback):
    """Stops training after `minutes` (checked after every batch)."""

    def __init__(self, minutes: float):
        super().__init__()
        self.minutes = minutes
        self.started = 0.0

    def on_train_begin(self, logs=None):
        self.started = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        if time.perf_counter() - self.started > 60.0 * self.minutes:
            self.model.stop_training = True


def train(config: TextGenConfig, data: PreparedText, model) -> dict:
    """Fits on the training sequences; returns the loss history."""
    from suite.data import windows

    limit = [TimeLimit(config.max_minutes)] if config.max_minutes > 0 else []
    return training.fit(
        model,
        windows.to_dataset(
            data.x_train, data.y_train, config.batch_size, True, config.seed
        ),
        windows.to_dataset(
            data.x_val, data.y_val, config.batch_size, False, config.seed
        ),
        config,
        extra_callbacks=limit,
    )


def evaluate(config: TextGenConfig, data: PreparedText, model) -> dict:
    """Validation loss in nats per token, bits per character, perplexity,
    and the unigram entropy (the loss of a context-free model)."""
    nats = float(
        model.evaluate(
            data.x_val, data.y_val, batch_size=config.batch_size, verbose=0
        )
    )
    targets = data.y_val[data.y_val > 0]
    characters = len(data.vocab.decode(targets))
    per_char = nats * len(targets) / max(characters, 1)
    return {
        "level": config.level,
        "val_loss": nats,
        "bits_per_token": nats / math.log(2),
        "bits_per_char": per_char / math.log(2),
        "perplexity": math.exp(nats),
        "unigram_entropy": corpus.unigram_entropy(
            data.train_ids, data.vocab.size
        ),
        "val_tokens": int(len(targets)),
        "vocab_size": data.vocab.size,
    }


class KerasStepper:
    """Stateful generation in Keras: the streaming-step model of `model`
    (token and recurrent states in, logits and new states out), the state
    carried from one token to the next."""

    def __init__(self, model):
        self.step_model = streaming.streaming_step_model(model, batch_size=1)
        self.num_states = len(self.step_model.inputs) - 1
        self.states: list[np.ndarray] = []
        self.reset()

    def reset(self) -> None:
        self.states = [
            np.zeros(t.shape, keras.backend.standardize_dtype(t.dtype))
            for t in self.step_model.inputs[1:]
        ]

    def step(self, token: int) -> np.ndarray:
        feeds = [np.array([[token]], dtype="int32"), *self.states]
        outputs = self.step_model.predict_on_batch(feeds)
        self.states = list(outputs[1:])
        return np.asarray(outputs[0]).reshape(-1)  # [1, 1, V] -> [V]


def prefix_stepper(model) -> sampling.PrefixStepper:
    """The baseline: re-reads the whole prefix through the Keras window
    model at every token."""
    return sampling.PrefixStepper(model.predict_on_batch)


STEPPERS = {"stateful": KerasStepper, "prefix": prefix_stepper}


def make_stepper(model, mode: str = "stateful"):
    """`KerasStepper` ('stateful') or a prefix re-reader ('prefix')."""
    if mode not in STEPPERS:
        raise SuiteError(
            f"unknown generation mode {mode!r}; choose one of "
            f"{sorted(STEPPERS)}"
        )
    return STEPPERS[mode](model)


def generate_text(
    model,
    vocab: Vocabulary,
    prompt: str,
    config: sampling.SamplingConfig | None = None,
    mode: str = "stateful",
    on_text=None,
) -> str:
    """Generates text after `prompt` with a trained Keras model."""
    stepper = make_stepper(model, mode)
    return sampling.generate(
        stepper, vocab, prompt, config or sampling.SamplingConfig(), on_text
    )
