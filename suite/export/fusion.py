"""LiteRT's fused LSTM op in converted files: find, unclip, keep float.

`suite.export.tflite` swaps plain Keras LSTMs for `FusedLSTM`
(`suite.layers.fused_lstm`), which the converter turns into
`UNIDIRECTIONAL_SEQUENCE_LSTM`. These helpers work on the converted
flatbuffer: `unclip_fused_lstms` removes the cell clip the converter adds,
`fused_lstm_nodes` names each op by its Keras layer, and `quantize_except`
quantizes a calibrated model to int8 while leaving chosen LSTMs in float.
"""

import struct

from suite.errors import SuiteError
from suite.layers.fused_lstm import FusedLSTM


def quantize_except(calibrated, model, float_layers, quantization):
    """int8 of a calibrated float model, leaving the fused LSTM ops of
    `float_layers` in float (the converter's own quantizer, with those
    nodes denylisted)."""
    import tensorflow as tf
    from tensorflow.lite.python.convert import mlir_quantize

    nodes = fused_lstm_nodes(calibrated, model)
    unknown = sorted(set(float_layers) - set(nodes))
    if unknown:
        raise SuiteError(
            f"float_layers {unknown} are not fused LSTM layers of "
            f"{model.name!r}; it has {sorted(nodes)}"
        )
    return mlir_quantize(
        calibrated,
        disable_per_channel=quantization != "int8-per-channel",
        input_data_type=tf.float32,
        output_data_type=tf.float32,
        denylisted_nodes=[op for name in float_layers for op in nodes[name]],
    )


def fused_lstm_nodes(content: bytes, model) -> dict[str, list[str]]:
    """`{FusedLSTM layer name: names of its ops' output tensors}` for a
    converted `model`, matched by weights (the op's input-to-forget weights
    are the transposed forget-gate slice of the layer's kernel). A name has
    several ops when nested models repeat it (ensemble members). Ops left
    int8 have no float weights to match and are not listed."""
    import numpy as np
    from ai_edge_litert import schema_py_generated as schema

    root = schema.Model.GetRootAs(content, 0)
    weights = {}  # op output name -> input-to-forget weights
    for subgraph, operator in _fused_lstm_ops(root):
        tensor = subgraph.Tensors(operator.Inputs(2))
        if tensor.Type() != schema.TensorType.FLOAT32:
            continue
        data = root.Buffers(tensor.Buffer()).DataAsNumpy()
        output = subgraph.Tensors(operator.Outputs(0)).Name().decode()
        values = np.frombuffer(data.tobytes(), "float32")
        weights[output] = values.reshape(tuple(tensor.ShapeAsNumpy()))
    nodes = {}
    for layer in model._flatten_layers(include_self=False):
        if not isinstance(layer, FusedLSTM):
            continue
        units = layer.units
        forget = np.asarray(layer.cell.kernel)[:, units : 2 * units].T
        for output, values in weights.items():
            if values.shape == forget.shape and np.array_equal(values, forget):
                nodes.setdefault(layer.name, []).append(output)
    return nodes


def unclip_fused_lstms(content: bytes) -> bytes:
    """`content` with every fused LSTM's `cell_clip` set to 0 (no clip).

    The converter writes `cell_clip=10` into each fused LSTM it makes from
    a Keras LSTM, which Keras never applies: cell states beyond 10 do occur
    (a trained speech BiLSTM reaches 14.8) and then the file disagrees with
    Keras. The value is a float stored in place in the op's options table,
    so it is overwritten there; nothing else in the file moves.
    """
    from ai_edge_litert import schema_py_generated as schema

    patched = bytearray(content)
    for _, operator in _fused_lstm_ops(schema.Model.GetRootAs(content, 0)):
        table = operator.BuiltinOptions()
        options = schema.UnidirectionalSequenceLSTMOptions()
        options.Init(table.Bytes, table.Pos)
        field = options._tab.Offset(6)  # cell_clip (schema field 1)
        if field:
            struct.pack_into("<f", patched, table.Pos + field, 0.0)
    return bytes(patched)


def _fused_lstm_ops(root):
    """Yields `(subgraph, operator)` for every fused LSTM op of a model."""
    from ai_edge_litert import schema_py_generated as schema

    options = schema.BuiltinOptions.UnidirectionalSequenceLSTMOptions
    for s in range(root.SubgraphsLength()):
        subgraph = root.Subgraphs(s)
        for o in range(subgraph.OperatorsLength()):
            operator = subgraph.Operators(o)
            if operator.BuiltinOptionsType() == options:
                yield subgraph, operator
