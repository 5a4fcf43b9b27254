"""Audio in: WAV reading, resampling, log-mel features, SpecAugment masks.

The flow for one file:

    rate, samples = read_wav("a.wav")          # float32 in [-1, 1], mono
    samples = resample(samples, rate, 8000)     # polyphase, scipy
    check_signal(samples, spec)                 # empty / silent / too long
    features = log_mel(samples, spec)           # tf.signal, [T, mel_bins]
    features = normalize(features, spec.normalization)  # per utterance

`log_mel_numpy` computes the same features without TensorFlow (for the
device runtime, `suite.export.speech_runtime`); it matches `log_mel` to
about 1e-4 (tested). TensorFlow is imported only inside `log_mel`, so the
rest of this module is safe to use where TensorFlow is absent.
"""

import dataclasses
import math
import warnings
from pathlib import Path

import numpy as np

from suite.errors import SuiteError

MIN_RATE, MAX_RATE = 8000, 48000
"""Sample rates accepted from WAV files (Hz)."""
SILENCE_PEAK = 1e-3
"""A signal whose peak |amplitude| (full scale 1.0) is below this is
refused as silent (-60 dBFS)."""
LOG_FLOOR = 1e-6
"""Added to mel power before the log."""
NORMALIZATIONS = ("per_bin", "global")
"""Per-utterance feature normalization: each mel bin's mean removed
(CMVN), or one mean over the whole utterance (a log-domain gain)."""


@dataclasses.dataclass(frozen=True)
class FeatureSpec:
    """How samples become log-mel frames; saved with every speech model."""

    sample_rate: int = 8000
    """Model sample rate (Hz); inputs are resampled to it."""
    frame_length: int = 200
    """Samples per analysis frame (25 ms at 8 kHz)."""
    frame_step: int = 80
    """Samples between frame starts (10 ms at 8 kHz)."""
    fft_length: int = 256
    """FFT size; a power of two >= frame_length (TFLite needs a power
    of two for STFT)."""
    num_mel_bins: int = 40
    """Mel filters between lower_hz and upper_hz."""
    lower_hz: float = 20.0
    """Lowest mel filter edge."""
    upper_hz: float = 0.0
    """Highest mel filter edge; 0 takes the Nyquist frequency."""
    max_seconds: float = 15.0
    """Longest audio accepted; longer input is refused (split it)."""
    normalization: str = "per_bin"
    """Per utterance: 'per_bin' removes each mel bin's mean (CMVN);
    'global' removes one mean over all bins and frames, which keeps the
    spectral envelope. Both then scale to unit standard deviation."""

    def __post_init__(self):
        if self.normalization not in NORMALIZATIONS:
            raise SuiteError(
                f"unknown feature normalization {self.normalization!r}; "
                f"choose one of {', '.join(NORMALIZATIONS)}"
            )
        if not MIN_RATE <= self.sample_rate <= MAX_RATE:
            raise SuiteError(
                f"sample_rate must be in {MIN_RATE}-{MAX_RATE} Hz, got "
                f"{self.sample_rate}"
            )
        if self.fft_length & (self.fft_length - 1) or (
            self.fft_length < self.frame_length
        ):
            raise SuiteError(
                f"fft_length must be a power of two >= frame_length "
                f"({self.frame_length}), got {self.fft_length}"
            )
        if not 0 < self.frame_step <= self.frame_length:
            raise SuiteError("frame_step must be in (0, frame_length]")
        if self.top_hz <= self.lower_hz:
            raise SuiteError(
                f"mel range {self.lower_hz}-{self.top_hz} Hz is empty"
            )

    @property
    def top_hz(self) -> float:
        return self.upper_hz or self.sample_rate / 2

    def num_frames(self, num_samples: int) -> int:
        """Frames `log_mel` returns for `num_samples` samples."""
        if num_samples < self.frame_length:
            return 0
        return 1 + (num_samples - self.frame_length) // self.frame_step


