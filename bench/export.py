"""TFLite / LiteRT export figures: size, latency and task metric per variant.

For each task's default model (a `Case` in bench/export_cases.py, loaded
from a trained run folder): the `.keras` size; the `.tflite` size of the
window and streaming-step forms for float, dynamic-range, float16 and
int8; LiteRT latency per window and per streaming step (1 thread, median
over `--invokes` invokes) beside Keras `predict_on_batch` on the same
input in the same run; the task metric of every variant.

Exports and metrics run first; the latency loops then run holding the
shared benchmark lock (`--lock`, default /tmp/suite-bench.lock), so they
are measured while no other benchmark runs. From the repository root:

    python -m bench.export train forecasting \\
        --run saved_models/bench-export-etth1 --epochs 8
    python -m bench.export measure forecasting \\
        --run saved_models/bench-export-etth1

Each `measure` prints a Markdown table and writes
bench/results/export-<case>.json.
"""

import argparse
import contextlib
import fcntl
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from bench.export_cases import CASES, TRAINERS, Case, pad_to  # noqa: E402
from suite.errors import SuiteError  # noqa: E402
from suite.export import metadata, runtime, tflite  # noqa: E402

RESULTS = Path(__file__).parent / "results"


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


@contextlib.contextmanager
def bench_lock(path):
    """Holds the shared benchmark lock (what `flock PATH cmd` takes)."""
    if not path:
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def export_variants(case: Case, folder: Path, modes) -> list[dict]:
    """Each quantization of both forms: files, ops, task metrics."""
    rows = []
    for variant in modes:
        quantization, fused = parse_variant(variant)
        if quantization in case.skip:
            rows.append(
                {
                    "quantization": variant,
                    "skipped": case.skip[quantization],
                }
            )
            continue
        row = {"quantization": variant}
        try:
            row.update(_window(case, folder, quantization, fused))
            if case.stream is not None and not fused:
                row.update(_step(case, folder, quantization))
        except SuiteError as error:  # e.g. the converter refuses int8-act16
            rows.append({"quantization": variant, "skipped": str(error)})
            print(f"{variant}: not produced: {error}", flush=True)
            continue
        rows.append(row)
        print(
            json.dumps(
                {
                    k: v
                    for k, v in row.items()
                    if not k.endswith("ops") and not k.startswith("_")
                }
            ),
            flush=True,
        )
    return rows


def parse_variant(variant: str) -> tuple[str, bool | None]:
    """`"none"` -> ("none", None: the export's default recurrence);
    `"none+fused"` -> ("none", True: LSTMs as LiteRT's fused op)."""
    quantization, _, fused = variant.partition("+")
    return quantization, (True if fused == "fused" else None)


VARIANTS = [*tflite.QUANTIZATIONS, "none+fused", "dynamic+fused"]


def _options(case, quantization):
    return {
        "quantization": quantization,
        "representative_data": case.calibration,
        "extras": case.extras,
    }


def _window(case, folder, quantization, fused) -> dict:
    started = time.perf_counter()
    result = tflite.export_window(
        case.model,
        folder / f"window-{quantization}{'-fused' if fused else ''}.tflite",
        fuse_lstm=fused,
        **_options(case, quantization),
    )
    seconds = time.perf_counter() - started
    length = _fixed_length(case.model, result.path)
    lite = runtime.LiteRTModel(result.path, num_threads=1)
    fit = (lambda x: pad_to(x, length)) if length else (lambda x: x)
    outputs = [lite(fit(x)) for x in case.inputs]
    indices = np.arange(len(case.inputs))
    return {
        "window_path": str(result.path),
        "window_size_bytes": result.size_bytes,
        "window_export_seconds": round(seconds, 1),
        "window_metric": case.score(outputs, indices),
        "window_ops_count": len(result.ops),
        "window_has_while": "WHILE" in result.ops,
        "window_fused_lstm": "UNIDIRECTIONAL_SEQUENCE_LSTM" in result.ops,
        "window_float_ops": list(result.float_ops),
        "window_fixed_length": length,
        "_outputs": outputs,
    }


