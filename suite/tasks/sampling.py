"""Decoding for language models: sampling strategies and the generation
loop, in NumPy only, so the same loop runs on Keras and on LiteRT.

A generator is driven through a *stepper*: anything with `reset()` and
`step(token_id) -> logits [V]` (the logits after that token). Three exist:

- `text_generation.KerasStepper`: the Keras streaming-step model, state
  carried from token to token (one step of work per token);
- `PrefixStepper` (here): re-reads the whole prefix through a window
  model, Keras or LiteRT, at every token (the quadratic baseline);
- `LiteRTStepper` (here): a streaming-step `.tflite` in ai-edge-litert,
  no TensorFlow.

Sampling (`SamplingConfig`): `temperature=0` is greedy (argmax); otherwise
logits are divided by the temperature, then optionally cut to the `top_k`
most likely tokens and / or the smallest set whose probability reaches
`top_p` (nucleus), renormalized, and sampled with a seeded NumPy
generator: the same seed gives the same text. Padding and unknown ids are
never emitted.

Example:
>>> rng = np.random.default_rng(0)
>>> sample_token(np.array([0.0, 2.0, 1.0]), SamplingConfig(temperature=0),
...              rng)
1
"""

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np

from suite.data.corpus import Vocabulary
from suite.errors import SuiteError


@dataclasses.dataclass(frozen=True)
class SamplingConfig:
    """How the next token is chosen and when generation stops."""

    temperature: float = 1.0
    """Logit divisor; 0 is greedy decoding (always the most likely)."""
    top_k: int = 0
    """Keep only the k most likely tokens (0 keeps all)."""
    top_p: float = 1.0
    """Keep the smallest set with this total probability (1 keeps all)."""
    max_length: int = 500
    """Tokens to generate after the prompt."""
    stop: tuple[str, ...] = ()
    """Generation ends at the first of these strings (not included)."""
    seed: int = 0
    """Seed of the sampling generator."""

    def __post_init__(self):
        if self.temperature < 0:
            raise SuiteError(
                f"temperature must be >= 0 (0 = greedy), got {self.temperature}"
            )
        if self.top_k < 0 or not 0.0 < self.top_p <= 1.0:
            raise SuiteError(
                f"top_k must be >= 0 and top_p in (0, 1], got {self.top_k} "
                f"and {self.top_p}"
            )
        if self.max_length < 0:
            raise SuiteError(f"max_length must be >= 0, {self.max_length}")
        if any(not s for s in self.stop):
            raise SuiteError("stop strings must not be empty")


def next_token_distribution(
    logits, config: SamplingConfig, banned: Sequence[int] = ()
) -> np.ndarray:
    """Probabilities `[V]` the sampler draws from (one-hot when greedy)."""
    logits = np.asarray(logits, dtype="float64").reshape(-1).copy()
    logits[list(banned)] = -np.inf
    if config.temperature == 0:
        probs = np.zeros_like(logits)
        probs[int(np.argmax(logits))] = 1.0
        return probs
    logits = logits / config.temperature
    if 0 < config.top_k < len(logits):
        kth = np.sort(logits)[-config.top_k]
        logits[logits < kth] = -np.inf
    probs = _softmax(logits)
    if config.top_p < 1.0:
        probs = _nucleus(probs, config.top_p)
    return probs


def sample_token(
    logits, config: SamplingConfig, rng, banned: Sequence[int] = ()
) -> int:
    """One token id drawn from `next_token_distribution`."""
    probs = next_token_distribution(logits, config, banned)
    if config.temperature == 0:
        return int(np.argmax(probs))
    return int(rng.choice(len(probs), p=probs))


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - np.max(logits))
    return shifted / shifted.sum()


def _nucleus(probs: np.ndarray, top_p: float) -> np.ndarray:
    order = np.argsort(-probs, kind="stable")
    cumulative = np.cumsum(probs[order])
    keep = int(np.searchsorted(cumulative, top_p) + 1)  # reach top_p
    kept = np.zeros_like(probs)
    kept[order[:keep]] = probs[order[:keep]]
    return kept / kept.sum()


def generate(
    stepper,
    vocab: Vocabulary,
    prompt: str,
    config: SamplingConfig,
    on_text: Callable[[str], None] | None = None,
) -> str:
    """Generates up to `config.max_length` tokens after `prompt`.

    The prompt is fed token by token (out-of-vocabulary tokens map to the
    unknown token or raise), then each sampled token is fed back. Returns
    the generated text (prompt excluded, cut before the first stop
    string). `on_text` receives the text in pieces as soon as it is
    certain not to belong to a stop string (for streaming to a terminal).
    """
    prompt_ids = vocab.encode(prompt, what="the prompt")
    if len(prompt_ids) == 0:
        raise SuiteError(
            "the prompt is empty (no tokens); give at least one character "
            "or word, e.g. --prompt 'ROMEO:'"
        )
    stepper.reset()
    logits = _prime(stepper, prompt_ids)
    rng = np.random.default_rng(config.seed)
    stream = _StopStream(config.stop, on_text)
    generated: list[int] = []
    while len(generated) < config.max_length and not stream.stopped:
        token = sample_token(logits, config, rng, vocab.special_ids)
        generated.append(token)
        stream.update(_continuation(vocab, prompt_ids, generated))
        if len(generated) < config.max_length and not stream.stopped:
            logits = stepper.step(token)
    return stream.finish()


