"""xLSTM builders: stacks of residual sLSTM and mLSTM blocks.

The blocks follow Beck et al. 2024, "xLSTM: Extended Long Short-Term
Memory" (arXiv 2405.04517), figures 9 and 10, and the official code:

- sLSTM block (post up-projection): pre-LayerNorm -> optional causal conv +
  swish feeding the i and f gates (x feeds z and o) -> SLSTM with
  block-diagonal recurrence -> per-head group norm -> residual; then
  pre-LayerNorm -> gated GELU feed-forward (factor 4/3) -> residual.
- mLSTM block (pre up-projection): pre-LayerNorm -> up-projection (factor
  2) into a cell branch and a gate branch z -> causal conv + swish -> MLSTM
  -> per-head group norm -> + conv output (skip) -> * swish(z) ->
  down-projection -> residual.

Deviations, for simplicity: input projections are full Dense layers (the
official ones are block-diagonal per head) and the mLSTM cell reads
`[conv output, branch]` for q, k, v and its gates; the mLSTM skip weight is
fixed at 1 (the official one is learnable, initialised at 1).
"""

import dataclasses

import keras

from suite.errors import SuiteError
from suite.layers import (
    MLSTM,
    SLSTM,
    CausalDepthwiseConv1D,
    LastValidStep,
    MultiHeadLayerNorm,
    PowerLawForgetBias,
)
from suite.models.common import (
    ModelIO,
    check_fraction,
    model_inputs,
    output_head,
)


@dataclasses.dataclass(frozen=True)
class XLSTMBaseConfig(ModelIO):
    """Fields shared by the `slstm`, `mlstm` and `xlstm` configs."""

    width: int = 64
    """Width of the residual stream (the paper's embedding dimension)."""
    num_heads: int = 4
    """Heads of each cell and group norm; must divide the widths."""
    conv_kernel_size: int = 4
    """Taps of the causal convolution; 0 disables it."""
    ffn_factor: float = 4 / 3
    """Gated feed-forward width / width in sLSTM blocks; 0 disables it."""
    mlstm_factor: float = 2.0
    """Up-projection factor of the mLSTM blocks."""
    dropout_rate: float = 0.0
    """Dropout on each block's output before the residual add."""

    def __post_init__(self):
        super().__post_init__()
        check_fraction("dropout_rate", self.dropout_rate)
        inner = round(self.mlstm_factor * self.width)
        for name, value in (("width", self.width), ("mLSTM width", inner)):
            if value < 1 or value % self.num_heads:
                raise SuiteError(
                    f"{name} {value} must be a positive multiple of "
                    f"num_heads={self.num_heads}"
                )
        if self.conv_kernel_size < 0 or self.ffn_factor < 0:
            raise SuiteError("conv_kernel_size and ffn_factor must be >= 0")


@dataclasses.dataclass(frozen=True)
class SLSTMConfig(XLSTMBaseConfig):
    """Config of `slstm`: `num_blocks` sLSTM blocks."""

    num_blocks: int = 2
    """Residual sLSTM blocks, first to last."""

    def __post_init__(self):
        super().__post_init__()
        _check_blocks(self.num_blocks)


@dataclasses.dataclass(frozen=True)
class MLSTMConfig(XLSTMBaseConfig):
    """Config of `mlstm`: `num_blocks` mLSTM blocks."""

    num_blocks: int = 2
    """Residual mLSTM blocks, first to last."""

    def __post_init__(self):
        super().__post_init__()
        _check_blocks(self.num_blocks)


@dataclasses.dataclass(frozen=True)
class XLSTMConfig(XLSTMBaseConfig):
    """Config of `xlstm`: blocks mixed by a pattern string."""

    pattern: str = "msm"
    """One letter per block, first to last: "m" mLSTM, "s" sLSTM."""

    def __post_init__(self):
        super().__post_init__()
        if not self.pattern or set(self.pattern) - {"m", "s"}:
            raise SuiteError(
                f"pattern must be letters 'm' (mLSTM) and 's' (sLSTM), "
                f"e.g. 'msm'; got {self.pattern!r}"
            )


def build_slstm(config: SLSTMConfig) -> keras.Model:
    """Residual sLSTM blocks (the xLSTM paper's [0:1] model) and a head.

    Example:
    >>> build_slstm(SLSTMConfig(width=8, num_heads=2)).output_shape
    (None, 1)
    """
    return _build(config, "s" * config.num_blocks, "slstm")


def build_mlstm(config: MLSTMConfig) -> keras.Model:
    """Residual mLSTM blocks (the xLSTM paper's [1:0] model) and a head."""
    return _build(config, "m" * config.num_blocks, "mlstm")


def build_xlstm(config: XLSTMConfig) -> keras.Model:
    """sLSTM and mLSTM blocks in the order of `config.pattern`."""
    return _build(config, config.pattern, "xlstm")


