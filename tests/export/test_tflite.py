"""TFLite export contract: builtin ops only, parity with Keras in the real
LiteRT interpreter, streaming equals window, every quantization runs."""

import json

import keras
import numpy as np
import pytest

import suite.layers
from suite.errors import SuiteError
from suite.export import (
    fusion,
    metadata,
    runtime,
    seq2seq_runtime,
    streaming,
    tflite,
)
from suite.models import registry, seq2seq_attention
from tests import helpers
from tests.models.test_registry import TINY_OPTIONS

FEATURES = 3


def _tiny(name, **options):
    values = {
        **TINY_OPTIONS[name],
        "num_features": FEATURES,
        "output_units": 2,
        **options,
    }
    keras.utils.set_random_seed(0)
    return registry.build(name, values)


def _windows(count, steps, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(count, steps, FEATURES)).astype("float32")


def _is_bidirectional(model):
    return any(
        isinstance(layer, keras.layers.Bidirectional)
        for layer in model._flatten_layers(include_self=False)
    )


def _assert_builtin(result):
    assert result.ops, "no ops listed"
    assert not any(op.startswith("Flex") for op in result.ops), result.ops
    assert runtime.custom_op_names(result.path) == []


@pytest.mark.parametrize("name", registry.names())
def test_registry_model_window_and_streaming_parity(name, tmp_path):
    model = _tiny(name)
    window = tflite.export_window(model, tmp_path / "window.tflite")
    _assert_builtin(window)
    lite = runtime.LiteRTModel(window.path)
    for steps in (5, 9):  # free time axis: resized per call
        x = _windows(1, steps, seed=steps)
        np.testing.assert_allclose(
            lite(x), np.asarray(model(x)), rtol=0, atol=1e-4
        )
    if name == "seq2seq_attention":  # no streaming form: encoder + step
        _check_seq2seq_parts(model, tmp_path)
        return
    if _is_bidirectional(model):
        with pytest.raises(SuiteError, match="Bidirectional.*window form"):
            tflite.export_streaming_step(model, tmp_path / "step.tflite")
        return
    step = tflite.export_streaming_step(model, tmp_path / "step.tflite")
    _assert_builtin(step)
    assert "WHILE" not in step.ops  # one step is unrolled
    session = runtime.StreamingSession(step.path)
    x = _windows(1, 7, seed=3)
    per_step = session.run(x)  # [T, 1, 2]: output after each step
    np.testing.assert_allclose(
        per_step[-1], lite(x), rtol=0, atol=1e-5
    )  # streaming == window, both in LiteRT
    np.testing.assert_allclose(
        per_step[3], np.asarray(model(x[:, :4])), rtol=0, atol=1e-4
    )
    session.reset()
    np.testing.assert_allclose(session.run(x), per_step, atol=1e-6)


def _check_seq2seq_parts(model, tmp_path):
    """Encoder and decoder step export builtins-only; the LiteRT decode
    loop equals the Keras model (which decodes in-graph)."""
    config = registry.make_config(
        "seq2seq_attention",
        {
            **TINY_OPTIONS["seq2seq_attention"],
            "num_features": FEATURES,
            "output_units": 2,
        },
    )
    parts = seq2seq_attention.build_parts(config)
    seq2seq_attention.copy_weights(parts, model)
    paths = []
    for part in (parts.encoder, parts.decoder_step):
        result = tflite.export_window(part, tmp_path / f"{part.name}.tflite")
        _assert_builtin(result)
        assert "WHILE" not in result.ops or part is parts.encoder
        paths.append(result.path)
    runner = seq2seq_runtime.LiteRTSeq2Seq(*paths)
    x = _windows(1, 5, seed=7)
    values, weights = seq2seq_runtime.greedy_decode(
        runner, x, 2, start=x[:, -1, :1]
    )
    np.testing.assert_allclose(
        values.reshape(1, 2), np.asarray(model(x)), rtol=0, atol=1e-4
    )
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-5)


