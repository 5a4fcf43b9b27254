"""Builder of stacked LSTM variants (Greff et al.) and peephole LSTMs."""

import dataclasses

import keras

from suite.errors import SuiteError
from suite.layers import VARIANTS, VariantLSTM
from suite.models.common import (
    ModelIO,
    check_fraction,
    check_units,
    model_inputs,
    output_head,
)


@dataclasses.dataclass(frozen=True)
class VariantConfig(ModelIO):
    """Config of `lstm_variant`."""

    variant: str = "vanilla"
    """Greff's LSTM variant: vanilla (peephole LSTM), nig, nfg, nog, niaf,
    noaf, np, cifg or fgr."""
    units: tuple[int, ...] = (64,)
    """Width of each recurrent layer, first to last."""
    dropout_rate: float = 0.0
    """Dropout between recurrent layers and before the head."""

    def __post_init__(self):
        super().__post_init__()
        check_units(self.units)
        check_fraction("dropout_rate", self.dropout_rate)
        if self.variant not in VARIANTS:
            raise SuiteError(
                f"unknown LSTM variant {self.variant!r}; choose one of "
                f"{', '.join(VARIANTS)}"
            )


def build_lstm_variant(config: VariantConfig) -> keras.Model:
    """Stacked `VariantLSTM` layers of one variant and a Dense head.

    Example:
    >>> build_lstm_variant(VariantConfig(variant="cifg", units=(8,))
    ...     ).output_shape
    (None, 1)
    """
    inputs, x = model_inputs(config)
    last = len(config.units) - 1
    for index, units in enumerate(config.units):
        x = VariantLSTM(
            units,
            variant=config.variant,
            return_sequences=index < last or config.return_sequences,
            stateful=config.stateful,
            name=f"recurrent_{index + 1}",
        )(x)  # [B, T, F] -> [B, T, U] or [B, U]
        if config.dropout_rate:
            x = keras.layers.Dropout(
                config.dropout_rate, name=f"dropout_{index + 1}"
            )(x)
    return keras.Model(inputs, output_head(config, x), name="lstm_variant")
