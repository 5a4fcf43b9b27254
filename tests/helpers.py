"""Shared test batteries: every builder and custom layer runs the same ones.

Import from tests with `from tests import helpers`.
"""

import numpy as np

TINY_IO = {"sequence_length": 6, "num_features": 3, "output_units": 2}
"""Float-window input/output used by the builder battery."""


def tiny_batch(config, batch: int = 4, seed: int = 0):
    """A random `(x, y)` batch matching a built model's input and output."""
    rng = np.random.default_rng(seed)
    steps = config.sequence_length or 6
    if config.vocab_size:
        x = rng.integers(1, config.vocab_size, size=(batch, steps))
    else:
        x = rng.normal(size=(batch, steps, config.num_features))
        x = x.astype("float32")
    head = config.output_shape or (config.output_units,)
    if config.return_sequences:
        head = (steps, config.output_units)
    y = rng.normal(size=(batch, *head)).astype("float32")
    return x, y


def check_builder(name: str, options: dict, tmp_path) -> None:
    """Output shape, one training step, `.keras` round trip with equal outputs.

    `options` are fields of the builder's config; use tiny sizes.
    """
    import keras

    import suite.layers  # noqa: F401  (registers custom layers)
    from suite.models import registry

    config = registry.make_config(name, options)
    model = registry.build_from_config(name, config)
    x, y = tiny_batch(config)
    outputs = np.asarray(model(x))
    assert outputs.shape == y.shape, (outputs.shape, y.shape)
    assert np.all(np.isfinite(outputs))

    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    before = [np.array(w) for w in model.trainable_weights]
    loss = model.train_on_batch(x, y)
    assert np.isfinite(loss)
    after = [np.array(w) for w in model.trainable_weights]
    assert any(
        not np.allclose(b, a) for b, a in zip(before, after, strict=True)
    )

    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(
        np.asarray(loaded(x)), np.asarray(model(x)), rtol=1e-5, atol=1e-6
    )
