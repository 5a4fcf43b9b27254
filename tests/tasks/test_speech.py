"""Speech task end to end on real FSDD recordings, the CLI and LiteRT."""

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest

from suite.cli.main import main
from suite.data import audio, speech_corpus
from suite.errors import SuiteError
from suite.tasks import ctc, ctc_batches, speech, speech_runs
from tests import helpers

TINY = speech.SpeechConfig(
    connected_train=150,
    connected_val=20,
    connected_test=20,
    max_digits=3,
    model_options={
        "conv_filters": (16,),
        "conv_strides": (2,),
        "units": (24,),
    },
    epochs=8,
    batch_size=16,
    learning_rate=5e-3,
    patience=4,
    lr_schedule="plateau",  # 8 epochs: a cosine decay ends too soon
    beam_width=2,
    single_repeats=1,
    freq_warp=0.0,
    time_stretch=0.0,
)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One short training run on one speaker's real recordings."""
    root = tmp_path_factory.mktemp("speech")
    folder = root / "fsdd"
    with pytest.MonkeyPatch.context() as patch:
        import os

        if not os.environ.get("SUITE_DATA_DIR"):
            pytest.skip("SUITE_DATA_DIR is not set: no FSDD recordings")
        patch.setenv("SUITE_RUNS_DIR", str(root / "runs"))
        recordings = [
            r
            for r in speech_corpus.fsdd_recordings(8000)
            if r.speaker == "jackson"
        ]
        result, run = speech_runs.run_training(
            TINY, "tiny", recordings=recordings
        )
    wav = folder / "recordings"
    return result, run, recordings, wav


@pytest.mark.slow
def test_short_training_clearly_lowers_ctc_loss(trained):
    result, run, _, _ = trained
    history = result["history"]
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["val_loss"][-1] < 0.7 * history["val_loss"][0]
    files = {p.name for p in run.iterdir()}
    assert {"model.keras", "config.json", "metrics.json"} <= files
    assert {"acoustic.tflite", "acoustic.json"} <= files
    saved = json.loads((run / "config.json").read_text())
    assert saved["vocabulary"] == "0123456789" and saved["strides"] == [2]
    # single recordings are also scored with the one-digit lexicon
    assert set(result["test_single"]) == {"greedy", "beam", "one_symbol"}
    assert set(result["test_connected"]) == {"greedy", "beam"}


@pytest.mark.slow
def test_litert_probabilities_match_keras(trained, data_dir):
    from suite.export.speech_runtime import SpeechTranscriber

    _, run, recordings, _ = trained
    loaded = speech_runs.load_run(run)
    recognizer = SpeechTranscriber(run / speech_runs.TFLITE_FILE)
    for recording in recordings[:3]:
        features = audio.features_for(recording.samples, loaded.spec)
        logits = loaded.model.predict_on_batch(features[None])[0]
        keras_probs = speech.ctc.softmax(logits)
        litert_probs = recognizer.probabilities(recording.samples)
        assert litert_probs.shape == keras_probs.shape
        np.testing.assert_allclose(litert_probs, keras_probs, atol=1e-3)
    assert "WHILE" in recognizer.model.metadata["ops"]
    features = recognizer.model.metadata["extras"]["features"]
    assert features["fft_length"] == 256
    assert features["normalization"] == loaded.spec.normalization == "global"


@pytest.mark.slow
def test_a_run_saved_before_feature_normalization_loads_as_per_bin(
    trained, tmp_path
):
    import shutil

    _, run, _, _ = trained
    old = shutil.copytree(run, tmp_path / "old")
    saved = json.loads((old / "config.json").read_text())
    del saved["config"]["feature_normalization"]
    (old / "config.json").write_text(json.dumps(saved))
    assert speech_runs.load_run(old).spec.normalization == "per_bin"
    assert speech_runs.load_run(run).spec.normalization == "global"


