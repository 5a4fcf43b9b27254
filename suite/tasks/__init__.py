"""Task pipelines: forecasting, sentiment, text generation, speech."""
