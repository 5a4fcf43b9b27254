"""Sentiment / text classification: raw texts in, labels and probabilities out.

The flow, top to bottom: `load_splits` (IMDB, rt-polarity or a user file),
`prepare` (validation split, `TextVectorization` adapted on the training
texts only), `build` (any registry builder on token ids, default the classic
Embedding + 2x Bidirectional LSTM), `fit` (length-bucketed batches, early
stopping on the validation split), `evaluate` (accuracy, precision, recall,
F1, ROC-AUC, confusion matrix). `suite.tasks.sentiment_runs.run_training` does
all of it and saves the run folder: `model.keras` takes raw strings and
returns class probabilities; its `token_classifier` sub-model (token ids ->
probabilities) is what LiteRT runs, with `vocabulary.json` and the NumPy
`suite.data.tokenizer`.
"""

import dataclasses
from pathlib import Path

import keras
import numpy as np

from suite.data import text
from suite.data.tokenizer import TRUNCATIONS
from suite.data.vectorizer import make_vectorizer, vectorize
from suite.errors import SuiteError
from suite.models import registry
from suite.tasks import classification, training

DATASETS = ("imdb", "rt_polarity")
DEFAULT_MODEL_OPTIONS = {
    "units": (64, 64),
    "embedding_dim": 128,
    "dropout_rate": 0.2,
}
TASK_OWNED_OPTIONS = (
    "vocab_size",
    "output_units",
    "output_activation",
    "sequence_length",
    "return_sequences",
)


@dataclasses.dataclass(frozen=True)
class SentimentConfig(training.FitOptions):
    """Everything a sentiment run needs; saved as its `config.json`."""

    epochs: int = 10
    """Maximum epochs (early stopping usually ends sooner)."""
    batch_size: int = 64
    """Texts per gradient step."""
    patience: int = 2
    """Epochs without validation-loss improvement before stopping."""
    dataset: str = "imdb"
    """"imdb", "rt_polarity", or the path of a CSV / JSONL file."""
    test_file: str | None = None
    """Test file for a user dataset; None holds out test_fraction."""
    text_column: str = "text"
    """Text column of a user file."""
    label_column: str = "label"
    """Label column of a user file."""
    test_fraction: float = 0.1
    """Share held out for testing when the dataset has no test split."""
    validation_fraction: float = 0.1
    """Share of the training texts used for early stopping."""
    limit: int | None = None
    """Use at most this many train and test texts each (None: all)."""
    max_tokens: int = 20000
    """Vocabulary size, padding and out-of-vocabulary ids included."""
    sequence_length: int = 400
    """Tokens kept per text (see `truncation` for longer texts)."""
    truncation: str = "post"
    """Which tokens a longer text keeps: "post" the first ones (cut at the
    end, Keras's default), "pre" the last ones, "middle" the first quarter
    and the last three quarters."""
    ensemble: int = 1
    """Models trained (seeds seed, seed+1, ...) whose logits are averaged
    into the one saved model; 1: a single model."""
    ensemble_folds: bool = False
    """Fold-bagging: member k holds out its own validation slice (the k-th
    of `ensemble` disjoint stratified slices of validation_fraction each,
    one seeded permutation), early-stops on it and learns from all other
    training texts, so the ensemble as a whole learns from the whole
    training split; the vocabulary is then adapted on the whole training
    split, and the reported validation accuracy is the mean of the members'
    accuracies on their own slices. False: every member holds out the same
    slice, which no member learns from."""
    model: str = "bilstm"
    """Registry name of the token model."""
    model_options: dict = dataclasses.field(
        default_factory=lambda: dict(DEFAULT_MODEL_OPTIONS)
    )
    """Fields of the model's config (units, dropout_rate, pooling, ...);
    they replace the defaults, which suit "bilstm" only."""

    def __post_init__(self):
        super().__post_init__()
        if self.dataset not in DATASETS and not Path(self.dataset).suffix:
            raise SuiteError(
                f"dataset {self.dataset!r} is neither one of {DATASETS} nor "
                "a .csv / .jsonl file path"
            )
        for name in ("test_fraction", "validation_fraction"):
            if not 0.0 < getattr(self, name) < 1.0:
                raise SuiteError(f"{name} must be in (0, 1)")
        if self.max_tokens < 3 or self.sequence_length < 1:
            raise SuiteError("max_tokens must be >= 3, sequence_length >= 1")
        if self.truncation not in TRUNCATIONS:
            raise SuiteError(
                f"truncation must be one of {TRUNCATIONS}, got "
                f"{self.truncation!r}"
            )
        if self.ensemble < 1:
            raise SuiteError(f"ensemble must be >= 1, got {self.ensemble}")
        if (
            self.ensemble_folds
            and self.ensemble * self.validation_fraction > 1.0
        ):
            raise SuiteError(
                f"ensemble_folds: {self.ensemble} disjoint validation slices "
                f"of {self.validation_fraction} each exceed the training "
                "split; lower ensemble or validation_fraction"
            )
        owned = sorted(set(self.model_options) & set(TASK_OWNED_OPTIONS))
        if owned:
            raise SuiteError(
                f"model option(s) {owned} are set by the sentiment task "
                "from the data; leave them out"
            )
        registry.get(self.model)


