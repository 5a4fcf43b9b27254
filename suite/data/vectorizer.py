"""Keras `TextVectorization` for the text tasks, adapted on training texts.

The standardization (`standardize_text`, registered as
`suite>standardize_text` so a saved model reloads with it) lower-cases
ASCII letters, turns HTML line breaks into spaces and strips punctuation as
Keras does; the vectorizer is adapted on the training split only and saved
inside the model. The same rules, in NumPy only, are in
`suite.data.tokenizer` for the LiteRT runtime.
"""

import keras
import numpy as np
import tensorflow as tf

from suite.data.tokenizer import (
    LINE_BREAK_PATTERN,
    LINE_SEPARATOR_PATTERN,
    PUNCTUATION_PATTERN,
    head_length,
)


@keras.saving.register_keras_serializable(package="suite")
def standardize_text(texts):
    """ASCII lower-case; `<br />` and line separators -> space; Keras
    Keras's punctuation class deleted."""
    texts = tf.strings.lower(texts)  # ASCII letters only, like Keras
    texts = tf.strings.regex_replace(texts, LINE_BREAK_PATTERN, " ")
    texts = tf.strings.regex_replace(texts, LINE_SEPARATOR_PATTERN, " ")
    return tf.strings.regex_replace(texts, PUNCTUATION_PATTERN, "")


@keras.saving.register_keras_serializable(package="suite")
class TruncatingSplit:
    """Whitespace split keeping a long text's first `head` words and its
    last `length - head` words (`suite.data.tokenizer.keep_words`).

    `TextVectorization` then cuts nothing more; the vocabulary is counted
    on the kept words only, the words the model sees.
    """

    def __init__(self, length: int, head: int):
        if not 0 <= head < length:
            raise ValueError(f"need 0 <= head < length, got {head}, {length}")
        self.length = int(length)
        self.head = int(head)

    def __call__(self, texts):
        words = tf.strings.split(texts)  # [B] -> ragged [B, None]
        rest = words[:, self.head :]  # the last `length - head` of the rest
        return tf.concat(
            [words[:, : self.head], rest[:, -(self.length - self.head) :]],
            axis=1,
        )

    def get_config(self):
        return {"length": self.length, "head": self.head}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def make_vectorizer(
    texts,
    max_tokens: int,
    sequence_length: int,
    batch_size: int = 512,
    truncation: str = "post",
):
    """A `TextVectorization` adapted on `texts` (the training split only).

    Ids: 0 is padding, 1 the out-of-vocabulary token, then words by
    descending frequency. Outputs `[B, sequence_length]` int64 ids,
    zero-padded at the end; a longer text keeps the words `truncation`
    says ("post": the first ones, Keras's own cut; "pre": the last ones;
    "middle": the first quarter and last three quarters).
    """
    head = head_length(sequence_length, truncation)
    split = (
        "whitespace"
        if head == sequence_length
        else TruncatingSplit(sequence_length, head)
    )
    vectorizer = keras.layers.TextVectorization(
        max_tokens=max_tokens,
        standardize=standardize_text,
        split=split,
        output_mode="int",
        output_sequence_length=sequence_length,
        name="vectorizer",
    )
    vectorizer.adapt(
        tf.data.Dataset.from_tensor_slices(list(texts)).batch(batch_size)
    )
    return vectorizer


def vectorize(vectorizer, texts, batch_size: int = 1024) -> np.ndarray:
    """Token ids `[N, sequence_length]` int32 for a list of texts."""
    dataset = tf.data.Dataset.from_tensor_slices(list(texts))
    dataset = dataset.batch(batch_size).map(vectorizer)
    parts = [batch.numpy() for batch in dataset]
    return np.concatenate(parts).astype("int32")
