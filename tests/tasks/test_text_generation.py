"""The text-generation pipeline: training, stateful generation, LiteRT."""

import dataclasses
import os

import numpy as np
import pytest

from suite.data import corpus
from suite.errors import SuiteError
from suite.tasks import sampling, text_generation_runs
from suite.tasks import text_generation as tg
from suite.tasks.sampling import SamplingConfig

PANGRAMS = (
    "the quick brown fox jumps over the lazy dog. "
    "pack my box with five dozen liquor jugs. "
) * 40
TINY = tg.TextGenConfig(
    corpus="pangrams.txt",
    sequence_length=12,
    model="gru",
    embedding_dim=8,
    dropout_rate=0.1,
    model_options={"units": (32,)},
    epochs=12,
    batch_size=16,
    learning_rate=1e-2,
)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny GRU trained on repeated pangrams, saved as a run."""
    folder = tmp_path_factory.mktemp("textgen")
    path = folder / "pangrams.txt"
    path.write_text(PANGRAMS, encoding="utf-8")
    config = dataclasses.replace(TINY, corpus=str(path))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SUITE_RUNS_DIR", str(folder / "runs"))
        result, run = text_generation_runs.run_training(config, "pangrams")
    return result, run


def test_run_folder_metrics_and_re_evaluation(trained):
    result, run = trained
    assert sorted(os.listdir(run)) == [
        "config.json",
        "loss.png",
        "metrics.json",
        "model.keras",
        "vocabulary.json",
    ]
    # a context-free model cannot beat the unigram entropy; this one must
    assert result["val_loss"] < 0.5 * result["unigram_entropy"]
    assert result["bits_per_char"] == pytest.approx(
        result["val_loss"] / np.log(2)
    )
    assert result["perplexity"] == pytest.approx(np.exp(result["val_loss"]))
    again = text_generation_runs.evaluate_run(run)
    assert again["val_loss"] == pytest.approx(result["val_loss"], rel=1e-5)


TINY_MODELS = {
    "stacked_lstm": {"units": (8, 8)},
    "gru": {"units": (8, 8)},
    "slstm": {"width": 8, "num_heads": 2, "num_blocks": 1},
    "mlstm": {"width": 8, "num_heads": 2, "num_blocks": 1},
}


@pytest.mark.parametrize("name", sorted(TINY_MODELS))
def test_stateful_greedy_equals_prefix_rereading(name):
    vocab = corpus.fit_vocabulary(PANGRAMS[:200], "char")
    config = dataclasses.replace(
        TINY, model=name, model_options=TINY_MODELS[name]
    )
    model = tg.build(config, _data_stub(vocab))
    greedy = SamplingConfig(temperature=0, max_length=40)
    stateful = tg.generate_text(model, vocab, "the quick", greedy)
    rereading = tg.generate_text(model, vocab, "the quick", greedy, "prefix")
    assert stateful == rereading and len(stateful) == 40
    step = tg.KerasStepper(model)
    ids = vocab.encode("pack my box")
    logits = [step.step(int(t)) for t in ids]
    window = np.asarray(model(ids[None]))[0]  # [T, V]
    np.testing.assert_allclose(np.stack(logits), window, atol=1e-5)


def _data_stub(vocab):
    empty = np.zeros((1, 1), "int32")
    return tg.PreparedText(vocab, empty[0], empty, empty, empty, empty)


def test_litert_streaming_parity_and_generation(trained, tmp_path):
    _, run = trained
    _, vocab, model, _ = text_generation_runs.load_run(run)
    exported = text_generation_runs.export_run(run, tmp_path / "step.tflite")
    assert "WHILE" not in exported.ops  # one unrolled step
    assert sampling.litert_vocabulary(exported.path) == vocab
    keras_step = tg.KerasStepper(model)
    litert_step = sampling.LiteRTStepper(exported.path)
    for token in vocab.encode("the lazy dog. pack"):
        np.testing.assert_allclose(
            litert_step.step(int(token)), keras_step.step(int(token)), atol=1e-4
        )
    for config in (
        SamplingConfig(temperature=0, max_length=60),
        SamplingConfig(temperature=0.8, top_k=5, max_length=60, seed=3),
    ):
        on_keras = tg.generate_text(model, vocab, "the ", config)
        on_litert = sampling.generate(litert_step, vocab, "the ", config)
        assert on_litert == on_keras
    greedy = tg.generate_text(
        model, vocab, "the quick brown", SamplingConfig(0, max_length=4)
    )
    assert greedy.startswith(" fox")  # it learned the corpus


def test_prompt_outside_the_vocabulary(trained):
    _, run = trained
    _, vocab, model, _ = text_generation_runs.load_run(run)
    assert vocab.unknown_token == "<unk>"
    text = tg.generate_text(model, vocab, "Zebra", SamplingConfig(0, 0, 1, 5))
    assert len(text) == 5  # Z mapped to the unknown token
    strict = corpus.Vocabulary(vocab.tokens[:1] + vocab.tokens[2:], "char")
    with pytest.raises(SuiteError, match=r"the prompt has 1 char\(s\).*'Z'"):
        tg.generate_text(model, strict, "Zebra", SamplingConfig(0))


def test_bad_corpora_and_options(tmp_path):
    with pytest.raises(SuiteError, match="the corpus is empty"):
        tg.prepare(TINY, text=" \n ")
    with pytest.raises(SuiteError, match="validation split .* has 3 tokens"):
        tg.prepare(TINY, text="abcdefghijklmnopqrstuvwxyz")
    with pytest.raises(SuiteError, match="unknown model 'transformer'"):
        tg.TextGenConfig(model="transformer")
    vocab = corpus.fit_vocabulary("abc", "char")
    with pytest.raises(SuiteError, match="must be causal"):
        tg.build(dataclasses.replace(TINY, model="bilstm"), _data_stub(vocab))
    with pytest.raises(SuiteError, match="level must be one of"):
        tg.TextGenConfig(level="byte")
    with pytest.raises(SuiteError, match="unknown generation mode"):
        tg.make_stepper(None, "beam")


def test_word_level_ngram_lines_mask_the_padding(tmp_path):
    config = tg.TextGenConfig(
        corpus="nursery_rhyme",
        level="word",
        layout="ngram_lines",
        sequence_length=6,
        embedding_dim=8,
        model_options={"units": (8,)},
        epochs=1,
    )
    data = tg.prepare(config)
    assert data.x_train.shape == (17, 6)  # 6 + 5 + 6 prefixes
    assert (data.x_val == 0).any()
    model = tg.build(config, data)
    loss = model.evaluate(data.x_val, data.y_val, verbose=0)
    logits = np.asarray(model(data.x_val))
    keep = data.y_val > 0
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    picked = np.take_along_axis(log_probs, data.y_val[..., None], -1)[..., 0]
    assert loss == pytest.approx(-picked[keep].mean(), rel=1e-4)


@pytest.mark.slow
def test_short_run_on_shakespeare_beats_the_unigram_entropy(data_dir):
    text = corpus.load_text("tiny_shakespeare")[:150_000]
    config = tg.TextGenConfig(
        corpus="tiny_shakespeare",
        sequence_length=50,
        embedding_dim=32,
        model_options={"units": (96,)},
        epochs=2,
        batch_size=64,
        learning_rate=5e-3,
    )
    data = tg.prepare(config, text=text)
    model = tg.build(config, data)
    tg.train(config, data, model)
    result = tg.evaluate(config, data, model)
    assert result["unigram_entropy"] == pytest.approx(3.29, abs=0.05)
    assert result["val_loss"] < result["unigram_entropy"] - 0.6