def _fixed_length(model, path) -> int | None:
    """The window length an export fixed on a free-length model (an
    unrolled int8 window: inputs are zero-padded to it), else None."""
    if model.inputs[0].shape[1] is not None:
        return None
    return metadata.read_metadata(path)["inputs"][0]["shape"][1]


def _step(case, folder, quantization) -> dict:
    result = tflite.export_streaming_step(
        case.model,
        folder / f"step-{quantization}.tflite",
        **_options(case, quantization),
    )
    session = runtime.StreamingSession(result.path, num_threads=1)
    indices = np.arange(0, len(case.inputs), case.stream_every)
    streamed = []
    for i in indices:
        session.reset()
        streamed.append(case.stream(session.run(case.inputs[i][0])))
    return {
        "step_path": str(result.path),
        "step_size_bytes": result.size_bytes,
        "step_float_ops": list(result.float_ops),
        "stream_metric_subset": case.score(streamed, indices),
        "stream_every": case.stream_every,
        "_streamed": (indices, streamed),
    }


def time_variants(case: Case, rows: list[dict], invokes: int) -> dict:
    """Keras predict_on_batch and LiteRT latencies, same input, one run."""
    sample = case.sample
    keras_ms = median_ms(lambda: case.model.predict_on_batch(sample), invokes)
    for row in rows:
        if "skipped" not in row:
            row.update(_latencies(row, sample, invokes))
    return {"keras_predict_on_batch_ms": keras_ms}


def _latencies(row, sample, invokes) -> dict:
    lite = runtime.LiteRTModel(row["window_path"], num_threads=1)
    fixed = row["window_fixed_length"]
    feed = {lite.input_names[0]: pad_to(sample, fixed) if fixed else sample}
    times = {"window_ms": median_ms(lambda: lite.invoke(feed), invokes)}
    if "step_path" in row:
        session = runtime.StreamingSession(row["step_path"], num_threads=1)
        first = sample[0, 0]
        times["step_ms"] = median_ms(lambda: session.step(first), invokes)
    return times


def finish_rows(rows: list[dict]) -> None:
    """Stream-vs-window difference; drops the arrays kept for it."""
    for row in rows:
        outputs = row.pop("_outputs", None)
        streamed = row.pop("_streamed", None)
        if outputs is None or streamed is None:
            continue
        indices, values = streamed
        row["stream_vs_window_max_abs"] = max(
            float(np.max(np.abs(v - outputs[i])))
            for i, v in zip(indices, values, strict=True)
        )


def measure(case: Case, args) -> dict:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        keras_path = folder / "model.keras"
        case.model.save(keras_path)
        keras_size = keras_path.stat().st_size
        rows = export_variants(case, folder, args.quantizations)
        with bench_lock(args.lock):
            timing = time_variants(case, rows, args.invokes)
        finish_rows(rows)
    return {
        "case": case.name,
        "run": case.run,
        "metric_name": case.metric_name,
        "higher_is_better": case.higher_is_better,
        "keras_size_bytes": keras_size,
        "keras_metric": case.keras_metric,
        "sample_shape": list(case.sample.shape),
        "invokes": args.invokes,
        "no_stream_reason": case.no_stream_reason,
        "notes": case.notes,
        **timing,
        "variants": rows,
    }


