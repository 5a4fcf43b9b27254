"""Convolutional front end + bidirectional LSTMs: the CTC acoustic model.

Conv1D blocks (convolution, BatchNorm, ReLU) shorten the time axis by their
strides, then Bidirectional LSTMs read the shortened sequence, then a Dense
head gives per-frame logits (with `return_sequences=True`). For CTC the
task sets `output_units = vocabulary + 1` (class 0 = blank, the Keras 3
convention) and owns loss and decoding (`suite.tasks.speech`).
Architecture in the style of Deep Speech 2 (Amodei et al., 2016), small.
"""

import dataclasses

import keras

from suite.errors import SuiteError
from suite.models.common import (
    ModelIO,
    check_fraction,
    check_units,
    model_inputs,
    output_head,
)


@dataclasses.dataclass(frozen=True)
class ConvBiLSTMCTCConfig(ModelIO):
    """Config of `conv_bilstm_ctc`."""

    conv_filters: tuple[int, ...] = (128, 128)
    """Filters of each Conv1D block, first to last."""
    conv_strides: tuple[int, ...] = (2, 2)
    """Stride of each Conv1D block ('same' padding: T -> ceil(T/s))."""
    kernel_size: int = 5
    """Width of every convolution kernel (frames)."""
    units: tuple[int, ...] = (128, 128)
    """Width of each LSTM direction, one Bidirectional layer per entry."""
    dropout_rate: float = 0.0
    """Dropout after the front end and after each recurrent layer."""

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
    for index, (filters, stride) in enumerate(
        zip(config.conv_filters, config.conv_strides, strict=True), start=1
    ):
        x = _conv_block(x, filters, config.kernel_size, stride, index)
    x = _dropout(x, config, "front_end_dropout")
    last = len(config.units) - 1
    for index, units in enumerate(config.units):
        sequences = index < last or config.return_sequences
        x = keras.layers.Bidirectional(
            keras.layers.LSTM(units, return_sequences=sequences),
            name=f"recurrent_{index + 1}",
        )(x)  # [B, T', C] -> [B, T', 2*units] (or [B, 2*units])
        x = _dropout(x, config, f"recurrent_{index + 1}_dropout")
    return keras.Model(inputs, output_head(config, x), name="conv_bilstm_ctc")


def _conv_block(x, filters, kernel_size, stride, index):
    x = keras.layers.Conv1D(
        filters,
        kernel_size,
        strides=stride,
        padding="same",
        use_bias=False,
        name=f"conv_{index}",
    )(x)  # [B, T, F] -> [B, ceil(T/stride), filters]
    x = keras.layers.BatchNormalization(name=f"conv_{index}_norm")(x)
    return keras.layers.ReLU(name=f"conv_{index}_relu")(x)


def _dropout(x, config, name):
    if not config.dropout_rate:
        return x
    return keras.layers.Dropout(config.dropout_rate, name=name)(x)
