"""Schedules for the probability of feeding a decoder its own outputs.

Bengio et al. 2015 (arXiv 1506.03099) decay the probability `eps_i` of
feeding the true previous output; we state the complementary probability
`p_i = 1 - eps_i` of feeding the model's own, per epoch `i` (from 0):

- "none": `p = 0` (pure teacher forcing).
- "linear": `p_i = max_probability * min(1, i / k)` (k epochs of ramp).
- "inverse_sigmoid": `p_i = max_probability * (1 - k / (k + exp(i / k)))`.

`SamplingSchedule` sets the `ScheduledSampling` layer's probability at
the start of every epoch and records the values used.
"""

import math

import keras

from suite.errors import SuiteError

SCHEDULES = ("none", "linear", "inverse_sigmoid")


def check_schedule(schedule: str, k: float, max_probability: float) -> None:
    """Raises unless the schedule name and its parameters are valid."""
    if schedule not in SCHEDULES:
        raise SuiteError(
            f"sampling schedule must be one of {SCHEDULES}, got {schedule!r}"
        )
    if k <= 0 or not 0 <= max_probability <= 1:
        raise SuiteError(
            f"sampling k must be > 0 and max probability in [0, 1], got "
            f"{k} and {max_probability}"
        )


def sampling_probability(
    schedule: str, epoch: int, k: float, max_probability: float = 1.0
) -> float:
    """Probability of feeding the model's own output at `epoch` (from 0).

    Example:
    >>> sampling_probability("linear", 2, k=4, max_probability=0.5)
    0.25
    """
    check_schedule(schedule, k, max_probability)
    if schedule == "none":
        return 0.0
    if schedule == "linear":
        return max_probability * min(1.0, epoch / k)
    return max_probability * (1.0 - k / (k + math.exp(epoch / k)))


class SamplingSchedule(keras.callbacks.Callback):
    """Sets `layer.probability` per epoch; `probabilities` records them."""

    def __init__(self, layer, schedule, k, max_probability):
        super().__init__()
        check_schedule(schedule, k, max_probability)
        self.layer = layer
        self.schedule = schedule
        self.k = k
        self.max_probability = max_probability
        self.probabilities: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        value = sampling_probability(
            self.schedule, epoch, self.k, self.max_probability
        )
        self.layer.probability.assign(value)
        self.probabilities.append(value)


def fit(config, parts, train_set, val_set) -> dict:
    """Fits `parts.training` (a seq2seq) with the config's schedule.

    `config` carries the FitOptions plus `sampling_schedule`, `sampling_k`
    and `max_sampling_probability`; the history gains the per-epoch
    `sampling_probability` when a schedule runs.
    """
    from suite.tasks import training

    callbacks = []
    if config.sampling_schedule != "none":
        callbacks.append(
            SamplingSchedule(
                parts.training.get_layer("scheduled_sampling"),
                config.sampling_schedule,
                config.sampling_k,
                config.max_sampling_probability,
            )
        )
    history = training.fit(
        parts.training,
        train_set,
        val_set,
        config,
        extra_callbacks=callbacks,
    )
    if callbacks:
        history["sampling_probability"] = callbacks[0].probabilities
    return history
