"""TextVectorization's ids in NumPy only, for the LiteRT runtime.

`Tokenizer` reproduces a `TextVectorization` built by
`suite.data.text.make_vectorizer` (standardize `suite>standardize_text`,
whitespace split, int output, fixed length) from its vocabulary alone, so a
device runs the exported token-ids model without TensorFlow. The rules are
the ones TensorFlow applies, byte for byte: `tf.strings.lower` changes only
ASCII letters, RE2 character classes here are pure ASCII, and
`tf.strings.split` splits on the six ASCII whitespace bytes.
"""

import json
import re
from pathlib import Path

import numpy as np

LINE_BREAK_PATTERN = r"<br[ \t\n\f\r]*/?>"
"""HTML line breaks (`<br />`, `<br>`), replaced by a space."""
PUNCTUATION_PATTERN = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'
"""Keras's own `lower_and_strip_punctuation` class, deleted as Keras does
("don't" -> "dont"; a space-less "good.The" -> "goodthe"). Replacing it by
a space instead measured lower on IMDB (87.48% vs 88.26%, BENCHMARKS.md)."""
LINE_SEPARATOR_PATTERN = r"[\x{1c}-\x{1e}\x{85}\x{2028}\x{2029}]"
"""Line separators that are not ASCII whitespace (RE2 syntax), -> space.

Keras reloads a saved vocabulary with `str.splitlines`, which splits on
these, so they must never end up inside a word."""
PADDING_ID = 0
OOV_ID = 1
TRUNCATIONS = ("post", "pre", "middle")
"""Which words a text longer than `sequence_length` keeps: "post" the
first ones (Keras's own cut), "pre" the last ones, "middle" the first
quarter and the last three quarters (cutting out the middle; the head+tail
cut of Sun et al. 2019, "How to fine-tune BERT for text classification")."""

_LINE_BREAK = re.compile(LINE_BREAK_PATTERN)
_PUNCTUATION = re.compile(PUNCTUATION_PATTERN)
_LINE_SEPARATOR = re.compile("[\x1c-\x1e\x85\u2028\u2029]")
_WHITESPACE = re.compile(r"[ \t\n\v\f\r]+")
_ASCII_LOWER = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"
)


def standardize(text: str) -> str:
    """Same string as `suite.data.text.standardize_text` gives."""
    text = text.translate(_ASCII_LOWER)
    text = _LINE_BREAK.sub(" ", text)
    text = _LINE_SEPARATOR.sub(" ", text)
    return _PUNCTUATION.sub("", text)


def head_length(sequence_length: int, truncation: str) -> int:
    """Words kept from the start of a long text; the rest come from its end."""
    if truncation not in TRUNCATIONS:
        raise ValueError(
            f"truncation must be one of {TRUNCATIONS}, got {truncation!r}"
        )
    return {"post": sequence_length, "pre": 0}.get(
        truncation, sequence_length // 4
    )


def keep_words(words: list, sequence_length: int, truncation: str) -> list:
    """The `sequence_length` words a text keeps (all if it is short enough).

    >>> keep_words(list("abcdefghij"), 4, "middle")
    ['a', 'h', 'i', 'j']
    """
    head = head_length(sequence_length, truncation)
    if len(words) <= sequence_length:
        return list(words)
    tail = len(words) - (sequence_length - head)
    return list(words[:head]) + list(words[tail:])


def split_words(text: str) -> list[str]:
    """Whitespace split as `tf.strings.split` does it (ASCII whitespace)."""
    return [word for word in _WHITESPACE.split(text) if word]


class Tokenizer:
    """Raw text -> `[N, sequence_length]` int32 ids, NumPy only.

    Args:
        vocabulary: `TextVectorization.get_vocabulary()`: "" (padding, id 0),
            "[UNK]" (id 1), then the words.
        sequence_length: ids per text, zero-padded at the end.
        truncation: which words a longer text keeps (`TRUNCATIONS`).

    Example:
    >>> tokenizer = Tokenizer(["", "[UNK]", "good", "film"], 4)
    >>> tokenizer(["A good, GOOD film!<br />Really."]).tolist()
    [[1, 2, 2, 3]]
    """

    def __init__(
        self,
        vocabulary: list[str],
        sequence_length: int,
        truncation: str = "post",
    ):
        self.vocabulary = list(vocabulary)
        self.sequence_length = int(sequence_length)
        head_length(self.sequence_length, truncation)  # checks the name
        self.truncation = truncation
        self._ids = {word: i for i, word in enumerate(self.vocabulary)}
        self._ids.pop("", None)

    @classmethod
    def from_file(cls, path) -> "Tokenizer":
        """Loads a `vocabulary.json` written by `save`."""
        values = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(
            values["vocabulary"],
            values["sequence_length"],
            values.get("truncation", "post"),  # files before the option
        )

    def save(self, path) -> None:
        values = {
            "vocabulary": self.vocabulary,
            "sequence_length": self.sequence_length,
            "truncation": self.truncation,
        }
        Path(path).write_text(json.dumps(values), encoding="utf-8")

    def ids(self, text: str) -> list[int]:
        """Unpadded ids of one text, cut to `sequence_length`."""
        words = keep_words(
            split_words(standardize(text)),
            self.sequence_length,
            self.truncation,
        )
        return [self._ids.get(word, OOV_ID) for word in words]

    def __call__(self, texts) -> np.ndarray:
        output = np.zeros((len(texts), self.sequence_length), dtype="int32")
        for row, text in enumerate(texts):
            ids = self.ids(text)
            output[row, : len(ids)] = ids
        return output
