"""`suite forecast train|evaluate|predict`."""

import json
import sys

from suite.cli import options

# flags named like ForecastConfig fields; a flag left out keeps its default
TRAIN_FIELDS = (
    "lookback",
    "horizon",
    "val_rows",
    "test_rows",
    "seasonal_period",
    "sampling_schedule",
    *options.FIT_FIELDS,
)


def add_parser(subparsers) -> None:
    forecast = subparsers.add_parser(
        "forecast", help="time-series forecasting with any registry model"
    )
    actions = forecast.add_subparsers(dest="action", required=True)

    train = actions.add_parser("train", help="train, evaluate and save a run")
    _data_arguments(train)
    options.add_model_arguments(train)
    train.add_argument("--dropout", type=float, help="input dropout rate")
    train.add_argument("--lookback", type=int, help="input steps (24)")
    train.add_argument("--horizon", type=int, help="steps predicted (24)")
    train.add_argument("--val-rows", type=int)
    train.add_argument("--test-rows", type=int)
    train.add_argument("--log", action="store_true", help="log transform")
    train.add_argument("--seasonal-period", type=int, help="season length")
    train.add_argument(
        "--seasonal-diff",
        action="store_true",
        help="difference at the seasonal period",
    )
    train.add_argument(
        "--instance-norm",
        action="store_true",
        help="subtract each window's last value",
    )
    train.add_argument("--quantiles", help="e.g. 0.1,0.5,0.9")
    train.add_argument(
        "--calendar-covariates",
        action="store_true",
        help="seq2seq_attention: decoder gets hour and weekday per step",
    )
    train.add_argument(
        "--sampling-schedule",
        help="seq2seq_attention: none (default), linear or inverse_sigmoid",
    )
    options.add_fit_arguments(train)
    train.set_defaults(handler=_train)

    evaluate = actions.add_parser("evaluate", help="re-evaluate a saved run")
    evaluate.add_argument("run", help="run folder or name in saved_models/")
    evaluate.add_argument("--csv", help="data with the run's columns")
    evaluate.set_defaults(handler=_evaluate)

    predict = actions.add_parser(
        "predict", help="forecast the steps after the end of a CSV"
    )
    predict.add_argument("run", help="run folder or name in saved_models/")
    predict.add_argument("--csv", help="data with the run's columns")
    predict.add_argument("--out", help="write the forecast CSV here")
    predict.set_defaults(handler=_predict)


def _data_arguments(parser) -> None:
    parser.add_argument("--csv", help="CSV path (or use --dataset)")
    parser.add_argument(
        "--dataset",
        default="airline",
        help="airline, ETTh1, ETTh2, ETTm1, ETTm2 or tetouan",
    )
    parser.add_argument("--time-column", default="")
    parser.add_argument("--targets", help="comma-separated target columns")
    parser.add_argument("--covariates", help="comma-separated input columns")
    parser.add_argument("--mode", default="", choices=["", "M", "S", "MS"])
    parser.add_argument(
        "--fill",
        default="none",
        choices=["none", "ffill", "interpolate", "zero"],
    )


def _train(args) -> int:
    from suite.tasks import forecasting, forecasting_runs

    config = forecasting.ForecastConfig(
        data=args.csv or args.dataset,
        time_column=args.time_column,
        targets=_names(args.targets),
        covariates=_names(args.covariates),
        mode=args.mode,
        fill_policy=args.fill,
        log_transform=args.log,
        seasonal_differencing=args.seasonal_diff,
        instance_norm=args.instance_norm,
        quantiles=_floats(args.quantiles),
        calendar_covariates=args.calendar_covariates,
        model=args.model,
        model_options=_model_options(args),
        **options.given(args, TRAIN_FIELDS),
    )
    result, folder = forecasting_runs.run_training(
        config, args.run_name, args.overwrite
    )
    print(forecasting_runs.summary_table(result))
    print(f"run saved to {folder}/")
    return 0


def _evaluate(args) -> int:
    from suite.tasks import forecasting_runs

    result = forecasting_runs.evaluate_run(args.run, args.csv)
    print(forecasting_runs.summary_table(result))
    print(json.dumps(result["scaled"]))
    return 0


def _predict(args) -> int:
    from suite.tasks import forecasting_runs

    frame = forecasting_runs.predict_next(args.run, args.csv)
    if args.out:
        frame.to_csv(args.out)
        print(f"forecast written to {args.out}")
    else:
        frame.to_csv(sys.stdout)
    return 0


def _names(text: str | None) -> tuple[str, ...]:
    return (
        tuple(n.strip() for n in text.split(",") if n.strip()) if text else ()
    )


def _floats(text: str | None) -> tuple[float, ...]:
    from suite.errors import SuiteError

    try:
        return tuple(float(v) for v in _names(text))
    except ValueError:
        raise SuiteError(
            f"expected comma-separated numbers, got {text!r}"
        ) from None


def _model_options(args) -> dict:
    values = options.model_options(args.units, args.model_option)
    if args.dropout is not None:
        values["dropout_rate"] = args.dropout
    return values
