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


# --- Custom recurrent cell battery (STYLE.md rule 12) -----------------------
# Each check takes `make_cell`, a no-argument factory of a fresh cell, and a
# float32 input `x` of shape [batch, steps, features].


def randomize_weights(layer, seed: int = 0, scale: float = 0.5) -> dict:
    """Sets every weight of a built layer to seeded normal values.

    Returns them as float64 arrays keyed by variable name ("kernel", ...),
    the form the NumPy references in tests/layers/reference.py take.
    """
    rng = np.random.default_rng(seed)
    values = {}
    for variable in layer.weights:
        value = rng.normal(scale=scale, size=variable.shape)
        variable.assign(value.astype(variable.dtype))
        values[variable.name] = value
    return values


def check_cell_config_round_trip(make_cell) -> None:
    """`from_config(get_config())` and Keras (de)serialization agree."""
    import keras

    cell = make_cell()
    config = cell.get_config()
    assert type(cell).from_config(config).get_config() == config
    restored = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(cell)
    )
    assert type(restored) is type(cell)
    assert restored.get_config() == config


def check_cell_matches_reference(make_cell, reference, x, atol=1e-5):
    """`RNN(cell)` with random weights equals the NumPy reference."""
    import keras

    layer = keras.layers.RNN(make_cell(), return_sequences=True)
    layer.build(x.shape)
    weights = randomize_weights(layer.cell)
    expected = reference(x.astype("float64"), weights)
    np.testing.assert_allclose(
        np.asarray(layer(x)), expected, rtol=1e-4, atol=atol
    )


def check_cell_matches_step_loop(make_cell, x) -> None:
    """`RNN(cell, return_state=True)` equals calling the cell step by step."""
    import keras

    layer = keras.layers.RNN(
        make_cell(), return_sequences=True, return_state=True
    )
    sequence, *final_states = layer(x)
    randomize_weights(layer.cell)
    sequence, *final_states = layer(x)
    states = layer.cell.get_initial_state(batch_size=x.shape[0])
    steps = []
    for t in range(x.shape[1]):
        output, states = layer.cell(x[:, t], states)
        steps.append(np.asarray(output))
    np.testing.assert_allclose(
        np.asarray(sequence), np.stack(steps, 1), rtol=1e-6, atol=1e-6
    )
    for got, want in zip(final_states, states, strict=True):
        np.testing.assert_allclose(
            np.asarray(got), np.asarray(want), rtol=1e-6, atol=1e-6
        )


def check_cell_unroll_and_graph(make_cell, x) -> None:
    """`unroll=True` equals the while loop, both run as compiled graphs."""
    import keras

    outputs = []
    weights = None
    for unroll in (False, True):
        inputs = keras.Input(shape=x.shape[1:])
        layer = keras.layers.RNN(
            make_cell(), return_sequences=True, unroll=unroll
        )
        model = keras.Model(inputs, layer(inputs))
        if weights is None:
            randomize_weights(layer.cell)
            weights = model.get_weights()
        model.set_weights(weights)
        outputs.append(model.predict(x, verbose=0))
    np.testing.assert_allclose(outputs[0], outputs[1], rtol=1e-5, atol=1e-6)


def check_cell_masking_and_stateful(make_cell, x) -> None:
    """Masked trailing steps change nothing; stateful halves = one pass."""
    import keras

    layer = keras.layers.RNN(make_cell())
    layer.build(x.shape)
    randomize_weights(layer.cell)
    mask = np.ones(x.shape[:2], dtype=bool)
    mask[0, -2:] = False
    masked = np.asarray(layer(x, mask=mask))
    np.testing.assert_allclose(
        masked[0], np.asarray(layer(x[:1, :-2]))[0], rtol=1e-5, atol=1e-6
    )

    whole = np.asarray(layer(x))
    stateful = keras.layers.RNN(make_cell(), stateful=True)
    stateful.build(x.shape)
    stateful.set_weights(layer.get_weights())
    half = x.shape[1] // 2
    stateful(x[:, :half])
    np.testing.assert_allclose(
        np.asarray(stateful(x[:, half:])), whole, rtol=1e-5, atol=1e-6
    )


def check_cell_bidirectional_save_load(make_cell, x, tmp_path) -> None:
    """`Bidirectional(RNN(cell))` in a model survives `.keras` save/load."""
    import keras

    import suite.layers  # noqa: F401  (registers custom layers)

    inputs = keras.Input(shape=x.shape[1:])
    layer = keras.layers.Bidirectional(
        keras.layers.RNN(make_cell(), return_sequences=True)
    )
    model = keras.Model(inputs, layer(inputs))
    randomize_weights(model)
    expected = np.asarray(model(x))
    assert expected.shape[-1] == 2 * layer.forward_layer.cell.output_size
    path = tmp_path / "bidirectional.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(
        np.asarray(loaded(x)), expected, rtol=1e-6, atol=1e-6
    )


def write_reviews(path, count: int) -> str:
    """A `text,label` CSV at `path` with `count` numbered positive ("pos")
    and `count` numbered negative ("neg") reviews; returns the path."""
    rows = ["text,label"]
    rows += [f"a truly great film number {i},pos" for i in range(count)]
    rows += [f"an awful boring film number {i},neg" for i in range(count)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def tiny_conv_ctc_model(**fields):
    """A small `conv_bilstm_ctc`: 5 features in, 3 symbols + blank out, two
    conv blocks (4 filters, stride 2, kernel 5), BiLSTMs of (3, 3);
    `fields` replace any of its config fields."""
    from suite.models import registry

    options = {
        "num_features": 5,
        "output_units": 4,
        "return_sequences": True,
        "conv_filters": (4, 4),
        "conv_strides": (2, 2),
        "kernel_size": 5,
        "units": (3, 3),
        **fields,
    }
    config = registry.make_config("conv_bilstm_ctc", options)
    return registry.build_from_config("conv_bilstm_ctc", config)
