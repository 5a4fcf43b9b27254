"""CTC decoding and error rates in NumPy (no TensorFlow: runs on a device).

Conventions (Keras 3): the model emits `V + 1` classes per frame; class 0
is the CTC blank and class `i + 1` is `vocabulary[i]`. (Keras 2's
`ctc_batch_cost` and `tf.nn.ctc_beam_search_decoder` put the blank last;
nothing here uses them.)

- `greedy_decode`: best class per frame, repeats merged, blanks dropped.
- `beam_search_decode`: CTC prefix beam search (Hannun et al., 2014,
  "First-pass large vocabulary continuous speech recognition using
  bi-directional recurrent DNNs"), summing over all alignments of each
  prefix; no language model.
- `log_likelihood`: log P(labels | frames) by the CTC forward algorithm
  (the negative of `keras.ops.ctc_loss`, in NumPy).
- `lexicon_decode`: lexicon-constrained decoding: the allowed transcript
  with the highest CTC likelihood (e.g. the ten digits when an utterance
  is known to hold one digit).
- `ensemble_decode`: several models' outputs decoded together: the
  candidate transcript with the highest product of the members' CTC
  likelihoods (with or without a lexicon).
- `edit_distance`, `error_rates`: Levenshtein distance; character error
  rate (= digit error rate for digit strings), word error rate over
  whitespace-separated words, and the share of exactly right utterances.

Example:
>>> probs = np.array([[0.6, 0.4], [0.6, 0.4]])  # [T, blank + 'a']
>>> greedy_decode(probs, "a"), beam_search_decode(probs, "a")
('', 'a')
"""

import math

import numpy as np

BLANK = 0


