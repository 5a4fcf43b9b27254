"""Speech corpora: spoken digits (FSDD) and any folder of WAVs + transcripts.

Spoken digits come from `$SUITE_DATA_DIR/fsdd` (recordings/*.wav named
`{digit}_{speaker}_{index}.wav`) or, for users online, from
tensorflow-datasets `spoken_digit` (the same recordings). The official
split puts recordings numbered 0-4 in the test set; here 5-9 are held out
for validation and 10-49 train.

`connected_utterances` joins 1-7 recordings of one speaker with short
random silences into connected-digit utterances (deterministic per seed,
always within one split); `single_utterances` keeps one recording each.

Example:
>>> recordings = fsdd_recordings(8000)  # doctest: +SKIP
>>> test = split_recordings(recordings)["test"]  # doctest: +SKIP
>>> utterances = connected_utterances(test, 100, seed=0)  # doctest: +SKIP
>>> utterances[0].text  # doctest: +SKIP
'4071'
"""

import dataclasses
import re
from pathlib import Path

import numpy as np
import pandas as pd

from suite.data import audio, sources
from suite.errors import SuiteError

DIGITS = "0123456789"
FSDD_NAME = re.compile(r"^(\d)_([A-Za-z]+)_(\d+)\.wav$")
TEST_INDICES = range(0, 5)
"""FSDD's official test set: recordings numbered 0-4."""
VAL_INDICES = range(5, 10)
"""Held out from the official training set for early stopping."""
SILENCE_SECONDS = (0.05, 0.3)
"""Range of the random pause between joined recordings."""
DITHER = 3e-5
"""Standard deviation of the noise filling pauses (about 16-bit LSB)."""


@dataclasses.dataclass(frozen=True)
class Recording:
    """One labelled recording at the model rate."""

    name: str
    """File name (e.g. `7_jackson_32.wav`)."""
    samples: np.ndarray
    """float32 mono samples at the model rate."""
    text: str
    """Transcript (the digit for FSDD)."""
    speaker: str
    """Speaker id ('' when unknown)."""
    index: int
    """FSDD repetition number 0-49 (-1 for other corpora)."""


@dataclasses.dataclass(frozen=True)
class Utterance:
    """Model input audio with its transcript and where each part came from."""

    samples: np.ndarray
    """float32 mono samples at the model rate."""
    text: str
    """Transcript: the parts' texts joined in order."""
    speaker: str
    """Speaker of every part."""
    parts: tuple[tuple[str, int, int], ...]
    """`(recording name, start, stop)` sample spans inside `samples`."""


def fsdd_recordings(sample_rate: int = 8000, root=None) -> list[Recording]:
    """Every FSDD recording, from `root` or `$SUITE_DATA_DIR/fsdd`, else
    from tensorflow-datasets `spoken_digit` (downloads once)."""
    folder = Path(root) if root is not None else sources.shared_file("fsdd")
    if folder is None:
        return tfds_recordings(sample_rate)
    files = sorted((folder / "recordings").glob("*.wav"))
    if not files:
        raise SuiteError(
            f"{folder} has no recordings/*.wav; point SUITE_DATA_DIR at the "
            "shared data folder (with fsdd/recordings)"
        )
    return [_fsdd_file(path, sample_rate) for path in files]


def _fsdd_file(path: Path, sample_rate: int) -> Recording:
    match = FSDD_NAME.match(path.name)
    if match is None:
        raise SuiteError(
            f"{path.name} is not named digit_speaker_index.wav like FSDD"
        )
    rate, samples = audio.read_wav(path)
    return Recording(
        name=path.name,
        samples=audio.resample(samples, rate, sample_rate),
        text=match.group(1),
        speaker=match.group(2),
        index=int(match.group(3)),
    )


def tfds_recordings(sample_rate: int = 8000, data_dir=None) -> list[Recording]:
    """FSDD through tensorflow-datasets `spoken_digit` (8 kHz int16)."""
    import tensorflow_datasets as tfds

    dataset = tfds.load("spoken_digit", split="train", data_dir=data_dir)
    recordings = []
    for example in tfds.as_numpy(dataset):
        name = Path(example["audio/filename"].decode("utf-8")).name
        match = FSDD_NAME.match(name)
        if match is None:
            continue  # not an FSDD file name: no split can be assigned
        samples = example["audio"].astype("float32") / 32768.0
        recordings.append(
            Recording(
                name=name,
                samples=audio.resample(samples, 8000, sample_rate),
                text=str(int(example["label"])),
                speaker=match.group(2),
                index=int(match.group(3)),
            )
        )
    if not recordings:
        raise SuiteError("spoken_digit gave no FSDD-named recordings")
    return sorted(recordings, key=lambda r: r.name)