def test_tokens_per_step_head_streams_with_padding(tmp_path):
    model = _tiny(
        "stacked_lstm",
        vocab_size=11,
        embedding_dim=4,
        output_units=11,
        return_sequences=True,
    )
    tokens = np.array([[3, 7, 1, 0, 0, 9]], dtype="int32")  # 0 = padding
    expected = np.asarray(model(tokens))  # [1, 6, 11], values ~1e-3
    window = tflite.export_window(model, tmp_path / "window.tflite")
    np.testing.assert_allclose(
        runtime.LiteRTModel(window.path)(tokens), expected, atol=1e-6
    )
    step = tflite.export_streaming_step(model, tmp_path / "step.tflite")
    per_step = runtime.StreamingSession(step.path).run(tokens[0])
    got = np.concatenate(list(per_step), axis=1)
    real = tokens[0] != 0  # a padding step keeps the state, outputs zeros
    np.testing.assert_allclose(got[:, real], expected[:, real], atol=1e-6)
    assert np.all(got[:, ~real] == 0.0)


def test_keras_step_model_matches_window_model():
    model = _tiny("gru", return_sequences=True)
    step = streaming.streaming_step_model(model)
    names = [t.name for t in step.inputs]
    assert names == ["features", "recurrent_1_state_0", "recurrent_2_state_0"]
    assert step.output_names[1:] == [
        "next_recurrent_1_state_0",
        "next_recurrent_2_state_0",
    ]
    x = _windows(1, 5)
    per_step = streaming.step_over_window(step, [x], num_states=2)
    expected, got = streaming.match_steps(model(x), [s[0] for s in per_step])
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_stateful_model_exports_from_zero_state(tmp_path):
    model = _tiny("stacked_lstm", batch_size=1, stateful=True)
    x = _windows(1, 5)
    fresh = np.asarray(model(x))
    carried = np.asarray(model(x))  # second call starts from carried state
    assert not np.allclose(fresh, carried, atol=1e-4)
    result = tflite.export_window(model, tmp_path / "window.tflite")
    np.testing.assert_allclose(
        runtime.LiteRTModel(result.path)(x), fresh, atol=1e-4
    )


@pytest.mark.parametrize("quantization", tflite.QUANTIZATIONS[1:])
def test_quantized_window_converts_and_runs(quantization, tmp_path):
    model = _tiny("stacked_lstm", units=(8, 8))
    train = _windows(64, 6, seed=1)
    result = tflite.export_window(
        model,
        tmp_path / f"{quantization}.tflite",
        quantization=quantization,
        representative_data=train,
    )
    _assert_builtin(result)
    x = _windows(8, 6, seed=2)
    got = runtime.LiteRTModel(result.path).predict(x)
    expected = np.asarray(model(x))
    tolerance = {"int8": 0.05, "int8-per-channel": 0.05, "int8-act16": 2e-3}
    np.testing.assert_allclose(
        got, expected, atol=tolerance.get(quantization, 1e-3)
    )
    meta = metadata.read_metadata(result.path)
    if quantization in tflite.FUSED_QUANTIZATIONS:  # fused LSTM op, int8
        assert "UNIDIRECTIONAL_SEQUENCE_LSTM" in result.ops
        assert "WHILE" not in result.ops and not result.float_ops
        assert meta["inputs"][0]["shape"] == [1, None, FEATURES]  # free
        assert meta["reset_variables_each_invoke"] is True
    elif quantization == "int8-act16":  # no fused 16x8 kernel: unrolled
        assert "WHILE" not in result.ops
        assert "UNIDIRECTIONAL_SEQUENCE_LSTM" not in result.ops
        assert "FULLY_CONNECTED" not in result.float_ops
        assert meta["inputs"][0]["shape"] == [1, 6, FEATURES]  # fixed length
    assert meta["float_ops"] == list(result.float_ops)


@pytest.mark.parametrize("name", ["stacked_lstm", "bilstm", "conv_bilstm_ctc"])
def test_fused_lstm_window_equals_keras(name, tmp_path):
    model = _tiny(name)
    result = tflite.export_window(model, tmp_path / "w.tflite", fuse_lstm=True)
    _assert_builtin(result)
    assert "UNIDIRECTIONAL_SEQUENCE_LSTM" in result.ops
    assert "WHILE" not in result.ops
    lite = runtime.LiteRTModel(result.path)
    for seed in (1, 2, 3):  # same length twice in a row: no state carried
        x = _windows(1, 7, seed=seed)
        np.testing.assert_allclose(
            lite(x), np.asarray(model(x)), rtol=0, atol=1e-4
        )


