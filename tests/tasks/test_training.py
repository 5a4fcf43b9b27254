"""The shared training loop: the moving average of the weights and the
learning rate schedules."""

import keras
import numpy as np
import pytest

from suite.errors import SuiteError
from suite.tasks import speech, training


class StepWeights(keras.callbacks.Callback):
    """The raw weights after every step, grouped by epoch."""

    def __init__(self):
        super().__init__()
        self.epochs = []

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs.append([])

    def on_train_batch_end(self, batch, logs=None):
        self.epochs[-1].append(self.model.get_weights())


def _regression(momentum, **fields):
    training.set_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], "float32") + 0.1
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    options = training.FitOptions(
        learning_rate=0.05, weight_average=momentum, **fields
    )
    model.compile(optimizer=training.make_optimizer(options), loss="mse")
    return model, x, y, options


def _batches(x, y):
    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices((x, y)).batch(8)


def _split(x, y):
    return _batches(x[:48], y[:48]), _batches(x[48:], y[48:])


def _ema(steps, momentum):
    average = [w.copy() for w in steps[0]]
    for weights in steps[1:]:
        average = [
            momentum * a + (1 - momentum) * w
            for a, w in zip(average, weights, strict=True)
        ]
    return average


def test_weight_average_is_validated_kept_and_saved():
    momentum = 0.9
    model, x, y, options = _regression(momentum, epochs=4)
    log = StepWeights()
    history = training.fit(model, *_split(x, y), options, extra_callbacks=[log])
    steps = [w for epoch in log.epochs for w in epoch]
    per_epoch = len(log.epochs[0])
    best = int(np.argmin(history["val_loss"]))
    expected = _ema(steps[: (best + 1) * per_epoch], momentum)
    # the restored model is the average at the end of the best epoch ...
    for got, want in zip(model.get_weights(), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    # ... and the validation loss that chose it was the average's
    loss = float(np.mean((x[48:] @ expected[0] + expected[1] - y[48:]) ** 2))
    assert history["val_loss"][best] == pytest.approx(loss, rel=1e-5)
    # the raw last step differs from the average (else this tests nothing)
    assert not np.allclose(steps[(best + 1) * per_epoch - 1][0], expected[0])


def test_no_weight_average_keeps_the_last_step_of_the_best_epoch():
    model, x, y, options = _regression(0.0, epochs=3)
    log = StepWeights()
    history = training.fit(model, *_split(x, y), options, extra_callbacks=[log])
    best = int(np.argmin(history["val_loss"]))
    for got, want in zip(
        model.get_weights(), log.epochs[best][-1], strict=True
    ):
        np.testing.assert_allclose(got, want, rtol=1e-6)


@pytest.mark.parametrize("momentum", [-0.1, 1.0])
def test_weight_average_out_of_range_is_refused(momentum):
    with pytest.raises(SuiteError, match="weight_average must be in"):
        training.FitOptions(weight_average=momentum)
    with pytest.raises(SuiteError, match="weight_average must be in"):
        speech.SpeechConfig(weight_average=momentum)  # subclasses check too


class StepLearningRates(keras.callbacks.Callback):
    """The optimizer's learning rate at every step."""

    def __init__(self):
        super().__init__()
        self.rates = []

    def on_train_batch_begin(self, batch, logs=None):
        rate = self.model.optimizer.learning_rate
        self.rates.append(float(keras.ops.convert_to_numpy(rate)))


def test_cosine_schedule_sets_each_epochs_rate_from_the_formula():
    model, x, y, options = _regression(0.0, epochs=4, lr_schedule="cosine")
    log = StepLearningRates()
    history = training.fit(model, *_split(x, y), options, extra_callbacks=[log])
    # 0.05 * (1 + cos(pi * e / 4)) / 2 for e = 0..3, held for 6 steps each
    want = [0.05, 0.042677670, 0.025, 0.0073223305]
    np.testing.assert_allclose(log.rates, np.repeat(want, 6), rtol=1e-6)
    np.testing.assert_allclose(history["learning_rate"], want, rtol=1e-6)


def test_plateau_schedule_keeps_the_rate_while_validation_improves():
    model, x, y, options = _regression(0.0, epochs=4)
    log = StepLearningRates()
    history = training.fit(model, *_split(x, y), options, extra_callbacks=[log])
    assert np.all(np.diff(history["val_loss"]) < 0)  # improving throughout
    np.testing.assert_allclose(log.rates, 0.05, rtol=1e-6)


def test_unknown_lr_schedule_is_refused():
    with pytest.raises(SuiteError, match="unknown lr_schedule 'linear'"):
        speech.SpeechConfig(lr_schedule="linear")
