"""Text corpora for language models: vocabularies and training sequences.

The flow a language-model task composes:

    text = load_text("tiny_shakespeare")         # or any UTF-8 file
    train_text, val_text = split_text(text)       # last 10% held out
    vocab = fit_vocabulary(train_text, "char")    # training split only
    x, y = contiguous_sequences(vocab.encode(train_text), 100)
    # y[:, t] == x[:, t + 1]: each target is the next token

Id 0 is reserved for padding (the models' Embedding masks it), so real
tokens start at 1; an optional explicit unknown token takes id 1 and
absorbs anything outside the vocabulary. Without one, unknown tokens are
refused with a `SuiteError`. This module needs only NumPy (TensorFlow
Datasets is imported only for the online `tiny_shakespeare` fallback), so
a device can decode with it.

Example:
>>> vocab = fit_vocabulary("to be or not to be", "char")
>>> vocab.decode(vocab.encode("be not"))
'be not'
"""

import collections
import dataclasses
import re
from pathlib import Path

import numpy as np

from suite.data import sources
from suite.errors import SuiteError

LEVELS = ("char", "word")
PADDING = ""
"""Token text of id 0 (padding, never produced)."""
VALIDATION_FRACTION = 0.1
"""Share of the corpus, at its end, held out for validation."""
SHAKESPEARE_FILE = "tiny_shakespeare/input.txt"

NURSERY_RHYME = (
    "Jack and Jill went up the hill\n"
    "To fetch a pail of water\n"
    "Jack fell down and broke his crown\n"
    "And Jill came tumbling after\n"
)
"""The small word-level example: a paragraph whose lines give n-grams."""

_WORD = re.compile(r"\n|\w+(?:'\w+)*|[^\w\s]")
_NO_SPACE_BEFORE = set(".,;:!?')]}\n")


@dataclasses.dataclass(frozen=True)
class Vocabulary:
    """Token <-> id mapping; id 0 is padding, id 1 the unknown token if any.

    Args:
        tokens: token texts by id; `tokens[0]` is the padding "".
        level: `"char"` (one token per character) or `"word"` (words,
            punctuation marks and newlines).
        unknown_token: text of the unknown token (id 1), or "" for none:
            then encoding anything outside the vocabulary raises.
    """

    tokens: tuple[str, ...]
    """Token text of each id, padding first."""
    level: str = "char"
    """`char` or `word`."""
    unknown_token: str = ""
    """Text of id 1 that unknown tokens map to; "" refuses them."""

    def __post_init__(self):
        if self.level not in LEVELS:
            raise SuiteError(
                f"level must be one of {LEVELS}, got {self.level!r}"
            )
        if not self.tokens or self.tokens[0] != PADDING:
            raise SuiteError("a vocabulary's id 0 must be the padding ''")
        if self.unknown_token and self.tokens[1:2] != (self.unknown_token,):
            raise SuiteError("the unknown token must have id 1")
        if len(set(self.tokens)) != len(self.tokens):
            raise SuiteError("vocabulary tokens must be distinct")

    @property
    def size(self) -> int:
        """Number of ids, padding included (the model's vocab_size)."""
        return len(self.tokens)

    @property
    def unknown_id(self) -> int | None:
        """Id of the unknown token, or None without one."""
        return 1 if self.unknown_token else None

    @property
    def special_ids(self) -> tuple[int, ...]:
        """Ids a sampler must never emit: padding and unknown."""
        return (0, 1) if self.unknown_token else (0,)

    def encode(self, text: str, what: str = "text") -> np.ndarray:
        """Token ids `[N]` (int32) of `text`; unknown tokens map to id 1
        or raise a `SuiteError` naming them (`what` names the text)."""
        index = self._index()
        pieces = tokenize(text, self.level)
        unknown = self.unknown_id
        ids = [index.get(piece, unknown) for piece in pieces]
        if unknown is None and None in ids:
            missing = sorted({p for p in pieces if p not in index})
            raise SuiteError(
                f"{what} has {len(missing)} {self.level}(s) outside the "
                f"vocabulary, e.g. {missing[:5]}; use only tokens the model "
                "was trained on, or train with an unknown token "
                "(unknown_token='<unk>')"
            )
        return np.asarray(ids, dtype="int32")

    def decode(self, ids) -> str:
        """Text of token ids (padding ids are skipped)."""
        pieces = [self.tokens[int(i)] for i in np.ravel(ids) if int(i) != 0]
        return join_tokens(pieces, self.level)

    def to_dict(self) -> dict:
        """JSON-safe values (saved with runs and in export sidecars)."""
        return {
            "tokens": list(self.tokens),
            "level": self.level,
            "unknown_token": self.unknown_token,
        }

    @classmethod
    def from_dict(cls, values: dict) -> "Vocabulary":
        return cls(
            tokens=tuple(values["tokens"]),
            level=values["level"],
            unknown_token=values.get("unknown_token", ""),
        )

    def _index(self) -> dict[str, int]:
        return {token: i for i, token in enumerate(self.tokens) if i > 0}


