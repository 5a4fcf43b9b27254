"""Custom Keras objects; importing this package registers them for loading."""

from suite.layers.losses import PinballLoss

__all__ = ["PinballLoss"]
