"""Decode loops over a seq2seq encoder and decoder step: greedy and beam.

The loops are NumPy only and take a "runner" with two methods:
`encode(source) -> {name: array}` (encoder outputs and initial states) and
`step({name: array}) -> {name: array}` (one decoder step). `LiteRTSeq2Seq`
runs the two exported `.tflite` files in the LiteRT interpreter, without
TensorFlow; `KerasSeq2Seq` runs the Keras sub-models of
`suite.models.seq2seq_attention.build_parts` (same names).

Example:
>>> runner = LiteRTSeq2Seq("encoder.tflite", "step.tflite")  # doctest: +SKIP
>>> ids, weights = greedy_decode(runner, x, 10, start=1)  # doctest: +SKIP
"""

import dataclasses

import numpy as np

from suite.export.runtime import LiteRTModel

STATE_PREFIX = "state_"
NEXT_PREFIX = "next_"


class LiteRTSeq2Seq:
    """The exported encoder and decoder step in the LiteRT interpreter."""

    def __init__(self, encoder_path, step_path, *, num_threads: int = 1):
        self.encoder = LiteRTModel(encoder_path, num_threads=num_threads)
        self.decoder_step = LiteRTModel(step_path, num_threads=num_threads)

    def encode(self, source) -> dict:
        return self.encoder.invoke({self.encoder.input_names[0]: source})

    def step(self, feeds) -> dict:
        return self.decoder_step.invoke(feeds)


class KerasSeq2Seq:
    """The Keras `encoder` and `decoder_step` models behind the same API."""

    def __init__(self, encoder, decoder_step):
        self.encoder = encoder
        self.decoder_step = decoder_step

    def encode(self, source) -> dict:
        outputs = self.encoder(np.asarray(source))
        names = self.encoder.output_names
        return {n: np.asarray(v) for n, v in zip(names, outputs, strict=True)}

    def step(self, feeds) -> dict:
        names = [t.name for t in self.decoder_step.inputs]
        outputs = self.decoder_step({n: feeds[n] for n in names})
        return {
            n: np.asarray(v)
            for n, v in zip(
                self.decoder_step.output_names, outputs, strict=True
            )
        }


def _state_names(encoded: dict) -> list[str]:
    return sorted(n for n in encoded if n.startswith(STATE_PREFIX))


def greedy_decode(runner, source, steps: int, start, covariates=None):
    """Feeds each step's output (argmax id when `start` is an int) back.

    Args:
        runner: `LiteRTSeq2Seq` or `KerasSeq2Seq`.
        source: `[B, T(, F)]` (B = 1 for LiteRT exports).
        steps: decoder steps.
        start: int start id (token outputs) or `[B, W]` first input values.
        covariates: optional `[B, steps, C]` known future covariates.

    Returns `(outputs, attention_weights)`: ids `[B, steps]` (or values
    `[B, steps, W]`) and `[B, steps, T]`.
    """
    encoded = runner.encode(source)
    batch = len(source)
    tokens = isinstance(start, int | np.integer)
    previous = (
        np.full((batch,), start, dtype="int32")
        if tokens
        else np.asarray(start, dtype="float32")
    )
    states = {n: encoded[n] for n in _state_names(encoded)}
    outputs, weights = [], []
    for t in range(steps):
        result = _step(runner, encoded, previous, states, covariates, t)
        output = result["output"]
        previous = np.argmax(output, -1).astype("int32") if tokens else output
        outputs.append(previous)
        weights.append(result["attention_weights"])
        states = {n: result[NEXT_PREFIX + n] for n in states}
    return np.stack(outputs, 1), np.stack(weights, 1)


def _step(runner, encoded, previous, states, covariates, t):
    feeds = {
        "previous": previous,
        "encoder_outputs": encoded["encoder_outputs"],
        **states,
    }
    if "encoder_mask" in encoded:
        feeds["encoder_mask"] = encoded["encoder_mask"]
    if covariates is not None:
        feeds["covariates"] = np.asarray(covariates[:, t], dtype="float32")
    return runner.step(feeds)


@dataclasses.dataclass
class _Beam:
    ids: list
    log_prob: float
    states: dict
    weights: list
    finished: bool = False


def beam_search(
    runner, source, steps: int, start: int, beam_width: int = 4, end=None
):
    """Beam search over token outputs for one source (`[1, T]`).

    Keeps the `beam_width` most probable prefixes (sum of log-softmax);
    a beam that emits `end` stops growing. Returns `(ids [steps'],
    log_prob, attention_weights [steps', T])` of the best beam.
    """
    encoded = runner.encode(source)
    names = _state_names(encoded)
    beams = [_Beam([start], 0.0, {n: encoded[n] for n in names}, [])]
    for t in range(steps):
        candidates = []
        for beam in beams:
            if beam.finished:
                candidates.append((beam.log_prob, beam, None, None, None))
                continue
            previous = np.array([beam.ids[-1]], dtype="int32")
            result = _step(runner, encoded, previous, beam.states, None, t)
            log_probs = _log_softmax(result["output"][0])
            for token in np.argsort(log_probs)[::-1][:beam_width]:
                score = beam.log_prob + float(log_probs[token])
                candidates.append((score, beam, int(token), result, names))
        candidates.sort(key=lambda item: -item[0])
        beams = [_extend(*c, end) for c in candidates[:beam_width]]
        if all(beam.finished for beam in beams):
            break
    best = beams[0]
    return np.array(best.ids[1:]), best.log_prob, np.stack(best.weights)


def _extend(score, beam, token, result, names, end):
    if token is None:
        return beam
    return _Beam(
        ids=[*beam.ids, token],
        log_prob=score,
        states={n: result[NEXT_PREFIX + n] for n in names},
        weights=[*beam.weights, result["attention_weights"][0]],
        finished=end is not None and token == end,
    )


def _log_softmax(logits):
    shifted = logits - logits.max()
    return shifted - np.log(np.exp(shifted).sum())
