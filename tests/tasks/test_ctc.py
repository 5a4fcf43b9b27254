"""CTC decoding, edit distance, error rates, lengths and the CTC loss."""

import itertools
import math

import numpy as np
import pytest

from suite.errors import SuiteError
from suite.tasks import ctc
from tests import helpers


def one_hot(labels, classes):
    probs = np.full((len(labels), classes), 0.01)
    for t, label in enumerate(labels):
        probs[t, label] = 1.0 - 0.01 * (classes - 1)
    return probs


@pytest.mark.parametrize(
    "reference, hypothesis, distance",
    [
        ("", "", 0),
        ("abc", "", 3),
        ("", "ab", 2),
        ("kitten", "sitting", 3),
        ("1234", "1243", 2),
        ("12345", "1345", 1),
        (["one", "two"], ["one", "too", "three"], 2),
    ],
)
def test_edit_distance(reference, hypothesis, distance):
    assert ctc.edit_distance(reference, hypothesis) == distance


def test_error_rates_sum_edits_over_reference_length():
    rates = ctc.error_rates(["123", "45", "go now"], ["13", "45", "go no"])
    assert rates["cer"] == pytest.approx(2 / 11)
    assert rates["wer"] == pytest.approx(2 / 4)  # "123" is one word
    assert rates["utterance_accuracy"] == pytest.approx(1 / 3)


def test_greedy_merges_repeats_and_drops_blanks():
    # frames: a a _ a b b _ _ c  ->  "aabc"
    labels = [1, 1, 0, 1, 2, 2, 0, 0, 3]
    assert ctc.greedy_decode(one_hot(labels, 4), "abc") == "aabc"
    assert ctc.greedy_decode(one_hot([0, 0], 4), "abc") == ""


def test_beam_search_sums_alignments_where_greedy_does_not():
    probs = np.array([[0.6, 0.4], [0.6, 0.4]])  # blank, 'a'
    # greedy: blank blank -> "" (0.36); P("a") = 0.16 + 0.24 + 0.24 = 0.64
    assert ctc.greedy_decode(probs, "a") == ""
    assert ctc.beam_search_decode(probs, "a", beam_width=4) == "a"


def test_beam_search_prefers_the_summed_labelling_over_best_path():
    probs = np.array(
        [
            [0.5, 0.4, 0.1],  # blank, 'x', 'y'
            [0.5, 0.4, 0.1],
            [0.1, 0.1, 0.8],
        ]
    )
    # best path "_ _ y" -> "y" (0.2); P("xy") = 0.4*0.5*0.8 + 0.5*0.4*0.8
    # + 0.4*0.4*0.8 = 0.448 > P("y") = 0.2
    assert ctc.greedy_decode(probs, "xy") == "y"
    assert ctc.beam_search_decode(probs, "xy", beam_width=8) == "xy"


def test_beam_search_equals_exhaustive_best_labelling():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(3), size=5)
    best = _exhaustive_best(probs, "ab")
    assert ctc.beam_search_decode(probs, "ab", beam_width=64) == best
    assert ctc.beam_search_decode(np.log(probs), "ab", beam_width=64) == best


def _exhaustive_best(probs, vocabulary):
    """Sums every frame path per collapsed labelling (3^5 paths)."""
    totals = {}
    steps, classes = probs.shape
    for path in np.ndindex(*([classes] * steps)):
        text = ctc.greedy_decode(one_hot(path, classes), vocabulary)
        p = math.prod(probs[t, c] for t, c in enumerate(path))
        totals[text] = totals.get(text, 0.0) + p
    return max(totals, key=totals.get)


def test_frames_after_same_padded_striding():
    lengths = ctc.frames_after_striding([1, 7, 8, 9, 100], (2, 2))
    np.testing.assert_array_equal(lengths, [1, 2, 2, 3, 25])


def test_model_output_length_equals_frames_after_striding():
    model = helpers.tiny_conv_ctc_model(
        conv_strides=(2, 3), kernel_size=3, units=(3,)
    )
    for steps in (5, 6, 11, 12):
        out = model(np.zeros((1, steps, 5), "float32"))
        assert out.shape[1] == ctc.frames_after_striding([steps], (2, 3))[0]


def test_encode_refuses_characters_outside_the_vocabulary():
    assert ctc.encode("102", "0123456789") == [2, 1, 3]
    with pytest.raises(SuiteError, match=r"character\(s\) \['x'\] outside"):
        ctc.encode("1x2", "0123456789")


def test_ctc_loss_uses_frame_and_label_lengths():
    from keras import ops

    from suite.layers import CTCLoss

    # uniform logits over (blank, a): the paths _* a+ _* of T frames that
    # give "a" number T (T + 1) / 2, each of probability 2**-T
    logits = ops.zeros((2, 4, 2))
    y_true = ops.convert_to_tensor([[2.0, 1.0, 0.0], [4.0, 1.0, 0.0]])
    loss = np.asarray(CTCLoss(reduction=None)(y_true, logits))
    np.testing.assert_allclose(
        loss, [-math.log(3 / 4), -math.log(10 / 16)], rtol=1e-5
    )
    # 2 labels ("aa", zeros are padding) in 3 valid frames: only "a _ a"
    y_two = ops.convert_to_tensor([[3.0, 1.0, 1.0]])
    two = float(CTCLoss()(y_two, ops.zeros((1, 4, 2))))
    assert two == pytest.approx(-math.log(1 / 8), rel=1e-5)