def split_recordings(recordings) -> dict[str, list[Recording]]:
    """FSDD split by repetition number: test 0-4, val 5-9, train 10-49."""
    splits = {"train": [], "val": [], "test": []}
    for recording in recordings:
        if recording.index in TEST_INDICES:
            splits["test"].append(recording)
        elif recording.index in VAL_INDICES:
            splits["val"].append(recording)
        else:
            splits["train"].append(recording)
    return splits


def single_utterances(recordings) -> list[Utterance]:
    """One utterance per recording, unchanged."""
    return [
        Utterance(r.samples, r.text, r.speaker, ((r.name, 0, len(r.samples)),))
        for r in recordings
    ]


def connected_utterances(
    recordings,
    count: int,
    seed: int = 0,
    max_digits: int = 7,
    sample_rate: int = 8000,
) -> list[Utterance]:
    """`count` utterances of 1-`max_digits` recordings of one speaker each.

    Speaker, length, recordings (without repeats inside one utterance) and
    the pauses between them are drawn from `seed`, so the same arguments
    always give the same utterances.
    """
    if count < 1 or max_digits < 1:
        raise SuiteError("count and max_digits must be >= 1")
    by_speaker: dict[str, list[Recording]] = {}
    for recording in recordings:
        by_speaker.setdefault(recording.speaker, []).append(recording)
    if not by_speaker:
        raise SuiteError("no recordings to build utterances from")
    speakers = sorted(by_speaker)
    rng = np.random.default_rng(seed)
    utterances = []
    for _ in range(count):
        pool = by_speaker[speakers[int(rng.integers(len(speakers)))]]
        size = int(rng.integers(1, min(max_digits, len(pool)) + 1))
        chosen = [pool[i] for i in rng.choice(len(pool), size, replace=False)]
        utterances.append(_join(chosen, rng, sample_rate))
    return utterances


def _join(chosen, rng, sample_rate) -> Utterance:
    low, high = SILENCE_SECONDS
    pieces, parts, position = [], [], 0
    for i, recording in enumerate(chosen):
        if i > 0:
            gap = int(rng.uniform(low, high) * sample_rate)
            pieces.append(rng.normal(0.0, DITHER, gap).astype("float32"))
            position += gap
        pieces.append(recording.samples)
        stop = position + len(recording.samples)
        parts.append((recording.name, position, stop))
        position = stop
    return Utterance(
        samples=np.concatenate(pieces),
        text="".join(r.text for r in chosen),
        speaker=chosen[0].speaker,
        parts=tuple(parts),
    )


def folder_recordings(
    folder, transcripts=None, sample_rate: int = 8000
) -> list[Recording]:
    """A user dataset: WAV files plus a CSV with `file,text` columns.

    `transcripts` defaults to `folder/transcripts.csv`; `file` is relative
    to `folder`. An optional `speaker` column is kept. Every file is read,
    resampled and checked; an empty transcript is refused.
    """
    folder = Path(folder)
    csv = Path(transcripts) if transcripts else folder / "transcripts.csv"
    if not csv.is_file():
        raise SuiteError(
            f"no transcript CSV at {csv}; give one with columns file,text"
        )
    frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
    missing = {"file", "text"} - set(frame.columns)
    if missing:
        raise SuiteError(
            f"{csv.name} lacks column(s) {sorted(missing)}; it needs "
            "file,text (and optionally speaker)"
        )
    recordings = []
    for row, item in enumerate(frame.itertuples(index=False), start=2):
        text = str(item.text).strip()
        if not text:
            raise SuiteError(f"{csv.name} line {row}: empty transcript")
        rate, samples = audio.read_wav(folder / item.file)
        recordings.append(
            Recording(
                name=str(item.file),
                samples=audio.resample(samples, rate, sample_rate),
                text=text,
                speaker=str(getattr(item, "speaker", "")),
                index=-1,
            )
        )
    if not recordings:
        raise SuiteError(f"{csv.name} lists no files")
    return recordings


def split_by_position(recordings, val_fraction=0.1, test_fraction=0.1):
    """A user dataset's split: every k-th file to test / val, rest train."""
    splits = {"train": [], "val": [], "test": []}
    test_every = max(2, round(1 / test_fraction)) if test_fraction else 0
    val_every = max(2, round(1 / val_fraction)) if val_fraction else 0
    for i, recording in enumerate(recordings):
        if test_every and i % test_every == 0:
            splits["test"].append(recording)
        elif val_every and i % val_every == 1:
            splits["val"].append(recording)
        else:
            splits["train"].append(recording)
    return splits


def character_vocabulary(texts) -> str:
    """The sorted distinct characters of the transcripts."""
    return "".join(sorted(set("".join(texts))))
