"""A small Greff et al. study: nine LSTM variants on ETTh1 forecasting.

"LSTM: A Search Space Odyssey" (arXiv 1503.04069) compared the vanilla
(peephole) LSTM with eight one-change variants, each with its own random
hyperparameter search. Here, reduced to fit a 2-core CPU: for every variant,
a keras-tuner RandomSearch over learning rate (log-uniform) and width
(`--trials` trials, best validation MSE), then `--repeats` seeds of the best
configuration scored on the test months. Task: ETTh1 oil temperature (OT,
mode S), lookback 48, 24-hour-ahead direct forecast, ETT 12/4/4-month split,
MSE on the z-scored scale (the ETT convention).

    flock /tmp/suite-bench.lock python -m bench.greff_study
"""

import argparse
import dataclasses
import json
import os
import statistics
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras_tuner as kt  # noqa: E402

from bench.common import machine  # noqa: E402
from suite.layers import VARIANTS  # noqa: E402
from suite.tasks import forecasting  # noqa: E402

BASE = forecasting.ForecastConfig(
    data="ETTh1",
    mode="S",
    lookback=48,
    horizon=24,
    instance_norm=True,
    seasonal_period=24,
    model="lstm_variant",
    epochs=8,
    batch_size=64,
    patience=2,
)
"""Shared task and training settings; variant, width and LR vary."""


class VariantHyperModel(kt.HyperModel):
    """Maps (learning_rate, units) onto a forecasting config of a variant."""

    def __init__(self, variant, data, widths):
        super().__init__(name=variant)
        self.base = forecasting.resolve(BASE)
        self.variant = variant
        self.data = data
        self.widths = widths

    def config(self, hp, seed=0):
        return dataclasses.replace(
            self.base,
            seed=seed,
            learning_rate=hp.Float("learning_rate", 1e-3, 3e-2, sampling="log"),
            model_options={
                "variant": self.variant,
                "units": (hp.Choice("units", self.widths),),
            },
        )

    def build(self, hp):
        return forecasting.build(self.config(hp), self.data)

    def fit(self, hp, model, *args, **kwargs):
        history = forecasting.train(self.config(hp), self.data, model)
        return {"val_loss": min(history["val_loss"])}


def study(variant, data, args, folder):
    hypermodel = VariantHyperModel(variant, data, args.widths)
    tuner = kt.RandomSearch(
        hypermodel,
        objective="val_loss",
        max_trials=args.trials,
        seed=args.tuner_seed,
        directory=folder,
        project_name=variant,
        overwrite=True,
    )
    tuner.search()
    best = tuner.get_best_hyperparameters(1)[0]
    scores = []
    for seed in range(args.repeats):
        config = hypermodel.config(best, seed=seed)
        model = forecasting.build(config, data)
        forecasting.train(config, data, model)
        result, _ = forecasting.evaluate(config, data, model)
        scores.append(result["scaled"]["mse"])
    return {
        "best": dict(best.values),
        "test_mse": scores,
        "naive_mse": result["scaled"]["naive_mse"],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--trials", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--widths", default="16,32,64")
    parser.add_argument("--tuner-seed", type=int, default=0)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    args.widths = [int(w) for w in args.widths.split(",")]
    print(machine(), flush=True)
    config = forecasting.resolve(BASE)
    data = forecasting.prepare(config)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for variant in args.variants.split(","):
            start = time.perf_counter()
            results[variant] = study(variant, data, args, folder)
            results[variant]["seconds"] = time.perf_counter() - start
            print(variant, json.dumps(results[variant]), flush=True)
    print_table(results)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(
                {"args": vars(args), "results": results}, handle, indent=2
            )


def print_table(results):
    print(
        f"\n{'variant':<8} {'test MSE mean':>13} {'sd':>7} "
        f"{'min-max':>15}  best (lr, units)"
    )
    for variant, result in results.items():
        scores = result["test_mse"]
        sd = statistics.stdev(scores) if len(scores) > 1 else 0.0
        best = result["best"]
        print(
            f"{variant:<8} {statistics.mean(scores):>13.4f} {sd:>7.4f} "
            f"{min(scores):>7.4f}-{max(scores):.4f}  "
            f"({best['learning_rate']:.4f}, {best['units']})"
        )
    naive = next(iter(results.values()))["naive_mse"]
    print(f"seasonal naive test MSE: {naive:.4f}")


if __name__ == "__main__":
    main()
