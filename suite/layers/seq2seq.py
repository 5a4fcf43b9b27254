"""Small layers a seq2seq decoder needs: start input, feedback, sampling.

`DecoderStart` makes the first decoder input from the source, `GreedyTokens`
turns step logits into the ids fed back, and `ScheduledSampling` mixes the
model's own previous outputs into the teacher-forced decoder inputs.
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="suite")
class DecoderStart(keras.layers.Layer):
    """The decoder's first input, derived from the source batch.

    With `start_token >= 0` it is that id for every sample (`[B]` int32);
    otherwise it is the last source step's first `width` features (`[B,
    width]`): in forecasting the targets come first, so this is the last
    observed target value (zeros for a token source).

    Args:
        start_token: id of the start symbol, or -1 for float outputs.
        width: features taken from the last step when `start_token < 0`.

    Example:
    >>> tuple(DecoderStart(-1, 2)(ops.ones((3, 5, 4))).shape)
    (3, 2)
    """

    def __init__(self, start_token=-1, width=1, **kwargs):
        super().__init__(**kwargs)
        self.start_token = start_token
        self.width = width

    def call(self, source):
        if self.start_token >= 0:
            ones = ops.ones_like(source[:, 0], dtype="int32")  # [B]
            return ones * self.start_token
        if len(source.shape) == 2:  # token source, value outputs
            return ops.zeros((ops.shape(source)[0], self.width))
        return source[:, -1, : self.width]  # [B, T, F] -> [B, width]

    def compute_output_spec(self, source):
        if self.start_token >= 0:
            return keras.KerasTensor((source.shape[0],), dtype="int32")
        return keras.KerasTensor(
            (source.shape[0], self.width), dtype=self.compute_dtype
        )

    def get_config(self):
        return {
            **super().get_config(),
            "start_token": self.start_token,
            "width": self.width,
        }


@keras.saving.register_keras_serializable(package="suite")
class GreedyTokens(keras.layers.Layer):
    """`argmax` over the last axis as int32: logits -> fed-back ids.

    Example:
    >>> GreedyTokens()(ops.array([[0.1, 2.0, -1.0]])).tolist()
    [1]
    """

    def call(self, logits):
        return ops.cast(ops.argmax(logits, axis=-1), "int32")

    def compute_output_spec(self, logits):
        return keras.KerasTensor(logits.shape[:-1], dtype="int32")


@keras.saving.register_keras_serializable(package="suite")
class ScheduledSampling(keras.layers.Layer):
    """Replaces teacher inputs by the model's own outputs with probability p.

    Scheduled sampling (Bengio et al. 2015, arXiv 1506.03099) in its
    parallel form (Duckworth et al. 2019, arXiv 1906.04331): a first
    teacher-forced pass gives `own_outputs` `[B, H(, W)]`; shifted right by
    one step (the first input stays the teacher's), each decoder input is
    taken from them with probability `probability`, drawn per sample and
    step, else from `teacher_inputs`. No gradient flows through the own
    outputs. Outside training the teacher inputs pass unchanged.

    The probability is a non-trainable variable: a callback sets it per
    epoch from a schedule (see `suite.tasks.scheduled_sampling`).

    Args:
        seed: seed of the Bernoulli draws.
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, teacher_inputs_shape, own_outputs_shape=None):
        self.probability = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="probability"
        )

    def call(self, teacher_inputs, own_outputs, training=False):
        if not training:
            return teacher_inputs
        own = ops.cast(ops.stop_gradient(own_outputs), teacher_inputs.dtype)
        # input at step t is the output of step t - 1: [B, H(, W)]
        shifted = ops.concatenate([teacher_inputs[:, :1], own[:, :-1]], 1)
        draws = keras.random.uniform(
            ops.shape(teacher_inputs)[:2], seed=self.seed_generator
        )
        use_own = draws < self.probability  # [B, H]
        if len(teacher_inputs.shape) == 3:
            use_own = use_own[:, :, None]
        return ops.where(use_own, shifted, teacher_inputs)

    def compute_output_spec(self, teacher_inputs, own_outputs, training=False):
        return keras.KerasTensor(
            teacher_inputs.shape, dtype=teacher_inputs.dtype
        )

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}
