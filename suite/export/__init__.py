"""Saving runs and exporting them to LiteRT.

- `runs`: run folders (model.keras + config.json + metrics.json).
- `tflite`: `export_window`, `export_streaming_step`, `export` -> `.tflite`
  with builtin ops only (+ JSON sidecar), quantized if asked (needs TF).
- `streaming`: `streaming_step_model(model)`, the one-step Keras model.
- `runtime`: `LiteRTModel`, `StreamingSession`, `op_names` on
  ai-edge-litert only (no TensorFlow import), as a device would run them.
- `metadata`: `write_metadata` / `read_metadata` for the sidecar.
"""
