"""Speech recognition: log-mel features -> conv + BiLSTM -> CTC -> text.

The whole flow, top to bottom:

    config = SpeechConfig(data="fsdd")
    data = prepare(config)                # recordings, utterances, features
    model = build(config, data)           # registry `conv_bilstm_ctc`, CTC
    history = train(config, data, model)  # length-bucketed padded batches
    metrics = evaluate(config, data, model)   # CER / digit error rate

`suite.tasks.speech_runs` saves, loads, transcribes with and exports runs
(`run_training`, `load_run`, `transcribe`); with `SpeechConfig.ensemble` >
1 a run holds several seeds' models, decoded together
(`ctc.ensemble_decode`, product of the members' CTC likelihoods).

Data: spoken digits (FSDD) with the official split (recordings 0-4 test;
5-9 held out here for validation), as connected-digit utterances of
1-`max_digits` recordings of one speaker plus every single recording; or
a folder of WAV files with a `file,text` CSV (vocabulary from the
transcripts, every 10th file test and every 10th+1 validation).
"""

import dataclasses
from pathlib import Path
from typing import Any

import keras
import numpy as np

from suite.data import audio, speech_corpus
from suite.errors import SuiteError
from suite.layers import CTCLoss
from suite.models import registry
from suite.tasks import ctc, training
from suite.tasks.ctc_batches import CTCBatches, pad_features, valid_steps


@dataclasses.dataclass(frozen=True)
class SpeechConfig(training.FitOptions):
    """Everything a speech run needs; saved as config.json."""

    epochs: int = 22
    """Epochs; the cosine schedule decays the learning rate over them."""
    learning_rate: float = 2e-3
    """Initial Adam learning rate."""
    patience: int = 22
    """Epochs without validation improvement before stopping (= epochs:
    every epoch runs; the best validation epoch's weights are kept)."""
    lr_schedule: str = "cosine"
    """Cosine decay over `epochs`: chosen over halving on plateau on
    validation (BENCHMARKS.md, "Speech recognition")."""
    data: str = "fsdd"
    """'fsdd' (data dir, else TFDS), 'tfds' or a folder of WAV files."""
    transcripts: str = ""
    """The folder's CSV with columns file,text (default transcripts.csv)."""
    sample_rate: int = 8000
    """Model sample rate (Hz); audio is resampled to it."""
    frame_length: int = 200
    """Samples per STFT frame (25 ms at 8 kHz)."""
    frame_step: int = 80
    """Samples between frames (10 ms at 8 kHz)."""
    fft_length: int = 256
    """FFT size (a power of two)."""
    num_mel_bins: int = 40
    """Log-mel features per frame."""
    max_seconds: float = 15.0
    """Longest audio accepted at transcription."""
    feature_normalization: str = "global"
    """Per-utterance normalization of the log-mel features: 'global' (one
    mean removed, the spectral envelope kept; chosen on validation,
    BENCHMARKS.md "Speech recognition") or 'per_bin' (each mel bin's mean
    removed, CMVN)."""
    connected_train: int = 4000
    """Connected-digit utterances built from the training recordings."""
    connected_val: int = 300
    """... from the validation recordings (5-9)."""
    connected_test: int = 500
    """... from the official test recordings (0-4)."""
    max_digits: int = 7
    """Most recordings joined into one utterance."""
    single_repeats: int = 4
    """Copies of every single training recording per epoch (each copy gets
    its own augmentation)."""
    spec_augment: bool = True
    """Augment training batches (masks and warps below)."""
    time_masks: int = 2
    """SpecAugment time masks per training utterance (up to 8 frames)."""
    freq_masks: int = 2
    """SpecAugment mel-band masks per training utterance (up to 6 bins)."""
    freq_warp: float = 0.1
    """Largest relative stretch of the mel axis per training utterance."""
    time_stretch: float = 0.1
    """Largest relative tempo change per training utterance."""
    model: str = "conv_bilstm_ctc"
    """Registry name of the acoustic model (must keep the time axis)."""
    model_options: dict[str, Any] = dataclasses.field(
        default_factory=lambda: {"dropout_rate": 0.3, "normalization": "layer"}
    )
    """Fields of the model's config (units, conv_filters, dropout_rate...).
    LayerNorm after each convolution: chosen over BatchNorm on validation
    (BENCHMARKS.md, "Speech recognition"); `"normalization": "batch"` gives
    the BatchNorm front end."""
    beam_width: int = 8
    """Beam of the CTC prefix beam search (1 = greedy only)."""
    ensemble: int = 1
    """Models trained as separate runs with seeds seed, seed + 1, ... (each
    on its own seed's utterances) and saved as one model that outputs all
    of theirs; decoded together by the product of their CTC likelihoods
    (`ctc.ensemble_decode`). Test and validation sets are `seed`'s."""

    def __post_init__(self):
        super().__post_init__()
        feature_spec(self)  # validates the feature settings
        if self.ensemble < 1:
            raise SuiteError(
                f"ensemble must be 1 or more models, got {self.ensemble}"
            )
        if min(self.max_digits, self.beam_width, self.single_repeats) < 1:
            raise SuiteError(
                "max_digits, beam_width and single_repeats must be >= 1"
            )
        registry.make_config(self.model, self.model_options)