def report(result: dict) -> str:
    """Markdown table + target checks for BENCHMARKS.md."""
    rows = [r for r in result["variants"] if "skipped" not in r]
    streams = "step_ms" in rows[0]
    head = "| variant | window .tflite | ms / window | metric, window |"
    rule = "| --- | ---: | ---: | ---: |"
    if streams:
        head += " step .tflite | ms / step | metric, streamed subset |"
        rule += " ---: | ---: | ---: |"
    lines = [
        f"**{result['case']}** (run `{result['run']}`): `.keras` "
        f"{result['keras_size_bytes'] / 1024:.1f} KiB; Keras "
        f"`predict_on_batch` {result['keras_predict_on_batch_ms']:.2f} ms "
        f"on input {result['sample_shape']}; Keras "
        f"{result['metric_name']}: {result['keras_metric']:.4f}",
        "",
        head,
        rule,
    ]
    for row in rows:
        line = (
            f"| {row['quantization']} | "
            f"{row['window_size_bytes'] / 1024:.1f} KiB | "
            f"{row['window_ms']:.3f} | {row['window_metric']:.4f} |"
        )
        if streams and "step_ms" in row:
            line += (
                f" {row['step_size_bytes'] / 1024:.1f} KiB | "
                f"{row['step_ms']:.4f} | {row['stream_metric_subset']:.4f} |"
            )
        elif streams:  # '+fused' variants: window form only
            line += " - | - | - |"
        lines.append(line)
    lines += [""] + [f"- {q}: {why}" for q, why in _skipped(result)]
    lines += _targets(result, {r["quantization"]: r for r in rows})
    return "\n".join(lines)


def _skipped(result):
    return [
        (r["quantization"], r["skipped"])
        for r in result["variants"]
        if "skipped" in r
    ]


def _targets(result, rows) -> list[str]:
    base, lines = rows["none"], []
    int8 = rows.get("int8")
    forms = ["window"] + (["step"] if "step_ms" in base else [])
    if int8 is None:
        return ["- int8: not produced (above): size and metric targets n/a"]
    for form in forms:
        ratio = int8[f"{form}_size_bytes"] / base[f"{form}_size_bytes"]
        metric = "window_metric" if form == "window" else "stream_metric_subset"
        gap, target = _gap(result, base[metric], int8[metric])
        lines.append(
            f"- int8 {form}: file {ratio:.1%} of float (target <= 30%: "
            f"{_met(ratio <= 0.30)}); metric {gap} (target {target})"
        )
    if "step_ms" in base:
        speedup = result["keras_predict_on_batch_ms"] / base["step_ms"]
        lines.append(
            f"- float LiteRT step vs one Keras predict call: {speedup:.0f}x "
            f"(target >= 20x: {_met(speedup >= 20)})"
        )
    else:
        lines.append(f"- no streaming step: {result['no_stream_reason']}")
    lines.append(
        f"- ops left float after int8: window {int8['window_float_ops']}"
        + (f", step {int8['step_float_ops']}" if "step_ms" in base else "")
    )
    return lines


def _gap(result, base, value):
    if result["higher_is_better"]:
        points = value - base
        return f"{points:+.2f} points", (
            f"within 1 point: {_met(abs(points) <= 1.0)}"
        )
    relative = value / base - 1
    return f"{relative:+.2%} relative", (
        f"within 3%: {_met(abs(relative) <= 0.03)}"
    )


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("train", "measure"))
    parser.add_argument("case", choices=sorted(CASES))
    parser.add_argument("--run", type=Path, required=True)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--invokes", type=int, default=300)
    parser.add_argument("--stream-every", type=int, default=4)
    parser.add_argument("--test-limit", type=int, default=1000)
    parser.add_argument("--val-every", type=int, default=5)
    parser.add_argument(
        "--quantizations",
        nargs="+",
        default=VARIANTS,
        choices=VARIANTS,
        help="variants to export ('none' is the baseline of the targets; "
        "'+fused': LSTMs as LiteRT's fused op, window form only)",
    )
    parser.add_argument("--lock", default="/tmp/suite-bench.lock")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.action == "train":
        if args.case not in TRAINERS:
            raise SystemExit(f"{args.case}: use its own bench to train")
        os.environ["SUITE_RUNS_DIR"] = str(args.run.parent)
        TRAINERS[args.case](args.run.name, args.epochs)
        return
    case = CASES[args.case](args.run, args)
    case.stream_every = args.stream_every
    result = measure(case, args)
    out = args.out or RESULTS / f"export-{args.case}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(report(result), flush=True)


if __name__ == "__main__":
    main()
