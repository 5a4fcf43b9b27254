"""`suite sentiment train|evaluate|predict`."""

import json
import sys

from suite.cli import options

# flags named like SentimentConfig fields; a flag left out keeps its default
TRAIN_FIELDS = (
    "dataset",
    "test_file",
    "text_column",
    "label_column",
    "limit",
    "max_tokens",
    "sequence_length",
    "truncation",
    "ensemble",
    "ensemble_folds",
    *options.FIT_FIELDS,
)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "sentiment", help="text classification: IMDB, rt-polarity, CSV/JSONL"
    )
    commands = parser.add_subparsers(dest="sentiment_command", required=True)
    _add_train(commands)
    _add_evaluate(commands)
    _add_predict(commands)
    _add_export(commands)


def _add_train(commands) -> None:
    train = commands.add_parser(
        "train", help="train on a dataset and save a run folder"
    )
    train.add_argument(
        "--dataset",
        help="imdb (default), rt_polarity, or a .csv / .jsonl (text + label)",
    )
    train.add_argument("--test-file", help="test file for a user dataset")
    train.add_argument("--text-column", help="(text)")
    train.add_argument("--label-column", help="(label)")
    train.add_argument("--limit", type=int, help="use at most N train/test")
    train.add_argument("--model", default="bilstm")
    train.add_argument(
        "--model-options",
        help="JSON fields of the model config, e.g. '{\"units\": [32]}' "
        "(replace the bilstm defaults)",
    )
    train.add_argument("--max-tokens", type=int, help="vocabulary size")
    train.add_argument("--sequence-length", type=int, help="tokens per text")
    train.add_argument(
        "--truncation",
        choices=("post", "pre", "middle"),
        help="which tokens a text longer than --sequence-length keeps: the "
        "first (post, default), the last (pre), or first quarter + last three "
        "quarters (middle)",
    )
    train.add_argument(
        "--ensemble", type=int, help="models averaged into one (default 1)"
    )
    train.add_argument(
        "--ensemble-folds",
        action="store_true",
        default=None,  # left out: the config's default (False)
        help="fold-bagging: ensemble member k early-stops on its own "
        "disjoint validation slice and learns from the rest, so the ensemble "
        "learns from the whole training split",
    )
    options.add_fit_arguments(train)
    train.set_defaults(handler=_train)


def _add_evaluate(commands) -> None:
    evaluate = commands.add_parser(
        "evaluate", help="metrics of a saved run on its test split or a file"
    )
    evaluate.add_argument("run", help="run folder or name in saved_models/")
    evaluate.add_argument("--file", help="labelled .csv / .jsonl to score")
    evaluate.add_argument("--text-column")
    evaluate.add_argument("--label-column")
    evaluate.set_defaults(handler=_evaluate)


def _add_predict(commands) -> None:
    predict = commands.add_parser(
        "predict",
        help="label + probability for raw texts",
        description="Options go before RUN: predict --litert RUN 'text'.",
    )
    predict.add_argument("run", help="run folder or name in saved_models/")
    predict.add_argument("texts", nargs="*", help="texts to classify")
    predict.add_argument(
        "--file", help="one text per line (default: stdin when no texts)"
    )
    predict.add_argument(
        "--litert",
        dest="needs_tensorflow",  # main() then skips importing TensorFlow
        action="store_false",
        help="run RUN/model.tflite with LiteRT (no TensorFlow); export first",
    )
    predict.set_defaults(handler=_predict)


def _add_export(commands) -> None:
    export = commands.add_parser(
        "export",
        help="token-ids model -> RUN/model.tflite (+ vocabulary sidecar)",
    )
    export.add_argument("run", help="run folder or name in saved_models/")
    export.add_argument(
        "--quantization",
        choices=("none", "dynamic", "float16", "int8", "int8-per-channel"),
        default="none",
    )
    export.add_argument(
        "--float-layers",
        nargs="+",
        default=(),
        metavar="LAYER",
        help="int8: LSTM layers left in float (e.g. forward_recurrent_1; "
        "pick them on validation data, see bench/export_selective.py)",
    )
    export.add_argument("--out", help="default: RUN/model.tflite")
    export.set_defaults(handler=_export)


def _train(args) -> int:
    from suite.tasks import sentiment, sentiment_runs

    if args.model_options is None:
        model_options = sentiment.default_model_options(args.model)
    else:
        model_options = _json_options(args.model_options)
    config = sentiment.SentimentConfig(
        model=args.model,
        model_options=model_options,
        **options.given(args, TRAIN_FIELDS),
    )
    metrics, run = sentiment_runs.run_training(
        config, args.run_name, args.overwrite
    )
    _print_metrics(metrics)
    print(f"saved run: {run}")
    return 0


def _json_options(value: str) -> dict:
    from suite.errors import SuiteError

    try:
        options = json.loads(value)
    except json.JSONDecodeError as error:
        raise SuiteError(
            f"--model-options is not valid JSON ({error.msg}): {value}"
        ) from None
    if not isinstance(options, dict):
        raise SuiteError("--model-options must be a JSON object")
    return options


def _evaluate(args) -> int:
    from suite.data import text
    from suite.tasks import sentiment_runs

    run = sentiment_runs.load_run(args.run)
    data = None
    if args.file:
        data = text.load_labelled_file(
            args.file,
            args.text_column or run.config.text_column,
            args.label_column or run.config.label_column,
            class_names=run.class_names,
        )
    _print_metrics(sentiment_runs.evaluate(run, data))
    return 0


def _predict(args) -> int:
    from suite.data import text
    from suite.errors import SuiteError

    texts = list(args.texts)
    if args.file:
        texts += text.read_lines(args.file)
    elif not texts:
        texts = text.text_lines(sys.stdin.buffer.read(), "stdin")
    if not texts:
        raise SuiteError(
            "no text to classify; pass texts as arguments, --file, or stdin"
        )
    for text_value, (label, probability) in zip(
        texts, _classify(args, texts), strict=True
    ):
        print(f"{label}\t{probability:.4f}\t{_preview(text_value)}")
    return 0


def _classify(args, texts):
    if not args.needs_tensorflow:  # NumPy tokenizer + LiteRT, no TensorFlow
        from suite.export import runs
        from suite.export.text_runtime import LiteRTTextClassifier

        folder = runs.resolve_run(args.run)
        return LiteRTTextClassifier(folder / "model.tflite").predict(texts)
    from suite.tasks import sentiment_runs

    return sentiment_runs.predict(sentiment_runs.load_run(args.run), texts)


def _export(args) -> int:
    from suite.tasks import sentiment_runs

    run = sentiment_runs.load_run(args.run)
    result = sentiment_runs.export_tflite(
        run, args.out, args.quantization, float_layers=args.float_layers
    )
    print(f"wrote {result.path} ({result.size_bytes / 1024:.1f} KiB)")
    print(f"metadata {result.metadata_path} (vocabulary, classes)")
    print(f"ops: {', '.join(result.ops)}")
    return 0


def _preview(text_value: str, width: int = 60) -> str:
    flat = " ".join(text_value.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."


def _print_metrics(metrics: dict) -> None:
    for key in ("accuracy", "precision", "recall", "f1", "roc_auc"):
        value = metrics.get(key)
        print(f"{key:10s} {'n/a' if value is None else f'{value:.4f}'}")
    print(f"confusion  {metrics['confusion_matrix']}")
