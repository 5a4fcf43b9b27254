"""Inputs and output heads shared by every builder.

Every builder config extends `ModelIO`, so each registered architecture can
be fed by each task: float feature windows (forecasting, speech features) or
integer token ids (sentiment, text generation), and a head that returns one
vector per sequence or one per step.
"""

import dataclasses
import math

import keras

from suite.errors import SuiteError


@dataclasses.dataclass(frozen=True)
class ModelIO:
    """Input and output fields every builder config carries."""

    sequence_length: int | None = None
    """Time steps per sample; None accepts any length."""
    num_features: int = 1
    """Features per time step of a float input (ignored when vocab_size>0)."""
    vocab_size: int = 0
    """Size of an integer token vocabulary; >0 adds an Embedding input."""
    embedding_dim: int = 64
    """Width of the token embedding when vocab_size > 0."""
    output_units: int = 1
    """Width of the final Dense head."""
    output_shape: tuple[int, ...] = ()
    """Shape the head is reshaped to (product must equal output_units)."""
    output_activation: str | None = None
    """Activation of the head; None returns logits / raw values."""
    return_sequences: bool = False
    """Apply the head at every step instead of after the last one."""
    batch_size: int | None = None
    """Fixed batch size (1 for stateful / TFLite export); None is dynamic."""
    stateful: bool = False
    """Carry recurrent state across calls (needs a fixed batch_size)."""

    def __post_init__(self):
        _check_io(self)


def _check_io(config: ModelIO) -> None:
    if config.sequence_length is not None and config.sequence_length < 1:
        raise SuiteError(
            f"sequence_length must be >= 1 or None, got "
            f"{config.sequence_length}"
        )
    if config.num_features < 1:
        raise SuiteError(
            f"num_features must be >= 1, got {config.num_features}"
        )
    if config.vocab_size < 0 or config.output_units < 1:
        raise SuiteError(
            "vocab_size must be >= 0 and output_units >= 1, got "
            f"{config.vocab_size} and {config.output_units}"
        )
    if config.output_shape and math.prod(config.output_shape) != (
        config.output_units
    ):
        raise SuiteError(
            f"output_shape {config.output_shape} does not hold "
            f"output_units={config.output_units} values; make their "
            "product equal"
        )
    if config.stateful and config.batch_size is None:
        raise SuiteError("stateful=True needs a fixed batch_size, e.g. 1")


def check_fraction(name: str, value: float) -> None:
    """Raises unless 0 <= value < 1 (dropout rates)."""
    if not 0.0 <= value < 1.0:
        raise SuiteError(f"{name} must be in [0, 1), got {value}")


def check_units(units: tuple[int, ...]) -> None:
    """Raises unless units is a non-empty tuple of positive layer widths."""
    if not units or any(int(u) < 1 for u in units):
        raise SuiteError(
            f"units must list one positive width per layer, got {units}"
        )


def model_inputs(config: ModelIO):
    """Returns `(inputs, x)`: the named Input and the features fed onward.

    Token inputs get an Embedding with `mask_zero=True`, so padding id 0
    never changes a prediction.
    """
    if config.vocab_size > 0:
        inputs = keras.Input(
            shape=(config.sequence_length,),
            batch_size=config.batch_size,
            dtype="int32",
            name="tokens",
        )
        x = keras.layers.Embedding(
            config.vocab_size,
            config.embedding_dim,
            mask_zero=True,
            name="embedding",
        )(inputs)  # [B, T] -> [B, T, E]
        return inputs, x
    inputs = keras.Input(
        shape=(config.sequence_length, config.num_features),
        batch_size=config.batch_size,
        name="features",
    )
    return inputs, inputs


def output_head(config: ModelIO, x):
    """Dense head (+ reshape) on `[B, D]` or, per step, on `[B, T, D]`."""
    x = keras.layers.Dense(
        config.output_units, activation=config.output_activation, name="head"
    )(x)
    if config.output_shape and not config.return_sequences:
        x = keras.layers.Reshape(config.output_shape, name="head_reshape")(x)
    return x
