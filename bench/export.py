"""TFLite / LiteRT export figures: size, latency and task metric per variant.

For each task's default model (a `Case`): the `.keras` size; the `.tflite`
size of the window and streaming-step forms for float, dynamic-range,
float16 and int8; LiteRT latency per window and per streaming step (1
thread, median over `--invokes` invokes) beside Keras `predict_on_batch` on
the same input in the same run; the task metric of every variant.

Run (under the shared lock, from the repository root):

    flock /tmp/suite-bench.lock .venv/bin/python bench/export.py

Adding a task: write `def my_case(args) -> Case` (train or load its default
model, return test data and metric) and add it to `CASES`.
"""

import argparse
import dataclasses
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from suite.data import sources  # noqa: E402
from suite.export import runtime, tflite  # noqa: E402
from suite.models import registry  # noqa: E402
from suite.tasks import training  # noqa: E402

QUANTIZATIONS = tflite.QUANTIZATIONS


@dataclasses.dataclass
class Case:
    """One task's default model, trained, with its test data and metric."""

    name: str
    model: keras.Model
    train_inputs: np.ndarray
    """Training inputs; int8 calibration draws from them."""
    test_inputs: np.ndarray
    test_targets: np.ndarray
    metric_name: str
    metric: Callable[[np.ndarray, np.ndarray], float]
    """metric(targets, predictions) -> float (lower or higher is better)."""
    extras: dict
    """Sidecar extras (normalization statistics, vocabulary, ...)."""


def etth1_case(args) -> Case:
    """Stacked LSTM (64, 64), ETTh1: 96 h of 7 features -> next 96 h of 7.

    12/4/4-month train/validation/test split, z-scored with training
    statistics; metric = test MSE on the z-scored values (the usual ETTh1
    convention).
    """
    frame = pd.read_csv(sources.ett_csv("ETTh1"))
    values = frame.drop(columns=["date"]).to_numpy("float32")  # [rows, 7]
    month = 30 * 24
    train_end, val_end, test_end = 12 * month, 16 * month, 20 * month
    mean = values[:train_end].mean(axis=0)
    std = values[:train_end].std(axis=0)
    scaled = (values - mean) / std
    lookback = horizon = 96
    splits = {
        "train": scaled[:train_end],
        "val": scaled[val_end - 4 * month - lookback : val_end],
        "test": scaled[val_end - lookback : test_end],
    }
    x, y = {}, {}
    for split, rows in splits.items():
        x[split], y[split] = _windows(rows, lookback, horizon)
    training.set_seed(args.seed)
    model = registry.build(
        "stacked_lstm",
        {
            "units": (64, 64),
            "sequence_length": lookback,
            "num_features": 7,
            "output_units": horizon * 7,
            "output_shape": (horizon, 7),
        },
    )
    model.compile(optimizer=training.make_optimizer(1e-3, 1.0), loss="mse")
    model.fit(
        x["train"],
        y["train"],
        batch_size=64,
        epochs=args.epochs,
        validation_data=(x["val"], y["val"]),
        callbacks=training.standard_callbacks(patience=2),
        verbose=2,
    )
    return Case(
        name="forecasting: stacked_lstm (64, 64), ETTh1 96 -> 96 x 7",
        model=model,
        train_inputs=x["train"],
        test_inputs=x["test"],
        test_targets=y["test"],
        metric_name="test MSE (z-scored)",
        metric=lambda t, p: float(np.mean((t - p) ** 2)),
        extras={"mean": mean.tolist(), "std": std.tolist()},
    )


def _windows(rows, lookback, horizon):
    count = len(rows) - lookback - horizon + 1
    starts = np.arange(count)
    x = np.stack([rows[s : s + lookback] for s in starts])
    y = np.stack([rows[s + lookback : s + lookback + horizon] for s in starts])
    return x, y


CASES = {"etth1": etth1_case}


def median_ms(call, count: int, warmup: int = 20) -> float:
    """Median wall time of `call()` in milliseconds over `count` calls."""
    for _ in range(warmup):
        call()
    times = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def measure(case: Case, folder: Path, args) -> dict:
    model, sample = case.model, case.test_inputs[:1]
    keras_path = folder / "model.keras"
    model.save(keras_path)
    keras_ms = median_ms(lambda: model.predict_on_batch(sample), args.invokes)
    keras_metric = case.metric(
        case.test_targets, model.predict(case.test_inputs, verbose=0)
    )
    rows = [_variant(case, folder, q, args) for q in QUANTIZATIONS]
    return {
        "case": case.name,
        "metric_name": case.metric_name,
        "keras_size_bytes": keras_path.stat().st_size,
        "keras_predict_on_batch_ms": keras_ms,
        "keras_metric": keras_metric,
        "variants": rows,
    }


