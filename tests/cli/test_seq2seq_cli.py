"""`suite seq2seq`: train a tiny run, predict with a heatmap, bad input."""

import pytest

from suite.cli.main import main


def test_bad_text_is_one_line_and_exit_2(runs_dir, capsys):
    assert main(["seq2seq", "train", "--cell", "cnn", "--epochs", "1"]) == 2
    error = capsys.readouterr().err
    assert (
        error.startswith("error: cell must be one of")
        and error.count("\n") == 1
    )
    assert not runs_dir.exists() or not any(runs_dir.iterdir())


@pytest.mark.slow
def test_train_predict_heatmap(runs_dir, tmp_path, capsys):
    train = ["seq2seq", "train", "--train-size", "300", "--test-size", "50"]
    tiny = ["--units", "8", "--epochs", "1", "--run-name", "tiny"]
    assert main([*train, *tiny]) == 0
    assert "exact match" in capsys.readouterr().out
    assert (runs_dir / "tiny" / "attention.png").is_file()
    heatmap = tmp_path / "heat.png"
    predict = ["seq2seq", "predict", "tiny", "21 Nov 2026", "1.2.2003"]
    assert main([*predict, "--heatmap", str(heatmap)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith('{"input": "21 Nov 2026", "output": "')
    assert heatmap.stat().st_size > 5_000
    assert main(["seq2seq", "predict", "tiny", "21 Nov 2026 #"]) == 2
    error = capsys.readouterr().err
    assert "unsupported characters ['#']" in error and error.count("\n") == 1
    assert sorted(p.name for p in runs_dir.iterdir()) == ["tiny"]
