"""Spoken-digit splits, connected utterances, user folders, the TFDS path."""

import numpy as np
import pytest
from scipy.io import wavfile

from suite.data import speech_corpus
from suite.data.speech_corpus import Recording
from suite.errors import SuiteError


def fake_recordings(speakers=("ann", "bob"), indices=range(0, 12)):
    """Recordings whose samples encode their own identity."""
    recordings = []
    for s, speaker in enumerate(speakers):
        for index in indices:
            digit = (index + s) % 10
            length = 400 + 37 * index
            value = (100 * s + index) / 1000.0
            recordings.append(
                Recording(
                    name=f"{digit}_{speaker}_{index}.wav",
                    samples=np.full(length, value, "float32"),
                    text=str(digit),
                    speaker=speaker,
                    index=index,
                )
            )
    return recordings


def test_official_split_by_repetition_number():
    splits = speech_corpus.split_recordings(fake_recordings())
    assert {r.index for r in splits["test"]} == {0, 1, 2, 3, 4}
    assert {r.index for r in splits["val"]} == {5, 6, 7, 8, 9}
    assert {r.index for r in splits["train"]} == {10, 11}


def test_connected_utterances_labels_match_audio():
    recordings = fake_recordings()
    by_name = {r.name: r for r in recordings}
    utterances = speech_corpus.connected_utterances(recordings, 40, seed=3)
    assert {len(u.text) for u in utterances} <= set(range(1, 8))
    assert max(len(u.text) for u in utterances) >= 5
    for u in utterances:
        names = [name for name, _, _ in u.parts]
        assert u.text == "".join(by_name[n].text for n in names)
        assert {by_name[n].speaker for n in names} == {u.speaker}
        assert len(set(names)) == len(names)
        for name, start, stop in u.parts:
            np.testing.assert_array_equal(
                u.samples[start:stop], by_name[name].samples
            )
        pairs = zip(u.parts, u.parts[1:], strict=False)
        gaps = [b[1] - a[2] for a, b in pairs]
        assert all(400 <= g <= 2400 for g in gaps)  # 0.05-0.3 s at 8 kHz


def test_connected_utterances_are_deterministic_per_seed():
    recordings = fake_recordings()
    first = speech_corpus.connected_utterances(recordings, 10, seed=7)
    again = speech_corpus.connected_utterances(recordings, 10, seed=7)
    other = speech_corpus.connected_utterances(recordings, 10, seed=8)
    assert [u.parts for u in first] == [u.parts for u in again]
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a.samples, b.samples)
    assert [u.parts for u in first] != [u.parts for u in other]


def test_single_utterances_keep_each_recording():
    recordings = fake_recordings(indices=range(3))
    singles = speech_corpus.single_utterances(recordings)
    assert [u.text for u in singles] == [r.text for r in recordings]
    assert singles[0].parts == ((recordings[0].name, 0, 400),)


def write_folder(tmp_path, rows):
    rng = np.random.default_rng(0)
    for name, _ in rows:
        data = (rng.normal(0, 0.1, 1600) * 32767).astype("int16")
        wavfile.write(tmp_path / name, 16000, data)
    lines = ["file,text"] + [f"{name},{text}" for name, text in rows]
    (tmp_path / "transcripts.csv").write_text("\n".join(lines) + "\n")


def test_folder_dataset_resamples_and_takes_vocabulary(tmp_path):
    write_folder(tmp_path, [("a.wav", "yes"), ("b.wav", "no go")])
    recordings = speech_corpus.folder_recordings(tmp_path, None, 8000)
    assert [r.text for r in recordings] == ["yes", "no go"]
    assert len(recordings[0].samples) == 800  # 0.1 s at 16 kHz -> 8 kHz
    vocabulary = speech_corpus.character_vocabulary(r.text for r in recordings)
    assert vocabulary == " egnosy"


def test_folder_dataset_refuses_bad_transcripts(tmp_path):
    write_folder(tmp_path, [("a.wav", "yes")])
    (tmp_path / "t2.csv").write_text("path,words\na.wav,yes\n")
    with pytest.raises(SuiteError, match=r"lacks column\(s\) \['file', 'text'"):
        speech_corpus.folder_recordings(tmp_path, tmp_path / "t2.csv")
    (tmp_path / "t3.csv").write_text("file,text\na.wav,\n")
    with pytest.raises(SuiteError, match="line 2: empty transcript"):
        speech_corpus.folder_recordings(tmp_path, tmp_path / "t3.csv")


def test_tfds_spoken_digit_path_with_mock_data():
    import tensorflow as tf
    import tensorflow_datasets as tfds

    names = ["3_jackson_0.wav", "4_george_12.wav", "5_lucas_7.wav"]

    def examples():
        for i, name in enumerate(names):
            yield {
                "audio": np.arange(1, 300 + i, dtype="int64"),
                "audio/filename": name,
                "label": 3 + i,
            }

    def as_dataset(self, *args, **kwargs):
        return tf.data.Dataset.from_generator(
            examples,
            output_signature={
                "audio": tf.TensorSpec([None], tf.int64),
                "audio/filename": tf.TensorSpec([], tf.string),
                "label": tf.TensorSpec([], tf.int64),
            },
        )

    with tfds.testing.mock_data(as_dataset_fn=as_dataset):
        recordings = speech_corpus.tfds_recordings(8000)
    assert [(r.name, r.text, r.speaker, r.index) for r in recordings] == [
        ("3_jackson_0.wav", "3", "jackson", 0),
        ("4_george_12.wav", "4", "george", 12),
        ("5_lucas_7.wav", "5", "lucas", 7),
    ]
    assert recordings[0].samples[0] == pytest.approx(1 / 32768)
    splits = speech_corpus.split_recordings(recordings)
    assert [len(splits[k]) for k in ("train", "val", "test")] == [1, 1, 1]
