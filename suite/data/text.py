"""Labelled texts: IMDB, rt-polarity, user CSV / JSONL -> checked arrays.

Every loader returns `LabelledTexts` (texts, integer labels, class names)
after the same checks: no empty or whitespace-only text, valid UTF-8, known
labels, the same label set in train and test. No TensorFlow here (the
TFDS path imports tensorflow-datasets when used): token ids come from
`suite.data.vectorizer` (Keras) or `suite.data.tokenizer` (NumPy).
"""

import dataclasses
import gzip
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from suite.data import sources
from suite.errors import SuiteError

IMDB_FILE = "imdb_reviews/imdb_reviews.csv.gz"
RT_POLARITY_DIR = "rt_polarity"
BINARY_CLASSES = ("negative", "positive")


@dataclasses.dataclass(frozen=True)
class LabelledTexts:
    """Texts with integer labels indexing `class_names`."""

    texts: np.ndarray
    """Object array of str, one text per sample."""
    labels: np.ndarray
    """int32 class ids, same length as texts."""
    class_names: tuple[str, ...]
    """Label names; labels index into this tuple."""

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, indices) -> "LabelledTexts":
        return LabelledTexts(
            self.texts[indices], self.labels[indices], self.class_names
        )


# ---------------------------------------------------------------- datasets


def load_imdb(source: str = "auto") -> tuple[LabelledTexts, LabelledTexts]:
    """IMDB reviews (Maas et al. 2011): 25k train and 25k test, balanced.

    `source` is "file" (`$SUITE_DATA_DIR/imdb_reviews/imdb_reviews.csv.gz`),
    "tfds" (tensorflow-datasets `imdb_reviews`, downloaded once) or "auto"
    (the file when the data directory has it, else TFDS).
    """
    if source not in ("auto", "file", "tfds"):
        raise SuiteError(f"IMDB source must be auto, file or tfds: {source!r}")
    path = sources.shared_file(IMDB_FILE)
    if source == "file" and path is None:
        raise SuiteError(
            f"{IMDB_FILE} not found; set SUITE_DATA_DIR to the shared data "
            "folder or use source='tfds'"
        )
    if source == "tfds" or path is None:
        return tuple(_imdb_from_tfds(split) for split in ("train", "test"))
    frame = pd.read_csv(path, usecols=["split", "label", "review"])
    return tuple(
        _binary(frame.loc[frame["split"] == split], "review", "label", path)
        for split in ("train", "test")
    )


def _imdb_from_tfds(split: str) -> LabelledTexts:
    import tensorflow_datasets as tfds

    dataset = tfds.load("imdb_reviews", split=split, as_supervised=True)
    texts, labels = [], []
    for text, label in tfds.as_numpy(dataset):
        texts.append(_decode(text, f"imdb_reviews[{split}]", len(texts)))
        labels.append(int(label))
    frame = pd.DataFrame({"review": texts, "label": labels})
    return _binary(frame, "review", "label", f"tfds imdb_reviews/{split}")


def _binary(frame, text_column, label_column, origin) -> LabelledTexts:
    texts = frame[text_column].to_numpy(dtype=object)
    check_texts(texts, str(origin))
    labels = frame[label_column].to_numpy().astype("int32")
    return LabelledTexts(texts, labels, BINARY_CLASSES)


def load_rt_polarity(folder: Path | None = None) -> LabelledTexts:
    """The MR sentence-polarity corpus (Pang & Lee 2005), 5,331 + 5,331.

    Read from `rt-polarity.neg` / `.pos` (Windows-1252 encoded, one snippet
    per line) in `folder`, default `$SUITE_DATA_DIR/rt_polarity`. It has no
    official split: use `split_off` or k-fold cross-validation.
    """
    folder = Path(folder) if folder else sources.shared_file(RT_POLARITY_DIR)
    if folder is None or not (folder / "rt-polarity.pos").is_file():
        raise SuiteError(
            "rt-polarity.pos/.neg not found; set SUITE_DATA_DIR to the "
            "shared data folder (it holds rt_polarity/)"
        )
    texts, labels = [], []
    for label, suffix in enumerate(("neg", "pos")):
        path = folder / f"rt-polarity.{suffix}"
        lines = path.read_bytes().decode("cp1252").split("\n")
        lines = [line for line in lines if line.strip()]
        texts += lines
        labels += [label] * len(lines)
    texts = np.asarray(texts, dtype=object)
    return LabelledTexts(texts, np.asarray(labels, "int32"), BINARY_CLASSES)


