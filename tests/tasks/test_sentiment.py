"""Sentiment task: metrics, masking, batching, a real training run."""

import dataclasses
import json

import numpy as np
import pytest

from suite.errors import SuiteError
from suite.models import registry
from suite.tasks import classification, sentiment, sentiment_runs
from tests import helpers
from tests.models.test_registry import TINY_OPTIONS


def test_binary_metrics_against_hand_computed_values():
    labels = [0, 1, 1, 0, 1]
    p_positive = [0.2, 0.7, 0.4, 0.6, 0.9]  # predicted 0, 1, 0, 1, 1
    m = classification.classification_metrics(labels, p_positive)
    assert m["accuracy"] == pytest.approx(3 / 5)
    assert m["precision"] == pytest.approx(2 / 3)  # TP 2, FP 1
    assert m["recall"] == pytest.approx(2 / 3)  # TP 2, FN 1
    assert m["f1"] == pytest.approx(2 / 3)
    assert m["roc_auc"] == pytest.approx(5 / 6)  # 5 of 6 pos/neg pairs
    assert m["confusion_matrix"] == [[1, 1], [1, 2]]


def test_multiclass_metrics_are_macro_averages():
    labels = [0, 1, 2, 2]
    probabilities = [
        [0.7, 0.2, 0.1],
        [0.1, 0.3, 0.6],
        [0.2, 0.2, 0.6],
        [0.3, 0.4, 0.3],
    ]  # predicted 0, 2, 2, 1
    m = classification.classification_metrics(labels, probabilities)
    assert m["accuracy"] == pytest.approx(0.5)
    # per class precision (1, 0, 1/2), recall (1, 0, 1/2)
    assert m["precision"] == pytest.approx(0.5)
    assert m["recall"] == pytest.approx(0.5)
    assert m["f1"] == pytest.approx(0.5)
    # one-vs-rest AUCs 1, 2/3 and 2.5/4 (one tie)
    assert m["roc_auc"] == pytest.approx((1 + 2 / 3 + 0.625) / 3)
    assert m["confusion_matrix"] == [[1, 0, 0], [0, 0, 1], [0, 1, 1]]
    assert (
        classification.classification_metrics([0, 0], [0.1, 0.2])["roc_auc"]
        is None
    )


@pytest.mark.parametrize("pooling", ["last", "max_mean"])
def test_padding_never_changes_a_prediction(pooling):
    model = registry.build(
        "bilstm",
        {
            "units": (4, 3),
            "vocab_size": 20,
            "embedding_dim": 4,
            "pooling": pooling,
        },
    )
    ids = np.array([[5, 3, 9, 2, 0, 0], [7, 1, 4, 11, 19, 6]], "int32")
    padded = np.pad(ids, ((0, 0), (0, 5)))
    trimmed = [ids[:1, :4], ids[1:]]
    base = np.asarray(model(ids))
    np.testing.assert_allclose(np.asarray(model(padded)), base, atol=1e-6)
    for row, alone in enumerate(trimmed):
        np.testing.assert_allclose(
            np.asarray(model(alone)), base[row : row + 1], atol=1e-6
        )


@pytest.mark.parametrize("name", registry.names())
def test_every_registry_builder_is_a_padding_invariant_token_model(name):
    config = sentiment.SentimentConfig(
        model=name, model_options=TINY_OPTIONS[name]
    )
    model = registry.build_from_config(
        name, sentiment.model_config(config, vocab_size=20, classes=2)
    )
    ids = np.array([[5, 3, 9, 2, 0, 0, 0], [7, 1, 4, 11, 19, 6, 2]], "int32")
    both = np.asarray(model(ids))
    alone = np.asarray(model(ids[:1, :4]))
    np.testing.assert_allclose(both[:1], alone, atol=1e-5)


def test_length_batches_cover_every_text_once_and_cut_padding():
    ids = np.zeros((10, 8), "int32")
    lengths = [3, 8, 1, 5, 2, 7, 4, 6, 2, 3]
    for row, length in enumerate(lengths):
        ids[row, :length] = row + 1
    labels = np.arange(10)
    rng = np.random.default_rng(0)
    seen = []
    for batch, batch_labels in sentiment.length_batches(ids, labels, 3, rng):
        assert batch.shape[1] == max(lengths[i] for i in batch_labels)
        np.testing.assert_array_equal(
            batch, ids[batch_labels, : batch.shape[1]]
        )
        seen += batch_labels.tolist()
    assert sorted(seen) == list(range(10))
    ordered = [b for _, b in sentiment.length_batches(ids, labels, 3)]
    assert [lengths[i] for i in np.concatenate(ordered)] == sorted(lengths)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"dataset": "netflix"}, "neither one of"),
        ({"model": "lstmx"}, "unknown model 'lstmx'"),
        ({"model_options": {"vocab_size": 9}}, r"\['vocab_size'\] are set"),
        ({"validation_fraction": 1.0}, r"validation_fraction must be in"),
        ({"truncation": "end"}, r"truncation must be one of"),
        ({"ensemble": 0}, r"ensemble must be >= 1"),
        (
            {"ensemble": 11, "ensemble_folds": True},
            r"11 disjoint validation slices of 0.1 each exceed",
        ),
    ],
)
def test_bad_config_is_refused(options, message):
    with pytest.raises(SuiteError, match=message):
        sentiment.SentimentConfig(**options)


