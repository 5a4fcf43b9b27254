"""Tiny Shakespeare, character level: validation loss, generation speed.

Trains the configuration below under a wall-clock limit (the target is a
validation loss <= 1.60 nats/char within 30 minutes on 2 CPU cores), then,
in the same process, times the generation of 500 characters: stateful
(recurrent state carried token to token) vs re-reading the prefix at every
token, in Keras and in LiteRT (float32 streaming-step and window exports),
medians over repeats. Ends with a sample and its settings.

    python -m bench.text_generation --units 384,384 --minutes 25
    python -m bench.text_generation --minutes 2 --no-generation  # trial
"""

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from bench.common import machine, median
from suite.tasks import sampling, text_generation_runs
from suite.tasks import text_generation as tg

PROMPT = "ROMEO:\n"
LENGTH = 500


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="stacked_lstm")
    parser.add_argument("--units", default="384,384")
    parser.add_argument("--embedding-dim", type=int, default=64)
    parser.add_argument("--sequence-length", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--minutes", type=float, default=25.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-generation", action="store_true")
    parser.add_argument("--run-name", default="bench-textgen-char")
    return parser.parse_args()


def train(args) -> tuple[dict, Path]:
    config = tg.TextGenConfig(
        corpus="tiny_shakespeare",
        level="char",
        sequence_length=args.sequence_length,
        model=args.model,
        embedding_dim=args.embedding_dim,
        dropout_rate=args.dropout,
        model_options={"units": tuple(int(u) for u in args.units.split(","))},
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        patience=3,
        max_minutes=args.minutes,
    )
    print(f"config: {config}", flush=True)
    result, folder = text_generation_runs.run_training(
        config, args.run_name, overwrite=True
    )
    print(
        json.dumps(
            {
                k: result[k]
                for k in (
                    "val_loss",
                    "bits_per_char",
                    "perplexity",
                    "unigram_entropy",
                    "epochs_trained",
                    "train_seconds",
                )
            }
        ),
        flush=True,
    )
    print(f"history: {json.dumps(result['history'])}", flush=True)
    return result, folder


def timed(stepper, vocab, config, repeats: int):
    """Median seconds to generate LENGTH characters, and the text."""
    seconds, text = [], ""
    for _ in range(repeats):
        started = time.perf_counter()
        text = sampling.generate(stepper, vocab, PROMPT, config)
        seconds.append(time.perf_counter() - started)
    return median(seconds), text


def generation_speed(folder: Path, repeats: int) -> dict:
    from suite.export import tflite

    _, vocab, model, _ = text_generation_runs.load_run(folder)
    greedy = sampling.SamplingConfig(temperature=0.0, max_length=LENGTH)
    workdir = Path(tempfile.mkdtemp(prefix="textgen-bench-"))
    step_file = text_generation_runs.export_litert(
        model, vocab, workdir / "step.tflite"
    ).path
    window_file = tflite.export_window(model, workdir / "window.tflite").path
    steppers = {
        "keras stateful": (tg.KerasStepper(model), repeats),
        "keras re-reading prefix": (tg.prefix_stepper(model), 1),
        "litert stateful": (sampling.LiteRTStepper(step_file), repeats),
        "litert re-reading prefix": (
            sampling.litert_prefix_stepper(window_file),
            1,
        ),
    }
    figures, texts = {}, {}
    for name, (stepper, count) in steppers.items():
        sampling.generate(stepper, vocab, PROMPT, greedy)  # warm-up
        seconds, texts[name] = timed(stepper, vocab, greedy, count)
        figures[name] = {
            "seconds": round(seconds, 3),
            "chars_per_s": round(len(texts[name]) / seconds, 1),
            "repeats": count,
        }
        print(f"{name}: {json.dumps(figures[name])}", flush=True)
    same = len(set(texts.values())) == 1
    print(f"all four greedy texts identical: {same}", flush=True)
    figures["greedy_texts_identical"] = same
    figures["step_file_kib"] = round(os.path.getsize(step_file) / 1024, 1)
    return figures


def sample(folder: Path) -> None:
    settings = sampling.SamplingConfig(
        temperature=0.8, top_p=0.95, max_length=LENGTH, seed=0
    )
    _, vocab, model, _ = text_generation_runs.load_run(folder)
    text = tg.generate_text(model, vocab, PROMPT, settings)
    print(f"sample settings: prompt={PROMPT!r} {settings}")
    print(PROMPT + text)


def main():
    args = parse_args()
    print(machine(), flush=True)
    _, folder = train(args)
    if not args.no_generation:
        generation_speed(folder, args.repeats)
        sample(folder)


if __name__ == "__main__":
    main()
