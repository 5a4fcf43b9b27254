"""Stacked recurrent builders on Keras's own layers: LSTM, BiLSTM, GRU, RNN.

The defaults (tanh/sigmoid, no recurrent dropout, no unrolling) keep Keras's
fused fast path: cuDNN on a GPU, the fused while-loop kernel on a CPU.
"""

import dataclasses

import keras

from suite.errors import SuiteError
from suite.layers.pooling import POOLING_MODES, SequencePooling
from suite.models.common import (
    ModelIO,
    check_fraction,
    check_units,
    model_inputs,
    output_head,
)


@dataclasses.dataclass(frozen=True)
class RecurrentConfig(ModelIO):
    """Config of `stacked_lstm`, `bilstm`, `gru` and `simple_rnn`."""

    units: tuple[int, ...] = (64, 64)
    """Width of each recurrent layer, first to last."""
    dropout_rate: float = 0.0
    """Dropout on each recurrent layer's inputs."""
    recurrent_dropout_rate: float = 0.0
    """Dropout on recurrent state (> 0 leaves the fused fast path)."""
    spatial_dropout_rate: float = 0.0
    """SpatialDropout1D on the first layer's inputs (the embedded tokens):
    drops whole embedding channels for all steps of a sequence."""
    l2: float = 0.0
    """L2 weight decay on kernel and recurrent kernel."""
    residual: bool = False
    """Add each layer's input to its output (projected if widths differ)."""
    pooling: str = "last"
    """"last" state, or masked "max" / "mean" / "max_mean" over all steps."""

    def __post_init__(self):
        super().__post_init__()
        check_units(self.units)
        check_fraction("dropout_rate", self.dropout_rate)
        check_fraction("recurrent_dropout_rate", self.recurrent_dropout_rate)
        check_fraction("spatial_dropout_rate", self.spatial_dropout_rate)
        check_pooling(self.pooling, self.return_sequences)


def check_pooling(pooling: str, return_sequences: bool) -> None:
    """Raises unless pooling is "last" or a pooling mode of one vector."""
    if pooling not in ("last", *POOLING_MODES):
        raise SuiteError(
            f"pooling must be one of {('last', *POOLING_MODES)}, got "
            f"{pooling!r}"
        )
    if pooling != "last" and return_sequences:
        raise SuiteError(
            f"pooling={pooling!r} gives one vector per sequence; it cannot "
            "be combined with return_sequences=True"
        )


def build_stacked_lstm(config: RecurrentConfig) -> keras.Model:
    """Stacked `keras.layers.LSTM` layers and a Dense head.

    Example:
    >>> model = build_stacked_lstm(RecurrentConfig(units=(8, 8)))
    >>> model.output_shape
    (None, 1)
    """
    return _build_stack(config, keras.layers.LSTM, "stacked_lstm")


def build_bilstm(config: RecurrentConfig) -> keras.Model:
    """Stacked `Bidirectional(LSTM)` layers (outputs concatenated)."""
    return _build_stack(config, keras.layers.LSTM, "bilstm", bidirectional=True)


def build_gru(config: RecurrentConfig) -> keras.Model:
    """Stacked `keras.layers.GRU` layers (reset_after=True, cuDNN form)."""
    return _build_stack(config, keras.layers.GRU, "gru")


def build_simple_rnn(config: RecurrentConfig) -> keras.Model:
    """Stacked vanilla `SimpleRNN` layers: the baseline LSTMs improve on."""
    return _build_stack(config, keras.layers.SimpleRNN, "simple_rnn")


def _build_stack(config, layer_cls, name, bidirectional=False):
    inputs, x = model_inputs(config)
    if config.spatial_dropout_rate:  # [B, T, F], the mask passes through
        x = keras.layers.SpatialDropout1D(
            config.spatial_dropout_rate, name="spatial_dropout"
        )(x)
    last = len(config.units) - 1
    pooled = config.pooling != "last"
    for index, units in enumerate(config.units):
        sequences = index < last or config.return_sequences or pooled
        layer = _recurrent_layer(config, layer_cls, units, sequences, index)
        if bidirectional:
            layer = keras.layers.Bidirectional(
                layer, name=f"recurrent_{index + 1}"
            )
        y = layer(x)  # [B, T, F] -> [B, T, U] or [B, U] (x2 if bidirectional)
        if config.residual and index > 0:
            y = _residual(x, y, index)
        x = y
    if pooled:
        # [B, T, U] -> [B, U] or [B, 2*U]: padding steps are masked out
        x = SequencePooling(config.pooling, name="pooling")(x)
    return keras.Model(inputs, output_head(config, x), name=name)


def _recurrent_layer(config, layer_cls, units, sequences, index):
    regularizer = keras.regularizers.L2(config.l2) if config.l2 else None
    return layer_cls(
        units,
        dropout=config.dropout_rate,
        recurrent_dropout=config.recurrent_dropout_rate,
        kernel_regularizer=regularizer,
        recurrent_regularizer=regularizer,
        return_sequences=sequences,
        stateful=config.stateful,
        name=f"recurrent_{index + 1}",
    )


def _residual(x, y, index):
    """`y + x`, with x's last step / width matched to y first."""
    if len(y.shape) == 2:
        x = x[:, -1, :]  # [B, T, F] -> [B, F]: y is the last step only
    if x.shape[-1] != y.shape[-1]:
        x = keras.layers.Dense(
            y.shape[-1], use_bias=False, name=f"residual_proj_{index + 1}"
        )(x)
    return keras.layers.Add(name=f"residual_{index + 1}")([x, y])
