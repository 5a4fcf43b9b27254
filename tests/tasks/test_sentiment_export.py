"""Sentiment LiteRT export: builtin ops, parity, TensorFlow-free runtime."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from suite.cli.main import main
from suite.errors import SuiteError
from suite.export import runtime
from suite.tasks import sentiment, sentiment_runs
from tests import helpers

pytestmark = pytest.mark.slow  # trains a tiny model, converts, subprocess

ROOT = Path(__file__).resolve().parents[2]
TEXTS = [
    "a truly great film",
    "an awful , boring film that never ends and never ends",
    "great great great",
    "!!!",  # nothing left after standardization: all padding
    "unknown words only zzz qqq",
    "awful boring film number 3 " * 3 + "truly great film",  # truncated
]


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    config = sentiment.SentimentConfig(
        dataset=helpers.write_reviews(folder / "reviews.csv", 20),
        epochs=2,
        sequence_length=10,
        truncation="middle",  # the LiteRT tokenizer must cut the same way
        ensemble=2,  # logits of two models averaged: still one model
        ensemble_folds=True,  # each member early-stops on its own slice
        model_options={
            "units": (4,),
            "embedding_dim": 4,
            "spatial_dropout_rate": 0.1,
            "pooling": "max_mean",
        },
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SUITE_RUNS_DIR", str(folder / "runs"))
        return sentiment_runs.run_training(config, run_name="tiny")[1]


def test_litert_export_matches_keras_with_builtin_ops(run_folder):
    from suite.export.text_runtime import LiteRTTextClassifier

    run = sentiment_runs.load_run(run_folder)
    members = run.model.get_layer("token_classifier").get_layer("ensemble")
    assert [layer.name for layer in members.layers[1:3]] == [
        "member_1",
        "member_2",
    ]
    metrics = json.loads((run_folder / "metrics.json").read_text())
    assert len(metrics["member_histories"]) == 2
    held_out = metrics["member_validation_accuracies"]  # fold-bagging
    assert len(held_out) == 2 and all(0.0 <= a <= 1.0 for a in held_out)
    assert metrics["validation_accuracy"] == pytest.approx(np.mean(held_out))
    assert run.config.ensemble_folds  # saved and reloaded with the run
    result = sentiment_runs.export_tflite(run)
    assert result.path == run_folder / "model.tflite"
    assert "WHILE" in result.ops and not any("Flex" in o for o in result.ops)
    classifier = LiteRTTextClassifier(result.path)  # refuses non-builtins
    assert classifier.class_names == run.class_names
    lite = classifier.probabilities(TEXTS)
    keras_probabilities = sentiment.predict_texts(run.model, TEXTS)
    np.testing.assert_allclose(lite, keras_probabilities, atol=1e-4)


def test_cli_export_and_tensorflow_free_predict(run_folder, capsys):
    folder = str(run_folder)
    command = ["sentiment", "export", "--quantization", "dynamic", folder]
    assert main(command) == 0
    assert "ops:" in capsys.readouterr().out
    assert (run_folder / "model.tflite").is_file()
    code = (
        "import sys\n"
        "from suite.cli.main import main\n"
        f"code = main(['sentiment', 'predict', '--litert', {folder!r},\n"
        "             'a truly great film'])\n"
        "assert sys.modules.get('tensorflow') is None, 'TF was imported'\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    label, probability, _ = done.stdout.split("\t")
    keras_label = sentiment_runs.predict(
        sentiment_runs.load_run(run_folder), ["a truly great film"]
    )[0][0]
    assert label == keras_label and 0.5 <= float(probability) <= 1.0


def test_generic_suite_export_ships_the_token_model(run_folder, tmp_path):
    out = tmp_path / "window.tflite"
    assert main(["export", str(run_folder), "--out", str(out)]) == 0
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["inputs"][0]["name"] == "tokens"
    assert meta["extras"]["class_names"] == ["neg", "pos"]
    assert meta["extras"]["truncation"] == "middle"
    assert main(["export", str(run_folder), "--form", "streaming"]) == 2


def test_int8_export_uses_the_fused_lstm_op(run_folder, tmp_path):
    from suite.export.text_runtime import LiteRTTextClassifier

    run = sentiment_runs.load_run(run_folder)
    result = sentiment_runs.export_tflite(run, tmp_path / "int8.tflite", "int8")
    assert "UNIDIRECTIONAL_SEQUENCE_LSTM" in result.ops
    assert "WHILE" not in result.ops
    assert set(result.float_ops) <= {"CAST"}  # the pooling mask's cast
    lite = LiteRTTextClassifier(result.path).probabilities(TEXTS)
    keras_probabilities = sentiment.predict_texts(run.model, TEXTS)
    np.testing.assert_allclose(lite, keras_probabilities, atol=0.05)
    out = tmp_path / "selective.tflite"
    command = ["sentiment", "export", str(run_folder), "--out", str(out)]
    command += ["--quantization", "int8", "--float-layers", "forward_lstm"]
    assert main(command) == 2  # no such layer: one line, nothing written
    assert not out.exists()
    command[-1] = "forward_recurrent_1"  # in both ensemble members
    assert main(command) == 0
    meta = json.loads(out.with_suffix(".json").read_text())
    assert set(meta["float_ops"]) == {"CAST", "UNIDIRECTIONAL_SEQUENCE_LSTM"}
    float_lstms = [
        name
        for name, is_float in runtime._operators(out)
        if is_float and name == "UNIDIRECTIONAL_SEQUENCE_LSTM"
    ]
    assert len(float_lstms) == 2  # one per ensemble member; 2 stay int8
    with pytest.raises(SuiteError, match="int8-act16 needs an unrolled"):
        sentiment_runs.export_tflite(
            run, tmp_path / "act16.tflite", "int8-act16"
        )
    assert not (tmp_path / "act16.tflite").exists()