def feature_spec(config: SpeechConfig) -> audio.FeatureSpec:
    return audio.FeatureSpec(
        sample_rate=config.sample_rate,
        frame_length=config.frame_length,
        frame_step=config.frame_step,
        fft_length=config.fft_length,
        num_mel_bins=config.num_mel_bins,
        max_seconds=config.max_seconds,
        normalization=config.feature_normalization,
    )


@dataclasses.dataclass(frozen=True)
class UtteranceSet:
    """Features and transcripts of one evaluation or training set."""

    features: list[np.ndarray]
    """Normalized log-mel `[T_i, mel_bins]` per utterance."""
    texts: list[str]
    """Transcripts."""
    seconds: np.ndarray
    """Audio duration of each utterance."""


@dataclasses.dataclass(frozen=True)
class SpeechData:
    """The prepared sets and what the model needs to know about them."""

    vocabulary: str
    """Output characters; class i + 1 is vocabulary[i], 0 is blank."""
    sets: dict[str, UtteranceSet]
    """'train', 'val' and test sets ('test_connected', 'test_single' for
    spoken digits, 'test' for a folder)."""


def prepare(config: SpeechConfig, recordings=None) -> SpeechData:
    """Reads the corpus, builds utterances per split, computes features."""
    spec = feature_spec(config)
    if recordings is None:
        recordings = load_recordings(config)
    if config.data in ("fsdd", "tfds"):
        groups = _digit_groups(config, recordings)
        vocabulary = speech_corpus.DIGITS
    else:
        splits = speech_corpus.split_by_position(recordings)
        groups = {
            k: speech_corpus.single_utterances(v) for k, v in splits.items()
        }
        vocabulary = speech_corpus.character_vocabulary(
            r.text for r in splits["train"]
        )
    for name, utterances in groups.items():
        if not utterances:
            raise SuiteError(f"the {name} split is empty; add recordings")
        for utterance in utterances:
            ctc.encode(utterance.text, vocabulary)
    sets = {name: _featurize(u, spec) for name, u in groups.items()}
    return SpeechData(vocabulary=vocabulary, sets=sets)


def load_recordings(config: SpeechConfig):
    if config.data == "fsdd":
        return speech_corpus.fsdd_recordings(config.sample_rate)
    if config.data == "tfds":
        return speech_corpus.tfds_recordings(config.sample_rate)
    folder = Path(config.data)
    if not folder.is_dir():
        raise SuiteError(
            f"data {config.data!r} is neither 'fsdd', 'tfds' nor a folder "
            "of WAV files"
        )
    return speech_corpus.folder_recordings(
        folder, config.transcripts or None, config.sample_rate
    )


def _digit_groups(config, recordings) -> dict[str, list]:
    splits = speech_corpus.split_recordings(recordings)
    build = speech_corpus.connected_utterances
    seed, rate, most = config.seed, config.sample_rate, config.max_digits
    return {
        "train": build(
            splits["train"], config.connected_train, seed, most, rate
        )
        + speech_corpus.single_utterances(splits["train"])
        * config.single_repeats,
        "val": build(splits["val"], config.connected_val, seed + 1, most, rate)
        + speech_corpus.single_utterances(splits["val"]),
        "test_connected": build(
            splits["test"], config.connected_test, seed + 2, most, rate
        ),
        "test_single": speech_corpus.single_utterances(splits["test"]),
    }


def _featurize(utterances, spec) -> UtteranceSet:
    return UtteranceSet(
        features=audio.batch_log_mel([u.samples for u in utterances], spec),
        texts=[u.text for u in utterances],
        seconds=np.array(
            [len(u.samples) / spec.sample_rate for u in utterances]
        ),
    )


def model_config(config: SpeechConfig, vocabulary: str):
    """The registry config: `[B, T, mel]` in, `[B, T', V + 1]` logits out."""
    options = {
        **config.model_options,
        "num_features": config.num_mel_bins,
        "output_units": len(vocabulary) + 1,
        "return_sequences": True,
    }
    return registry.make_config(config.model, options)


def strides_of(model_config_value) -> tuple[int, ...]:
    """Time strides of the model (empty for models that keep T)."""
    return tuple(getattr(model_config_value, "conv_strides", ()))


def build(config: SpeechConfig, data: SpeechData) -> keras.Model:
    """Builds the registry model and compiles it with the CTC loss."""
    training.set_seed(config.seed)
    spec = model_config(config, data.vocabulary)
    model = registry.build_from_config(config.model, spec)
    model.compile(
        optimizer=training.make_optimizer(config),
        loss=CTCLoss(),
    )
    return model


