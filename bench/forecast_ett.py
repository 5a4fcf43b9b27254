"""ETT standard protocol: stacked LSTM vs seasonal naive, test MSE / MAE.

12/4/4-month split, statistics from the training months only, errors on
the z-scored scale, all 7 variables (mode M), lookback 96.

    python -m bench.forecast_ett --horizons 96,192,336,720 --seeds 0,1,2
"""

import argparse
import dataclasses
import json
import time

import keras

from bench.common import machine, median, spread
from suite.data import windows
from suite.tasks import forecasting

ETT_CONFIG = forecasting.ForecastConfig(
    data="ETTh1",
    mode="M",
    lookback=96,
    horizon=96,
    instance_norm=True,
    seasonal_period=24,
    model="stacked_lstm",
    model_options={"units": (64, 64)},
    epochs=30,
    batch_size=32,
    learning_rate=1e-3,
    patience=4,
)
"""Default ETT configuration (horizon replaced per run)."""


def run_once(config):
    config = forecasting.resolve(config)
    data = forecasting.prepare(config)
    model = forecasting.build(config, data)
    started = time.perf_counter()
    history = forecasting.train(config, data, model)
    seconds = time.perf_counter() - started
    result, _ = forecasting.evaluate(config, data, model)
    train_windows = len(forecasting.make_window_set(config, data, "train").x)
    epochs = len(history["loss"])
    return {
        "mse": result["scaled"]["mse"],
        "mae": result["scaled"]["mae"],
        "naive_mse": result["scaled"]["naive_mse"],
        "epochs": epochs,
        "train_seconds": seconds,
        "windows_per_second": train_windows * epochs / seconds,
    }


def throughput(config, epochs: int = 4) -> float:
    """Training windows per second of `model.fit`, first epoch excluded.

    No validation pass and no callbacks: the figure is the fit loop alone.
    """
    config = forecasting.resolve(config)
    data = forecasting.prepare(config)
    model = forecasting.build(config, data)
    train = forecasting.make_window_set(config, data, "train")
    dataset = windows.to_dataset(
        train.x, train.y, config.batch_size, True, config.seed
    )
    times = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.started)

    model.fit(
        dataset, epochs=epochs, verbose=0, shuffle=False, callbacks=[Timer()]
    )
    return len(train.x) / median(times[1:])


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default="ETTh1")
    parser.add_argument("--horizons", default="96")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--units", default="64,64")
    parser.add_argument("--out", help="also write results as JSON")
    parser.add_argument(
        "--throughput",
        action="store_true",
        help="only measure training windows/s (h=96)",
    )
    args = parser.parse_args()
    print(machine())
    if args.throughput:
        config = dataclasses.replace(ETT_CONFIG, data=args.data)
        rates = [throughput(config) for _ in range(3)]
        print(
            f"training throughput, windows/s: median {median(rates):.0f} "
            f"of {[round(r) for r in rates]} (batch {config.batch_size})"
        )
        return
    rows = {}
    for horizon in [int(h) for h in args.horizons.split(",")]:
        runs = []
        for seed in [int(s) for s in args.seeds.split(",")]:
            config = dataclasses.replace(
                ETT_CONFIG,
                data=args.data,
                horizon=horizon,
                seed=seed,
                model_options={
                    "units": tuple(int(u) for u in args.units.split(","))
                },
            )
            runs.append(run_once(config))
            print(f"h={horizon} seed={seed} {json.dumps(runs[-1])}", flush=True)
        rows[horizon] = runs
        print(
            f"h={horizon}: MSE {spread([r['mse'] for r in runs])} "
            f"MAE {spread([r['mae'] for r in runs])} "
            f"naive MSE {runs[0]['naive_mse']:.3f} "
            f"windows/s {median([r['windows_per_second'] for r in runs]):.0f}",
            flush=True,
        )
    if args.out:
        with open(args.out, "w") as handle:
            json.dump(rows, handle, indent=2)


if __name__ == "__main__":
    main()
