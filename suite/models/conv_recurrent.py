"""Convolutional front end + bidirectional LSTMs: the CTC acoustic model.

Conv1D blocks (convolution, BatchNorm, ReLU) shorten the time axis by their
strides, then Bidirectional LSTMs read the shortened sequence, then a Dense
head gives per-frame logits (with `return_sequences=True`). For CTC the
task sets `output_units = vocabulary + 1` (class 0 = blank, the Keras 3
convention) and owns loss and decoding (`suite.tasks.speech`).
Architecture in the style of Deep Speech 2 (Amodei et al., 2016), small.

Padding-invariant: a sequence's outputs on its own frames are the same
alone as in a right-padded batch (padding = trailing all-zero feature
steps, or masked token ids). Each convolution pads at fixed offsets (not
'same', whose left padding depends on the padded length's parity), the
frames past each sequence's length are held at zero after every block,
the normalization ignores padding (BatchNorm takes its batch statistics from
real frames only; LayerNorm, `normalization="layer"`, works per frame), the
optional centred view (`centered_view`) averages real steps only, and
the BiLSTMs are masked (the backward direction starts at the last real
frame).
"""

import dataclasses

import keras

from suite.errors import SuiteError
from suite.layers.sequence import (
    CenteredSteps,
    LengthMask,
    SequenceLengths,
    ZeroMaskedSteps,
)
from suite.models.common import (
    ModelIO,
    check_fraction,
    check_units,
    model_inputs,
    output_head,
)

NORMALIZATIONS = ("batch", "layer")


@dataclasses.dataclass(frozen=True)
class ConvBiLSTMCTCConfig(ModelIO):
    """Config of `conv_bilstm_ctc`."""

    conv_filters: tuple[int, ...] = (128, 128)
    """Filters of each Conv1D block, first to last."""
    conv_strides: tuple[int, ...] = (2, 2)
    """Stride of each Conv1D block (centred zero padding: T -> ceil(T/s))."""
    kernel_size: int = 5
    """Width of every convolution kernel (frames)."""
    units: tuple[int, ...] = (128, 128)
    """Width of each LSTM direction, one Bidirectional layer per entry."""
    dropout_rate: float = 0.0
    """Dropout after the front end and after each recurrent layer."""
    normalization: str = "batch"
    """After each convolution: 'batch' (BatchNorm over the batch's real
    frames) or 'layer' (LayerNorm over each frame's channels, which does not
    depend on the other utterances in the batch)."""
    centered_view: bool = False
    """Also give the convolutions each utterance's features minus their
    own mean over its real steps, channel by channel (per-bin mean
    normalization of log-mel features, done in the model), concatenated
    to the features: twice the input channels."""

    def __post_init__(self):
        super().__post_init__()
        check_units(self.units)
        check_units(self.conv_filters)
        check_fraction("dropout_rate", self.dropout_rate)
        if len(self.conv_strides) != len(self.conv_filters) or any(
            s < 1 for s in self.conv_strides
        ):
            raise SuiteError(
                f"conv_strides {self.conv_strides} must give one stride >= 1 "
                f"per conv block ({len(self.conv_filters)} blocks)"
            )
        if self.kernel_size < 1:
            raise SuiteError(f"kernel_size must be >= 1: {self.kernel_size}")
        if self.normalization not in NORMALIZATIONS:
            raise SuiteError(
                f"unknown normalization {self.normalization!r}; choose one "
                f"of {', '.join(NORMALIZATIONS)}"
            )


def build_conv_bilstm_ctc(config: ConvBiLSTMCTCConfig) -> keras.Model:
    """Conv1D+BatchNorm front end, stacked BiLSTMs, Dense logits head.

    Example:
    >>> config = ConvBiLSTMCTCConfig(num_features=40, output_units=11,
    ...     return_sequences=True, conv_filters=(8,), conv_strides=(2,),
    ...     units=(8,))
    >>> build_conv_bilstm_ctc(config).output_shape
    (None, None, 11)
    """
    inputs, x = model_inputs(config)
    lengths = SequenceLengths(name="lengths")(x)  # [B, T, F] -> [B]
    if config.vocab_size:  # embedded padding ids are not zero vectors
        mask = LengthMask(1, name="steps_mask")(lengths, x)
        x = ZeroMaskedSteps(name="steps_padding")(x, mask)
    if config.centered_view:  # [B, T, F] -> [B, T, 2F]
        steps = LengthMask(1, name="input_mask")(lengths, x)
        centered = CenteredSteps(name="centered_view")(x, steps)
        x = keras.layers.Concatenate(name="views")([x, centered])
    stride = 1
    for index, (filters, step) in enumerate(
        zip(config.conv_filters, config.conv_strides, strict=True), start=1
    ):
        stride *= step
        x, mask = _conv_block(x, lengths, filters, config, step, stride, index)
    x = _dropout(x, config, "front_end_dropout")
    last = len(config.units) - 1
    for index, units in enumerate(config.units):
        sequences = index < last or config.return_sequences
        x = keras.layers.Bidirectional(
            keras.layers.LSTM(units, return_sequences=sequences),
            name=f"recurrent_{index + 1}",
        )(x, mask=mask)  # [B, T', C] -> [B, T', 2*units] (or [B, 2*units])
        x = _dropout(x, config, f"recurrent_{index + 1}_dropout")
    if config.return_sequences:  # the head's output then carries no mask
        x = ZeroMaskedSteps(name="recurrent_padding")(x, mask)
    return keras.Model(inputs, output_head(config, x), name="conv_bilstm_ctc")


def _conv_block(x, lengths, filters, config, stride, total_stride, index):
    """Conv1D + BatchNorm (or LayerNorm) + ReLU; returns the output and its
    frame mask."""
    kernel_size = config.kernel_size
    x = keras.layers.ZeroPadding1D(
        ((kernel_size - 1) // 2, kernel_size // 2), name=f"conv_{index}_pad"
    )(x)  # fixed offsets: frame j is centred on step j * stride
    x = keras.layers.Conv1D(
        filters,
        kernel_size,
        strides=stride,
        use_bias=False,
        name=f"conv_{index}",
    )(x)  # [B, T, F] -> [B, ceil(T/stride), filters]
    mask = LengthMask(total_stride, name=f"conv_{index}_mask")(lengths, x)
    if config.normalization == "layer":  # per frame: no padding involved
        x = keras.layers.LayerNormalization(name=f"conv_{index}_norm")(x)
    else:
        x = keras.layers.BatchNormalization(name=f"conv_{index}_norm")(
            x, mask=mask
        )
    x = keras.layers.ReLU(name=f"conv_{index}_relu")(x)
    return ZeroMaskedSteps(name=f"conv_{index}_padding")(x, mask), mask


def _dropout(x, config, name):
    if not config.dropout_rate:
        return x
    return keras.layers.Dropout(config.dropout_rate, name=name)(x)
