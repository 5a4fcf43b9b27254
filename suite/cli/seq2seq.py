"""`suite seq2seq train|predict`: date normalization with attention."""

import json

from suite.cli import options

# flags named like TransductionConfig fields; a flag left out keeps its default
TRAIN_FIELDS = (
    "train_size",
    "test_size",
    "sampling_schedule",
    *options.FIT_FIELDS,
)


def add_parser(subparsers) -> None:
    seq2seq = subparsers.add_parser(
        "seq2seq",
        help="seq2seq with attention: date normalization (transduction)",
    )
    actions = seq2seq.add_subparsers(dest="action", required=True)

    train = actions.add_parser("train", help="train, evaluate and save a run")
    train.add_argument("--train-size", type=int, help="pairs (20000)")
    train.add_argument("--test-size", type=int, help="pairs (2000)")
    train.add_argument("--cell", default="lstm", help="lstm, gru or slstm")
    train.add_argument(
        "--attention", default="bahdanau", help="bahdanau or luong"
    )
    train.add_argument("--units", default="64", help="widths, e.g. 64")
    train.add_argument(
        "--schedule",
        dest="sampling_schedule",
        help="scheduled sampling: none (default), linear or inverse_sigmoid",
    )
    options.add_fit_arguments(train)
    train.set_defaults(handler=_train)

    predict = actions.add_parser(
        "predict", help="normalize dates with a saved run"
    )
    predict.add_argument("run", help="run folder or name in saved_models/")
    predict.add_argument("texts", nargs="+", help="e.g. '21 Nov 2026'")
    predict.add_argument(
        "--beam", type=int, default=0, help="beam width (0: greedy)"
    )
    predict.add_argument(
        "--heatmap", help="write the first text's attention PNG here"
    )
    predict.set_defaults(handler=_predict)


def _train(args) -> int:
    from suite.tasks import transduction

    config = transduction.TransductionConfig(
        model_options={
            **options.model_options(args.units, []),
            "cell": args.cell,
            "attention": args.attention,
            "embedding_dim": 32,
        },
        **options.given(args, TRAIN_FIELDS),
    )
    result, folder = transduction.run_training(
        config, args.run_name, args.overwrite
    )
    print(
        f"exact match {result['exact_match']:.4f}, per character "
        f"{result['char_accuracy']:.4f} on {result['test_pairs']} "
        "held-out pairs"
    )
    print(f"run saved to {folder}/ (attention heatmap: attention.png)")
    return 0


def _predict(args) -> int:
    from suite.tasks import transduction

    outputs, weights = transduction.predict_texts(
        args.run, args.texts, beam_width=args.beam
    )
    for text, output in zip(args.texts, outputs, strict=True):
        print(json.dumps({"input": text, "output": output}))
    if args.heatmap:
        transduction.save_attention_heatmap(
            args.texts[0], outputs[0], weights[0], args.heatmap
        )
        print(f"attention heatmap written to {args.heatmap}")
    return 0
