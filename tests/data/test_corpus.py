"""Vocabularies, encode/decode round trips and language-model sequences."""

import math

import numpy as np
import pytest

from suite.data import corpus
from suite.errors import SuiteError

TEXT = "First Citizen:\nBefore we proceed any further, hear me speak.\n"


def test_char_round_trip_and_ids():
    vocab = corpus.fit_vocabulary(TEXT, "char")
    assert vocab.tokens[0] == ""  # padding
    assert vocab.tokens[1:4] == ("\n", " ", ",")  # code point order
    assert vocab.size == 1 + len(set(TEXT))
    ids = vocab.encode(TEXT)
    assert ids.dtype == np.int32 and ids.min() >= 1
    assert vocab.decode(ids) == TEXT
    assert vocab.decode([0, *ids[:5], 0]) == TEXT[:5]  # padding skipped


def test_word_round_trip_keeps_tokens():
    vocab = corpus.fit_vocabulary(TEXT, "word")
    assert corpus.tokenize("don't stop, now!\nGo", "word") == [
        "don't",
        "stop",
        ",",
        "now",
        "!",
        "\n",
        "Go",
    ]
    ids = vocab.encode(TEXT)
    decoded = vocab.decode(ids)
    assert decoded == TEXT.rstrip(" ")
    np.testing.assert_array_equal(vocab.encode(decoded), ids)
    assert vocab.tokens[1] == "\n"  # most frequent word-level token


def test_vocabulary_dict_round_trip():
    vocab = corpus.fit_vocabulary(TEXT, "word", unknown_token="<unk>")
    assert corpus.Vocabulary.from_dict(vocab.to_dict()) == vocab


def test_unknown_token_maps_or_refuses():
    refusing = corpus.fit_vocabulary("abc", "char")
    with pytest.raises(SuiteError, match=r"the prompt has 2 char\(s\) .*'x'"):
        refusing.encode("axyb", what="the prompt")
    mapping = corpus.fit_vocabulary("abc", "char", unknown_token="<unk>")
    assert mapping.tokens[:2] == ("", "<unk>")
    assert mapping.special_ids == (0, 1)
    np.testing.assert_array_equal(mapping.encode("axb"), [2, 1, 3])
    assert mapping.decode(mapping.encode("axb")) == "a<unk>b"


def test_max_size_needs_an_unknown_token():
    with pytest.raises(SuiteError, match="set unknown_token"):
        corpus.fit_vocabulary("a a a b c", "word", max_size=3)
    vocab = corpus.fit_vocabulary("a a a b b c", "word", "<unk>", max_size=4)
    assert vocab.tokens == ("", "<unk>", "a", "b")
    with pytest.raises(SuiteError, match="occurs in the text"):
        corpus.fit_vocabulary("a?b", "char", unknown_token="?")


def test_contiguous_sequences_targets_are_inputs_shifted_by_one():
    ids = np.arange(1, 24)  # 23 tokens -> (23 - 1) // 5 = 4 sequences
    x, y = corpus.contiguous_sequences(ids, 5)
    assert x.shape == y.shape == (4, 5)
    np.testing.assert_array_equal(x[0], [1, 2, 3, 4, 5])
    np.testing.assert_array_equal(y[0], [2, 3, 4, 5, 6])
    np.testing.assert_array_equal(x.ravel()[1:], y.ravel()[:-1])
    np.testing.assert_array_equal(x[1], [6, 7, 8, 9, 10])  # contiguous


def test_corpus_shorter_than_one_sequence():
    with pytest.raises(SuiteError, match="has 5 tokens, shorter than one"):
        corpus.contiguous_sequences(np.arange(1, 6), 5)


def test_split_holds_out_the_last_tenth():
    text = "".join(chr(97 + i % 26) for i in range(1000))
    train, val = corpus.split_text(text)
    assert (len(train), len(val)) == (900, 100)
    assert train + val == text


def test_ngram_prefixes_left_pad_and_shift():
    x, y = corpus.ngram_prefixes([[5, 6, 7], [8, 9]])
    np.testing.assert_array_equal(x, [[0, 5], [5, 6], [0, 8]])
    np.testing.assert_array_equal(y, [[0, 6], [6, 7], [0, 9]])


def test_unigram_entropy_pinned():
    # frequencies 1/2, 1/4, 1/4 -> 1.5 bits
    value = corpus.unigram_entropy([1, 1, 2, 3], vocab_size=4)
    assert value == pytest.approx(1.5 * math.log(2))


def test_bad_files_and_empty_corpus(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", encoding="utf-8")
    with pytest.raises(SuiteError, match="is empty"):
        corpus.load_text(str(empty))
    binary = tmp_path / "latin1.txt"
    binary.write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(SuiteError, match=r"not UTF-8 text \(byte 3"):
        corpus.load_text(str(binary))
    with pytest.raises(SuiteError, match="does not exist"):
        corpus.load_text(str(tmp_path / "missing.txt"))
    assert corpus.load_text("nursery_rhyme").startswith("Jack and Jill")


def test_tiny_shakespeare_from_the_data_directory(data_dir):
    text = corpus.load_text("tiny_shakespeare")
    assert len(text) == 1_115_394
    assert len(set(text)) == 65
    assert text.startswith("First Citizen:\n")


def test_tiny_shakespeare_through_tfds_mock(monkeypatch):
    import tensorflow_datasets as tfds

    monkeypatch.delenv("SUITE_DATA_DIR", raising=False)
    with tfds.testing.mock_data(num_examples=1):
        text = corpus.load_text("tiny_shakespeare")
        again = corpus.tiny_shakespeare_tfds()
    assert isinstance(text, str) and len(text) > 0
    assert text == again