def test_centered_view_exports_with_builtin_ops(tmp_path):
    model = helpers.tiny_conv_ctc_model(
        normalization="layer", centered_view=True
    )
    result = tflite.export_window(model, tmp_path / "c.tflite", fuse_lstm=True)
    _assert_builtin(result)
    lite = runtime.LiteRTModel(result.path)
    rng = np.random.default_rng(4)
    for steps in (5, 9, 12):
        x = rng.normal(size=(1, steps, 5)).astype("float32")
        np.testing.assert_allclose(
            lite(x), np.asarray(model(x)), rtol=0, atol=1e-4
        )


def test_int8_leaves_the_named_fused_lstms_in_float(tmp_path):
    model = _tiny("bilstm")
    train, x = _windows(64, 7, seed=1), _windows(8, 7, seed=2)
    names = ["forward_recurrent_1", "backward_recurrent_2"]
    result = tflite.export_window(
        model,
        tmp_path / "w.tflite",
        quantization="int8",
        representative_data=train,
        float_layers=names,
    )
    window = tflite.window_model(model, fuse_lstm=True)
    content = result.path.read_bytes()
    assert sorted(fusion.fused_lstm_nodes(content, window)) == sorted(names)
    assert result.float_ops == ("UNIDIRECTIONAL_SEQUENCE_LSTM",)
    every = [
        layer.name
        for layer in window._flatten_layers(include_self=False)
        if isinstance(layer, suite.layers.FusedLSTM)
    ]
    errors = []
    for layers in ([], every):  # all int8, then only the head and concat
        path = tmp_path / f"{len(layers)}.tflite"
        tflite.export_window(
            model,
            path,
            quantization="int8",
            representative_data=train,
            float_layers=layers,
        )
        got = runtime.LiteRTModel(path).predict(x)
        errors.append(np.abs(got - np.asarray(model(x))).max())
    assert errors[1] < errors[0] / 2, errors
    with pytest.raises(SuiteError, match=r"\['nope'\] are not fused LSTM"):
        tflite.export_window(
            model,
            tmp_path / "n.tflite",
            quantization="int8",
            representative_data=train,
            float_layers=["nope"],
        )
    with pytest.raises(SuiteError, match="float_layers applies"):
        tflite.export_window(model, tmp_path / "d.tflite", float_layers=names)


def test_fused_lstm_does_not_clip_the_cell_state(tmp_path):
    # c climbs by ~1 per step to 20 while x = +1, then falls while x = -1:
    # the converter's default cell_clip of 10 would flip the final sign
    inputs = keras.Input((None, 1), name="features")
    lstm = keras.layers.LSTM(1, return_sequences=True, name="lstm")
    model = keras.Model(inputs, lstm(inputs))
    i, f, g, o = 10.0, 10.0, 10.0, 0.0
    small = 1e-3  # not 0: the converter drops all-zero gate weights
    lstm.set_weights(
        [
            np.array([[small, small, g, small]], "float32"),
            np.full((1, 4), small, "float32"),
            np.array([i, f, small, o], "float32"),
        ]
    )
    x = np.concatenate([np.ones(20), -np.ones(15)])[None, :, None]
    x = x.astype("float32")
    expected = np.asarray(model(x))
    assert expected[0, -1, 0] > 0.49  # c ~ +5 at the end without a clip
    result = tflite.export_window(model, tmp_path / "w.tflite", fuse_lstm=True)
    assert "UNIDIRECTIONAL_SEQUENCE_LSTM" in result.ops
    got = runtime.LiteRTModel(result.path)(x)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-4)


@pytest.mark.parametrize(
    "quantization, tolerance", [("int8", 0.05), ("int8-act16", 2e-3)]
)
def test_int8_streaming_step_calibrates_on_states(
    quantization, tolerance, tmp_path
):
    model = _tiny("stacked_lstm", units=(8, 8))
    result = tflite.export_streaming_step(
        model,
        tmp_path / "step.tflite",
        quantization=quantization,
        representative_data=_windows(64, 6, seed=1),
    )
    _assert_builtin(result)
    assert not result.float_ops  # every op runs int8 / 16x8
    x = _windows(1, 6, seed=2)
    got = runtime.StreamingSession(result.path).run(x)[-1]
    np.testing.assert_allclose(got, np.asarray(model(x)), atol=tolerance)


