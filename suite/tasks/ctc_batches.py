"""Training batches for CTC: padded, length-bucketed, optionally augmented.

`CTCBatches` feeds `keras.Model.fit` with `(features, packed targets)`
batches for `suite.layers.CTCLoss`; `valid_steps` and `pad_features` define
what padding is (trailing all-zero feature steps), which the acoustic
model, scoring and transcription share.
"""

import keras
import numpy as np

from suite.data import audio
from suite.tasks import ctc


class CTCBatches(keras.utils.PyDataset):
    """Padded, length-bucketed batches `(features, packed CTC targets)`.

    Utterances are sorted by length and cut into batches (little padding);
    the batch order is shuffled every epoch. Targets, padded to the longest
    label of the whole set, pack per utterance
    the frame count after the model's striding and the labels (see
    `suite.layers.CTCLoss`). Utterances whose labels cannot fit in their
    frames (CTC needs a blank between repeats) are dropped and counted in
    `dropped`. `augment`: keyword arguments of `audio.spec_augment` and
    `audio.warp` (True = the default masks, no warps). `utterances` has
    `features` (`[T_i, F]` arrays) and `texts` (a `speech.UtteranceSet`).
    """

    def __init__(
        self,
        utterances,
        vocabulary,
        strides,
        *,
        batch_size,
        seed=0,
        augment=False,
    ):
        super().__init__(workers=1, use_multiprocessing=False)
        lengths = np.array([valid_steps(f) for f in utterances.features])
        frames = ctc.frames_after_striding(lengths, strides)
        labels = [ctc.encode(t, vocabulary) for t in utterances.texts]
        keep = [i for i, lab in enumerate(labels) if _fits(lab, frames[i])]
        self.dropped = len(labels) - len(keep)
        # one label width for every batch: Keras infers the dataset's
        # signature from the first batches, and a narrower first batch
        # (all single digits) would make every wider one fail
        self.label_width = max((len(labels[i]) for i in keep), default=1)
        order = sorted(keep, key=lambda i: lengths[i])
        self.batches = [
            order[i : i + batch_size] for i in range(0, len(order), batch_size)
        ]
        self.features, self.labels, self.frames = (
            utterances.features,
            labels,
            frames,
        )
        if augment is True:
            augment = {}
        self.augment, self.seed, self.epoch = augment, seed, 0
        self.strides = strides
        self._order = np.arange(len(self.batches))
        self.on_epoch_end()

    def __len__(self):
        return len(self.batches)

    def __getitem__(self, index):
        members = self.batches[self._order[index]]
        rng = np.random.default_rng((self.seed, self.epoch, index))
        feats = [self.features[i] for i in members]
        frames = [self.frames[i] for i in members]
        if self.augment is not False:
            feats, frames = self._augmented(members, rng)
        x = pad_features(feats)
        y = np.zeros((len(members), 1 + self.label_width), dtype="float32")
        for row, i in enumerate(members):
            y[row, 0] = frames[row]
            y[row, 1 : 1 + len(self.labels[i])] = self.labels[i]
        return x, y

    def _augmented(self, members, rng):
        options = dict(self.augment)
        warps = {k: options.pop(k, 0.0) for k in ("freq_warp", "time_stretch")}
        feats, frames = [], []
        for i in members:
            f = self.features[i]
            if any(warps.values()):
                warped = audio.warp(f, rng, **warps)
                if _fits(self.labels[i], self._frames(warped)):
                    f = warped  # else keep it unwarped
            masked = audio.spec_augment(f, rng, **options)
            if _fits(self.labels[i], self._frames(masked)):
                f = masked  # a time mask at the end shortens it (padding)
            feats.append(f)
            frames.append(self._frames(f))
        return feats, frames

    def _frames(self, features) -> int:
        lengths = [valid_steps(features)]
        return int(ctc.frames_after_striding(lengths, self.strides)[0])

    def on_epoch_end(self):
        rng = np.random.default_rng((self.seed, self.epoch))
        self._order = rng.permutation(len(self.batches))
        self.epoch += 1


def _fits(labels, frames) -> bool:
    repeats = sum(a == b for a, b in zip(labels, labels[1:], strict=False))
    return 0 < len(labels) + repeats <= frames


def valid_steps(features) -> int:
    """Steps of `[T, F]` features before trailing all-zero steps: what the
    model counts as the utterance (the rest is padding to it)."""
    present = np.flatnonzero(np.any(np.asarray(features) != 0, axis=-1))
    return int(present[-1]) + 1 if len(present) else 0


def pad_features(features) -> np.ndarray:
    """`[T_i, F]` arrays -> `[B, max T, F]`, zero-padded at the end."""
    width = max(len(f) for f in features)
    out = np.zeros((len(features), width, features[0].shape[1]), "float32")
    for row, f in enumerate(features):
        out[row, : len(f)] = f
    return out