def train(config: SpeechConfig, data: SpeechData, model, callbacks=()) -> dict:
    """Fits with early stopping on the validation CTC loss (the best
    epoch's weights are restored); `callbacks` are added to the standard
    ones."""
    strides = strides_of(model_config(config, data.vocabulary))
    train_batches = CTCBatches(
        data.sets["train"],
        data.vocabulary,
        strides,
        batch_size=config.batch_size,
        seed=config.seed,
        augment=augmentation(config),
    )
    val_batches = CTCBatches(
        data.sets["val"],
        data.vocabulary,
        strides,
        batch_size=config.batch_size,
        seed=config.seed,
    )
    return training.fit(
        model,
        train_batches,
        val_batches,
        config,
        extra_callbacks=callbacks,
        shuffle=True,  # Keras shuffles the PyDataset's batch order too
    )


def augmentation(config: SpeechConfig):
    """CTCBatches' `augment` for the training set (False = none)."""
    if not config.spec_augment:
        return False
    return {
        "time_masks": config.time_masks,
        "freq_masks": config.freq_masks,
        "freq_warp": config.freq_warp,
        "time_stretch": config.time_stretch,
    }


def frame_probabilities(model, features, strides, batch_size=32):
    """Per-frame probabilities `[T'_i, V + 1]` of each utterance (the
    same in any batch: the acoustic model ignores padding)."""
    lengths = np.array([valid_steps(f) for f in features])
    frames = ctc.frames_after_striding(lengths, strides)
    order = np.argsort(lengths, kind="stable")
    out = [None] * len(features)
    for start in range(0, len(order), batch_size):
        members = order[start : start + batch_size]
        logits = model.predict_on_batch(
            pad_features([features[i] for i in members])
        )
        for row, i in enumerate(members):
            step_logits = np.asarray(logits[row, : frames[i]])
            out[i] = ctc.members_first(ctc.softmax(step_logits))
    return out


def decode_all(
    probabilities, vocabulary, beam_width=1, lexicon=None
) -> list[str]:
    """`ctc.decode` of each utterance: greedy (beam_width 1) or prefix
    beam search; with a `lexicon` (allowed transcripts), the most likely
    of those; `[M, T, V+1]` items (an ensemble run) by product of experts."""
    return [
        ctc.decode(p, vocabulary, beam_width, lexicon) for p in probabilities
    ]


def evaluate(
    config: SpeechConfig, data: SpeechData, model, lexicon=None
) -> dict:
    """Error rates of greedy and beam decoding on every test set. Sets of
    single recordings (names ending in '_single') are also decoded with
    the one-symbol lexicon ('one_symbol': the task says one digit); with a
    `lexicon`, every set is also decoded with it ('lexicon')."""
    strides = strides_of(model_config(config, data.vocabulary))
    result = {}
    for name, subset in data.sets.items():
        if not name.startswith("test"):
            continue
        probs = frame_probabilities(model, subset.features, strides)
        result[name] = decoder_scores(
            probs,
            subset.texts,
            data.vocabulary,
            config.beam_width,
            lexicon,
            one_symbol=name.endswith("_single"),
        )
    return result


def decoder_scores(
    probs, texts, vocabulary, beam_width, lexicon=None, one_symbol=False
) -> dict:
    """Error rates of one set by decoder: 'greedy', 'beam', 'lexicon' (if
    a lexicon is given) and 'one_symbol' (if `one_symbol`)."""
    scores = {
        "greedy": ctc.error_rates(texts, decode_all(probs, vocabulary)),
        "beam": ctc.error_rates(
            texts, decode_all(probs, vocabulary, beam_width)
        ),
    }
    constrained = {"lexicon": lexicon}
    if one_symbol:
        constrained["one_symbol"] = list(vocabulary)
    for decoder, allowed in constrained.items():
        if allowed:
            scores[decoder] = ctc.error_rates(
                texts, decode_all(probs, vocabulary, lexicon=allowed)
            )
    return scores


DECODERS = ("greedy", "beam", "one_symbol", "lexicon")
"""Result rows: unconstrained greedy and beam search; lexicon-constrained
decoding (one symbol, or a given lexicon), reported separately."""


def summary_table(result: dict) -> str:
    """Text table: CER (= digit error rate on digits), exact utterances."""
    lines = [
        f"{'set':16s}{'decoder':>11s}{'CER %':>8s}{'WER %':>8s}"
        f"{'exact %':>9s}{'utts':>6s}"
    ]
    for name, row in result.items():
        if not isinstance(row, dict) or "greedy" not in row:
            continue
        for decoder in DECODERS:
            if decoder not in row:
                continue
            r = row[decoder]
            lines.append(
                f"{name:16s}{decoder:>11s}{100 * r['cer']:8.2f}"
                f"{100 * r['wer']:8.2f}{100 * r['utterance_accuracy']:9.2f}"
                f"{r['utterances']:6d}"
            )
    return "\n".join(lines)


BENCH_CONFIG = SpeechConfig()
"""What bench/speech.py trains: the defaults (log-mel features with one
mean per utterance removed, 2x Conv1D(128) stride 2 with
LayerNorm, 2x BiLSTM(128), dropout 0.3, 4000 connected utterances + the
2000 single training recordings 4 times, SpecAugment masks, mel-axis warp
and tempo stretch up to 10%, Adam 2e-3 decayed along half a cosine over 22
epochs, all of which run; the best validation epoch is restored). Training
is deterministic per seed, so `python -m bench.speech --seed S` reproduces
BENCHMARKS.md's figures."""