@pytest.mark.slow
def test_ensemble_run_decodes_its_members_together(
    data_dir, tmp_path, monkeypatch
):
    """Two tiny members saved as one run: each member's output inside the
    ensemble's, LiteRT equal to Keras, transcripts from both together."""
    from suite.export.speech_runtime import SpeechTranscriber

    monkeypatch.setenv("SUITE_RUNS_DIR", str(tmp_path))
    recordings = [
        r for r in speech_corpus.fsdd_recordings(8000) if r.speaker == "george"
    ]
    config = dataclasses.replace(TINY, epochs=2, ensemble=2)
    result, run = speech_runs.run_training(
        config, "pair", recordings=recordings
    )
    assert len(result["member_histories"]) == 2
    assert result["epochs_trained"] == 4
    loaded = speech_runs.load_run(run)
    recognizer = SpeechTranscriber(run / speech_runs.TFLITE_FILE)
    for recording in recordings[:2]:
        features = audio.features_for(recording.samples, loaded.spec)
        logits = loaded.model.predict_on_batch(features[None])[0]
        assert logits.shape[1:] == (2, 11)  # [T', members, V + 1]
        for k in range(2):
            member = loaded.model.get_layer(f"member_{k}")
            alone = member.predict_on_batch(features[None])[0]
            np.testing.assert_allclose(logits[:, k], alone, atol=1e-5)
        keras_probs = ctc.members_first(ctc.softmax(logits))
        litert_probs = recognizer.probabilities(recording.samples)
        np.testing.assert_allclose(litert_probs, keras_probs, atol=1e-3)
        assert recognizer.transcribe_samples(recording.samples) == (
            speech_runs.transcribe_samples(loaded, recording.samples)
        )
    assert set(result["test_single"]) == {"greedy", "beam", "one_symbol"}
    with pytest.raises(SuiteError, match="ensemble must be 1 or more"):
        dataclasses.replace(TINY, ensemble=0)


@pytest.mark.slow
def test_cli_transcribes_with_keras_and_litert(trained, data_dir, capsys):
    _, run, _, _ = trained
    wav = str(data_dir / "fsdd" / "recordings" / "7_jackson_0.wav")
    assert main(["speech", "transcribe", str(run), wav, wav]) == 0
    keras_lines = capsys.readouterr().out.strip().splitlines()
    assert len(keras_lines) == 2 and keras_lines[0].startswith(wav + "\t")
    assert main(["speech", "transcribe", str(run), wav, "--litert"]) == 0
    litert_lines = capsys.readouterr().out.strip().splitlines()
    assert litert_lines == keras_lines[:1]
    for runtime in ([], ["--litert"]):  # lexicon-constrained: one digit
        args = ["speech", "transcribe", str(run), wav, "--lexicon"]
        assert main([*args, "one-symbol", *runtime]) == 0
        text = capsys.readouterr().out.strip().split("\t")[1]
        assert len(text) == 1 and text.isdigit()
        assert main([*args, "42,7", *runtime]) == 0
        assert capsys.readouterr().out.strip().split("\t")[1] in ("42", "7")
    assert main([*args, "7x"]) == 2
    assert "outside the model's vocabulary" in capsys.readouterr().err


@pytest.mark.slow
def test_generic_export_cli_gives_a_usable_speech_model(
    trained, data_dir, tmp_path, capsys
):
    from suite.export.speech_runtime import SpeechTranscriber

    _, run, _, _ = trained
    out = tmp_path / "dynamic.tflite"
    assert (
        main(
            ["export", str(run), "--quantization", "dynamic", "--out", str(out)]
        )
        == 0
    )
    capsys.readouterr()
    wav = data_dir / "fsdd" / "recordings" / "5_jackson_2.wav"
    quantized = SpeechTranscriber(out)
    float_model = SpeechTranscriber(run / speech_runs.TFLITE_FILE)
    assert quantized.returns_logits and not float_model.returns_logits
    samples = audio.load_audio(wav, float_model.spec)
    np.testing.assert_allclose(
        quantized.probabilities(samples),
        float_model.probabilities(samples),
        atol=0.05,
    )


