"""Encoder-decoder with attention: one set of layers, five models.

An encoder (LSTM, GRU or sLSTM layers) reads the source; bridge Dense
layers turn its last output into the initial (h, c) of an LSTM decoder.
At each decoder step the top decoder state queries the encoder outputs
with additive (Bahdanau) or multiplicative (Luong "general") attention;
`tanh(W_c [context; h])` (Luong et al. 2015, eq. 5) feeds the head. The
decoder input at step t is the previous output (token id or values), plus
known future covariates when `num_covariates > 0`.

Because attention follows the decoder LSTM (no input feeding), the whole
teacher-forced decoder runs as one RNN pass, and a step-by-step decode
with the true previous outputs gives exactly the same outputs.

`build_parts(config)` returns, all sharing weights:
- `inference`: source in, own outputs fed back for every step (greedy);
  this is the registry model, trained as is by any task that calls fit.
- `inference_attention`: the same with the attention weights `[B, H, T]`.
- `training`: source + `decoder_inputs` (true previous outputs) in; with
  `scheduled_sampling=True` a `ScheduledSampling` layer mixes in the
  model's own outputs during training.
- `encoder`: source -> `encoder_outputs` and the decoder's initial states.
- `decoder_step`: one previous output, encoder outputs and states in ->
  output, next states and attention weights (beam search and LiteRT run
  the decode loop over this).

References: Bahdanau et al. 2015 (arXiv 1409.0473); Luong et al. 2015
(arXiv 1508.04025); Sutskever et al. 2014 (arXiv 1409.3215).
"""

import dataclasses
from typing import NamedTuple

import keras

from suite.errors import SuiteError
from suite.layers import (
    BahdanauAttention,
    DecoderStart,
    GreedyTokens,
    LastValidStep,
    LuongAttention,
    ScheduledSampling,
    SLSTMCell,
)
from suite.models.common import ModelIO, check_units

CELLS = ("lstm", "gru", "slstm")
ATTENTIONS = ("bahdanau", "luong")


@dataclasses.dataclass(frozen=True)
class Seq2SeqConfig(ModelIO):
    """Config of `seq2seq_attention`.

    Outputs: with `vocab_size > 0` and `return_sequences=True` the decoder
    emits `output_units` logits per step over `target_length` (default
    `sequence_length`) steps, feeding back argmax ids; with `output_shape
    = (H, W)` it emits W values per step for H steps; otherwise one value
    per step for `output_units` steps.
    """

    cell: str = "lstm"
    """Encoder cell: "lstm", "gru" or "slstm" (the decoder is an LSTM)."""
    attention: str = "bahdanau"
    """"bahdanau" (additive) or "luong" (multiplicative, "general")."""
    units: tuple[int, ...] = (64,)
    """Width of encoder layer i and decoder layer i, first to last."""
    attention_units: int = 0
    """Hidden width of the Bahdanau score; 0 takes the last width."""
    target_length: int = 0
    """Decoder steps for token outputs; 0 takes `sequence_length`."""
    num_covariates: int = 0
    """Known future covariates per decoder step (extra input)."""
    start_token: int = 1
    """Id fed to the first decoder step (token outputs only)."""

    def __post_init__(self):
        super().__post_init__()
        _check(self)


def _check(config: Seq2SeqConfig) -> None:
    if config.cell not in CELLS or config.attention not in ATTENTIONS:
        raise SuiteError(
            f"cell must be one of {CELLS} and attention one of "
            f"{ATTENTIONS}, got {config.cell!r} and {config.attention!r}"
        )
    check_units(config.units)
    if config.stateful:
        raise SuiteError("seq2seq_attention cannot be stateful")
    layout(config)  # raises if the output fields give no decoder length
    if token_outputs(config) and not (
        0 <= config.start_token < config.output_units
    ):
        raise SuiteError(
            f"start_token {config.start_token} must be an id below "
            f"output_units={config.output_units}"
        )


def token_outputs(config: Seq2SeqConfig) -> bool:
    """True when the decoder emits logits over `output_units` ids."""
    return config.vocab_size > 0 and config.return_sequences


