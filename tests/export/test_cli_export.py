"""`suite export RUN`: any saved run to .tflite, one-line errors."""

import json

import numpy as np
import pytest

from suite.cli import main
from suite.export import runs, runtime
from suite.models import registry


def _save_run(name, model_name, options):
    import keras

    keras.utils.set_random_seed(0)
    model = registry.build(model_name, options)
    config = {"task": "toy", "mean": [1.5, 2.5], "std": [0.5, 0.25]}
    with runs.staged_run(name) as folder:
        runs.save_run_files(folder, model, config, {"mse": 1.0})
    return model


TINY = {"units": (4,), "num_features": 2, "output_units": 2}


def test_export_writes_tflite_and_sidecar_with_run_config(runs_dir, capsys):
    model = _save_run("toy-run", "stacked_lstm", TINY)
    assert main.main(["export", "toy-run", "--form", "streaming"]) == 0
    path = runs_dir / "toy-run" / "streaming-none.tflite"
    assert f"wrote {path}" in capsys.readouterr().out
    meta = json.loads(path.with_suffix(".json").read_text())
    assert meta["extras"]["run_config"]["mean"] == [1.5, 2.5]
    x = np.random.default_rng(0).normal(size=(1, 4, 2)).astype("float32")
    got = runtime.StreamingSession(path).run(x)[-1]
    np.testing.assert_allclose(got, np.asarray(model(x)), atol=1e-4)


def test_int8_export_uses_representative_file(runs_dir, tmp_path, capsys):
    _save_run("toy-int8", "gru", TINY)
    data = np.random.default_rng(1).normal(size=(32, 5, 2))
    np.save(tmp_path / "train.npy", data.astype("float32"))
    out = tmp_path / "out" / "gru-int8.tflite"
    code = main.main(
        [
            "export",
            "toy-int8",
            "--quantization",
            "int8",
            "--representative-data",
            str(tmp_path / "train.npy"),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    assert "ops still in float" in capsys.readouterr().out
    assert runtime.LiteRTModel(out).input_details["features"][
        "shape"
    ].tolist() == [1, 5, 2]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["export", "missing-run"], "no run found"),
        (["export", "toy-bi", "--form", "streaming"], "Bidirectional"),
        (["export", "toy-bi", "--quantization", "int8"], "representative"),
    ],
)
def test_bad_requests_exit_2_with_one_line(argv, message, capsys):
    _save_run("toy-bi", "bilstm", TINY)
    assert main.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err
    assert err.count("\n") == 1