def read_wav(path) -> tuple[int, np.ndarray]:
    """Reads a WAV file as `(rate, float32 mono samples in [-1, 1])`.

    PCM 8/16/24/32-bit and float WAVs, any channel count (averaged to mono).
    Raises a `SuiteError` for a missing, corrupt or truncated file, a rate
    outside 8-48 kHz, or no samples.
    """
    from scipy.io import wavfile

    path = Path(path)
    if not path.is_file():
        raise SuiteError(f"no audio file at {path}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            rate, data = wavfile.read(path)
        except Exception as error:  # scipy raises ValueError, struct.error...
            raise SuiteError(
                f"{path.name} is not a readable WAV file ({error}); convert "
                "it to PCM or float WAV, e.g. `ffmpeg -i in -ar 16000 "
                "out.wav`"
            ) from None
    if any("EOF" in str(w.message) for w in caught):
        raise SuiteError(
            f"{path.name} is truncated: the WAV header promises more audio "
            "than the file holds; re-export or re-download it"
        )
    check_rate(rate, path.name)
    return int(rate), to_mono(to_float(data, path.name))


def check_rate(rate: int, name: str = "audio") -> None:
    if not MIN_RATE <= rate <= MAX_RATE:
        raise SuiteError(
            f"{name} has sample rate {rate} Hz; expected {MIN_RATE}-"
            f"{MAX_RATE} Hz: resample it first (e.g. `ffmpeg -ar 16000`)"
        )


def to_float(data: np.ndarray, name: str = "audio") -> np.ndarray:
    """Integer PCM or float samples -> float32 in [-1, 1]."""
    if data.dtype == np.uint8:  # 8-bit WAV is unsigned, centred on 128
        return (data.astype("float32") - 128.0) / 128.0
    if np.issubdtype(data.dtype, np.integer):
        scale = float(np.iinfo(data.dtype).max) + 1.0
        return data.astype("float32") / scale
    if np.issubdtype(data.dtype, np.floating):
        data = data.astype("float32")
        if not np.all(np.isfinite(data)):
            raise SuiteError(f"{name} holds NaN or infinite samples")
        return data
    raise SuiteError(f"{name} has unsupported sample type {data.dtype}")


def to_mono(samples: np.ndarray) -> np.ndarray:
    """`[N]` or `[N, channels]` -> `[N]` (channel mean)."""
    if samples.ndim == 2:
        samples = samples.mean(axis=1)
    return np.ascontiguousarray(samples, dtype="float32")


def resample(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    """Polyphase resampling (scipy `resample_poly`, Kaiser window)."""
    if rate == target:
        return np.asarray(samples, dtype="float32")
    from scipy.signal import resample_poly

    common = math.gcd(int(rate), int(target))
    out = resample_poly(samples, target // common, rate // common)
    return out.astype("float32")


def load_audio(path, spec: FeatureSpec) -> np.ndarray:
    """`read_wav` + resample to the spec's rate + `check_signal`."""
    rate, samples = read_wav(path)
    samples = resample(samples, rate, spec.sample_rate)
    check_signal(samples, spec, Path(path).name)
    return samples


def check_signal(samples, spec: FeatureSpec, name: str = "audio") -> None:
    """Refuses empty, too short, silent or too long audio."""
    seconds = len(samples) / spec.sample_rate
    if len(samples) < spec.frame_length:
        raise SuiteError(
            f"{name} is empty or too short ({seconds * 1000:.0f} ms); give "
            f"at least {1000 * spec.frame_length / spec.sample_rate:.0f} ms "
            "of speech"
        )
    if seconds > spec.max_seconds:
        raise SuiteError(
            f"{name} lasts {seconds:.1f} s; the model takes at most "
            f"{spec.max_seconds:g} s: split the recording into shorter "
            "utterances"
        )
    if float(np.max(np.abs(samples))) < SILENCE_PEAK:
        raise SuiteError(
            f"{name} is silent (peak below -60 dBFS); check the recording "
            "or microphone"
        )


def log_mel(samples, spec: FeatureSpec) -> np.ndarray:
    """Log-mel spectrogram with tf.signal: `[N]` -> `[frames, mel_bins]`."""
    import tensorflow as tf

    signal = tf.convert_to_tensor(np.asarray(samples, dtype="float32"))
    return _log_mel_tf(signal, *_tf_constants(spec)).numpy()


def _tf_constants(spec: FeatureSpec):
    import tensorflow as tf

    weights = tf.signal.linear_to_mel_weight_matrix(
        spec.num_mel_bins,
        spec.fft_length // 2 + 1,
        spec.sample_rate,
        spec.lower_hz,
        spec.top_hz,
    )
    return weights, spec.frame_length, spec.frame_step, spec.fft_length


def _log_mel_tf(signal, weights, frame_length, frame_step, fft_length):
    import tensorflow as tf

    stft = tf.signal.stft(
        signal,
        frame_length=frame_length,
        frame_step=frame_step,
        fft_length=fft_length,
        window_fn=tf.signal.hann_window,
    )  # [N] -> [T, fft/2+1] complex
    power = tf.math.square(tf.math.abs(stft))
    mel = tf.linalg.matmul(power, weights)  # [T, fft/2+1] -> [T, mel]
    return tf.math.log(mel + LOG_FLOOR)


def log_mel_numpy(samples, spec: FeatureSpec) -> np.ndarray:
    """The same features as `log_mel`, in NumPy only (device side)."""
    samples = np.asarray(samples, dtype="float32")
    count = spec.num_frames(len(samples))
    starts = np.arange(count)[:, None] * spec.frame_step
    frames = samples[starts + np.arange(spec.frame_length)[None, :]]
    window = hann_window(spec.frame_length)
    spectrum = np.fft.rfft(frames * window, n=spec.fft_length, axis=-1)
    power = (spectrum.real**2 + spectrum.imag**2).astype("float32")
    mel = power @ mel_weight_matrix(spec)  # [T, fft/2+1] -> [T, mel]
    return np.log(mel + LOG_FLOOR).astype("float32")


def hann_window(length: int) -> np.ndarray:
    """Periodic Hann window (as `tf.signal.hann_window`)."""
    n = np.arange(length)
    return (0.5 - 0.5 * np.cos(2 * np.pi * n / length)).astype("float32")


def hz_to_mel(hz):
    """HTK mel scale, as tf.signal: 1127 ln(1 + f/700)."""
    return 1127.0 * np.log1p(np.asarray(hz, dtype="float64") / 700.0)


def mel_weight_matrix(spec: FeatureSpec) -> np.ndarray:
    """`[fft/2+1, mel_bins]` triangular filters, as tf.signal computes
    them (HTK mel, triangles in mel, DC bin zeroed)."""
    bins = spec.fft_length // 2 + 1
    linear = np.linspace(0.0, spec.sample_rate / 2, bins)[1:]
    mel = hz_to_mel(linear)[:, None]  # [bins-1, 1]
    edges = np.linspace(
        hz_to_mel(spec.lower_hz), hz_to_mel(spec.top_hz), spec.num_mel_bins + 2
    )
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    rising = (mel - lower) / (center - lower)
    falling = (upper - mel) / (upper - center)
    weights = np.maximum(0.0, np.minimum(rising, falling))
    return np.pad(weights, [[1, 0], [0, 0]]).astype("float32")


def normalize(features: np.ndarray, mode: str = "per_bin") -> np.ndarray:
    """Per-utterance normalization of `[T, mel_bins]`: each mel bin's mean
    removed ('per_bin') or the mean over all of it ('global'), then the
    whole utterance scaled to unit standard deviation."""
    axis = 0 if mode == "per_bin" else None
    centered = features - features.mean(axis=axis, keepdims=True)
    scale = float(centered.std()) + 1e-5
    return (centered / scale).astype("float32")


def spec_augment(
    features: np.ndarray,
    rng: np.random.Generator,
    time_masks: int = 2,
    time_width: int = 8,
    freq_masks: int = 2,
    freq_width: int = 6,
) -> np.ndarray:
    """SpecAugment-style masking (Park et al., 2019) of one `[T, F]`
    utterance: random time spans and mel bands set to 0 (the mean after
    `normalize`). Returns a new array."""
    out = features.copy()
    steps, bins = out.shape
    for _ in range(time_masks):
        width = int(rng.integers(0, min(time_width, steps // 4) + 1))
        start = int(rng.integers(0, steps - width + 1))
        out[start : start + width] = 0.0
    for _ in range(freq_masks):
        width = int(rng.integers(0, min(freq_width, bins // 4) + 1))
        start = int(rng.integers(0, bins - width + 1))
        out[:, start : start + width] = 0.0
    return out


def warp(
    features: np.ndarray,
    rng: np.random.Generator,
    freq_warp: float = 0.0,
    time_stretch: float = 0.0,
) -> np.ndarray:
    """Random linear warps of one `[T, F]` utterance: the mel axis scaled
    by a factor in `1 +- freq_warp` (like vocal tract length perturbation)
    and the time axis by one in `1 +- time_stretch` (a tempo change; the
    frame count changes). Linear interpolation; returns a new array."""
    out = np.asarray(features, dtype="float32")
    steps, bins = out.shape
    if freq_warp > 0:
        factor = 1.0 + rng.uniform(-freq_warp, freq_warp)
        out = _interpolate(out, np.arange(bins) * factor, axis=1)
    if time_stretch > 0 and steps > 1:
        factor = 1.0 + rng.uniform(-time_stretch, time_stretch)
        size = max(1, round(steps * factor))
        out = _interpolate(out, np.linspace(0, steps - 1, size), axis=0)
    return out.copy()


def _interpolate(x: np.ndarray, positions, axis: int) -> np.ndarray:
    """Values of `x` at fractional `positions` (clipped) along `axis`."""
    last = x.shape[axis] - 1
    positions = np.clip(positions, 0, last)
    low = np.floor(positions).astype("int64")
    high = np.minimum(low + 1, last)
    weight = (positions - low).astype("float32")
    if axis == 0:
        weight = weight[:, None]
    a, b = np.take(x, low, axis=axis), np.take(x, high, axis=axis)
    return (a * (1 - weight) + b * weight).astype("float32")


def features_for(samples, spec: FeatureSpec, backend: str = "tf"):
    """Normalized log-mel features of checked samples (`tf` or `numpy`)."""
    compute = log_mel if backend == "tf" else log_mel_numpy
    return normalize(compute(samples, spec), spec.normalization)


def batch_log_mel(signals, spec: FeatureSpec) -> list[np.ndarray]:
    """`log_mel` + `normalize` of many signals with one traced function."""
    import tensorflow as tf

    constants = _tf_constants(spec)
    compute = tf.function(
        lambda s: _log_mel_tf(s, *constants),
        input_signature=[tf.TensorSpec([None], tf.float32)],
    )
    return [
        normalize(
            compute(np.asarray(s, dtype="float32")).numpy(), spec.normalization
        )
        for s in signals
    ]
