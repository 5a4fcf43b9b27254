"""Speech transcription on a device: NumPy features, LiteRT, NumPy decoding.

Loads an acoustic model exported by `suite.tasks.speech` (`acoustic.tflite`
+ its JSON sidecar with the feature settings and vocabulary; a speech run
exported with `suite export RUN [--quantization ...]` works too, its logits
get a NumPy softmax), computes the
log-mel features with `suite.data.audio.log_mel_numpy` (matches the
tf.signal features the model was trained on to about 1e-4), runs the
per-frame probabilities in the stock LiteRT interpreter and decodes them
greedily, by CTC prefix beam search, or constrained to a lexicon of
allowed transcripts (`suite.tasks.ctc`); an ensemble run's export (every
member's output in one file) is decoded by the product of the members'
CTC likelihoods (`ctc.ensemble_decode`). No TensorFlow.

Example:
>>> recognizer = SpeechTranscriber("saved_models/run/acoustic.tflite")
... # doctest: +SKIP
>>> recognizer.transcribe_file("digits.wav")  # doctest: +SKIP
'4071'
"""

from pathlib import Path

import numpy as np

from suite.data import audio
from suite.errors import SuiteError
from suite.export.runtime import LiteRTModel
from suite.tasks import ctc


class SpeechTranscriber:
    """A speech `.tflite` export plus feature extraction and decoding.

    Args:
        path: the acoustic model `.tflite` (sidecar `.json` beside it).
        beam_width: 1 decodes greedily, more runs prefix beam search.
        num_threads: interpreter threads.
        lexicon: allowed transcripts (lexicon-constrained decoding: the
            entry with the highest CTC likelihood), or `ctc.ONE_SYMBOL`
            ("one-symbol") for
            the model's single vocabulary symbols (one spoken digit); None
            decodes freely.
    """

    def __init__(
        self,
        path,
        *,
        beam_width: int = 1,
        num_threads: int = 1,
        lexicon=None,
    ):
        self.model = LiteRTModel(path, num_threads=num_threads)
        info = _speech_extras(self.model.metadata.get("extras", {}))
        if info is None:
            raise SuiteError(
                f"{Path(path).name} is not a speech export (its sidecar has "
                "no speech settings); export a speech run with "
                "`suite export RUN` or suite.tasks.speech"
            )
        self.vocabulary = info["vocabulary"]
        self.spec = audio.FeatureSpec(**info["features"])
        self.beam_width = beam_width
        self.lexicon = ctc.check_lexicon(lexicon, self.vocabulary)
        self.returns_logits = self.model.output_names != ["probabilities"]

    def probabilities(self, samples) -> np.ndarray:
        """Checked samples at the model rate -> `[T', V + 1]` (`[M, T', V +
        1]` for an ensemble of M models)."""
        features = audio.features_for(samples, self.spec, backend="numpy")
        outputs = self.model(features[None])[0]
        probs = ctc.softmax(outputs) if self.returns_logits else outputs
        return ctc.members_first(probs)

    def transcribe_samples(self, samples, rate=None) -> str:
        if rate is not None:
            audio.check_rate(rate)
            samples = audio.resample(samples, rate, self.spec.sample_rate)
        audio.check_signal(samples, self.spec)
        probs = self.probabilities(samples)
        return ctc.decode(probs, self.vocabulary, self.beam_width, self.lexicon)

    def transcribe_file(self, path) -> str:
        return self.transcribe_samples(audio.load_audio(path, self.spec))


def _speech_extras(extras):
    """The speech settings of a sidecar: written by the speech task's
    export, or inside `run_config` when `suite export RUN` wrote it."""
    for candidate in (extras, extras.get("run_config", {})):
        if candidate.get("task") == "speech":
            return candidate
    return None
