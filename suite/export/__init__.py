"""Saving runs (model.keras + config.json + metrics.json) and TFLite export."""
