"""Search-job figures: the classic airline search, and 1 vs 2 workers.

    python -m bench.tuning airline   # tuning/airline_random.toml (10 x 2)
    flock /tmp/suite-bench.lock python -m bench.tuning workers

`airline` runs the job spec's search (stacked LSTM, 1-3 layers, 32-256
units, dropout 0-0.5, learning rate 1e-4..1e-2 log; 10 trials x 2
executions scored on the validation months), then trains the best
configuration and the demo's default configuration with the same two
seeds and scores both on the held-out last 24 months (test MAPE).

`workers` times the same 12-trial search (`bench/tuning_workers.toml`)
through `suite tune --workers 1` and `--workers 2`, alternating, each in a
fresh results folder; the ratio is of medians measured in one invocation.
"""

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import machine, median

ROOT = Path(__file__).parents[1]
AIRLINE_SPEC = ROOT / "tuning" / "airline_random.toml"
WORKERS_SPEC = ROOT / "bench" / "tuning_workers.toml"


def test_mape(config, seeds) -> dict:
    """Validation and test MAPE of `config` trained with each seed."""
    from suite.tasks import forecasting

    rows = []
    for seed in seeds:
        run = forecasting.resolve(dataclasses.replace(config, seed=seed))
        data = forecasting.prepare(run)
        model = forecasting.build(run, data)
        forecasting.train(run, data, model)
        result, _ = forecasting.evaluate(run, data, model)
        val = forecasting.split_metrics(run, data, model, "val")
        rows.append({"val_mape": val["mape"], "mape": result["model"]["mape"]})
    return {
        "val_mape": [round(r["val_mape"], 3) for r in rows],
        "test_mape": [round(r["mape"], 3) for r in rows],
        "test_mape_mean": round(float(np.mean([r["mape"] for r in rows])), 3),
    }


def airline(results: Path) -> dict:
    from suite.tasks import forecasting
    from suite.tuning import jobs, spec

    job = spec.load_spec(AIRLINE_SPEC)
    jobs.claim_results_dir(job, results)
    started = time.perf_counter()
    jobs.search(job, results, verbose=0)
    seconds = time.perf_counter() - started
    summary = jobs.finish(job, results, retrain=False)
    best = jobs.best_config(job, summary["best_hyperparameters"])
    seeds = list(range(job.seed, job.seed + job.executions_per_trial))
    return {
        "search_seconds": round(seconds, 1),
        "best_trial": summary["best_trial"],
        "best_val_mape_in_search": summary["best_value"],
        "best_hyperparameters": summary["best_hyperparameters"],
        "best": test_mape(best, seeds),
        "default": test_mape(forecasting.DEMO_CONFIG, seeds),
        "seeds": seeds,
    }


def timed_search(workers: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        command = [
            sys.executable,
            "-m",
            "suite.cli.main",
            "tune",
            str(WORKERS_SPEC),
            "--results-dir",
            str(Path(folder) / "results"),
            "--workers",
            str(workers),
            "--verbose",
            "0",
            "--no-retrain",
        ]
        started = time.perf_counter()
        subprocess.run(
            command,
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        )
        return time.perf_counter() - started


def workers(repeats: int) -> dict:
    times = {1: [], 2: []}
    for _ in range(repeats):
        for count in (1, 2):
            times[count].append(round(timed_search(count), 1))
            print(count, "worker(s):", times[count][-1], "s", flush=True)
    one, two = median(times[1]), median(times[2])
    return {
        "seconds": times,
        "median_1_worker": one,
        "median_2_workers": two,
        "speedup": round(one / two, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("which", choices=("airline", "workers"))
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--results-dir", default="tuning/results/bench")
    args = parser.parse_args()
    if args.which == "airline":
        result = airline(Path(args.results_dir) / "airline_random")
    else:
        result = workers(args.repeats)
    result["machine"] = machine()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
