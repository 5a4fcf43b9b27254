"""Small sequence layers: causal conv and last step (xLSTM blocks); padding
lengths, masks and per-sequence centring (the padding-invariant conv front
end of the CTC model)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="suite")
class CausalDepthwiseConv1D(keras.layers.Layer):
    """Causal depthwise 1D convolution: `y_t = sum_j w_j * x_{t-j} + b`.

    Each feature has its own `kernel_size` taps over the current and past
    steps only, so step t never sees the future; masks pass through. Built
    from pad + slice + multiply (builtin TFLite ops, any sequence length).
    This is the convolution feeding the gates in the xLSTM blocks.

    Reference: Beck et al. 2024, xLSTM (arXiv 2405.04517), figures 9-10.

    Args:
        kernel_size: taps (current step and `kernel_size - 1` past ones).
        kernel_initializer: initializer of the `[kernel_size, features]`
            taps.

    Example:
    >>> tuple(CausalDepthwiseConv1D(4)(ops.ones((2, 7, 3))).shape)
    (2, 7, 3)
    """

    def __init__(
        self, kernel_size=4, kernel_initializer="glorot_uniform", **kwargs
    ):
        super().__init__(**kwargs)
        if kernel_size < 1:
            raise ValueError(f"kernel_size must be >= 1, got {kernel_size}")
        self.kernel_size = kernel_size
        self.kernel_initializer = kernel_initializer
        self.supports_masking = True

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(self.kernel_size, input_shape[-1]),
            initializer=keras.initializers.get(self.kernel_initializer),
            name="kernel",
        )
        self.bias = self.add_weight(
            shape=(input_shape[-1],), initializer="zeros", name="bias"
        )

    def call(self, inputs):
        size = self.kernel_size
        padded = ops.pad(inputs, ((0, 0), (size - 1, 0), (0, 0)))
        outputs = self.bias + inputs * self.kernel[0]
        for lag in range(1, size):
            # padded[t + size - 1 - lag] = inputs[t - lag]
            shifted = padded[:, size - 1 - lag : -lag]
            outputs = outputs + shifted * self.kernel[lag]
        return outputs  # [B, T, F]

    def get_config(self):
        return {
            **super().get_config(),
            "kernel_size": self.kernel_size,
            "kernel_initializer": _serialize(self.kernel_initializer),
        }


@keras.saving.register_keras_serializable(package="suite")
class LastValidStep(keras.layers.Layer):
    """`[B, T, F] -> [B, F]`: each sequence's last unmasked step.

    Without a mask this is `inputs[:, -1]`. With right padding (mask True
    then False) it picks step `length - 1`, which for a causal stack equals
    running the unpadded sequence.

    Example:
    >>> tuple(LastValidStep()(ops.ones((2, 7, 3))).shape)
    (2, 3)
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return inputs[:, -1]
        lengths = ops.sum(ops.cast(mask, "int32"), axis=1)  # [B]
        last = ops.maximum(lengths - 1, 0)
        picked = ops.take_along_axis(inputs, last[:, None, None], axis=1)
        return picked[:, 0]

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])


