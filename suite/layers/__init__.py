"""Custom Keras objects; importing this package registers them for loading."""

from suite.layers.losses import CTCLoss, PinballLoss

__all__ = ["CTCLoss", "PinballLoss"]
