"""WAV reading, resampling, log-mel features (tf.signal vs NumPy), masks."""

import numpy as np
import pytest
from scipy.io import wavfile

from suite.data import audio
from suite.errors import SuiteError

SPEC = audio.FeatureSpec()


def tone(hz, seconds=0.5, rate=8000, amplitude=0.5):
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype("float32")


def write(path, rate, data):
    wavfile.write(path, rate, data)
    return path


def test_pcm16_stereo_is_scaled_and_downmixed(tmp_path):
    left = (tone(300) * 32767).astype("int16")
    right = np.zeros_like(left)
    path = write(tmp_path / "s.wav", 8000, np.stack([left, right], axis=1))
    rate, samples = audio.read_wav(path)
    assert rate == 8000 and samples.dtype == np.float32
    np.testing.assert_allclose(samples, left / 32768.0 / 2, atol=1e-6)


def test_float_wav_is_read_unchanged(tmp_path):
    path = write(tmp_path / "f.wav", 16000, tone(300, rate=16000))
    rate, samples = audio.read_wav(path)
    assert rate == 16000
    np.testing.assert_array_equal(samples, tone(300, rate=16000))


def test_resampling_keeps_duration_and_pitch():
    source = tone(440, seconds=1.0, rate=16000)
    out = audio.resample(source, 16000, 8000)
    assert out.shape == (8000,)
    spectrum = np.abs(np.fft.rfft(out))
    assert np.argmax(spectrum) == 440  # 1 Hz bins over one second
    inner = slice(100, -100)  # away from the filter's edge transients
    np.testing.assert_allclose(out[inner], tone(440, 1.0)[inner], atol=2e-3)


def test_mel_matrix_equals_tf_signal():
    import tensorflow as tf

    expected = tf.signal.linear_to_mel_weight_matrix(
        40, 129, 8000, 20.0, 4000.0
    ).numpy()
    np.testing.assert_allclose(
        audio.mel_weight_matrix(SPEC), expected, atol=1e-5
    )


def test_numpy_features_match_tf_signal_within_1e_3():
    rng = np.random.default_rng(0)
    samples = (tone(500, 0.7) + 0.05 * rng.normal(size=5600)).astype("f4")
    tf_features = audio.log_mel(samples, SPEC)
    np_features = audio.log_mel_numpy(samples, SPEC)
    assert tf_features.shape == (SPEC.num_frames(5600), 40) == (68, 40)
    np.testing.assert_allclose(np_features, tf_features, atol=1e-3)
    np.testing.assert_allclose(
        audio.normalize(np_features), audio.normalize(tf_features), atol=1e-3
    )


def test_tone_energy_lands_in_its_mel_band():
    features = audio.log_mel_numpy(tone(1000), SPEC)
    centers = np.linspace(audio.hz_to_mel(20), audio.hz_to_mel(4000), 42)
    expected = int(np.argmin(np.abs(centers[1:-1] - audio.hz_to_mel(1000))))
    assert np.all(np.argmax(features, axis=1) == expected)


def test_normalize_gives_zero_mean_bins_unit_std():
    x = np.random.default_rng(1).normal(3, 2, size=(50, 8)).astype("f4")
    y = audio.normalize(x)
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-5)
    assert y.std() == pytest.approx(1.0, abs=1e-4)


def test_global_normalize_keeps_the_spectral_envelope():
    # bins at levels 0, 1, 2, 3 (a fixed envelope) plus a +1 / -1 wobble
    envelope = np.arange(4, dtype="f4")
    wobble = np.array([[1], [-1]] * 5, dtype="f4")
    x = 7.0 + envelope + wobble  # [10, 4]; the 7 is a gain (log offset)
    per_bin = audio.normalize(x, "per_bin")
    np.testing.assert_allclose(per_bin.mean(axis=0), 0, atol=1e-6)  # gone
    kept = audio.normalize(x, "global")
    # global: minus the mean 8.5, over the std sqrt(1.25 + 1) = 1.5
    np.testing.assert_allclose(
        kept.mean(axis=0), (envelope - 1.5) / 1.5, atol=1e-5
    )
    assert kept.mean() == pytest.approx(0, abs=1e-6)
    assert kept.std() == pytest.approx(1.0, abs=1e-4)
    wav = tone(700)
    spec = audio.FeatureSpec(normalization="global")
    np.testing.assert_allclose(
        audio.features_for(wav, spec, backend="numpy"),
        audio.normalize(audio.log_mel_numpy(wav, spec), "global"),
    )
    assert audio.batch_log_mel([wav], spec)[0] == pytest.approx(
        audio.features_for(wav, spec), abs=1e-3
    )


def test_spec_augment_masks_zero_spans_and_keeps_shape():
    x = np.ones((60, 40), "float32")
    y = audio.spec_augment(x, np.random.default_rng(3), time_width=10)
    assert y.shape == x.shape and np.all(x == 1)  # input untouched
    assert 0 < np.sum(y == 0) < y.size
    zero_rows = np.all(y == 0, axis=1).sum()
    zero_cols = np.all(y == 0, axis=0).sum()
    assert zero_rows <= 20 and zero_cols <= 12


def test_warp_stretches_mel_axis_and_tempo():
    x = np.tile(np.arange(40, dtype="float32"), (50, 1))
    assert np.array_equal(audio.warp(x, np.random.default_rng(0)), x)
    y = audio.warp(x, np.random.default_rng(0), freq_warp=0.2)
    assert y.shape == x.shape and not np.allclose(y, x)
    assert np.all(np.diff(y[0]) >= 0)  # a monotone stretch of the bins
    z = audio.warp(x, np.random.default_rng(0), time_stretch=0.2)
    assert 40 <= len(z) <= 60 and np.allclose(z, x[0])


def test_corrupt_wav_is_refused(tmp_path):
    path = tmp_path / "bad.wav"
    path.write_bytes(b"RIFF\x10\x00\x00\x00junkjunkjunkjunk")
    with pytest.raises(SuiteError, match="bad.wav is not a readable WAV"):
        audio.read_wav(path)


def test_truncated_wav_is_refused(tmp_path):
    path = write(tmp_path / "t.wav", 8000, (tone(300) * 30000).astype("i2"))
    content = path.read_bytes()
    path.write_bytes(content[: len(content) // 2])
    with pytest.raises(SuiteError, match="t.wav is truncated"):
        audio.read_wav(path)


def test_unexpected_sample_rate_is_refused(tmp_path):
    path = write(tmp_path / "r.wav", 4000, tone(300, rate=4000))
    with pytest.raises(SuiteError, match="sample rate 4000 Hz; expected 8000"):
        audio.read_wav(path)


@pytest.mark.parametrize(
    "samples, message",
    [
        (np.zeros(0, "float32"), "empty or too short"),
        (np.zeros(8000, "float32"), "silent"),
        (tone(300, seconds=16.0), "lasts 16.0 s; the model takes at most 15"),
    ],
)
def test_empty_silent_and_long_audio_are_refused(samples, message):
    with pytest.raises(SuiteError, match=message):
        audio.check_signal(samples, SPEC)


def test_fft_length_must_be_a_power_of_two():
    with pytest.raises(SuiteError, match="power of two"):
        audio.FeatureSpec(frame_length=200, fft_length=384)


def test_unknown_feature_normalization_is_refused():
    with pytest.raises(SuiteError, match="unknown feature normalization 'x'"):
        audio.FeatureSpec(normalization="x")