@keras.saving.register_keras_serializable(package="suite")
class SequenceLengths(keras.layers.Layer):
    """`[B, T, F] -> [B]` int32: steps before each sequence's right padding.

    Padding is the run of all-zero steps at the end of a sequence (how
    padded feature batches are filled) or, when the input carries a Keras
    mask (an Embedding with `mask_zero=True`), the masked steps at its end.
    Zero or masked steps inside a sequence stay part of it. Builtin TFLite
    ops only.

    Example:
    >>> x = ops.convert_to_tensor([[[1.0], [0.0], [2.0], [0.0]]])
    >>> [int(n) for n in SequenceLengths()(x)]
    [3]
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True  # consumes the mask; returns none

    def call(self, inputs, mask=None):
        if mask is None:
            present = ops.any(ops.not_equal(inputs, 0), axis=-1)  # [B, T]
        else:
            present = ops.cast(mask, "bool")
        steps = ops.arange(1, ops.shape(inputs)[1] + 1, dtype="int32")
        return ops.max(ops.where(present, steps[None, :], 0), axis=1)

    def compute_mask(self, inputs, mask=None):
        return None


@keras.saving.register_keras_serializable(package="suite")
class LengthMask(keras.layers.Layer):
    """`(lengths [B], frames [B, T', ...]) -> [B, T']` bool: which frames of
    a time-strided sequence hold data.

    Frame j of a stack of layers with total time stride `stride`, each
    padded at fixed offsets so that T -> ceil(T / s), starts at step
    `j * stride`: it holds data iff `j * stride < length` (that is,
    j < ceil(length / stride)).

    Args:
        stride: product of the time strides between the lengths' steps and
            `frames`.

    Example:
    >>> mask = LengthMask(2)(ops.convert_to_tensor([5, 2]), ops.ones((2, 3)))
    >>> ops.convert_to_numpy(mask).tolist()
    [[True, True, True], [True, False, False]]
    """

    def __init__(self, stride=1, **kwargs):
        super().__init__(**kwargs)
        if stride < 1:
            raise ValueError(f"stride must be >= 1, got {stride}")
        self.stride = stride

    def call(self, lengths, frames):
        starts = ops.arange(ops.shape(frames)[1], dtype="int32") * self.stride
        return starts[None, :] < ops.cast(lengths, "int32")[:, None]

    def get_config(self):
        return {**super().get_config(), "stride": self.stride}


@keras.saving.register_keras_serializable(package="suite")
class ZeroMaskedSteps(keras.layers.Layer):
    """`(x [B, T, C], step_mask [B, T]) -> [B, T, C]`: x with the steps
    where `step_mask` is False set to 0.

    Keeps padding at zero between layers that do not take masks (a
    convolution then sees the zeros its own padding would give). The
    output carries no Keras mask (a Dense head after it then gives an
    unmasked output, which a per-utterance loss such as CTC needs).

    Example:
    >>> x = ZeroMaskedSteps()(ops.ones((1, 3, 2)), ops.array([[1, 1, 0]]))
    >>> ops.convert_to_numpy(x)[0, :, 0].tolist()
    [1.0, 1.0, 0.0]
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True  # consumes the mask; returns none

    def call(self, inputs, step_mask):
        keep = ops.cast(step_mask, "bool")[:, :, None]
        return ops.where(keep, inputs, ops.zeros_like(inputs))

    def compute_mask(self, inputs, mask=None):
        return None


@keras.saving.register_keras_serializable(package="suite")
class CenteredSteps(keras.layers.Layer):
    """`(x [B, T, C], step_mask [B, T]) -> [B, T, C]`: each sequence minus
    its own mean over its real steps, channel by channel; padded steps 0.

    On log-mel features this is per-utterance, per-bin mean removal
    (cepstral mean normalization) inside the model: the same for a
    sequence alone as in a right-padded batch. Builtin TFLite ops.

    Example:
    >>> x = ops.convert_to_tensor([[[1.0], [3.0], [0.0]]])
    >>> y = CenteredSteps()(x, ops.array([[1, 1, 0]]))
    >>> ops.convert_to_numpy(y)[0, :, 0].tolist()
    [-1.0, 1.0, 0.0]
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True  # consumes the mask; returns none

    def call(self, inputs, step_mask):
        keep = ops.cast(step_mask, inputs.dtype)[:, :, None]  # [B, T, 1]
        count = ops.maximum(ops.sum(keep, axis=1, keepdims=True), 1.0)
        mean = ops.sum(inputs * keep, axis=1, keepdims=True) / count
        return (inputs - mean) * keep

    def compute_mask(self, inputs, mask=None):
        return None


def _serialize(identifier):
    if isinstance(identifier, str | dict):
        return identifier
    return keras.initializers.serialize(identifier)
