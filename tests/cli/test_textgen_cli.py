"""`suite textgen`: exit codes, one-line errors, streamed generation."""

import subprocess
import sys
from pathlib import Path

import pytest

from suite.cli.main import main

TEXT = "she sells sea shells by the sea shore. " * 30


@pytest.fixture
def corpus_file(tmp_path) -> Path:
    path = tmp_path / "shells.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def _train(corpus_file, *extra) -> list[str]:
    return [
        "textgen",
        "train",
        "--corpus",
        str(corpus_file),
        "--sequence-length",
        "8",
        "--units",
        "8",
        "--embedding-dim",
        "4",
        "--epochs",
        "1",
        *extra,
    ]


@pytest.mark.slow
def test_train_generate_export_and_litert(corpus_file, tmp_path, capsys):
    assert main(_train(corpus_file, "--run-name", "shells")) == 0
    out = capsys.readouterr().out
    assert "nats/char" in out and "bits/char" in out and "shells" in out
    sampling = ["--prompt", "sea ", "--max-length", "30", "--seed", "4"]
    assert main(["textgen", "generate", "shells", *sampling]) == 0
    keras_text = capsys.readouterr().out
    assert keras_text.startswith("sea ") and len(keras_text) == 4 + 30 + 1
    tflite = tmp_path / "step.tflite"
    assert main(["textgen", "export", "shells", "--out", str(tflite)]) == 0
    capsys.readouterr()
    litert = ["textgen", "generate", "--litert", str(tflite), *sampling]
    assert main(litert) == 0
    assert capsys.readouterr().out == keras_text
    generic = tmp_path / "generic.tflite"
    export = ["export", "shells", "--form", "streaming", "--out", str(generic)]
    assert main(export) == 0  # `suite export` carries the vocabulary too
    capsys.readouterr()
    litert[3] = str(generic)
    assert main(litert) == 0
    assert capsys.readouterr().out == keras_text
    assert main(["textgen", "evaluate", "shells"]) == 0
    assert '"val_loss"' in capsys.readouterr().out


def test_bad_input_is_one_line_and_exit_2(corpus_file, tmp_path, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    assert main(_train(empty)) == 2
    assert "is empty" in capsys.readouterr().err
    short = tmp_path / "short.txt"
    short.write_text("to be or not", encoding="utf-8")
    assert main(_train(short)) == 2
    err = capsys.readouterr().err
    assert "shorter than one training sequence" in err
    assert len(err.strip().splitlines()) == 1
    strict = ["--unknown-token", "", "--run-name", "strict"]
    assert main(_train(corpus_file, *strict)) == 0
    capsys.readouterr()
    assert main(["textgen", "generate", "strict", "--prompt", "Sea!"]) == 2
    assert "the prompt has 2 char(s) outside" in capsys.readouterr().err
    assert main(["textgen", "generate", "--prompt", "x"]) == 2
    assert "either a run or --litert" in capsys.readouterr().err
    assert main(["textgen", "generate", "strict", "--top-p", "0"]) == 2
    assert "top_p in (0, 1]" in capsys.readouterr().err


@pytest.mark.slow
def test_real_process_exit_code(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "suite.cli.main",
            "textgen",
            "train",
            "--corpus",
            str(tmp_path / "missing.txt"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 2
    assert done.stderr.strip().startswith("error: text file")
    assert "Traceback" not in done.stderr


def test_prompt_and_stop_escapes():
    from suite.cli import textgen

    assert textgen._unescape(r"ROMEO:\n\tx") == "ROMEO:\n\tx"