@dataclasses.dataclass(frozen=True)
class PreparedData:
    """Checked splits and the vectorizer adapted on `train` only.

    With `member_splits` (fold-bagging, `ensemble_folds`), `train` is the
    whole training split, `validation` is None, and member k trains on
    `member_splits[k][0]` and early-stops on `member_splits[k][1]`.
    """

    train: text.LabelledTexts
    validation: text.LabelledTexts | None
    test: text.LabelledTexts
    vectorizer: keras.layers.TextVectorization
    member_splits: tuple = ()

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.train.class_names


# ---------------------------------------------------------------- prepare


def load_splits(config: SentimentConfig):
    """(train, test) LabelledTexts of the configured dataset."""
    if config.dataset == "imdb":
        train, test = text.load_imdb()
    elif config.dataset == "rt_polarity":
        train, test = text.split_off(
            text.load_rt_polarity(), config.test_fraction, config.seed
        )
    else:
        train = text.load_labelled_file(
            config.dataset, config.text_column, config.label_column
        )
        if config.test_file:
            test = text.load_labelled_file(
                config.test_file, config.text_column, config.label_column
            )
        else:
            train, test = text.split_off(
                train, config.test_fraction, config.seed
            )
    text.check_same_classes(train, test)
    train = text.sample(train, config.limit, config.seed)
    test = text.sample(test, config.limit, config.seed + 1)
    return train, test


def prepare(config: SentimentConfig) -> PreparedData:
    """Splits the data and adapts the vectorizer on the training texts."""
    train, test = load_splits(config)
    member_splits, validation = (), None
    if config.ensemble_folds:
        member_splits = tuple(
            text.disjoint_splits(
                train, config.ensemble, config.validation_fraction, config.seed
            )
        )
    else:
        train, validation = text.split_off(
            train, config.validation_fraction, config.seed
        )
    vectorizer = make_vectorizer(
        train.texts,
        config.max_tokens,
        config.sequence_length,
        truncation=config.truncation,
    )
    return PreparedData(train, validation, test, vectorizer, member_splits)


def member_data(data: PreparedData, index: int) -> PreparedData:
    """The data member `index` of an ensemble trains and early-stops on."""
    if not data.member_splits:
        return data
    train, validation = data.member_splits[index]
    return dataclasses.replace(
        data, train=train, validation=validation, member_splits=()
    )


# ---------------------------------------------------------------- build


def model_config(config: SentimentConfig, vocab_size: int, classes: int):
    """The registry config of the token model (logits head)."""
    options = {
        **config.model_options,
        "vocab_size": vocab_size,
        "output_units": 1 if classes == 2 else classes,
    }
    return registry.make_config(config.model, options)


def default_model_options(model: str) -> dict:
    """The classic options for "bilstm"; other builders' own defaults."""
    return dict(DEFAULT_MODEL_OPTIONS) if model == "bilstm" else {}


def build(config: SentimentConfig, data: PreparedData):
    """(token logits model, end-to-end raw-text model), sharing weights."""
    classes = len(data.class_names)
    token_model = registry.build_from_config(
        config.model,
        model_config(config, data.vectorizer.vocabulary_size(), classes),
    )
    return token_model, text_classifier(data.vectorizer, token_model, classes)


def average_logits(members) -> keras.Model:
    """One token-logits model averaging the logits of `members`."""
    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")
    logits = [  # renamed: names must be unique within the model
        keras.Model(member.input, member.output, name=f"member_{i + 1}")(tokens)
        for i, member in enumerate(members)
    ]
    average = keras.layers.Average(name="average_logits")(logits)
    return keras.Model(tokens, average, name="ensemble")


def text_classifier(vectorizer, token_model, classes: int) -> keras.Model:
    """Raw strings `[B]` -> probabilities `[B, 1]` (binary) or `[B, K]`.

    The token-ids part is the sub-model named "token_classifier".
    """
    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")
    activation = "sigmoid" if classes == 2 else "softmax"
    probabilities = keras.layers.Activation(activation, name="probabilities")(
        token_model(tokens)
    )
    classifier = keras.Model(tokens, probabilities, name="token_classifier")
    strings = keras.Input(shape=(), dtype="string", name="text")
    ids = keras.layers.Identity(dtype="int32", name="ids")(vectorizer(strings))
    return keras.Model(strings, classifier(ids), name="sentiment")


# ---------------------------------------------------------------- fit


