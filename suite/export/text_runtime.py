"""Raw text -> class probabilities on LiteRT, without TensorFlow.

A sentiment run exports its token-ids classifier (`suite sentiment export`)
as a builtin-ops `.tflite` file whose JSON sidecar carries the vocabulary,
the sequence length and the class names. `LiteRTTextClassifier` tokenizes
with the NumPy `Tokenizer` (the same ids as the model's `TextVectorization`)
and runs one text per invoke, the time axis resized to the text's length,
so no step is spent on padding.

Imports NumPy and ai-edge-litert only: this is what a device mirrors.

Example:
>>> classifier = LiteRTTextClassifier("run/model.tflite")  # doctest: +SKIP
>>> classifier.predict(["What a great film"])  # doctest: +SKIP
[('positive', 0.97...)]
"""

from pathlib import Path

import numpy as np

from suite.data.tokenizer import PADDING_ID, Tokenizer
from suite.errors import SuiteError
from suite.export.runtime import LiteRTModel


class LiteRTTextClassifier:
    """A sentiment `.tflite` export with its tokenizer.

    Args:
        path: the `.tflite` file; its `.json` sidecar must hold the extras
            `vocabulary`, `sequence_length` and `class_names`.
        num_threads: interpreter threads.
    """

    def __init__(self, path, *, num_threads: int = 1):
        self.model = LiteRTModel(Path(path), num_threads=num_threads)
        extras = self.model.metadata.get("extras", {})
        missing = {"vocabulary", "sequence_length", "class_names"} - set(extras)
        if missing:
            raise SuiteError(
                f"{path} is not a text-classifier export (sidecar lacks "
                f"{sorted(missing)}); export it with `suite sentiment export`"
            )
        self.tokenizer = Tokenizer(
            extras["vocabulary"],
            extras["sequence_length"],
            extras.get("truncation", "post"),  # exports before the option
        )
        self.class_names = tuple(extras["class_names"])

    def probabilities(self, texts) -> np.ndarray:
        """`[N, K]` class probabilities (binary: `[1 - p, p]`)."""
        rows = [self._probabilities(text) for text in texts]
        return np.stack(rows) if rows else np.zeros((0, 2))

    def predict(self, texts) -> list[tuple[str, float]]:
        """(label, probability of that label) for each text."""
        probabilities = self.probabilities(texts)
        best = probabilities.argmax(axis=1)
        return [
            (self.class_names[k], float(probabilities[i, k]))
            for i, k in enumerate(best)
        ]

    def _probabilities(self, text: str) -> np.ndarray:
        ids = self.tokenizer.ids(text) or [PADDING_ID]
        output = np.ravel(self.model(np.asarray([ids], dtype="int32")))
        if output.size == 1:
            return np.array([1.0 - output[0], output[0]])
        return output