def test_fold_bagging_gives_each_member_its_own_validation_slice(tmp_path):
    path = helpers.write_reviews(tmp_path / "reviews.csv", 20)
    config = sentiment.SentimentConfig(
        dataset=path, test_fraction=0.2, ensemble=3, ensemble_folds=True
    )
    data = sentiment.prepare(config)
    assert data.validation is None and len(data.train) == 32
    words = {word for review in data.train.texts for word in review.split()}
    assert words <= set(data.vectorizer.get_vocabulary())  # every slice's
    held = []
    for index in range(3):
        own = sentiment.member_data(data, index)
        assert own.vectorizer is data.vectorizer and not own.member_splits
        assert len(own.validation) == 4 and len(own.train) == 28
        assert set(own.train.texts) | set(own.validation.texts) == set(
            data.train.texts
        )
        held.append(set(own.validation.texts))
    assert len(set().union(*held)) == 12  # three disjoint slices
    plain = sentiment.prepare(dataclasses.replace(config, ensemble_folds=False))
    assert sentiment.member_data(plain, 2) is plain


def _tiny_config(**overrides):
    values = {
        "dataset": "rt_polarity",
        "epochs": 2,
        "batch_size": 64,
        "max_tokens": 5000,
        "sequence_length": 30,
        "model_options": {
            "units": (8,),
            "embedding_dim": 16,
            "pooling": "max_mean",
        },
        **overrides,
    }
    return sentiment.SentimentConfig(**values)


@pytest.mark.slow
def test_small_real_training_run_beats_chance_and_predicts_raw_text(
    data_dir, runs_dir
):
    import tensorflow as tf

    metrics, run_folder = sentiment_runs.run_training(
        _tiny_config(), run_name="rt"
    )
    assert metrics == json.loads((run_folder / "metrics.json").read_text())
    assert metrics["num_samples"] == 1066  # 10% of 10,662 held out
    assert metrics["accuracy"] > 0.68, metrics  # chance is 0.5
    assert metrics["roc_auc"] > 0.75, metrics
    for name in ("model.keras", "vocabulary.json", "confusion_matrix.png"):
        assert (run_folder / name).stat().st_size > 0

    run = sentiment_runs.load_run("rt")
    reviews = [
        "a gorgeous , moving and funny film , the best of the year",
        "a dull , tedious and boring mess",
    ]
    labels = [label for label, _ in sentiment_runs.predict(run, reviews)]
    assert labels == ["positive", "negative"]
    raw = np.asarray(run.model(tf.constant(reviews)))  # strings in
    np.testing.assert_allclose(
        raw[:, 0],
        sentiment.predict_texts(run.model, reviews)[:, 1],
        atol=1e-5,
    )
    again = sentiment_runs.evaluate(run)
    assert again["accuracy"] == pytest.approx(metrics["accuracy"])


@pytest.mark.slow
def test_multiclass_csv_run(tmp_path, runs_dir):
    rng = np.random.default_rng(0)
    words = {
        "red": "ruby crimson scarlet",
        "green": "lime olive jade",
        "blue": "navy azure cobalt",
    }
    rows = ["text,label"]
    for _ in range(90):
        label = rng.choice(sorted(words))
        picks = rng.choice(words[label].split(), size=3)
        rows.append(f"{' '.join(picks)} and more,{label}")
    path = tmp_path / "colours.csv"
    path.write_text("\n".join(rows) + "\n")
    config = _tiny_config(
        dataset=str(path),
        epochs=15,
        batch_size=16,
        patience=15,
        learning_rate=1e-2,
        test_fraction=0.2,
    )
    run = sentiment_runs.load_run(
        sentiment_runs.run_training(config, run_name="colours")[1]
    )
    assert run.class_names == ("blue", "green", "red")
    assert run.model.output_shape == (None, 3)
    assert sentiment_runs.evaluate(run)["accuracy"] > 0.8