def tokenize(text: str, level: str) -> list[str]:
    """Characters, or words / punctuation marks / newlines."""
    if level == "char":
        return list(text)
    if level == "word":
        return _WORD.findall(text)
    raise SuiteError(f"level must be one of {LEVELS}, got {level!r}")


def join_tokens(pieces: list[str], level: str) -> str:
    """Inverse of `tokenize` (word level: spaces between words, none
    before punctuation or around newlines)."""
    if level == "char":
        return "".join(pieces)
    parts = []
    for i, piece in enumerate(pieces):
        glued = piece[:1] in _NO_SPACE_BEFORE or pieces[i - 1] == "\n"
        parts.append(piece if i == 0 or glued else " " + piece)
    return "".join(parts)


def fit_vocabulary(
    text: str,
    level: str = "char",
    unknown_token: str = "",
    max_size: int = 0,
    min_count: int = 1,
) -> Vocabulary:
    """The vocabulary of `text` (fit it on the training split).

    Characters are ordered by code point, words by falling frequency.
    `max_size` (> 0) keeps the most frequent tokens, ids included; tokens
    seen fewer than `min_count` times are dropped. Dropped tokens need an
    `unknown_token` to map to.
    """
    counts = collections.Counter(tokenize(text, level))
    if not counts:
        raise SuiteError("cannot fit a vocabulary on empty text")
    if unknown_token in counts:
        raise SuiteError(
            f"the unknown token {unknown_token!r} occurs in the text; "
            "choose a string that does not, e.g. '<unk>'"
        )
    head = [PADDING] + ([unknown_token] if unknown_token else [])
    kept = [t for t, c in counts.items() if c >= min_count]
    kept.sort(key=(lambda t: t) if level == "char" else (lambda t: -counts[t]))
    if max_size > 0:
        kept = kept[: max(0, max_size - len(head))]
    if len(kept) < len(counts) and not unknown_token:
        raise SuiteError(
            f"max_size/min_count drop {len(counts) - len(kept)} token(s); "
            "set unknown_token (e.g. '<unk>') so they have an id"
        )
    return Vocabulary(tuple(head + kept), level, unknown_token)


def split_text(text: str, fraction: float = VALIDATION_FRACTION):
    """`(train, validation)`: validation is the last `fraction` of the
    text (by characters), so no training sequence overlaps it."""
    if not 0.0 < fraction < 1.0:
        raise SuiteError(f"validation fraction must be in (0, 1), {fraction}")
    cut = int(round(len(text) * (1.0 - fraction)))
    return text[:cut], text[cut:]


