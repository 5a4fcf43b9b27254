"""The model registry: lowercase names -> (builder, config class).

Every task, the tuner and the exporter build models through `build()` or
`build_from_config()`; adding an architecture means adding one entry here.
"""

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import keras

from suite import configs
from suite.errors import SuiteError
from suite.models import (
    conv_recurrent,
    lstm_variants,
    recurrent,
    seq2seq_attention,
    xlstm,
)


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """One registry entry."""

    name: str
    """Registry name, lowercase with underscores."""
    builder: Callable[[Any], keras.Model]
    """Pure function: config -> uncompiled functional keras.Model."""
    config_cls: type
    """The builder's flat frozen config dataclass (extends ModelIO)."""
    summary: str
    """One line for `suite models`."""


_SPECS = (
    ModelSpec(
        "stacked_lstm",
        recurrent.build_stacked_lstm,
        recurrent.RecurrentConfig,
        "stacked keras LSTM layers (fused kernel)",
    ),
    ModelSpec(
        "bilstm",
        recurrent.build_bilstm,
        recurrent.RecurrentConfig,
        "stacked Bidirectional(LSTM) layers",
    ),
    ModelSpec(
        "gru",
        recurrent.build_gru,
        recurrent.RecurrentConfig,
        "stacked keras GRU layers",
    ),
    ModelSpec(
        "simple_rnn",
        recurrent.build_simple_rnn,
        recurrent.RecurrentConfig,
        "stacked vanilla SimpleRNN layers (baseline)",
    ),
    ModelSpec(
        "slstm",
        xlstm.build_slstm,
        xlstm.SLSTMConfig,
        "residual sLSTM blocks of xLSTM (exponential gating, memory mixing)",
    ),
    ModelSpec(
        "mlstm",
        xlstm.build_mlstm,
        xlstm.MLSTMConfig,
        "residual mLSTM blocks of xLSTM (matrix memory)",
    ),
    ModelSpec(
        "xlstm",
        xlstm.build_xlstm,
        xlstm.XLSTMConfig,
        "sLSTM and mLSTM blocks mixed by a pattern such as 'msm'",
    ),
    ModelSpec(
        "lstm_variant",
        lstm_variants.build_lstm_variant,
        lstm_variants.VariantConfig,
        "Greff's LSTM variants (vanilla peephole, nig, nfg, ..., cifg, fgr)",
    ),
    ModelSpec(
        "conv_bilstm_ctc",
        conv_recurrent.build_conv_bilstm_ctc,
        conv_recurrent.ConvBiLSTMCTCConfig,
        "Conv1D+BatchNorm front end, BiLSTMs, per-frame logits (CTC)",
    ),
    ModelSpec(
        "seq2seq_attention",
        seq2seq_attention.build_seq2seq_attention,
        seq2seq_attention.Seq2SeqConfig,
        "encoder-decoder, LSTM decoder with Bahdanau/Luong attention",
    ),
)

REGISTRY: dict[str, ModelSpec] = {spec.name: spec for spec in _SPECS}


def names() -> list[str]:
    """Registered model names, sorted."""
    return sorted(REGISTRY)


def get(name: str) -> ModelSpec:
    """Returns the spec for `name` or raises listing the valid names."""
    key = name.strip().lower()
    if key not in REGISTRY:
        raise SuiteError(
            f"unknown model {name!r}; choose one of {', '.join(names())} "
            "(see `suite models`)"
        )
    return REGISTRY[key]


def make_config(name: str, options: Mapping[str, Any] | None = None):
    """Returns the config of model `name` with `options` applied."""
    spec = get(name)
    return configs.from_dict(spec.config_cls, dict(options or {}))


def build(name: str, options: Mapping[str, Any] | None = None) -> keras.Model:
    """Builds model `name` from `options` (fields of its config)."""
    return get(name).builder(make_config(name, options))


def build_from_config(name: str, config) -> keras.Model:
    """Builds model `name` from an already-made config object."""
    spec = get(name)
    if not isinstance(config, spec.config_cls):
        raise SuiteError(
            f"model {name!r} takes a {spec.config_cls.__name__}, got "
            f"{type(config).__name__}"
        )
    return spec.builder(config)
