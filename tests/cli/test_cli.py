"""CLI exit codes and one-line errors, in-process and as a real process."""

import subprocess
import sys

import pandas as pd
import pytest

from suite.cli.main import main
from suite.models import registry


def test_models_lists_the_registry(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "stacked_lstm" in out and "bilstm" in out


def test_unknown_model_is_one_line_exit_2(capsys):
    assert main(["forecast", "train", "--model", "lstmx"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"error: unknown model 'lstmx'; choose one of "
        f"{', '.join(registry.names())} (see `suite models`)"
    ]


def test_nan_csv_refused_and_nothing_written(tmp_path, capsys, runs_dir):
    csv = tmp_path / "s.csv"
    pd.DataFrame(
        {
            "t": pd.date_range("2020-01-01", periods=5, freq="D"),
            "y": [1, None, 3, 4, 5],
        }
    ).to_csv(csv, index=False)
    code = main(
        [
            "forecast",
            "train",
            "--csv",
            str(csv),
            "--time-column",
            "t",
            "--targets",
            "y",
            "--run-name",
            "x",
        ]
    )
    assert code == 2
    assert "missing values (NaN) at rows 1" in capsys.readouterr().err
    assert not runs_dir.exists() or list(runs_dir.iterdir()) == []


def test_bad_numbers_and_run_names(capsys):
    assert main(["forecast", "train", "--quantiles", "0.1,x"]) == 2
    assert "comma-separated numbers" in capsys.readouterr().err
    assert main(["forecast", "predict", "nope"]) == 2
    assert "no run found at 'nope'" in capsys.readouterr().err
    assert main(["forecast", "train", "--weight-average", "1"]) == 2
    assert "weight_average must be in [0, 1)" in capsys.readouterr().err
    assert main(["textgen", "train", "--lr-schedule", "step"]) == 2
    assert "unknown lr_schedule 'step'" in capsys.readouterr().err
    assert main(["speech", "train", "--ensemble", "0"]) == 2
    assert "ensemble must be 1 or more" in capsys.readouterr().err
    option = ["--model-option", "normalization=group"]
    assert main(["speech", "train", *option]) == 2
    assert "unknown normalization 'group'" in capsys.readouterr().err


@pytest.mark.slow
def test_real_process_prints_one_line_without_traceback(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "suite.cli.main",
            "forecast",
            "train",
            "--csv",
            str(tmp_path / "missing.csv"),
            "--time-column",
            "t",
            "--targets",
            "y",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: CSV file '{tmp_path / 'missing.csv'}' not found; check the "
        "path"
    ]


@pytest.mark.parametrize(
    "command, module",
    [
        ("forecast", "forecast"),
        ("sentiment", "sentiment"),
        ("textgen", "textgen"),
        ("speech", "speech"),
        ("seq2seq", "seq2seq"),
    ],
)
def test_train_flags_left_out_keep_the_config_defaults(command, module):
    import importlib

    from suite.cli import options
    from suite.cli.main import build_parser

    fields = importlib.import_module(f"suite.cli.{module}").TRAIN_FIELDS
    parser = build_parser()
    assert options.given(parser.parse_args([command, "train"]), fields) == {}
    args = parser.parse_args(
        [command, "train", "--epochs", "3", "--learning-rate", "0.01"]
    )
    assert options.given(args, fields) == {"epochs": 3, "learning_rate": 0.01}
