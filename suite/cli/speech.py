"""`suite speech train|evaluate|transcribe`."""

import json

from suite.cli import options

# flags named like SpeechConfig fields; a flag left out keeps its default
TRAIN_FIELDS = (
    "sample_rate",
    "feature_normalization",
    "connected_train",
    "ensemble",
    *options.FIT_FIELDS,
)


def add_parser(subparsers) -> None:
    speech = subparsers.add_parser(
        "speech", help="speech recognition: conv + BiLSTM trained with CTC"
    )
    actions = speech.add_subparsers(dest="action", required=True)

    train = actions.add_parser("train", help="train, evaluate and save a run")
    train.add_argument(
        "--data",
        default="fsdd",
        help="fsdd (data dir, else TFDS), tfds, or a folder of WAV files",
    )
    train.add_argument(
        "--transcripts", default="", help="CSV file,text (folder data)"
    )
    train.add_argument("--sample-rate", type=int)
    train.add_argument(
        "--feature-normalization",
        choices=["per_bin", "global"],
        help="per-utterance log-mel normalization: each mel bin's mean "
        "removed, or one mean (keeps the spectral envelope)",
    )
    train.add_argument("--units", help="LSTM widths, e.g. 128,128")
    train.add_argument("--dropout", type=float, help="dropout rate")
    train.add_argument(
        "--model-option",
        action="append",
        default=[],
        metavar="KEY=JSON",
        help="any field of the model config, e.g. normalization=batch",
    )
    train.add_argument("--connected-train", type=int)
    train.add_argument(
        "--ensemble",
        type=int,
        help="train N models (seeds seed, seed+1, ...) saved as one run and "
        "decoded together (product of their CTC likelihoods)",
    )
    train.add_argument("--no-spec-augment", action="store_true")
    options.add_fit_arguments(train)
    train.add_argument(
        "--no-export", action="store_true", help="skip acoustic.tflite"
    )
    train.set_defaults(handler=_train)

    evaluate = actions.add_parser("evaluate", help="re-evaluate a saved run")
    evaluate.add_argument("run", help="run folder or name in saved_models/")
    _add_lexicon(evaluate)
    evaluate.set_defaults(handler=_evaluate)

    transcribe = actions.add_parser(
        "transcribe", help="print the transcript of each WAV file"
    )
    transcribe.add_argument("run", help="run folder or name in saved_models/")
    transcribe.add_argument("files", nargs="+", help="WAV files")
    transcribe.add_argument(
        "--beam-width", type=int, default=1, help="1 = greedy"
    )
    transcribe.add_argument(
        "--litert",
        action="store_true",
        help="use the run's acoustic.tflite (LiteRT, no TensorFlow)",
    )
    _add_lexicon(transcribe)
    transcribe.set_defaults(handler=_transcribe)


def _add_lexicon(parser) -> None:
    parser.add_argument(
        "--lexicon",
        help="constrain decoding to allowed transcripts: one-symbol (each "
        "file holds one vocabulary symbol, e.g. one spoken digit), a "
        "comma-separated list, or @FILE with one transcript per line; the "
        "one with the highest CTC likelihood wins (replaces greedy/beam)",
    )


def _lexicon(value):
    """--lexicon -> None, 'one-symbol' or a list of transcripts."""
    from suite.errors import SuiteError
    from suite.tasks import ctc

    if value is None or value == ctc.ONE_SYMBOL:
        return value
    if value.startswith("@"):
        try:
            with open(value[1:], encoding="utf-8") as handle:
                return [line.strip() for line in handle if line.strip()]
        except OSError as error:
            raise SuiteError(f"cannot read the lexicon file: {error}") from None
    return [text.strip() for text in value.split(",") if text.strip()]


def _train(args) -> int:
    from suite.tasks import speech, speech_runs

    model_options = options.model_options(args.units, args.model_option)
    if args.dropout is not None:
        model_options["dropout_rate"] = args.dropout
    defaults = speech.SpeechConfig().model_options
    config = speech.SpeechConfig(
        data=args.data,
        transcripts=args.transcripts,
        spec_augment=not args.no_spec_augment,
        model_options={**defaults, **model_options},
        **options.given(args, TRAIN_FIELDS),
    )
    result, folder = speech_runs.run_training(
        config, args.run_name, args.overwrite, export_tflite=not args.no_export
    )
    print(speech.summary_table(result))
    print(f"run saved to {folder}/")
    return 0


def _evaluate(args) -> int:
    from suite.tasks import speech, speech_runs

    result = speech_runs.evaluate_run(args.run, lexicon=_lexicon(args.lexicon))
    print(speech.summary_table(result))
    print(json.dumps(result))
    return 0


def _transcribe(args) -> int:
    from suite.tasks import speech_runs

    lexicon = _lexicon(args.lexicon)
    if args.litert:
        from suite.export import runs
        from suite.export.speech_runtime import SpeechTranscriber

        path = runs.resolve_run(args.run) / speech_runs.TFLITE_FILE
        recognizer = SpeechTranscriber(
            path, beam_width=args.beam_width, lexicon=lexicon
        )

        def transcribe_one(name):
            return recognizer.transcribe_file(name)
    else:
        run = speech_runs.load_run(args.run)

        def transcribe_one(name):
            return speech_runs.transcribe(
                run, [name], args.beam_width, lexicon
            )[0]

    for name in args.files:  # printed as they come: a bad file stops here
        print(f"{name}\t{transcribe_one(name)}", flush=True)
    return 0