def _exhaustive_totals(probs, vocabulary):
    """P(labelling) for every collapsed labelling, by summing all paths."""
    totals = {}
    steps, classes = probs.shape
    for path in np.ndindex(*([classes] * steps)):
        text = ctc.greedy_decode(one_hot(path, classes), vocabulary)
        p = math.prod(probs[t, c] for t, c in enumerate(path))
        totals[text] = totals.get(text, 0.0) + p
    return totals


def test_log_likelihood_sums_every_alignment():
    probs = np.random.default_rng(1).dirichlet(np.ones(3), size=5)
    totals = _exhaustive_totals(probs, "ab")
    for text in ("", "a", "aa", "ab", "ba", "aba", "abab"):
        labels = ctc.encode(text, "ab")
        expected = math.log(totals[text]) if text in totals else -math.inf
        assert ctc.log_likelihood(probs, labels) == pytest.approx(expected)
        assert ctc.log_likelihood(np.log(probs), labels) == pytest.approx(
            expected
        )
    assert ctc.log_likelihood(probs, [1, 1, 1, 1]) == -math.inf  # needs 7


def test_log_likelihood_matches_keras_ctc_loss():
    from keras import ops

    rng = np.random.default_rng(2)
    logits = rng.normal(size=(7, 4)).astype("float32")
    for labels in ([3], [1, 2, 2], [2, 1, 3, 1]):
        loss = ops.ctc_loss(
            np.array([labels]), logits[None], [len(labels)], [len(logits)]
        )
        mine = ctc.log_likelihood(ctc.softmax(logits), labels)
        assert mine == pytest.approx(-float(loss[0]), abs=1e-4)


def test_lexicon_decode_picks_the_most_likely_allowed_transcript():
    # blank, '1', '2': greedy reads "" (blank wins every frame) or "12"
    quiet = np.array([[0.5, 0.3, 0.2], [0.5, 0.2, 0.3], [0.6, 0.3, 0.1]])
    assert ctc.greedy_decode(quiet, "12") == ""
    # P("1") = 1 - P("") - P(paths with '2') > P("2")
    assert ctc.lexicon_decode(quiet, "12", ["1", "2"]) == "1"
    assert ctc.lexicon_decode(quiet, "12", ["2"]) == "2"
    mixed = one_hot([1, 0, 2], 3)
    assert ctc.greedy_decode(mixed, "12") == "12"
    assert ctc.lexicon_decode(mixed, "12", ["1", "2"]) in ("1", "2")
    assert ctc.lexicon_decode(mixed, "12", ["2", "12", "21"]) == "12"


def test_lexicon_is_checked_against_the_vocabulary():
    assert ctc.check_lexicon(None, "012") is None
    assert ctc.check_lexicon(ctc.ONE_SYMBOL, "012") == ["0", "1", "2"]
    assert ctc.check_lexicon(("10", "2"), "012") == ["10", "2"]
    with pytest.raises(SuiteError, match="outside"):
        ctc.check_lexicon(["13"], "012")
    with pytest.raises(SuiteError, match="non-empty"):
        ctc.check_lexicon(["1", ""], "012")
    with pytest.raises(SuiteError, match="list of transcripts"):
        ctc.check_lexicon("12", "012")


def test_ensemble_decode_multiplies_likelihoods_of_misaligned_members():
    # blank, 'a', 'b': both members say "ab", but spike on different frames
    early = one_hot([1, 2, 0, 0], 3)
    late = one_hot([0, 0, 1, 2], 3)
    members = np.stack([early, late])
    assert ctc.greedy_decode(early, "ab") == ctc.greedy_decode(late, "ab")
    assert ctc.greedy_decode(members.mean(axis=0), "ab") == ""  # averaged
    assert ctc.ensemble_decode(members, "ab", beam_width=1) == "ab"
    assert ctc.decode(members, "ab", beam_width=4) == "ab"


def test_ensemble_decode_takes_the_best_summed_log_likelihood():
    rng = np.random.default_rng(3)
    members = rng.dirichlet(np.ones(3), size=(2, 4))  # [M, T, V+1]
    candidates = [  # every transcript that fits in 4 frames
        "".join(letters)
        for n in range(5)
        for letters in itertools.product("ab", repeat=n)
    ]
    totals = {
        text: sum(
            ctc.log_likelihood(m, ctc.encode(text, "ab")) for m in members
        )
        for text in candidates
    }
    best = max(totals, key=totals.get)
    # with every transcript allowed, the lexicon path is exhaustive
    assert ctc.ensemble_decode(members, "ab", lexicon=candidates) == best
    # a single member decodes as the one-model lexicon decoder does
    for member in members:
        assert ctc.ensemble_decode(
            member[None], "ab", lexicon=candidates
        ) == ctc.lexicon_decode(member, "ab", candidates)
    # candidates from the members' beams: the exhaustive best is among them
    assert ctc.ensemble_decode(members, "ab", beam_width=8) == best


def test_members_first_moves_the_member_axis():
    one = np.zeros((5, 3))
    assert ctc.members_first(one).shape == (5, 3)
    assert ctc.members_first(np.zeros((5, 2, 3))).shape == (2, 5, 3)