def test_metadata_sidecar_describes_streaming_export(tmp_path):
    model = _tiny("gru")
    extras = {"mean": [0.5, 1.0, 2.0], "labels": ["a", "b"]}
    result = tflite.export_streaming_step(
        model, tmp_path / "step.tflite", extras=extras
    )
    assert result.metadata_path == tmp_path / "step.json"
    meta = json.loads(result.metadata_path.read_text())
    assert meta["form"] == "streaming" and meta["quantization"] == "none"
    assert meta["inputs"][0] == {
        "name": "features",
        "shape": [1, 1, FEATURES],
        "dtype": "float32",
    }
    assert meta["states"] == [
        {"input": "recurrent_1_state_0", "output": "next_recurrent_1_state_0"},
        {"input": "recurrent_2_state_0", "output": "next_recurrent_2_state_0"},
    ]
    assert meta["outputs"][0]["name"] == "head"
    assert meta["extras"] == extras
    assert meta["ops"] == list(result.ops)
    assert result.size_bytes == result.path.stat().st_size


def test_dynamic_batch_needs_flex_and_is_refused(tmp_path):
    model = _tiny("stacked_lstm")  # batch None: the Keras default export
    with pytest.raises(SuiteError, match="Flex.*allow_flex"):
        tflite.convert(model)
    content = tflite.convert(model, allow_flex=True)
    flex = runtime.custom_op_names(content)
    assert flex and all(op.startswith("Flex") for op in flex)
    path = tmp_path / "flex.tflite"
    path.write_bytes(content)
    with pytest.raises(SuiteError, match="cannot run flex.tflite.*Flex"):
        runtime.LiteRTModel(path)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"quantization": "int4"}, "unknown quantization 'int4'"),
        ({"quantization": "int8"}, "needs representative_data"),
        (
            {"quantization": "int8", "representative_data": np.ones((4, 6, 5))},
            r"samples of shape \[6, 5\], the model takes \[6, 3\]",
        ),
        ({"sequence_length": 9}, "takes windows of 6 steps"),
        ({"form": "streaming", "sequence_length": 6}, "window form"),
        ({"form": "sideways"}, "unknown form"),
    ],
)
def test_bad_requests_are_refused(options, message, tmp_path):
    model = _tiny("stacked_lstm", sequence_length=6)
    with pytest.raises(SuiteError, match=message):
        tflite.export(model, tmp_path / "m.tflite", **options)
    assert not (tmp_path / "m.tflite").exists()


def test_bad_path_and_extras_are_refused(tmp_path):
    model = _tiny("simple_rnn")
    with pytest.raises(SuiteError, match="must end with .tflite"):
        tflite.export_window(model, tmp_path / "m.lite")
    with pytest.raises(SuiteError, match="JSON-serializable"):
        tflite.export_window(
            model, tmp_path / "m.tflite", extras={"mean": np.zeros(2)}
        )


def _functional(middle):
    inputs = keras.Input((None, FEATURES), name="features")
    x = middle(inputs)
    return keras.Model(inputs, keras.layers.Dense(2, name="head")(x))


def test_causal_conv_streams_with_an_input_buffer(tmp_path):
    keras.utils.set_random_seed(0)
    conv = keras.layers.Conv1D(
        4, 3, padding="causal", dilation_rate=2, name="conv"
    )
    model = _functional(lambda x: keras.layers.LSTM(4, name="lstm")(conv(x)))
    result = tflite.export_streaming_step(model, tmp_path / "step.tflite")
    meta = metadata.read_metadata(result.path)
    buffer = meta["inputs"][1]
    assert buffer["name"] == "conv_buffer"
    assert buffer["shape"] == [1, 4, FEATURES]  # (3 - 1) * 2 past inputs
    x = _windows(1, 8)
    got = runtime.StreamingSession(result.path).run(x)[-1]
    np.testing.assert_allclose(got, np.asarray(model(x)), atol=1e-4)


def test_layer_mixing_time_steps_cannot_stream(tmp_path):
    def lstm_then_mean(x):
        x = keras.layers.LSTM(4, return_sequences=True)(x)
        return keras.layers.GlobalAveragePooling1D()(x)

    model = _functional(lstm_then_mean)
    with pytest.raises(SuiteError, match="cannot stream.*window form"):
        tflite.export_streaming_step(model, tmp_path / "step.tflite")
    assert not (tmp_path / "step.tflite").exists()