def layout(config: Seq2SeqConfig) -> tuple[int, int]:
    """`(decoder steps, width of one step's output)`."""
    if config.return_sequences:
        steps = config.target_length or config.sequence_length
        if not steps:
            raise SuiteError(
                "seq2seq_attention with return_sequences needs "
                "target_length or sequence_length"
            )
        return steps, config.output_units
    if len(config.output_shape) == 2:
        return config.output_shape
    if config.output_shape and len(config.output_shape) != 1:
        raise SuiteError(
            "seq2seq_attention takes output_shape (horizon, width), got "
            f"{config.output_shape}"
        )
    return config.output_units, 1


class Encoded(NamedTuple):
    """Encoder outputs `[B, T, U]` and their float mask `[B, T]` (or None)."""

    values: keras.KerasTensor
    mask: keras.KerasTensor | None


class Seq2SeqParts(NamedTuple):
    """The models `build_parts` returns; they share every weight."""

    inference: keras.Model
    inference_attention: keras.Model
    training: keras.Model
    encoder: keras.Model
    decoder_step: keras.Model


def build_seq2seq_attention(config: Seq2SeqConfig) -> keras.Model:
    """The registry model: source in, greedy decoded outputs out.

    Example:
    >>> model = build_seq2seq_attention(Seq2SeqConfig(
    ...     sequence_length=6, num_features=3, output_units=4, units=(8,)))
    >>> model.output_shape
    (None, 4)
    """
    return build_parts(config).inference


def build_parts(
    config: Seq2SeqConfig, scheduled_sampling: bool = False, seed=None
) -> Seq2SeqParts:
    """All five models over one set of layers (see the module docstring)."""
    layers = _Layers(config, seed)
    source = _source_input(config)
    encoded, states = layers.encode(source)
    inference, weights = _greedy(layers, source, encoded, states)
    encoder = _encoder_model(layers, source, encoded, states)
    return Seq2SeqParts(
        inference=keras.Model(
            layers.model_inputs(source), inference, name="seq2seq_attention"
        ),
        inference_attention=keras.Model(
            layers.model_inputs(source),
            [inference, weights],
            name="seq2seq_attention_weights",
        ),
        training=_training_model(layers, source, scheduled_sampling),
        encoder=encoder,
        decoder_step=_step_model(layers, encoded.values.shape[1]),
    )


