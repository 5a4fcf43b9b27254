"""Custom Keras objects; importing this package registers them for loading."""

from suite.layers.attention import BahdanauAttention, LuongAttention
from suite.layers.fused_lstm import FusedLSTM
from suite.layers.initializers import LinspaceBias, PowerLawForgetBias
from suite.layers.losses import CTCLoss, PinballLoss
from suite.layers.lstm_variants import (
    VARIANTS,
    PeepholeLSTMCell,
    VariantLSTM,
    VariantLSTMCell,
)
from suite.layers.mlstm import MLSTM, MLSTMCell
from suite.layers.normalization import MultiHeadLayerNorm
from suite.layers.pooling import SequencePooling
from suite.layers.seq2seq import DecoderStart, GreedyTokens, ScheduledSampling
from suite.layers.sequence import (
    CausalDepthwiseConv1D,
    CenteredSteps,
    LastValidStep,
    LengthMask,
    SequenceLengths,
    ZeroMaskedSteps,
)
from suite.layers.slstm import SLSTM, SLSTMCell

__all__ = [
    "BahdanauAttention",
    "CTCLoss",
    "CausalDepthwiseConv1D",
    "CenteredSteps",
    "DecoderStart",
    "FusedLSTM",
    "GreedyTokens",
    "LastValidStep",
    "LengthMask",
    "LinspaceBias",
    "LuongAttention",
    "MLSTM",
    "MLSTMCell",
    "MultiHeadLayerNorm",
    "PeepholeLSTMCell",
    "PinballLoss",
    "PowerLawForgetBias",
    "SLSTM",
    "SLSTMCell",
    "ScheduledSampling",
    "SequenceLengths",
    "SequencePooling",
    "VARIANTS",
    "VariantLSTM",
    "VariantLSTMCell",
    "ZeroMaskedSteps",
]
