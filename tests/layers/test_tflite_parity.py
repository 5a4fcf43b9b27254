"""Every custom layer converts to TFLite with builtin ops only and matches.

Static batch 1 (FACTS.md: a dynamic batch needs Flex TensorList ops), a
free time axis; the LiteRT interpreter (ai_edge_litert) must allocate and
run the model and agree with Keras within 1e-4. One conversion covers all
layers (conversion is the slow part). This is a local stand-in until the
export module (suite/export) offers the same check.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from suite.layers import (
    VARIANTS,
    BahdanauAttention,
    LuongAttention,
    MLSTMCell,
    PeepholeLSTMCell,
    SLSTMCell,
    VariantLSTMCell,
)
from suite.models import registry
from tests import helpers

STEPS, FEATURES = 7, 3


def _all_layers_model():
    inputs = keras.Input((None, FEATURES), batch_size=1, name="x")
    cells = {
        "slstm": SLSTMCell(4, num_heads=2),
        "mlstm": MLSTMCell(4, num_heads=2),
        "peephole": PeepholeLSTMCell(3),
        **{f"variant_{v}": VariantLSTMCell(3, variant=v) for v in VARIANTS},
    }
    outputs = {
        name: keras.layers.RNN(cell, return_sequences=True, name=name)(inputs)
        for name, cell in cells.items()
    }
    query = inputs[:, -1]
    attention = {
        "bahdanau": BahdanauAttention(5, name="bahdanau"),
        "luong_dot": LuongAttention("dot", name="luong_dot"),
        "luong_general": LuongAttention("general", name="luong_general"),
    }
    for name, layer in attention.items():
        context, weights = layer(query, inputs)
        outputs[f"{name}_context"] = context
        outputs[f"{name}_weights"] = weights
    model = keras.Model(inputs, outputs)
    helpers.randomize_weights(model, scale=0.4)
    return model


def _convert(model, input_spec, folder):
    # Through a SavedModel: from_concrete_functions left variables read only
    # inside the WHILE body unfrozen (READ_VARIABLE failed at run time).
    model.export(
        str(folder),
        format="tf_saved_model",
        input_signature=[input_spec],
        verbose=False,
    )
    converter = tf.lite.TFLiteConverter.from_saved_model(str(folder))
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    return converter.convert()


def _run_litert(flatbuffer, x):
    """Runs the only signature; returns ({output name: array}, op names)."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=flatbuffer)
    ops = {op["op_name"] for op in interpreter._get_ops_details()}
    assert not any(name.startswith("Flex") for name in ops), ops
    runner = interpreter.get_signature_runner()
    (input_name,) = runner.get_input_details()
    return runner(**{input_name: x}), ops


@pytest.mark.slow
def test_every_custom_layer_matches_litert_with_builtin_ops_only(tmp_path):
    model = _all_layers_model()
    x = np.random.default_rng(0).normal(size=(1, STEPS, FEATURES))
    x = x.astype("float32")
    flatbuffer = _convert(
        model, tf.TensorSpec((1, None, FEATURES), tf.float32), tmp_path
    )
    litert, ops = _run_litert(flatbuffer, x)
    expected = model(x, training=False)
    assert sorted(litert) == sorted(expected) and len(expected) == 18
    for name, want in expected.items():
        np.testing.assert_allclose(
            litert[name], np.asarray(want), atol=1e-4, err_msg=name
        )
    assert "WHILE" in ops  # the recurrences stay loops, not unrolled


@pytest.mark.slow
def test_xlstm_builder_matches_litert(tmp_path):
    config = registry.make_config(
        "xlstm",
        {
            "num_features": FEATURES,
            "width": 4,
            "num_heads": 2,
            "pattern": "sm",
            "batch_size": 1,
        },
    )
    model = registry.build_from_config("xlstm", config)
    x = np.random.default_rng(1).normal(size=(1, STEPS, FEATURES))
    x = x.astype("float32")
    flatbuffer = _convert(
        model, tf.TensorSpec((1, None, FEATURES), tf.float32), tmp_path
    )
    litert, _ = _run_litert(flatbuffer, x)
    (got,) = litert.values()
    np.testing.assert_allclose(got, np.asarray(model(x)), atol=1e-4)
