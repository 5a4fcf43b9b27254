"""Raw files / TFDS -> arrays and tf.data pipelines."""
