"""Text loaders, their error messages, and NumPy tokenizer parity."""

import gzip
import json

import numpy as np
import pytest

from suite.data import text
from suite.data.tokenizer import Tokenizer, keep_words, standardize
from suite.data.vectorizer import make_vectorizer, standardize_text, vectorize
from suite.errors import SuiteError


def _csv(tmp_path, body: str, name: str = "data.csv"):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_csv_with_string_labels_is_multiclass(tmp_path):
    path = _csv(tmp_path, "text,label\nfine,neutral\ngreat,pos\nawful,neg\n")
    data = text.load_labelled_file(path)
    assert data.class_names == ("neg", "neutral", "pos")
    assert data.labels.tolist() == [1, 2, 0]
    assert data.texts.tolist() == ["fine", "great", "awful"]


def test_jsonl_gz_with_custom_columns_and_integer_labels(tmp_path):
    path = tmp_path / "reviews.jsonl.gz"
    rows = [{"body": "good", "stars": 10}, {"body": "bad", "stars": 2}]
    lines = "\n".join(json.dumps(row) for row in rows) + "\n"
    path.write_bytes(gzip.compress(lines.encode()))
    data = text.load_labelled_file(path, "body", "stars")
    assert data.class_names == ("2", "10")  # numeric order, not "10" < "2"
    assert data.labels.tolist() == [1, 0]


@pytest.mark.parametrize(
    "body, message",
    [
        (
            "text,label\nok,a\n   ,b\n\t,a\n",
            r"whitespace-only text in rows 2, 3",
        ),
        ("text,label\nok,a\nfine,\n", r"empty label in row 2"),
        ("review,label\nok,a\n", r"no column 'text' \(columns: review, label"),
        ("text,label\nok,a\n", r"only the label \['a'\]"),
    ],
)
def test_bad_csv_is_refused_with_rows_named(tmp_path, body, message):
    with pytest.raises(SuiteError, match=message):
        text.load_labelled_file(_csv(tmp_path, body))