def frames_after_striding(lengths, strides) -> np.ndarray:
    """Frame counts after strided layers that each pad T -> ceil(T / s)."""
    lengths = np.asarray(lengths, dtype="int64")
    for stride in strides:
        lengths = -(-lengths // int(stride))
    return lengths


def encode(text: str, vocabulary: str) -> list[int]:
    """Transcript -> labels 1..V (raises naming unknown characters)."""
    from suite.errors import SuiteError

    unknown = sorted(set(text) - set(vocabulary))
    if unknown:
        raise SuiteError(
            f"transcript {text!r} has character(s) {unknown} outside the "
            f"model's vocabulary {vocabulary!r}; remove them or retrain "
            "with a vocabulary that has them"
        )
    return [vocabulary.index(ch) + 1 for ch in text]


def labels_to_text(labels, vocabulary: str) -> str:
    return "".join(vocabulary[i - 1] for i in labels if i != BLANK)


def greedy_decode(probs, vocabulary: str) -> str:
    """Best path: argmax per frame `[T, V+1]`, merge repeats, drop blanks."""
    best = np.argmax(np.asarray(probs), axis=-1)
    merged = [c for i, c in enumerate(best) if i == 0 or c != best[i - 1]]
    return labels_to_text(merged, vocabulary)


def beam_search_decode(probs, vocabulary: str, beam_width: int = 8) -> str:
    """Most probable labelling by CTC prefix beam search over `[T, V+1]`
    per-frame probabilities (or log-probabilities if any value is < 0)."""
    beams = _prefix_beams(probs, beam_width)
    best = max(beams.items(), key=lambda kv: _total(kv[1]))[0]
    return labels_to_text(best, vocabulary)


def _prefix_beams(probs, beam_width: int) -> dict:
    """The final beam: prefix -> (log p ending in blank, in a label)."""
    log_probs = _as_log(np.asarray(probs, dtype="float64"))
    beams = {(): (0.0, -math.inf)}
    for frame in log_probs:
        beams = _extend(beams, frame)
        beams = dict(
            sorted(beams.items(), key=lambda kv: -_total(kv[1]))[:beam_width]
        )
    return beams


def members_first(probs) -> np.ndarray:
    """A model's per-frame output of one utterance as decoders take it:
    `[T, V+1]` unchanged; an ensemble's `[T, M, V+1]` as `[M, T, V+1]`."""
    probs = np.asarray(probs)
    return np.moveaxis(probs, 1, 0) if probs.ndim == 3 else probs


def decode(probs, vocabulary: str, beam_width: int = 1, lexicon=None) -> str:
    """One utterance's `[T, V+1]` probabilities, or `[M, T, V+1]` of M
    ensemble members (`ensemble_decode`), to text: greedy (beam_width 1)
    or prefix beam search; with a `lexicon`, its most likely entry."""
    if np.ndim(probs) == 3:
        return ensemble_decode(probs, vocabulary, beam_width, lexicon)
    if lexicon:
        return lexicon_decode(probs, vocabulary, lexicon)
    if beam_width <= 1:
        return greedy_decode(probs, vocabulary)
    return beam_search_decode(probs, vocabulary, beam_width)


def ensemble_decode(
    member_probs, vocabulary: str, beam_width: int = 8, lexicon=None
) -> str:
    """Product-of-experts decoding of several models' `[M, T, V+1]`
    per-frame probabilities of one utterance: the transcript y with the
    highest sum over members of log P_m(y | x), each by the forward
    algorithm over all of that member's alignments. Members may put their
    CTC spikes on different frames, which averaging the frame
    probabilities cannot handle (the averaged spikes sink below the
    blank). Candidates: the `lexicon` if given (ties go to the earlier
    entry), else every member's greedy path and final prefix beam."""
    members = [_as_log(np.asarray(p, dtype="float64")) for p in member_probs]
    if lexicon:
        texts = list(lexicon)
    else:
        candidates = set()
        for log_probs in members:
            candidates.add(greedy_decode(log_probs, vocabulary))
            beams = _prefix_beams(log_probs, beam_width)
            candidates.update(labels_to_text(c, vocabulary) for c in beams)
        texts = sorted(candidates)
    scores = [
        sum(log_likelihood(p, encode(text, vocabulary)) for p in members)
        for text in texts
    ]
    return texts[int(np.argmax(scores))]


def log_likelihood(probs, labels) -> float:
    """log P(labels | x), summed over all CTC alignments (forward
    algorithm, Graves et al., 2006) of `[T, V+1]` per-frame probabilities
    (or log-probabilities if any value is < 0); `labels` are 1..V. Minus
    infinity if the labels cannot fit in T frames."""
    log_probs = _as_log(np.asarray(probs, dtype="float64"))
    labels = [int(label) for label in labels]
    if not labels:
        return float(np.sum(log_probs[:, BLANK]))
    states = np.full(2 * len(labels) + 1, BLANK)  # _ l1 _ l2 ... _
    states[1::2] = labels
    # a label state may skip the blank before it unless it repeats a label
    skip = np.zeros(len(states), dtype=bool)
    skip[3::2] = states[3::2] != states[1:-2:2]
    alpha = np.full(len(states), -math.inf)
    alpha[:2] = log_probs[0, states[:2]]
    for frame in log_probs[1:]:
        stay = alpha
        step = np.concatenate(([-math.inf], alpha[:-1]))
        jump = np.where(
            skip, np.concatenate(([-math.inf] * 2, alpha[:-2])), -math.inf
        )
        alpha = np.logaddexp(np.logaddexp(stay, step), jump) + frame[states]
    return float(np.logaddexp(alpha[-1], alpha[-2]))


def lexicon_decode(probs, vocabulary: str, lexicon) -> str:
    """The transcript of `lexicon` (allowed texts over `vocabulary`) with
    the highest CTC likelihood; ties go to the earlier entry."""
    lexicon = list(lexicon)
    if not lexicon:
        raise ValueError("the lexicon is empty")
    log_probs = _as_log(np.asarray(probs, dtype="float64"))
    scores = [
        log_likelihood(log_probs, encode(text, vocabulary)) for text in lexicon
    ]
    return lexicon[int(np.argmax(scores))]


ONE_SYMBOL = "one-symbol"
"""Lexicon value: every utterance holds exactly one vocabulary symbol (one
spoken digit); `check_lexicon` expands it to the single characters."""


def check_lexicon(lexicon, vocabulary: str):
    """The allowed transcripts as a list (None: no lexicon); `ONE_SYMBOL`
    gives every vocabulary character. SuiteError for an empty lexicon or
    entry, or characters outside the vocabulary."""
    from suite.errors import SuiteError

    if lexicon is None:
        return None
    if lexicon == ONE_SYMBOL:
        return list(vocabulary)
    if isinstance(lexicon, str):
        raise SuiteError(
            f"lexicon {lexicon!r}: give a list of transcripts or {ONE_SYMBOL!r}"
        )
    lexicon = list(lexicon)
    if not lexicon or not all(lexicon):
        raise SuiteError("the lexicon needs one or more non-empty entries")
    for text in lexicon:
        encode(text, vocabulary)
    return lexicon


def _extend(beams, frame):
    """One frame of prefix beam search."""
    out: dict[tuple, list[float]] = {}

    def add(prefix, blank=-math.inf, other=-math.inf):
        old = out.setdefault(prefix, [-math.inf, -math.inf])
        old[0] = np.logaddexp(old[0], blank)
        old[1] = np.logaddexp(old[1], other)

    for prefix, (p_blank, p_other) in beams.items():
        total = np.logaddexp(p_blank, p_other)
        add(prefix, blank=total + frame[BLANK])
        for label in range(1, len(frame)):
            p = frame[label]
            if prefix and prefix[-1] == label:
                add(prefix, other=p_other + p)  # repeat merges
                add((*prefix, label), other=p_blank + p)  # blank separates
            else:
                add((*prefix, label), other=total + p)
    return {prefix: tuple(values) for prefix, values in out.items()}


def _total(pair) -> float:
    return float(np.logaddexp(*pair))


def _as_log(values: np.ndarray) -> np.ndarray:
    if np.any(values < 0):
        return values
    with np.errstate(divide="ignore"):
        return np.log(values)


def edit_distance(reference, hypothesis) -> int:
    """Levenshtein distance (insertions, deletions, substitutions)."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, start=1):
        current = [i]
        for j, hyp in enumerate(hypothesis, start=1):
            current.append(
                min(
                    previous[j] + 1,
                    current[j - 1] + 1,
                    previous[j - 1] + (ref != hyp),
                )
            )
        previous = current
    return previous[-1]


def error_rates(references, hypotheses) -> dict[str, float]:
    """Corpus CER and WER (edits / reference length) and exact matches."""
    references, hypotheses = list(references), list(hypotheses)
    if len(references) != len(hypotheses) or not references:
        raise ValueError("need equally many references and hypotheses (>0)")
    chars = sum(len(r) for r in references)
    words = sum(len(r.split()) for r in references)
    char_edits = sum(
        edit_distance(r, h) for r, h in zip(references, hypotheses, strict=True)
    )
    word_edits = sum(
        edit_distance(r.split(), h.split())
        for r, h in zip(references, hypotheses, strict=True)
    )
    exact = sum(r == h for r, h in zip(references, hypotheses, strict=True))
    return {
        "cer": char_edits / max(chars, 1),
        "wer": word_edits / max(words, 1),
        "utterance_accuracy": exact / len(references),
        "reference_characters": chars,
        "utterances": len(references),
    }


def softmax(logits) -> np.ndarray:
    logits = np.asarray(logits, dtype="float64")
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return (shifted / shifted.sum(axis=-1, keepdims=True)).astype("float32")
