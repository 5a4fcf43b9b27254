"""`FusedLSTM`: a `keras.layers.LSTM` that converts to LiteRT's fused LSTM op.

Keras 3 never produces LiteRT's `UNIDIRECTIONAL_SEQUENCE_LSTM`: its LSTM
becomes a `WHILE` loop, which the converter cannot calibrate for int8, or
one set of ops per step when unrolled. The TFLite converter still fuses a
TensorFlow function that declares itself a Keras LSTM the way Keras 2 did:
function attributes `api_implements="lstm_<id>"`, `time_major` and
`go_backwards`, and the arguments `(inputs, init_h, init_c, kernel,
recurrent_kernel, bias)` with five results `(last_output, outputs, h, c,
runtime)` (`ConvertKerasLSTMLayer` in TF's
`compiler/mlir/lite/utils/lstm_utils.cc`). The fused op holds the weights
once and the loop inside its kernel, and it has a full-integer kernel (int8
weights and activations, int16 cell state), so an int8 window stays small
for any length.

This layer is for export only (`suite.export.tflite` swaps it in for plain
LSTMs); its TensorFlow body is the standard LSTM recurrence, so Keras and
the converted file agree. What the converter does differently, and why
`fusable()` refuses some layers:
- the fused op's final `h` and `c` outputs are zeros: no `return_state`;
- it writes a `cell_clip` of 10, which Keras does not apply
  (`suite.export.fusion.unclip_fused_lstms` sets it to 0 after conversion);
- masks are ignored: feed unpadded inputs (batch-1 windows at their own
  length, as the LiteRT runtime does);
- only the default activations (tanh, sigmoid) with a bias.
"""

import functools
import uuid

import keras

FUSED_ACTIVATIONS = {"activation": "tanh", "recurrent_activation": "sigmoid"}


def fusable(config: dict) -> bool:
    """Whether an `LSTM` layer config converts to the fused op exactly."""
    return (
        all(config.get(k) == v for k, v in FUSED_ACTIVATIONS.items())
        and config.get("use_bias", True)
        and not config.get("return_state", False)
    )


@keras.saving.register_keras_serializable(package="suite")
class FusedLSTM(keras.layers.LSTM):
    """`keras.layers.LSTM` whose loop is one function the converter fuses.

    Same config and weights as `keras.layers.LSTM`; TensorFlow backend and
    inference only (training, dropout and masks are not applied).
    """

    def inner_loop(self, sequences, initial_state, mask, training=False):
        import tensorflow as tf

        weights = (self.cell.kernel, self.cell.recurrent_kernel, self.cell.bias)
        outputs = _keras_lstm_function(self.go_backwards)(
            sequences,
            initial_state[0],
            initial_state[1],
            # values read here: the converter wants tensor arguments
            *(tf.convert_to_tensor(w.value) for w in weights),
        )
        last_output, sequence, h, c, _ = outputs
        return last_output, sequence, [h, c]


@functools.cache
def _keras_lstm_function(go_backwards: bool):
    """A tf.function the TFLite converter replaces by the fused LSTM op."""
    import tensorflow as tf

    attributes = {
        "api_implements": f"lstm_{uuid.uuid4().hex}",
        "api_preferred_device": "CPU",
        "time_major": False,
        "go_backwards": go_backwards,
    }

    @tf.function(experimental_attributes=attributes, autograph=False)
    def standard_lstm(inputs, init_h, init_c, kernel, recurrent_kernel, bias):
        steps = tf.transpose(inputs, [1, 0, 2])  # time major for the scan
        if go_backwards:
            steps = tf.reverse(steps, [0])

        def step(state, x):
            h, c = tf.unstack(state)
            z = tf.matmul(x, kernel) + tf.matmul(h, recurrent_kernel) + bias
            i, f, g, o = tf.split(z, 4, axis=1)
            c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
            h = tf.sigmoid(o) * tf.tanh(c)
            return tf.stack([h, c])

        states = tf.scan(step, steps, initializer=tf.stack([init_h, init_c]))
        outputs = tf.transpose(states[:, 0], [1, 0, 2])
        runtime = tf.constant(0.0)
        return outputs[:, -1], outputs, states[-1, 0], states[-1, 1], runtime

    return standard_lstm
