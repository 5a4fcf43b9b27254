"""seq2seq_attention: shapes, attention weights, step decode == teacher
forcing, greedy loop == in-graph greedy, beam search, scheduled sampling."""

import keras
import numpy as np
import pytest

from suite.errors import SuiteError
from suite.export import seq2seq_runtime
from suite.layers import ScheduledSampling
from suite.models import seq2seq_attention as s2s

TOKENS = {
    "sequence_length": 6,
    "vocab_size": 9,
    "embedding_dim": 4,
    "output_units": 7,
    "return_sequences": True,
    "target_length": 5,
    "units": (4,),
}
VALUES = {
    "sequence_length": 6,
    "num_features": 3,
    "output_units": 8,
    "output_shape": (4, 2),
    "units": (4,),
}


def _parts(options, **extra):
    keras.utils.set_random_seed(0)
    return s2s.build_parts(s2s.Seq2SeqConfig(**options, **extra))


def _tokens(rng, batch, steps, vocab):
    return rng.integers(0, vocab, size=(batch, steps)).astype("int32")


@pytest.mark.parametrize(
    "cell, attention, units",
    [
        ("lstm", "bahdanau", (4,)),
        ("gru", "luong", (5, 4)),
        ("slstm", "bahdanau", (4,)),
    ],
)
def test_shapes_and_weights_sum_to_one(cell, attention, units):
    parts = _parts({**TOKENS, "units": units}, cell=cell, attention=attention)
    rng = np.random.default_rng(0)
    source = _tokens(rng, 3, 6, 9)
    encoded = seq2seq_runtime.KerasSeq2Seq(
        parts.encoder, parts.decoder_step
    ).encode(source)
    assert encoded["encoder_outputs"].shape == (3, 6, 4)
    layers = range(1, len(units) + 1)
    assert sorted(encoded) == sorted(
        ["encoder_outputs", "encoder_mask"]
        + [f"state_{k}_{i}" for k in "hc" for i in layers]
    )
    logits, weights = parts.inference_attention(source)
    assert logits.shape == (3, 5, 7) and weights.shape == (3, 5, 6)
    np.testing.assert_allclose(np.sum(weights, -1), 1.0, atol=1e-5)
    assert np.all(np.asarray(weights) >= 0)


def test_source_padding_changes_nothing():
    parts = _parts(TOKENS, attention="luong")
    source = np.array([[3, 5, 2, 8, 0, 0]], "int32")
    logits, weights = parts.inference_attention(source)
    short = s2s.Seq2SeqConfig(
        **{**TOKENS, "sequence_length": None, "attention": "luong"}
    )
    alone = s2s.build_parts(short)
    s2s.copy_weights(alone, parts.inference)
    expected = np.asarray(alone.inference(source[:, :4]))
    np.testing.assert_allclose(np.asarray(logits), expected, atol=1e-5)
    assert np.all(np.asarray(weights)[..., 4:] == 0)


@pytest.mark.parametrize("options", [TOKENS, VALUES], ids=["ids", "values"])
def test_step_decoding_with_true_inputs_equals_teacher_forcing(options):
    parts = _parts(options, attention="luong")
    rng = np.random.default_rng(1)
    source = (
        _tokens(rng, 2, 6, 9)
        if "vocab_size" in options
        else rng.normal(size=(2, 6, 3)).astype("float32")
    )
    steps, width = s2s.layout(parts_config := s2s.Seq2SeqConfig(**options))
    if s2s.token_outputs(parts_config):
        teacher = _tokens(rng, 2, steps, 7)
    else:
        teacher = rng.normal(size=(2, steps, width)).astype("float32")
    expected = np.asarray(parts.training([source, teacher]))
    runner = seq2seq_runtime.KerasSeq2Seq(parts.encoder, parts.decoder_step)
    encoded = runner.encode(source)
    states = {k: v for k, v in encoded.items() if k.startswith("state_")}
    memory = {k: v for k, v in encoded.items() if k.startswith("encoder_")}
    got = []
    for t in range(steps):
        result = runner.step({"previous": teacher[:, t], **memory, **states})
        got.append(result["output"])
        states = {k: result[f"next_{k}"] for k in states}
    np.testing.assert_allclose(
        np.stack(got, 1).reshape(expected.shape), expected, atol=1e-5
    )