def contiguous_sequences(ids, sequence_length: int, what: str = "corpus"):
    """Non-overlapping `(x, y)` pairs `[N, T]` with `y[:, t] = x[:, t+1]`.

    Cuts `ids` into consecutive length-T inputs; each target sequence is
    its input shifted one token ahead. A trailing remainder is dropped.
    """
    ids = np.asarray(ids, dtype="int32")
    count = (len(ids) - 1) // sequence_length
    if count < 1:
        raise SuiteError(
            f"the {what} has {len(ids)} tokens, shorter than one training "
            f"sequence of {sequence_length} + 1; use more text or a "
            "shorter --sequence-length"
        )
    stop = count * sequence_length
    x = ids[:stop].reshape(count, sequence_length)
    y = ids[1 : stop + 1].reshape(count, sequence_length)
    return x, y


def ngram_prefixes(lines_ids, sequence_length: int | None = None):
    """`(x, y)` from every prefix of every line, left-padded with 0.

    The classic small word-level layout: for a line `w1..wn`, each prefix
    `w1..wk` (k >= 2) gives input `w1..w(k-1)` and target `w2..wk`, both
    padded on the left to `sequence_length` (default: the longest line
    minus one). Padding is masked by the Embedding, so it adds no loss.
    """
    lines = [np.asarray(line, "int32") for line in lines_ids if len(line) > 1]
    if not lines:
        raise SuiteError("n-gram prefixes need a line of at least 2 tokens")
    width = sequence_length or max(len(line) for line in lines) - 1
    rows_x, rows_y = [], []
    for line in lines:
        for k in range(2, len(line) + 1):
            prefix = line[max(0, k - width - 1) : k]
            rows_x.append(_left_pad(prefix[:-1], width))
            rows_y.append(_left_pad(prefix[1:], width))
    return np.stack(rows_x), np.stack(rows_y)


def _left_pad(ids, width: int) -> np.ndarray:
    return np.concatenate([np.zeros(width - len(ids), "int32"), ids])


def load_text(source: str) -> str:
    """Text of a corpus: `tiny_shakespeare`, `nursery_rhyme` or a UTF-8
    file path. Tiny Shakespeare is read from the data directory when it
    has it, else through tensorflow-datasets (downloaded once)."""
    if source == "tiny_shakespeare":
        path = sources.shared_file(SHAKESPEARE_FILE)
        text = read_text_file(path) if path else tiny_shakespeare_tfds()
    elif source == "nursery_rhyme":
        text = NURSERY_RHYME
    else:
        text = read_text_file(source)
    if not text.strip():
        raise SuiteError(
            f"corpus {source!r} is empty (or only whitespace); give a text "
            "file with some content"
        )
    return text


def read_text_file(path) -> str:
    """Reads a UTF-8 text file; clear errors for missing or binary files."""
    path = Path(path)
    if not path.is_file():
        raise SuiteError(
            f"text file {str(path)!r} does not exist; pass a UTF-8 text "
            "file or --corpus tiny_shakespeare"
        )
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise SuiteError(
            f"{path} is not UTF-8 text (byte {error.start}: "
            f"{error.object[error.start : error.start + 1]!r}); convert it "
            "first, e.g. iconv -t utf-8"
        ) from None


def tiny_shakespeare_tfds(data_dir=None) -> str:
    """Tiny Shakespeare from tensorflow-datasets: train + validation +
    test joined in order (together the original file)."""
    import tensorflow_datasets as tfds

    parts = tfds.load(
        "tiny_shakespeare",
        split=["train", "validation", "test"],
        data_dir=data_dir,
    )
    texts = [
        example["text"].decode("utf-8")
        for split in parts
        for example in tfds.as_numpy(split)
    ]
    return "".join(texts)


def unigram_entropy(ids, vocab_size: int) -> float:
    """Entropy (nats per token) of the token frequencies in `ids`: the
    loss of the best model that ignores context."""
    counts = np.bincount(np.asarray(ids), minlength=vocab_size)
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum())
