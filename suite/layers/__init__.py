"""Custom Keras layers; importing this package registers them for loading."""

from suite.layers.pooling import SequencePooling

__all__ = ["SequencePooling"]
