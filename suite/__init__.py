"""lstm-suite: recurrent sequence models for Keras 3.

Data flows one way: layers -> models -> tasks; data feeds tasks, and
tuning / export / cli consume the same builders.
"""

__version__ = "0.1.0"
