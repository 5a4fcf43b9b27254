"""seq2seq_attention vs stacked LSTM (and seasonal naive) on real series.

Three studies, each model trained in the same invocation:

    python -m bench.seq2seq_forecast ett --horizons 96,336
    python -m bench.seq2seq_forecast tetouan --horizons 24,168
    python -m bench.seq2seq_forecast sampling --horizons 24
    python -m bench.seq2seq_forecast sampling_ett --horizons 96

- ett: ETTh1 standard protocol (12/4/4 months, all 7 variables, lookback
  96, z-scored MSE / MAE), as bench/forecast_ett.py.
- tetouan: zone 1 hourly consumption (kW), lookback 168, chronological
  70/10/20 split, models forecast the change from the same hour a day
  before (seasonal differencing, period 24); MAE in kW vs seasonal naive
  (24 h) and stacked LSTM; seq2seq with calendar covariates (hour, weekday
  of each target hour).
- sampling (Tetouan) and sampling_ett (ETTh1): seq2seq trained with pure
  teacher forcing vs scheduled sampling (inverse sigmoid, k=3, ceiling
  0.5), same seed.
"""

import argparse
import dataclasses
import json

from bench.common import machine
from suite.tasks import forecasting

EPOCHS = 10
SEQ2SEQ = {"units": (64,), "attention": "luong"}

ETT = forecasting.ForecastConfig(
    data="ETTh1",
    mode="M",
    lookback=96,
    instance_norm=True,
    seasonal_period=24,
    epochs=EPOCHS,
    batch_size=32,
    learning_rate=1e-3,
    patience=3,
)
TETOUAN = forecasting.ForecastConfig(
    data="tetouan",
    lookback=168,
    seasonal_period=24,
    seasonal_differencing=True,
    epochs=EPOCHS,
    batch_size=32,
    learning_rate=1e-3,
    patience=3,
)
LSTM = {"model": "stacked_lstm", "model_options": {"units": (64, 64)}}


def run_once(config) -> dict:
    config = forecasting.resolve(config)
    data = forecasting.prepare(config)
    model = forecasting.build(config, data)
    history = forecasting.train(config, data, model)
    result, _ = forecasting.evaluate(config, data, model)
    return {
        "model": config.model,
        "mse": result["scaled"]["mse"],
        "mae": result["scaled"]["mae"],
        "mae_units": result["model"]["mae"],
        "naive_mse": result["scaled"]["naive_mse"],
        "naive_mae_units": result["seasonal_naive"]["mae"],
        "epochs": len(history["loss"]),
        "schedule": config.sampling_schedule,
        "sampling_probability": history.get("sampling_probability"),
    }


def seq2seq(base, **extra):
    return dataclasses.replace(
        base, model="seq2seq_attention", model_options=SEQ2SEQ, **extra
    )


SAMPLED = {
    "sampling_schedule": "inverse_sigmoid",
    "sampling_k": 3.0,
    "max_sampling_probability": 0.5,
}


def configs_for(study: str, horizon: int):
    if study.endswith("ett"):
        base = dataclasses.replace(ETT, horizon=horizon)
        if study == "sampling_ett":
            return [seq2seq(base), seq2seq(base, **SAMPLED)]
        return [dataclasses.replace(base, **LSTM), seq2seq(base)]
    base = dataclasses.replace(TETOUAN, horizon=horizon)
    if study == "tetouan":
        return [
            dataclasses.replace(base, **LSTM),
            seq2seq(base, calendar_covariates=True),
        ]
    return [
        seq2seq(base, calendar_covariates=True),
        seq2seq(base, calendar_covariates=True, **SAMPLED),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "study", choices=["ett", "tetouan", "sampling", "sampling_ett"]
    )
    parser.add_argument("--horizons", default="96")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    args = parser.parse_args()
    print(machine(), flush=True)
    for horizon in [int(h) for h in args.horizons.split(",")]:
        for config in configs_for(args.study, horizon):
            config = dataclasses.replace(
                config, seed=args.seed, epochs=args.epochs
            )
            row = run_once(config)
            print(f"h={horizon} {json.dumps(row)}", flush=True)


if __name__ == "__main__":
    main()