def length_batches(ids, labels, batch_size: int, rng=None):
    """Yields `(ids[:, :width], labels)` batches of similar-length texts.

    Each batch is cut to its longest text, so little time goes to padding
    (the mask makes the cut invisible to the model). With `rng`, texts are
    shuffled, sorted by length within chunks of 32 batches, and the batches
    shuffled; without it, batches follow ascending length.
    """
    lengths = np.count_nonzero(ids, axis=1)
    if rng is None:
        order = np.argsort(lengths, kind="stable")
    else:
        order = rng.permutation(len(ids))
        chunk = batch_size * 32
        order = np.concatenate(
            [
                part[np.argsort(lengths[part], kind="stable")]
                for part in np.split(order, range(chunk, len(order), chunk))
            ]
        )
    batches = np.split(order, range(batch_size, len(order), batch_size))
    if rng is not None:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    for index in batches:
        width = max(1, int(lengths[index].max()))
        yield ids[index, :width], labels[index]


def _dataset(ids, labels, batch_size, seed=None):
    import tensorflow as tf

    rng = np.random.default_rng(seed) if seed is not None else None
    spec = (
        tf.TensorSpec((None, None), tf.int32),
        tf.TensorSpec((None,) + labels.shape[1:], labels.dtype),
    )
    dataset = tf.data.Dataset.from_generator(
        lambda: length_batches(ids, labels, batch_size, rng),
        output_signature=spec,
    )
    batches = -(-len(ids) // batch_size)
    return dataset.apply(tf.data.experimental.assert_cardinality(batches))


def _targets(data: text.LabelledTexts) -> np.ndarray:
    if len(data.class_names) == 2:
        return data.labels.astype("float32").reshape(-1, 1)
    return data.labels.astype("int32")


def compile_token_model(token_model, config: SentimentConfig, classes: int):
    """Loss, accuracy and optimizer for the logits model."""
    if classes == 2:
        loss = keras.losses.BinaryCrossentropy(from_logits=True)
        accuracy = keras.metrics.BinaryAccuracy(threshold=0.0, name="accuracy")
    else:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        accuracy = keras.metrics.SparseCategoricalAccuracy(name="accuracy")
    token_model.compile(
        optimizer=training.make_optimizer(config),
        loss=loss,
        metrics=[accuracy],
    )


def fit(config: SentimentConfig, token_model, data: PreparedData) -> dict:
    """Trains with early stopping; returns the Keras history dict."""
    compile_token_model(token_model, config, len(data.class_names))
    layer = data.vectorizer
    train = _dataset(
        vectorize(layer, data.train.texts),
        _targets(data.train),
        config.batch_size,
        seed=config.seed,
    )
    validation = _dataset(
        vectorize(layer, data.validation.texts),
        _targets(data.validation),
        config.batch_size,
    )
    return training.fit(
        token_model,
        train,
        validation,
        config,
        verbose=2,  # an IMDB epoch takes minutes: show progress per epoch
    )


def fit_members(config: SentimentConfig, data: PreparedData):
    """Builds and fits `config.ensemble` token models (seeds seed, seed+1,
    ...); returns (token logits model, end-to-end model, histories, held-out
    accuracies). With several members the token model averages their
    logits. The held-out accuracies (one per member, on its own validation
    slice) are measured with fold-bagging only; else the list is empty."""
    members, histories, held_out = [], [], []
    for index in range(config.ensemble):
        training.set_seed(config.seed + index)
        own = member_data(data, index)
        token_model, model = build(config, own)
        histories.append(fit(config, token_model, own))
        members.append(token_model)
        if data.member_splits:
            held_out.append(evaluate_texts(model, own.validation)["accuracy"])
    if len(members) > 1:
        token_model = average_logits(members)
        model = text_classifier(
            data.vectorizer, token_model, len(data.class_names)
        )
    return token_model, model, histories, held_out


# ---------------------------------------------------------------- evaluate


def predict_ids(classifier, ids, batch_size: int = 128) -> np.ndarray:
    """Probabilities `[N, K]` in input order, batches bucketed by length."""
    lengths = np.count_nonzero(ids, axis=1)
    order = np.argsort(lengths, kind="stable")
    parts = [  # predict_on_batch: compiled once, ~10x faster than eager
        np.asarray(classifier.predict_on_batch(batch))
        for batch, _ in length_batches(ids, np.zeros(len(ids)), batch_size)
    ]
    probabilities = np.empty((len(ids), parts[0].shape[1]), "float64")
    probabilities[order] = np.concatenate(parts)
    return classification.binary_to_two_columns(probabilities)


def evaluate_texts(model, data: text.LabelledTexts) -> dict:
    """Classification metrics of an end-to-end `model` on `data`."""
    probabilities = predict_texts(model, data.texts)
    return classification.classification_metrics(data.labels, probabilities)


def predict_texts(model, texts, batch_size: int = 128) -> np.ndarray:
    """Probabilities `[N, K]` for raw texts, via the model's sub-models."""
    texts = np.asarray(list(texts), dtype=object)
    text.check_texts(texts, "input")
    ids = vectorize(model.get_layer("vectorizer"), texts)
    return predict_ids(model.get_layer("token_classifier"), ids, batch_size)
