"""`suite sentiment ...`: exit codes, one-line errors, nothing half-saved."""

import json

import pytest

from suite.cli.main import main
from tests import helpers


def _csv(tmp_path, body):
    path = tmp_path / "reviews.csv"
    path.write_text(body, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    "body, message",
    [
        ("text,label\ngood,pos\n  ,neg\n", "whitespace-only text in row 2"),
        ("review,label\ngood,pos\n", "no column 'text'"),
    ],
)
def test_train_on_bad_file_exits_2_and_saves_nothing(
    tmp_path, runs_dir, capsys, body, message
):
    code = main(["sentiment", "train", "--dataset", _csv(tmp_path, body)])
    error = capsys.readouterr().err
    assert code == 2
    assert message in error and len(error.strip().splitlines()) == 1
    assert not runs_dir.exists() or not any(runs_dir.iterdir())


def test_bad_model_options_and_unknown_run_exit_2(tmp_path, capsys):
    code = main(["sentiment", "train", "--model-options", "{units: 3}"])
    assert code == 2 and "not valid JSON" in capsys.readouterr().err
    code = main(["sentiment", "predict", str(tmp_path / "nope"), "great"])
    assert code == 2 and "no run found" in capsys.readouterr().err


@pytest.mark.slow
def test_train_evaluate_predict_round_trip(
    tmp_path, runs_dir, capsys, monkeypatch
):
    import io

    dataset = helpers.write_reviews(tmp_path / "reviews.csv", 30)
    code = main(
        [
            "sentiment",
            "train",
            "--dataset",
            dataset,
            "--epochs",
            "8",
            "--learning-rate",
            "0.01",
            "--sequence-length",
            "8",
            "--truncation",
            "pre",
            "--model-options",
            '{"units": [4], "embedding_dim": 4}',
            "--run-name",
            "cli",
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert "accuracy" in capsys.readouterr().out
    saved = json.loads((runs_dir / "cli" / "config.json").read_text())
    assert saved["config"]["truncation"] == "pre"

    assert main(["sentiment", "evaluate", "cli", "--file", dataset]) == 0
    assert "roc_auc" in capsys.readouterr().out

    assert main(["sentiment", "predict", "cli", "truly great"]) == 0
    label, probability, shown = capsys.readouterr().out.split("\t")
    assert label == "pos" and 0.5 < float(probability) <= 1.0
    assert shown.strip() == "truly great"

    tflite = str(runs_dir / "cli" / "model.tflite")
    assert main(["export", "cli", "--out", tflite]) == 0  # the task's hook:
    capsys.readouterr()  # the token classifier with its vocabulary sidecar
    assert main(["sentiment", "predict", "--litert", "cli", "truly great"]) == 0
    assert capsys.readouterr().out.split("\t")[:1] == ["pos"]

    lines = tmp_path / "lines.txt"
    lines.write_bytes(b"awful boring\n\ngreat\n")
    assert main(["sentiment", "predict", "cli", "--file", str(lines)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"\xff\n")))
    assert main(["sentiment", "predict", "cli"]) == 2
    assert "invalid UTF-8" in capsys.readouterr().err

    bad = _csv(tmp_path, "text,label\ngreat,pos\nok,meh\n")
    assert main(["sentiment", "evaluate", "cli", "--file", bad]) == 2
    assert "unknown label(s) ['meh'] in row 2" in capsys.readouterr().err
