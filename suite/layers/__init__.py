"""Custom Keras objects; importing this package registers them for loading."""

from suite.layers.losses import PinballLoss
from suite.layers.pooling import SequencePooling

__all__ = ["PinballLoss", "SequencePooling"]
