"""Sampling strategies and the generation loop (NumPy only)."""

import numpy as np
import pytest

from suite.data import corpus
from suite.errors import SuiteError
from suite.tasks import sampling
from suite.tasks.sampling import SamplingConfig

LOGITS = np.log(np.array([0.05, 0.4, 0.3, 0.15, 0.1]))


class TableStepper:
    """A fixed bigram table: logits depend only on the last token."""

    def __init__(self, size: int, seed: int = 0):
        self.table = np.random.default_rng(seed).normal(size=(size, size))
        self.calls = 0

    def reset(self):
        self.calls = 0

    def step(self, token):
        self.calls += 1
        return self.table[token]


VOCAB = corpus.fit_vocabulary("abcdefgh \n", "char", unknown_token="?")


def test_greedy_is_argmax_and_ignores_the_seed():
    rng = np.random.default_rng(0)
    greedy = SamplingConfig(temperature=0)
    assert sampling.sample_token(LOGITS, greedy, rng) == 1
    stepper = TableStepper(VOCAB.size)
    texts = {
        sampling.generate(
            stepper, VOCAB, "ab", SamplingConfig(0, max_length=30, seed=s)
        )
        for s in range(3)
    }
    assert len(texts) == 1 and len(texts.pop()) == 30


def test_top_k_never_emits_outside_the_top_k():
    rng = np.random.default_rng(0)
    config = SamplingConfig(temperature=5.0, top_k=2)
    draws = {sampling.sample_token(LOGITS, config, rng) for _ in range(500)}
    assert draws == {1, 2}
    probs = sampling.next_token_distribution(LOGITS, config)
    assert np.count_nonzero(probs) == 2 and probs.sum() == pytest.approx(1)


def test_top_p_keeps_the_smallest_set_reaching_p():
    probs = sampling.next_token_distribution(LOGITS, SamplingConfig(top_p=0.65))
    # 0.4 + 0.3 = 0.7 >= 0.65: tokens 1 and 2, renormalized
    np.testing.assert_allclose(probs, [0, 0.4 / 0.7, 0.3 / 0.7, 0, 0])
    exact = sampling.next_token_distribution(LOGITS, SamplingConfig(top_p=0.7))
    assert np.count_nonzero(exact > 1e-12) <= 3


def test_temperature_limits():
    cold = sampling.next_token_distribution(LOGITS, SamplingConfig(1e-3))
    np.testing.assert_allclose(cold, [0, 1, 0, 0, 0], atol=1e-12)
    hot = sampling.next_token_distribution(LOGITS, SamplingConfig(1e4))
    np.testing.assert_allclose(hot, np.full(5, 0.2), atol=1e-4)
    one = sampling.next_token_distribution(LOGITS, SamplingConfig(1.0))
    np.testing.assert_allclose(one, np.exp(LOGITS), atol=1e-12)


def test_banned_ids_are_never_sampled():
    logits = np.array([10.0, 9.0, 0.0, 0.0])  # padding / unknown most likely
    rng = np.random.default_rng(0)
    config = SamplingConfig(temperature=1.0)
    draws = {
        sampling.sample_token(logits, config, rng, banned=(0, 1))
        for _ in range(200)
    }
    assert draws <= {2, 3}
    assert sampling.sample_token(logits, SamplingConfig(0), rng, (0, 1)) >= 2


def test_same_seed_same_text_other_seed_other_text():
    stepper = TableStepper(VOCAB.size)
    config = SamplingConfig(temperature=1.0, max_length=60, seed=7)
    first = sampling.generate(stepper, VOCAB, "a", config)
    again = sampling.generate(stepper, VOCAB, "a", config)
    other = sampling.generate(
        stepper, VOCAB, "a", SamplingConfig(max_length=60, seed=8)
    )
    assert first == again != other
    assert "?" not in first  # the unknown token is never generated


def test_stop_strings_cut_and_streaming_holds_them_back():
    stepper = TableStepper(VOCAB.size)
    free = sampling.generate(stepper, VOCAB, "a", SamplingConfig(max_length=80))
    stop = free[10:12]
    pieces = []
    config = SamplingConfig(max_length=80, stop=(stop, "zz"))
    text = sampling.generate(stepper, VOCAB, "a", config, pieces.append)
    cut = free.find(stop)
    assert text == free[:cut]
    assert "".join(pieces) == text  # nothing of the stop string escaped
    assert stepper.calls == 1 + len(text) + len(stop) - 1


def test_max_length_and_stepping_once_per_token():
    stepper = TableStepper(VOCAB.size)
    text = sampling.generate(stepper, VOCAB, "abc", SamplingConfig(0, 0, 1, 9))
    assert len(text) == 9
    assert stepper.calls == 3 + 8  # prompt, then every token but the last


def test_bad_prompts_and_settings():
    stepper = TableStepper(VOCAB.size)
    strict = corpus.fit_vocabulary("abc", "char")
    with pytest.raises(SuiteError, match=r"the prompt has 1 char\(s\)"):
        sampling.generate(stepper, strict, "abz", SamplingConfig())
    with pytest.raises(SuiteError, match="the prompt is empty"):
        sampling.generate(stepper, strict, "", SamplingConfig())
    with pytest.raises(SuiteError, match="temperature must be >= 0"):
        SamplingConfig(temperature=-1)
    with pytest.raises(SuiteError, match="top_p in"):
        SamplingConfig(top_p=0)
    with pytest.raises(SuiteError, match="must not be empty"):
        SamplingConfig(stop=("",))


def test_word_level_continuation_has_its_joining_space():
    vocab = corpus.fit_vocabulary("the cat sat on the mat .", "word")
    stepper = TableStepper(vocab.size)
    config = SamplingConfig(0, max_length=20)
    text = sampling.generate(stepper, vocab, "the cat", config)
    whole = corpus.tokenize("the cat" + text, "word")
    assert len(whole) == 22 and whole[:2] == ["the", "cat"]
    assert text[0] in " ."
