"""One battery for every registered builder, at tiny sizes."""

import pytest

from suite.errors import SuiteError
from suite.models import registry
from tests import helpers

# Architecture options per registry name, on top of helpers.TINY_IO. A new
# builder must add its entry here (test_every_builder_has_tiny_options).
TINY_OPTIONS = {
    "stacked_lstm": {"units": (4, 4)},
    "bilstm": {"units": (4, 4)},
    "gru": {"units": (4, 4)},
    "simple_rnn": {"units": (4, 4)},
    "slstm": {"width": 4, "num_heads": 2, "num_blocks": 1},
    "mlstm": {"width": 4, "num_heads": 2, "num_blocks": 1},
    "xlstm": {"width": 4, "num_heads": 2, "pattern": "ms"},
    "lstm_variant": {"units": (3, 4), "variant": "fgr"},
    "conv_bilstm_ctc": {
        "conv_filters": (4,),
        "conv_strides": (1,),
        "kernel_size": 3,
        "units": (4, 4),
    },
    "seq2seq_attention": {"units": (4,), "attention_units": 3},
}


def test_every_builder_has_tiny_options():
    assert sorted(TINY_OPTIONS) == registry.names()


@pytest.mark.parametrize("name", registry.names())
def test_builder_battery_float_windows(name, tmp_path):
    helpers.check_builder(
        name, {**helpers.TINY_IO, **TINY_OPTIONS[name]}, tmp_path
    )


@pytest.mark.parametrize("name", registry.names())
def test_builder_battery_tokens_per_step(name, tmp_path):
    options = {
        **TINY_OPTIONS[name],
        "sequence_length": 5,
        "vocab_size": 11,
        "embedding_dim": 4,
        "output_units": 11,
        "return_sequences": True,
    }
    helpers.check_builder(name, options, tmp_path)


@pytest.mark.parametrize("name", ["stacked_lstm", "bilstm", "gru"])
def test_residual_and_reshaped_head(name, tmp_path):
    options = {
        **helpers.TINY_IO,
        "units": (4, 6),
        "residual": True,
        "output_units": 6,
        "output_shape": (3, 2),
        "l2": 1e-4,
        "dropout_rate": 0.1,
    }
    helpers.check_builder(name, options, tmp_path)


def test_unknown_model_lists_valid_names():
    with pytest.raises(SuiteError, match="unknown model 'lstmx'.*stacked_lstm"):
        registry.get("lstmx")


def test_unknown_option_lists_valid_options():
    with pytest.raises(SuiteError, match="unknown option.*'unitz'.*units"):
        registry.make_config("gru", {"unitz": (3,)})


@pytest.mark.parametrize(
    "options, message",
    [
        ({"units": ()}, "one positive width per layer"),
        ({"dropout_rate": 1.0}, r"dropout_rate must be in \[0, 1\)"),
        ({"output_units": 5, "output_shape": (2, 2)}, "product equal"),
        ({"stateful": True}, "fixed batch_size"),
    ],
)
def test_bad_options_are_refused(options, message):
    with pytest.raises(SuiteError, match=message):
        registry.make_config("stacked_lstm", options)