def test_greedy_loop_equals_in_graph_greedy_and_beam_one():
    parts = _parts(TOKENS)
    source = _tokens(np.random.default_rng(2), 3, 6, 9)
    runner = seq2seq_runtime.KerasSeq2Seq(parts.encoder, parts.decoder_step)
    ids, weights = seq2seq_runtime.greedy_decode(runner, source, 5, start=1)
    logits, expected_weights = parts.inference_attention(source)
    np.testing.assert_array_equal(ids, np.argmax(logits, -1))
    np.testing.assert_allclose(weights, expected_weights, atol=1e-5)
    beam_ids, log_prob, beam_weights = seq2seq_runtime.beam_search(
        runner, source[:1], 5, start=1, beam_width=1
    )
    np.testing.assert_array_equal(beam_ids, ids[0])
    assert beam_weights.shape == (5, 6) and log_prob < 0


def test_beam_search_never_scores_below_greedy():
    parts = _parts(TOKENS)
    runner = seq2seq_runtime.KerasSeq2Seq(parts.encoder, parts.decoder_step)
    source = _tokens(np.random.default_rng(3), 1, 6, 9)
    scores = [
        seq2seq_runtime.beam_search(runner, source, 5, 1, beam_width=w)[1]
        for w in (1, 3)
    ]
    assert scores[1] >= scores[0] - 1e-6


def test_values_greedy_loop_equals_inference_model():
    parts = _parts(VALUES, cell="gru")
    source = np.random.default_rng(4).normal(size=(2, 6, 3))
    source = source.astype("float32")
    runner = seq2seq_runtime.KerasSeq2Seq(parts.encoder, parts.decoder_step)
    values, _ = seq2seq_runtime.greedy_decode(
        runner, source, 4, start=source[:, -1, :2]
    )
    np.testing.assert_allclose(
        values, np.asarray(parts.inference(source)), atol=1e-5
    )


def test_covariates_feed_every_decoder_step():
    parts = _parts(VALUES, num_covariates=2)
    rng = np.random.default_rng(5)
    source = rng.normal(size=(1, 6, 3)).astype("float32")
    covariates = rng.normal(size=(1, 4, 2)).astype("float32")
    out = np.asarray(parts.inference([source, covariates]))
    changed = np.asarray(parts.inference([source, covariates + 1.0]))
    assert out.shape == (1, 4, 2) and not np.allclose(out, changed)
    runner = seq2seq_runtime.KerasSeq2Seq(parts.encoder, parts.decoder_step)
    values, _ = seq2seq_runtime.greedy_decode(
        runner, source, 4, source[:, -1, :2], covariates
    )
    np.testing.assert_allclose(values, out, atol=1e-5)


def test_scheduled_sampling_mixes_shifted_own_outputs():
    layer = ScheduledSampling(seed=0)
    teacher = np.arange(12, dtype="float32").reshape(2, 6)
    own = -np.ones((2, 6), dtype="float32")
    assert np.array_equal(layer(teacher, own, training=False), teacher)
    np.testing.assert_array_equal(layer(teacher, own, training=True), teacher)
    layer.probability.assign(1.0)
    mixed = np.asarray(layer(teacher, own, training=True))
    np.testing.assert_array_equal(mixed[:, 0], teacher[:, 0])
    assert np.all(mixed[:, 1:] == -1)
    layer.probability.assign(0.5)
    zeros, ones = np.zeros((64, 10)), np.ones((64, 10))
    mixed = np.asarray(layer(zeros, ones, training=True))
    assert 0.4 < mixed[:, 1:].mean() < 0.6


def test_scheduled_sampling_training_model_feeds_own_ids():
    parts = _parts(TOKENS)
    sampled = s2s.build_parts(
        s2s.Seq2SeqConfig(**TOKENS), scheduled_sampling=True, seed=0
    )
    s2s.copy_weights(sampled, parts.inference)
    rng = np.random.default_rng(6)
    source, teacher = _tokens(rng, 2, 6, 9), _tokens(rng, 2, 5, 7)
    teacher[:, 0] = 1  # the start id, as the inference model feeds
    forced = np.asarray(parts.training([source, teacher]))
    layer = sampled.training.get_layer("scheduled_sampling")
    for probability, same in ((0.0, True), (1.0, False)):
        layer.probability.assign(probability)
        got = np.asarray(sampled.training([source, teacher], training=True))
        assert np.allclose(got, forced, atol=1e-5) == same
    # p = 1 feeds the greedy ids of the teacher-forced pass; its first two
    # steps therefore equal the free-running inference model's
    np.testing.assert_allclose(
        got[:, :2], np.asarray(parts.inference(source))[:, :2], atol=1e-5
    )


@pytest.mark.parametrize(
    "options, message",
    [
        ({"cell": "rnn"}, "cell must be one of"),
        ({"units": ()}, "one positive width per layer"),
        ({**TOKENS, "start_token": 7}, "start_token 7"),
        ({"return_sequences": True}, "needs target_length"),
    ],
)
def test_bad_config_is_refused(options, message):
    with pytest.raises(SuiteError, match=message):
        s2s.Seq2SeqConfig(**options)