class _Layers:
    """Every layer, created once; the builders below wire them."""

    def __init__(self, config: Seq2SeqConfig, seed):
        self.config = config
        self.steps, self.width = layout(config)
        self.tokens = token_outputs(config)
        top = config.units[-1]
        self.encoder_embedding = None
        if config.vocab_size:
            self.encoder_embedding = keras.layers.Embedding(
                config.vocab_size,
                config.embedding_dim,
                mask_zero=True,
                name="embedding",
            )
        self.encoder_layers = [
            _encoder_layer(config, units, i + 1)
            for i, units in enumerate(config.units)
        ]
        self.bridges = [
            (
                keras.layers.Dense(units, "tanh", name=f"bridge_h_{i + 1}"),
                keras.layers.Dense(units, name=f"bridge_c_{i + 1}"),
            )
            for i, units in enumerate(config.units)
        ]
        self.decoder_embedding = None
        if self.tokens:
            self.decoder_embedding = keras.layers.Embedding(
                config.output_units,
                config.embedding_dim,
                name="decoder_embedding",
            )
        self.cells = [
            keras.layers.LSTMCell(units, name=f"decoder_cell_{i + 1}")
            for i, units in enumerate(config.units)
        ]
        self.attention = _attention_layer(config)
        self.attentional = keras.layers.Dense(top, "tanh", name="attentional")
        self.head = keras.layers.Dense(
            self.width, activation=config.output_activation, name="head"
        )
        self.start = DecoderStart(
            config.start_token if self.tokens else -1,
            self.width,
            name="decoder_start",
        )
        self.sampling = ScheduledSampling(seed, name="scheduled_sampling")

    def model_inputs(self, source):
        covariates = self.covariates_input()
        return [source, covariates] if covariates is not None else source

    def covariates_input(self):
        if not self.config.num_covariates:
            return None
        if not hasattr(self, "_covariates"):
            self._covariates = keras.Input(
                (self.steps, self.config.num_covariates),
                batch_size=self.config.batch_size,
                name="future_covariates",
            )
        return self._covariates

    def encode(self, source):
        """`[B, T(, F)]` -> encoder outputs `[B, T, U]`, its mask, states.

        Token id 0 is padding: masked in the encoder and in attention, so
        it never changes an output. The mask is None for float inputs.
        """
        x, mask = source, None
        if self.encoder_embedding is not None:
            x = self.encoder_embedding(x)  # [B, T] -> [B, T, E]
            mask = keras.ops.cast(keras.ops.not_equal(source, 0), "float32")
        for layer in self.encoder_layers:
            x = layer(x)  # [B, T, U]
        last = LastValidStep(name="encoder_last")(x)  # [B, U]
        states = []
        for bridge_h, bridge_c in self.bridges:
            states += [bridge_h(last), bridge_c(last)]
        return Encoded(x, mask), states

    def step_input(self, previous, covariates):
        """Previous output (ids `[B(, H)]` or values) + covariates."""
        if self.decoder_embedding is not None:
            previous = self.decoder_embedding(previous)
        if covariates is None:
            return previous
        return keras.layers.Concatenate()([previous, covariates])

    def step(self, previous, covariates, encoded, states):
        """One decoder step -> `(output [B, W], states, weights [B, T])`."""
        h = self.step_input(previous, covariates)
        next_states = []
        for i, cell in enumerate(self.cells):
            h, (state_h, state_c) = cell(h, states[2 * i : 2 * i + 2])
            next_states += [state_h, state_c]
        output, weights = self.read_out(h, encoded)
        return output, next_states, weights

    def read_out(self, h, encoded):
        """Attention with query h, `tanh(W_c [context; h])`, head."""
        context, weights = self.attention(
            h, encoded.values, values_mask=encoded.mask
        )
        combined = keras.layers.Concatenate()([context, h])
        return self.head(self.attentional(combined)), weights

    def decode_sequence(self, previous, covariates, encoded, states, rnns):
        """Teacher-forced decoder over `[B, H]` inputs in one RNN pass."""
        h = self.step_input(previous, covariates)
        for i, rnn in enumerate(rnns):
            h = rnn(h, initial_state=states[2 * i : 2 * i + 2])
        return self.read_out(h, encoded)[0]  # [B, H, W]


def _encoder_layer(config, units, index):
    name = f"encoder_{index}"
    if config.cell == "lstm":
        return keras.layers.LSTM(units, return_sequences=True, name=name)
    if config.cell == "gru":
        return keras.layers.GRU(units, return_sequences=True, name=name)
    return keras.layers.RNN(
        SLSTMCell(units, name=f"{name}_cell"),
        return_sequences=True,
        name=name,
    )


def _attention_layer(config):
    if config.attention == "bahdanau":
        return BahdanauAttention(
            config.attention_units or config.units[-1], name="attention"
        )
    return LuongAttention("general", name="attention")


def _source_input(config):
    if config.vocab_size:
        shape = (config.sequence_length,)
        return keras.Input(
            shape, config.batch_size, dtype="int32", name="tokens"
        )
    return keras.Input(
        (config.sequence_length, config.num_features),
        config.batch_size,
        name="features",
    )


def _step_slice(covariates, t):
    return None if covariates is None else covariates[:, t]


def _greedy(layers, source, encoded, states):
    """Unrolled greedy decode: each output is fed back as the next input."""
    covariates = layers.covariates_input()
    previous = layers.start(source)
    outputs, weights = [], []
    for t in range(layers.steps):
        cov = _step_slice(covariates, t)
        output, states, step_weights = layers.step(
            previous, cov, encoded, states
        )
        outputs.append(keras.layers.Reshape((1, layers.width))(output))
        weights.append(keras.layers.Reshape((1, -1))(step_weights))
        previous = GreedyTokens()(output) if layers.tokens else output
    return (
        _final_shape(layers, _stack(outputs, "outputs")),
        _stack(weights, "attention_weights"),
    )