def _prime(stepper, prompt_ids) -> np.ndarray:
    """Logits after the prompt: the stepper's own `prime` if it has one."""
    prime = getattr(stepper, "prime", None)
    if prime is not None:
        return prime([int(t) for t in prompt_ids])
    for token in prompt_ids:
        logits = stepper.step(int(token))
    return logits


def _continuation(vocab: Vocabulary, prompt_ids, generated) -> str:
    """Text after the prompt (word level: with the joining space)."""
    if vocab.level == "char":
        return vocab.decode(generated)
    whole = vocab.decode(np.concatenate([prompt_ids, generated]))
    return whole[len(vocab.decode(prompt_ids)) :]


class _StopStream:
    """Releases generated text, holding back a possible stop-string start."""

    def __init__(self, stop: Sequence[str], on_text):
        self.stop, self.on_text = tuple(stop), on_text
        self.text, self.sent, self.stopped = "", 0, False

    def update(self, text: str) -> None:
        self.text = text
        hits = [text.find(s) for s in self.stop if s in text]
        if hits:
            self.text, self.stopped = text[: min(hits)], True
            self._send(len(self.text))
        else:
            self._send(len(text) - self._held_back(text))

    def finish(self) -> str:
        self._send(len(self.text))
        return self.text

    def _held_back(self, text: str) -> int:
        """Length of the longest tail of `text` that starts a stop string."""
        tails = [
            n
            for s in self.stop
            for n in range(1, len(s))
            if text.endswith(s[:n])
        ]
        return max(tails, default=0)

    def _send(self, upto: int) -> None:
        if upto > self.sent and self.on_text is not None:
            self.on_text(self.text[self.sent : upto])
        self.sent = max(self.sent, upto)


class LiteRTStepper:
    """A streaming-step `.tflite` (token + states in, logits + states out)
    run by `suite.export.runtime.StreamingSession`; no TensorFlow.

    Args:
        path: the `.tflite` file exported by
            `text_generation_runs.export_litert` (or `suite export RUN
            --form streaming`).
        num_threads: interpreter threads.
    """

    def __init__(self, path, num_threads: int = 1):
        from suite.export.runtime import StreamingSession

        self.session = StreamingSession(path, num_threads=num_threads)

    def reset(self) -> None:
        self.session.reset()

    def step(self, token: int) -> np.ndarray:
        logits = self.session.step(np.array([[token]], dtype="int32"))
        return np.asarray(logits).reshape(-1)  # [1, 1, V] -> [V]


def litert_vocabulary(path) -> Vocabulary:
    """The vocabulary stored in a `.tflite` file's JSON sidecar (by
    `export_litert`, or under `run_config` by `suite export`)."""
    from suite.export.metadata import read_metadata

    extras = read_metadata(path).get("extras", {})
    values = extras.get("vocabulary") or extras.get("run_config", {}).get(
        "vocabulary"
    )
    if not values:
        raise SuiteError(
            f"{path} has no vocabulary in its sidecar; export a text "
            "generation run (suite textgen export RUN)"
        )
    return Vocabulary.from_dict(values)


class PrefixStepper:
    """The re-reading baseline: a window model run over the whole prefix at
    every token (no state kept; cost grows with the prefix).

    Args:
        window_fn: token ids `[1, t]` -> logits `[1, t, V]`; a Keras
            model's `predict_on_batch` or a `LiteRTModel` of a window
            `.tflite` with a free time axis (`tflite.export_window`).
    """

    def __init__(self, window_fn):
        self.window_fn = window_fn
        self.prefix: list[int] = []

    def reset(self) -> None:
        self.prefix = []

    def prime(self, tokens) -> np.ndarray:
        self.prefix = list(tokens)
        return self._last_logits()

    def step(self, token: int) -> np.ndarray:
        self.prefix.append(int(token))
        return self._last_logits()

    def _last_logits(self) -> np.ndarray:
        ids = np.asarray([self.prefix], dtype="int32")  # [1, t]
        return np.asarray(self.window_fn(ids))[0, -1]  # [1, t, V] -> [V]


def litert_prefix_stepper(path, num_threads: int = 1) -> PrefixStepper:
    """`PrefixStepper` over a window `.tflite` in ai-edge-litert."""
    from suite.export.runtime import LiteRTModel

    return PrefixStepper(LiteRTModel(path, num_threads=num_threads))