def _variant(case, folder, quantization, args) -> dict:
    options = {
        "quantization": quantization,
        "representative_data": case.train_inputs,
        "extras": case.extras,
    }
    window = tflite.export_window(
        case.model, folder / f"window-{quantization}.tflite", **options
    )
    step = tflite.export_streaming_step(
        case.model, folder / f"step-{quantization}.tflite", **options
    )
    lite = runtime.LiteRTModel(window.path, num_threads=1)
    session = runtime.StreamingSession(step.path, num_threads=1)
    feeds = {lite.input_names[0]: case.test_inputs[:1]}
    one_step = case.test_inputs[0, 0]
    predictions = lite.predict(case.test_inputs)
    every = slice(None, None, args.stream_every)
    streamed = np.stack([_stream(session, x) for x in case.test_inputs[every]])
    return {
        "quantization": quantization,
        "window_size_bytes": window.size_bytes,
        "step_size_bytes": step.size_bytes,
        "window_ms": median_ms(lambda: lite.invoke(feeds), args.invokes),
        "step_ms": median_ms(lambda: session.step(one_step), args.invokes),
        "window_metric": case.metric(case.test_targets, predictions),
        "stream_metric_subset": case.metric(case.test_targets[every], streamed),
        "stream_vs_window_max_abs": float(
            np.max(np.abs(streamed - predictions[every]))
        ),
        "window_float_ops": list(window.float_ops),
        "step_float_ops": list(step.float_ops),
        "window_has_while": "WHILE" in window.ops,
    }


def _stream(session, window):
    session.reset()
    return session.run(window)[-1][0]  # output after the last step


def report(result: dict, stream_every: int) -> str:
    """Markdown table + target checks for BENCHMARKS.md."""
    rows = {row["quantization"]: row for row in result["variants"]}
    base = rows["none"]
    lines = [
        f"**{result['case']}** — `.keras` "
        f"{result['keras_size_bytes'] / 1024:.1f} KiB; Keras "
        "`predict_on_batch` (1 window) "
        f"{result['keras_predict_on_batch_ms']:.2f} ms; Keras "
        f"{result['metric_name']} {result['keras_metric']:.4f}",
        "",
        "| variant | window .tflite | step .tflite | ms / window | "
        f"ms / step | {result['metric_name']}, window | same, streamed "
        f"(every {stream_every}th test window) | max abs(streamed - window) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, row in rows.items():
        lines.append(
            f"| {name} | {row['window_size_bytes'] / 1024:.1f} KiB | "
            f"{row['step_size_bytes'] / 1024:.1f} KiB | "
            f"{row['window_ms']:.3f} | {row['step_ms']:.4f} | "
            f"{row['window_metric']:.4f} | {row['stream_metric_subset']:.4f} | "
            f"{row['stream_vs_window_max_abs']:.1e} |"
        )
    int8 = rows["int8"]
    size_ratio = int8["window_size_bytes"] / base["window_size_bytes"]
    step_ratio = int8["step_size_bytes"] / base["step_size_bytes"]
    metric_gap = abs(int8["window_metric"] / base["window_metric"] - 1)
    step_gap = abs(
        int8["stream_metric_subset"] / base["stream_metric_subset"] - 1
    )
    speedup = result["keras_predict_on_batch_ms"] / base["step_ms"]
    lines += [
        "",
        f"- int8 file / float file, target <= 30%: window "
        f"{size_ratio:.1%} ({_met(size_ratio <= 0.30)}), streaming step "
        f"{step_ratio:.1%} ({_met(step_ratio <= 0.30)})",
        f"- int8 metric vs float, target <= 3% relative: window "
        f"{metric_gap:.2%} ({_met(metric_gap <= 0.03)}), streaming step "
        f"{step_gap:.2%} ({_met(step_gap <= 0.03)})",
        f"- float LiteRT streaming step vs one Keras predict call: "
        f"{speedup:.0f}x faster; target >= 20x: {_met(speedup >= 20)}",
        f"- ops left in float after int8: window {int8['window_float_ops']}, "
        f"step {int8['step_float_ops']}",
    ]
    return "\n".join(lines)


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="*", default=sorted(CASES))
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--invokes", type=int, default=300)
    parser.add_argument("--stream-every", type=int, default=4)
    parser.add_argument(
        "--out", type=Path, default=Path("bench/results/export.json")
    )
    args = parser.parse_args()
    results = []
    for name in args.cases:
        case = CASES[name](args)
        with tempfile.TemporaryDirectory() as folder:
            result = measure(case, Path(folder), args)
        results.append(result)
        print(report(result, args.stream_every), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