def load_labelled_file(
    path,
    text_column: str = "text",
    label_column: str = "label",
    class_names: tuple[str, ...] | None = None,
) -> LabelledTexts:
    """A user CSV or JSONL file (optionally .gz) with text and label columns.

    Labels may be any strings or integers (binary or multi-class). Class
    names are the sorted distinct labels unless `class_names` is given, in
    which case any other label is refused.
    """
    path = Path(path)
    frame = _read_table(path)
    for column in (text_column, label_column):
        if column not in frame.columns:
            raise SuiteError(
                f"{path} has no column {column!r} (columns: "
                f"{', '.join(map(str, frame.columns))}); pass "
                "--text-column / --label-column"
            )
    texts = frame[text_column].to_numpy(dtype=object)
    check_texts(texts, str(path))
    labels = _label_strings(frame[label_column], path)
    names = tuple(class_names) if class_names else _class_names(labels, path)
    ids = encode_labels(labels, names, str(path))
    return LabelledTexts(texts, ids, names)


def _read_table(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise SuiteError(f"no such file: {path}")
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    text = _decode(raw, str(path))
    kind = path.name.removesuffix(".gz").rsplit(".", 1)[-1].lower()
    if kind == "csv":
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    if kind in ("jsonl", "ndjson"):
        return pd.DataFrame(_json_lines(text, path))
    raise SuiteError(
        f"{path}: unsupported file type {kind!r}; use .csv or .jsonl "
        "(optionally gzipped)"
    )


def read_lines(path) -> list[str]:
    """The non-blank lines of a UTF-8 text file, one text per line."""
    path = Path(path)
    if not path.is_file():
        raise SuiteError(f"no such file: {path}")
    return text_lines(path.read_bytes(), str(path))


def text_lines(raw: bytes, origin: str) -> list[str]:
    """Non-blank lines of UTF-8 bytes (clear error for invalid UTF-8)."""
    lines = _decode(raw, origin).split("\n")
    return [line.rstrip("\r") for line in lines if line.strip()]


def _json_lines(text: str, path: Path) -> list[dict]:
    records = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise SuiteError(
                f"{path} line {number} is not valid JSON ({error.msg}); "
                "write one JSON object per line"
            ) from None
        if not isinstance(record, dict):
            raise SuiteError(f"{path} line {number} is not a JSON object")
        records.append(record)
    return records


def _decode(raw: bytes, origin: str, row: int | None = None) -> str:
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        where = f"row {row + 1}" if row is not None else f"line {line}"
        raise SuiteError(
            f"{origin}: invalid UTF-8 at {where} (byte {error.start}); "
            "re-save the file as UTF-8 (e.g. iconv -f cp1252 -t utf-8)"
        ) from None


def _label_strings(column: pd.Series, path: Path) -> np.ndarray:
    values = column.to_numpy(dtype=object)
    missing = [
        i for i, v in enumerate(values) if v is None or not str(v).strip()
    ]
    if missing:
        raise SuiteError(
            f"{path}: empty label in {_rows(missing)}; give every row a label"
        )
    return np.asarray([str(v).strip() for v in values], dtype=object)


def _class_names(labels: np.ndarray, path: Path) -> tuple[str, ...]:
    names = sorted(set(labels), key=_label_order)
    if len(names) < 2:
        raise SuiteError(
            f"{path}: found only the label {names}; a classifier needs at "
            "least two classes"
        )
    return tuple(names)


def _label_order(label: str):
    """Integers sort numerically ("2" < "10"), then other strings."""
    try:
        return (0, int(label), label)
    except ValueError:
        return (1, 0, label)


# ---------------------------------------------------------------- checks


def check_texts(texts, origin: str) -> None:
    """Raises naming the rows whose text is missing, empty or blank."""
    bad = [
        i
        for i, text in enumerate(texts)
        if not isinstance(text, str) or not text.strip()
    ]
    if bad:
        raise SuiteError(
            f"{origin}: empty or whitespace-only text in {_rows(bad)}; "
            "remove those rows or fill them in"
        )


def encode_labels(labels, class_names, origin: str) -> np.ndarray:
    """Label strings -> int32 ids; raises naming rows with unknown labels."""
    index = {name: i for i, name in enumerate(class_names)}
    unknown = [i for i, label in enumerate(labels) if label not in index]
    if unknown:
        found = sorted({str(labels[i]) for i in unknown})
        raise SuiteError(
            f"{origin}: unknown label(s) {found} in {_rows(unknown)}; "
            f"expected one of {list(class_names)}"
        )
    return np.asarray([index[label] for label in labels], dtype="int32")


def check_same_classes(train: LabelledTexts, test: LabelledTexts) -> None:
    """Raises if train and test do not hold the same label set."""
    if train.class_names != test.class_names:
        raise SuiteError(
            f"train labels {list(train.class_names)} differ from test "
            f"labels {list(test.class_names)}; use the same label set"
        )
    seen = [set(np.unique(split.labels)) for split in (train, test)]
    if seen[0] != seen[1]:
        names = [sorted(train.class_names[i] for i in s) for s in seen]
        raise SuiteError(
            f"train has labels {names[0]} but test has {names[1]}; both "
            "splits must contain the same classes"
        )


def _rows(indices: list[int], shown: int = 5) -> str:
    """'rows 3, 8 (and 12 more)' with 1-based data row numbers."""
    head = ", ".join(str(i + 1) for i in indices[:shown])
    more = f" (and {len(indices) - shown} more)" if len(indices) > shown else ""
    return f"row{'s' if len(indices) > 1 else ''} {head}{more}"


# ---------------------------------------------------------------- splits


def split_off(
    data: LabelledTexts, fraction: float, seed: int
) -> tuple[LabelledTexts, LabelledTexts]:
    """Stratified random split: (rest, held-out `fraction`)."""
    if not 0.0 < fraction < 1.0:
        raise SuiteError(f"split fraction must be in (0, 1), got {fraction}")
    rng = np.random.default_rng(seed)
    held = []
    for label in np.unique(data.labels):
        members = rng.permutation(np.flatnonzero(data.labels == label))
        held.append(members[: max(1, round(fraction * len(members)))])
    held = np.sort(np.concatenate(held))
    rest = np.setdiff1d(np.arange(len(data)), held)
    return data.subset(rng.permutation(rest)), data.subset(held)


def disjoint_splits(
    data: LabelledTexts, count: int, fraction: float, seed: int
) -> list[tuple[LabelledTexts, LabelledTexts]]:
    """`count` stratified (rest, held-out) splits whose held-out parts are
    disjoint, each `fraction` of every class: split k holds out the k-th
    slice of one seeded permutation per class. The same seed gives the same
    splits; with count >= 2 every sample lies in some split's rest."""
    if count < 1 or not 0.0 < fraction * count <= 1.0:
        raise SuiteError(
            f"{count} disjoint held-out parts of {fraction} each do not fit "
            "in the data (count * fraction must be in (0, 1])"
        )
    rng = np.random.default_rng(seed)
    part_of = np.full(len(data), -1)
    for label in np.unique(data.labels):
        members = rng.permutation(np.flatnonzero(data.labels == label))
        size = max(1, round(fraction * len(members)))
        size = min(size, len(members) // count)
        for k in range(count):
            part_of[members[k * size : (k + 1) * size]] = k
    splits = []
    for k in range(count):
        held = np.flatnonzero(part_of == k)
        if not len(held):
            raise SuiteError(
                f"too few samples ({len(data)}) for {count} held-out parts"
            )
        rest = rng.permutation(np.flatnonzero(part_of != k))
        splits.append((data.subset(rest), data.subset(held)))
    return splits


def sample(data: LabelledTexts, limit: int | None, seed: int):
    """A stratified random subset of at most `limit` samples (None: all)."""
    if limit is None or limit >= len(data):
        return data
    if limit < 2:
        raise SuiteError(f"limit must be >= 2, got {limit}")
    return split_off(data, limit / len(data), seed)[1]


def k_folds(data: LabelledTexts, k: int, seed: int):
    """Yields (train, test) for stratified k-fold cross-validation."""
    rng = np.random.default_rng(seed)
    fold_of = np.empty(len(data), dtype=int)
    for label in np.unique(data.labels):
        members = rng.permutation(np.flatnonzero(data.labels == label))
        fold_of[members] = np.arange(len(members)) % k
    for fold in range(k):
        yield (
            data.subset(np.flatnonzero(fold_of != fold)),
            data.subset(np.flatnonzero(fold_of == fold)),
        )