def _stack(steps, name):
    if len(steps) == 1:
        return keras.layers.Identity(name=name)(steps[0])
    return keras.layers.Concatenate(axis=1, name=name)(steps)


def _final_shape(layers, outputs):
    """`[B, H, W]` -> the shape the config's head promises."""
    config = layers.config
    if config.return_sequences or len(config.output_shape) == 2:
        return outputs
    return keras.layers.Reshape(
        config.output_shape or (config.output_units,), name="head_reshape"
    )(outputs)


def _decoder_inputs(layers):
    if layers.tokens:
        shape, dtype = (layers.steps,), "int32"
    else:
        shape, dtype = (layers.steps, layers.width), "float32"
    return keras.Input(
        shape,
        layers.config.batch_size,
        dtype=dtype,
        name="decoder_inputs",
    )


def _training_model(layers, source, scheduled_sampling):
    """Teacher forcing (optionally scheduled sampling) over all steps."""
    teacher = _decoder_inputs(layers)
    covariates = layers.covariates_input()
    encoded, states = layers.encode(source)
    rnns = [
        keras.layers.RNN(
            cell,
            return_sequences=True,
            name=f"decoder_{i + 1}",
        )
        for i, cell in enumerate(layers.cells)
    ]
    outputs = layers.decode_sequence(teacher, covariates, encoded, states, rnns)
    if scheduled_sampling:
        own = GreedyTokens()(outputs) if layers.tokens else outputs
        mixed = layers.sampling(teacher, own)
        outputs = layers.decode_sequence(
            mixed, covariates, encoded, states, rnns
        )
    inputs = [source, teacher]
    if covariates is not None:
        inputs.append(covariates)
    return keras.Model(
        inputs, _final_shape(layers, outputs), name="seq2seq_training"
    )


def _encoder_model(layers, source, encoded, states):
    outputs = [keras.layers.Identity(name="encoder_outputs")(encoded.values)]
    if encoded.mask is not None:
        outputs.append(keras.layers.Identity(name="encoder_mask")(encoded.mask))
    for i in range(len(layers.cells)):
        outputs += [
            keras.layers.Identity(name=f"state_h_{i + 1}")(states[2 * i]),
            keras.layers.Identity(name=f"state_c_{i + 1}")(states[2 * i + 1]),
        ]
    return keras.Model(source, outputs, name="seq2seq_encoder")


def _step_model(layers, source_steps):
    """One decoder step; inputs and outputs named for the LiteRT loop."""
    config, batch = layers.config, layers.config.batch_size
    if layers.tokens:
        previous = keras.Input((), batch, dtype="int32", name="previous")
    else:
        previous = keras.Input((layers.width,), batch, name="previous")
    inputs = [previous]
    covariates = None
    if config.num_covariates:
        covariates = keras.Input(
            (config.num_covariates,), batch, name="covariates"
        )
        inputs.append(covariates)
    values = keras.Input(
        (source_steps, config.units[-1]), batch, name="encoder_outputs"
    )
    mask = None
    if config.vocab_size:
        mask = keras.Input((source_steps,), batch, name="encoder_mask")
    states = []
    for i, units in enumerate(config.units):
        for kind in ("h", "c"):
            states.append(
                keras.Input((units,), batch, name=f"state_{kind}_{i + 1}")
            )
    output, next_states, weights = layers.step(
        previous, covariates, Encoded(values, mask), states
    )
    outputs = [keras.layers.Identity(name="output")(output)]
    for state, tensor in zip(states, next_states, strict=True):
        outputs.append(keras.layers.Identity(name=f"next_{state.name}")(tensor))
    outputs.append(keras.layers.Identity(name="attention_weights")(weights))
    inputs.append(values)
    if mask is not None:
        inputs.append(mask)
    return keras.Model([*inputs, *states], outputs, name="seq2seq_decoder_step")


def copy_weights(parts: Seq2SeqParts, model: keras.Model) -> None:
    """Loads a trained (e.g. reloaded) inference model's weights into parts.

    Layers are matched by name, so `parts` must come from the same config.
    """
    for layer in parts.inference.layers:
        if layer.weights:
            layer.set_weights(model.get_layer(layer.name).get_weights())
