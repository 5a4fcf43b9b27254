"""`CellRNN`: a `keras.layers.RNN` built from its cell's own arguments."""

import keras

RNN_ARGUMENTS = (
    "return_sequences",
    "return_state",
    "go_backwards",
    "stateful",
    "unroll",
    "zero_output_for_mask",
)
LAYER_ARGUMENTS = ("name", "dtype", "trainable", "activity_regularizer")


class CellRNN(keras.layers.RNN):
    """Base of `SLSTM`, `MLSTM` and `VariantLSTM`: RNN over `cell_class`.

    Keyword arguments of `keras.layers.RNN` (`return_sequences`,
    `stateful`, ...) go to the RNN; all others build the cell. The config is
    flat (cell arguments + RNN arguments), like `keras.layers.LSTM`'s.
    """

    cell_class = None

    def __init__(self, units, **kwargs):
        rnn_kwargs = {k: kwargs.pop(k) for k in RNN_ARGUMENTS if k in kwargs}
        layer_kwargs = {
            k: kwargs.pop(k) for k in LAYER_ARGUMENTS if k in kwargs
        }
        cell = self.cell_class(
            units, dtype=layer_kwargs.get("dtype"), name="cell", **kwargs
        )
        super().__init__(cell, **rnn_kwargs, **layer_kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("cell")
        cell_config = self.cell.get_config()
        for key in ("name", "dtype", "trainable"):
            cell_config.pop(key, None)
        return {**config, **cell_config}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