@pytest.mark.slow
def test_cli_refuses_corrupt_audio_with_one_line(trained, tmp_path, capsys):
    _, run, _, _ = trained
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF0000WAVEfmt nonsense")
    assert main(["speech", "transcribe", str(run), str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.wav is not a readable WAV" in err[0]


@pytest.mark.slow
def test_device_runtime_never_imports_tensorflow(trained, data_dir):
    _, run, _, _ = trained
    wav = data_dir / "fsdd" / "recordings" / "3_jackson_1.wav"
    code = (
        "import sys\n"
        "from suite.export.speech_runtime import SpeechTranscriber\n"
        f"r = SpeechTranscriber({str(run / 'acoustic.tflite')!r}, "
        "beam_width=4)\n"
        f"print(repr(r.transcribe_file({str(wav)!r})))\n"
        f"r = SpeechTranscriber({str(run / 'acoustic.tflite')!r}, "
        "lexicon='one-symbol')\n"
        f"assert len(r.transcribe_file({str(wav)!r})) == 1\n"
        "assert 'tensorflow' not in sys.modules, 'tensorflow imported'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_cli_unknown_run_and_bad_data_exit_2(tmp_path, capsys):
    assert main(["speech", "transcribe", "nope", "a.wav"]) == 2
    assert "no run found at 'nope'" in capsys.readouterr().err
    missing = str(tmp_path / "none")
    assert main(["speech", "train", "--data", missing]) == 2
    assert "neither 'fsdd', 'tfds' nor a folder" in capsys.readouterr().err


def test_transcripts_outside_the_vocabulary_are_refused(tmp_path):
    from scipy.io import wavfile

    rng = np.random.default_rng(0)
    rows = ["file,text"]
    for i in range(10):
        wavfile.write(tmp_path / f"{i}.wav", 8000, rng.normal(0, 0.1, 800))
        rows.append(f"{i}.wav,{'yes' if i else 'maybe'}")  # 0 -> test split
    (tmp_path / "transcripts.csv").write_text("\n".join(rows) + "\n")
    config = speech.SpeechConfig(data=str(tmp_path))
    with pytest.raises(SuiteError, match=r"'maybe' has character\(s\)"):
        speech.prepare(config)


def test_batches_pack_strided_frames_and_unpadded_labels():
    lengths = [9, 4, 12, 7, 3]
    texts = ["12", "3", "4556", "7", "00"]
    subset = speech.UtteranceSet(
        features=[np.full((n, 2), n, "float32") for n in lengths],
        texts=texts,
        seconds=np.zeros(5),
    )
    batches = ctc_batches.CTCBatches(
        subset, "0123456789", (2,), batch_size=2, seed=0
    )
    # "00" needs 3 frames (a blank between repeats) but has ceil(3/2) = 2
    assert batches.dropped == 1
    seen = {}
    for i in range(len(batches)):
        x, y = batches[i]
        for row in range(len(x)):
            n = int(x[row, 0, 0])
            assert np.all(x[row, :n] == n) and np.all(x[row, n:] == 0)
            seen[n] = y[row]
    assert sorted(seen) == [4, 7, 9, 12]  # length-sorted buckets
    # ceil(9/2) frames, "12" padded with 0 to the set's longest labels:
    # every batch has one width, whatever Keras peeks at to infer shapes
    np.testing.assert_array_equal(seen[9], [5, 2, 3, 0, 0])
    np.testing.assert_array_equal(seen[4], [2, 4, 0, 0, 0])  # 2 frames; "3"
    np.testing.assert_array_equal(seen[12], [6, 5, 6, 6, 7])  # "4556"


def test_batches_recount_frames_of_stretched_utterances():
    subset = speech.UtteranceSet(
        features=[np.ones((n, 4), "float32") for n in (20, 30, 40)],
        texts=["1", "22", "345"],
        seconds=np.zeros(3),
    )
    augment = {"freq_warp": 0.1, "time_stretch": 0.3}
    batches = ctc_batches.CTCBatches(
        subset, "0123456789", (2,), batch_size=3, augment=augment
    )
    x, y = batches[0]
    frames = y[:, 0].astype(int)
    assert sorted(frames) != [10, 15, 20]  # stretched: new frame counts
    assert x.shape[1] in (2 * frames.max(), 2 * frames.max() - 1)
    assert x.shape[2] == 4


@pytest.mark.slow
def test_evaluate_with_a_lexicon_adds_a_separate_row(trained):
    _, run, recordings, _ = trained
    result = speech_runs.evaluate_run(
        run, recordings, lexicon=list("0123456789")
    )
    assert set(result["test_connected"]) == {"greedy", "beam", "lexicon"}
    assert set(result["test_single"]) == {
        "greedy",
        "beam",
        "lexicon",
        "one_symbol",
    }
    single = result["test_single"]["lexicon"]
    assert single["utterances"] == 50 and single["cer"] <= 1.0
    assert "lexicon" in speech.summary_table(result)


def test_cli_lexicon_from_a_list_or_a_file(tmp_path):
    from suite.cli.speech import _lexicon

    assert _lexicon(None) is None and _lexicon("one-symbol") == "one-symbol"
    assert _lexicon("12, 7,") == ["12", "7"]
    words = tmp_path / "words.txt"
    words.write_text("yes\n\nno\n", encoding="utf-8")
    assert _lexicon(f"@{words}") == ["yes", "no"]
    with pytest.raises(SuiteError, match="cannot read the lexicon"):
        _lexicon(f"@{tmp_path / 'none.txt'}")


def _tiny_acoustic_model(seed=0, normalization="batch", centered=False):
    """2 strided conv blocks + 2 BiLSTMs, weights and BatchNorm statistics
    random (so padded frames would show if they leaked)."""
    model = helpers.tiny_conv_ctc_model(
        normalization=normalization, centered_view=centered
    )
    rng = np.random.default_rng(seed)
    for weight in model.weights:
        values = 0.5 * rng.normal(size=weight.shape)
        if "variance" in weight.path:
            values = 1.0 + np.abs(values)
        weight.assign(values.astype("float32"))
    return model


FRONT_ENDS = [("batch", False), ("layer", False), ("layer", True)]


@pytest.mark.parametrize("normalization, centered", FRONT_ENDS)
def test_padded_batches_score_each_utterance_as_alone(normalization, centered):
    # odd and even lengths: 'same' striding would shift the frame grid
    rng = np.random.default_rng(1)
    features = [rng.normal(size=(n, 5)).astype("float32") for n in (7, 12, 13)]
    model = _tiny_acoustic_model(normalization=normalization, centered=centered)
    batched = speech.frame_probabilities(model, features, (2, 2), 8)
    alone = speech.frame_probabilities(model, features, (2, 2), 1)
    for together, single in zip(batched, alone, strict=True):
        assert together.shape == single.shape
        np.testing.assert_allclose(together, single, atol=1e-5)


@pytest.mark.parametrize("normalization, centered", FRONT_ENDS)
def test_training_outputs_ignore_extra_padding(normalization, centered):
    # training mode: BatchNorm statistics come from the real frames only
    rng = np.random.default_rng(2)
    features = [rng.normal(size=(n, 5)).astype("float32") for n in (9, 14)]
    model = _tiny_acoustic_model(
        seed=3, normalization=normalization, centered=centered
    )
    tight = ctc_batches.pad_features(features)
    loose = np.pad(tight, ((0, 0), (0, 7), (0, 0)))
    frames = ctc.frames_after_striding([9, 14], (2, 2))
    a = np.asarray(model(tight, training=True))
    b = np.asarray(model(loose, training=True))
    for row, n in enumerate(frames):
        np.testing.assert_allclose(a[row, :n], b[row, :n], atol=1e-5)


def test_trailing_zero_steps_are_padding_to_the_batches():
    features = np.ones((10, 3), "float32")
    features[3] = 0.0  # inside: part of the utterance
    features[8:] = 0.0  # at the end: padding (e.g. a time mask there)
    assert ctc_batches.valid_steps(features) == 8
    subset = speech.UtteranceSet([features], ["1"], np.zeros(1))
    batches = ctc_batches.CTCBatches(subset, "0123456789", (2,), batch_size=1)
    _, y = batches[0]
    assert y[0, 0] == 4  # ceil(8 / 2), not ceil(10 / 2)