def test_invalid_utf8_names_the_line(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(b"text,label\ngood,a\ncaf\xe9 bad,b\n")
    with pytest.raises(SuiteError, match=r"invalid UTF-8 at line 3.*iconv"):
        text.load_labelled_file(path)


def test_bad_jsonl_line_is_named(tmp_path):
    path = _csv(tmp_path, '{"text": "a", "label": 1}\n{oops\n', "x.jsonl")
    with pytest.raises(SuiteError, match="line 2 is not valid JSON"):
        text.load_labelled_file(path)


def test_unknown_labels_and_differing_label_sets(tmp_path):
    path = _csv(tmp_path, "text,label\na,pos\nb,neg\nc,meh\n")
    with pytest.raises(
        SuiteError, match=r"unknown label\(s\) \['meh'\] in row 3"
    ):
        text.load_labelled_file(path, class_names=("neg", "pos"))
    train = text.load_labelled_file(_csv(tmp_path, "text,label\na,x\nb,y\n"))
    test = text.load_labelled_file(_csv(tmp_path, "text,label\na,x\nb,z\n"))
    with pytest.raises(SuiteError, match=r"train labels \['x', 'y'\] differ"):
        text.check_same_classes(train, test)


def test_stratified_split_and_folds_cover_everything():
    data = text.LabelledTexts(
        np.array([f"t{i}" for i in range(20)], dtype=object),
        np.array([0] * 10 + [1] * 10, dtype="int32"),
        ("a", "b"),
    )
    rest, held = text.split_off(data, 0.2, seed=0)
    assert np.bincount(held.labels).tolist() == [2, 2]
    assert sorted(rest.texts.tolist() + held.texts.tolist()) == sorted(
        data.texts.tolist()
    )
    tested = [t for _, test in text.k_folds(data, 5, 0) for t in test.texts]
    assert sorted(tested) == sorted(data.texts.tolist())


def test_disjoint_splits_are_disjoint_stratified_cover_and_are_seeded():
    data = text.LabelledTexts(
        np.array([f"t{i}" for i in range(40)], dtype=object),
        np.array([0] * 20 + [1] * 20, dtype="int32"),
        ("a", "b"),
    )
    everything = sorted(data.texts.tolist())
    splits = text.disjoint_splits(data, 3, 0.1, seed=0)
    held = [set(h.texts) for _, h in splits]
    for rest, part in splits:
        assert np.bincount(part.labels).tolist() == [2, 2]  # 10% per class
        assert sorted(rest.texts.tolist() + part.texts.tolist()) == everything
    assert not (held[0] & held[1] or held[0] & held[2] or held[1] & held[2])
    learned = set().union(*(set(rest.texts) for rest, _ in splits))
    assert sorted(learned) == everything  # the ensemble learns from all
    whole = text.disjoint_splits(data, 10, 0.1, seed=0)  # 10 x 10% = all
    assert sorted(t for _, h in whole for t in h.texts) == everything

    def texts(seed):
        return [
            (rest.texts.tolist(), part.texts.tolist())
            for rest, part in text.disjoint_splits(data, 3, 0.1, seed)
        ]

    assert (
        texts(0)
        == texts(0)
        == [(rest.texts.tolist(), part.texts.tolist()) for rest, part in splits]
    )
    assert [p for _, p in texts(1)] != [p for _, p in texts(0)]
    with pytest.raises(SuiteError, match="do not fit"):
        text.disjoint_splits(data, 11, 0.1, seed=0)


def test_standardization_strips_html_breaks_and_punctuation():
    vectorizer = make_vectorizer(["x"], 10, 8)
    raw = "Great<br /><br />FILM!It's \u2028fine.<BR>Ok"
    tf_words = standardize_text(raw).numpy().decode()
    assert tf_words.split() == ["great", "filmits", "fine", "ok"]
    assert standardize(raw) == tf_words
    assert vectorizer.get_vocabulary()[:2] == ["", "[UNK]"]


def test_tokenizer_matches_text_vectorization_on_awkward_strings():
    texts = [
        "Caf\u00c9 caf\u00e9 CAF\u00c9\xa0bar \x1cx\x85y",
        "tab\tvtab\x0bff\x0cnl\ncr\r end  ",
        "<br/>a<br />b<br   />c [UNK] ''quoted''",
        "!!!",
    ]
    vectorizer = make_vectorizer(texts[:2], 50, 6)
    tokenizer = Tokenizer(vectorizer.get_vocabulary(), 6)
    expected = vectorize(vectorizer, texts)
    np.testing.assert_array_equal(tokenizer(texts), expected)
    assert expected[3].tolist() == [0] * 6  # nothing left after stripping


def test_keep_words_truncation_sides():
    words = list("abcdefghij")
    assert keep_words(words, 4, "post") == list("abcd")
    assert keep_words(words, 4, "pre") == list("ghij")
    assert keep_words(words, 4, "middle") == list("ahij")  # 4 // 4 = 1 head
    assert keep_words(words, 8, "middle") == list("ab") + list("efghij")
    for truncation in ("post", "pre", "middle"):  # short texts: all kept
        assert keep_words(words[:3], 4, truncation) == list("abc")
    with pytest.raises(ValueError, match="truncation must be one of"):
        keep_words(words, 4, "end")


@pytest.mark.parametrize("truncation", ["pre", "middle"])
def test_truncating_vectorizer_matches_tokenizer_and_reloads(
    truncation, tmp_path
):
    import keras

    texts = [
        " ".join(f"w{i}" for i in range(20)),
        "Short, text!",
        "a<br />b c d e f g h i j k l m n o p",
        "!!!",
    ]
    vectorizer = make_vectorizer(texts, 50, 8, truncation=truncation)
    expected = vectorize(vectorizer, texts)
    tokenizer = Tokenizer(vectorizer.get_vocabulary(), 8, truncation)
    np.testing.assert_array_equal(tokenizer(texts), expected)
    vocabulary = vectorizer.get_vocabulary()
    first = [vocabulary[i] for i in expected[0]]
    assert first == keep_words([f"w{i}" for i in range(20)], 8, truncation)
    strings = keras.Input(shape=(), dtype="string")
    keras.Model(strings, vectorizer(strings)).save(tmp_path / "v.keras")
    reloaded = keras.saving.load_model(tmp_path / "v.keras")
    np.testing.assert_array_equal(reloaded(np.array(texts)), expected)


def test_tokenizer_vocabulary_file_round_trip(tmp_path):
    tokenizer = Tokenizer(["", "[UNK]", "caf\u00e9", "a\xa0b"], 5)
    tokenizer.save(tmp_path / "vocabulary.json")
    loaded = Tokenizer.from_file(tmp_path / "vocabulary.json")
    assert loaded.vocabulary == tokenizer.vocabulary
    assert loaded.truncation == "post"
    pre = Tokenizer(tokenizer.vocabulary, 2, "pre")
    pre.save(tmp_path / "pre.json")
    loaded_pre = Tokenizer.from_file(tmp_path / "pre.json")
    assert loaded_pre(["caf\u00e9 zz a\xa0b"]).tolist() == [[1, 3]]
    assert loaded(["CAF\u00e9 a\xa0b zz"]).tolist() == [[2, 3, 1, 0, 0]]


def test_imdb_through_tfds_mock():
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=6):
        train, test = text.load_imdb(source="tfds")
    assert len(train) == len(test) == 6
    assert train.class_names == ("negative", "positive")
    assert set(train.labels.tolist()) <= {0, 1}
    assert all(isinstance(t, str) and t.strip() for t in train.texts)


@pytest.mark.slow
def test_real_imdb_and_rt_polarity_and_tokenizer_parity(data_dir):
    train, test = text.load_imdb(source="file")
    assert (len(train), len(test)) == (25000, 25000)
    assert np.bincount(test.labels).tolist() == [12500, 12500]
    rt = text.load_rt_polarity()
    assert np.bincount(rt.labels).tolist() == [5331, 5331]
    assert any("\u00e9" in t for t in rt.texts)  # cp1252 decoded

    vectorizer = make_vectorizer(train.texts[:5000], 20000, 400)
    sample = test.texts[:4000]
    tokenizer = Tokenizer(vectorizer.get_vocabulary(), 400)
    expected = vectorize(vectorizer, sample)
    np.testing.assert_array_equal(tokenizer(sample), expected)
    assert (expected == 1).any() and (expected[:, -1] == 0).any()