def _build(config, pattern, name):
    inputs, x = model_inputs(config)
    if x.shape[-1] != config.width:
        x = keras.layers.Dense(config.width, name="input_projection")(x)
    for index, kind in enumerate(pattern):
        ratio = index / (len(pattern) - 1) if len(pattern) > 1 else 0.0
        if kind == "s":
            x = slstm_block(x, config, index + 1, ratio)
        else:
            x = mlstm_block(x, config, index + 1)
    x = keras.layers.LayerNormalization(name="final_norm")(x)
    if not config.return_sequences:
        x = LastValidStep(name="last_step")(x)  # [B, T, D] -> [B, D]
    return keras.Model(inputs, output_head(config, x), name=name)


def slstm_block(x, config, index, block_ratio=0.0):
    """One residual sLSTM block (+ its feed-forward): `[B, T, D] -> same`."""
    prefix = f"block_{index}_slstm"
    width, heads = config.width, config.num_heads
    normed = keras.layers.LayerNormalization(name=f"{prefix}_norm")(x)
    gate_source = normed
    if config.conv_kernel_size:
        gate_source = _causal_conv(normed, config, prefix)
    pre = [
        keras.layers.Dense(width, use_bias=False, name=f"{prefix}_w{gate}")(
            gate_source if gate in "if" else normed
        )
        for gate in "ifzo"
    ]
    pre = keras.layers.Concatenate(name=f"{prefix}_gates")(pre)  # [B,T,4D]
    y = SLSTM(
        width,
        num_heads=heads,
        use_input_kernel=False,
        forget_bias_initializer=PowerLawForgetBias(heads, block_ratio),
        return_sequences=True,
        stateful=config.stateful,
        name=f"{prefix}_cell",
    )(pre)
    y = MultiHeadLayerNorm(heads, name=f"{prefix}_group_norm")(y)
    x = _residual(x, y, config, prefix)
    if config.ffn_factor:
        x = _gated_ffn(x, config, f"block_{index}_ffn")
    return x


def mlstm_block(x, config, index):
    """One residual mLSTM block: `[B, T, D] -> [B, T, D]`."""
    prefix = f"block_{index}_mlstm"
    inner = round(config.mlstm_factor * config.width)
    normed = keras.layers.LayerNormalization(name=f"{prefix}_norm")(x)
    branch = keras.layers.Dense(inner, name=f"{prefix}_up")(normed)
    z = keras.layers.Dense(inner, activation="silu", name=f"{prefix}_z")(normed)
    conv = branch
    if config.conv_kernel_size:
        conv = _causal_conv(branch, config, prefix)
    cell_input = keras.layers.Concatenate(name=f"{prefix}_qkv_in")(
        [conv, branch]
    )
    y = MLSTM(
        inner,
        num_heads=config.num_heads,
        use_output_gate=False,
        return_sequences=True,
        stateful=config.stateful,
        name=f"{prefix}_cell",
    )(cell_input)
    y = MultiHeadLayerNorm(config.num_heads, name=f"{prefix}_group_norm")(y)
    y = keras.layers.Add(name=f"{prefix}_skip")([y, conv])
    y = keras.layers.Multiply(name=f"{prefix}_gate")([y, z])
    y = keras.layers.Dense(config.width, name=f"{prefix}_down")(y)
    return _residual(x, y, config, prefix)


def _causal_conv(x, config, prefix):
    x = CausalDepthwiseConv1D(config.conv_kernel_size, name=f"{prefix}_conv")(x)
    return keras.layers.Activation("silu", name=f"{prefix}_conv_act")(x)


def _gated_ffn(x, config, prefix):
    """`x + W_down(gelu(W_gate LN(x)) * W_up LN(x))`."""
    hidden = max(1, round(config.ffn_factor * config.width))
    normed = keras.layers.LayerNormalization(name=f"{prefix}_norm")(x)
    gate = keras.layers.Dense(hidden, activation="gelu", name=f"{prefix}_gate")(
        normed
    )
    up = keras.layers.Dense(hidden, name=f"{prefix}_up")(normed)
    y = keras.layers.Multiply(name=f"{prefix}_glu")([gate, up])
    y = keras.layers.Dense(config.width, name=f"{prefix}_down")(y)
    return _residual(x, y, config, prefix)


def _residual(x, y, config, prefix):
    if config.dropout_rate:
        y = keras.layers.Dropout(config.dropout_rate, name=f"{prefix}_drop")(y)
    return keras.layers.Add(name=f"{prefix}_residual")([x, y])


def _check_blocks(num_blocks):
    if num_blocks < 1:
        raise SuiteError(f"num_blocks must be >= 1, got {num_blocks}")
