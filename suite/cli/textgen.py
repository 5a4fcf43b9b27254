"""`suite textgen train|evaluate|generate|export`."""

import json
import sys

from suite.cli import options

# flags named like TextGenConfig fields; a flag left out keeps its default
TRAIN_FIELDS = (
    "corpus",
    "level",
    "unknown_token",
    "max_vocab",
    "layout",
    "sequence_length",
    "embedding_dim",
    "dropout_rate",
    "max_minutes",
    *options.FIT_FIELDS,
)


def add_parser(subparsers) -> None:
    textgen = subparsers.add_parser(
        "textgen", help="character- and word-level language models"
    )
    actions = textgen.add_subparsers(dest="action", required=True)
    _train_parser(actions)

    evaluate = actions.add_parser(
        "evaluate", help="validation loss of a saved run"
    )
    evaluate.add_argument("run", help="run folder or name in saved_models/")
    evaluate.add_argument("--corpus", help="evaluate on this text instead")
    evaluate.set_defaults(handler=_evaluate)

    generate = actions.add_parser(
        "generate", help="stream generated text to the terminal"
    )
    generate.add_argument(
        "run", nargs="?", help="run folder or name (or use --litert)"
    )
    _sampling_arguments(generate)
    generate.set_defaults(handler=_generate)

    export = actions.add_parser(
        "export", help="streaming-step .tflite with the vocabulary"
    )
    export.add_argument("run", help="run folder or name in saved_models/")
    export.add_argument("--out", help="output .tflite path")
    export.add_argument(
        "--quantization",
        choices=("none", "dynamic", "float16", "int8"),
        default="none",
    )
    export.set_defaults(handler=_export)


def _train_parser(actions) -> None:
    train = actions.add_parser("train", help="train, evaluate and save a run")
    train.add_argument(
        "--corpus",
        help="tiny_shakespeare (default), nursery_rhyme or a UTF-8 text file",
    )
    train.add_argument("--level", choices=("char", "word"), help="(char)")
    train.add_argument(
        "--unknown-token",
        help="token for out-of-vocabulary input (<unk>); '' refuses such input",
    )
    train.add_argument("--max-vocab", type=int, help="0 = every token")
    train.add_argument("--layout", choices=("contiguous", "ngram_lines"))
    train.add_argument("--sequence-length", type=int, help="tokens per input")
    options.add_model_arguments(train, units_example="384,384")
    train.add_argument("--embedding-dim", type=int)
    train.add_argument("--dropout", dest="dropout_rate", type=float)
    train.add_argument(
        "--max-minutes", type=float, help="stop at an epoch end (0 = off)"
    )
    options.add_fit_arguments(train)
    train.set_defaults(handler=_train)


def _sampling_arguments(parser) -> None:
    parser.add_argument(
        "--prompt", default="\n", help="text to continue (\\n = newline)"
    )
    parser.add_argument(
        "--temperature", type=float, default=1.0, help="0 = greedy"
    )
    parser.add_argument("--top-k", type=int, default=0, help="0 = off")
    parser.add_argument("--top-p", type=float, default=1.0, help="1 = off")
    parser.add_argument("--max-length", type=int, default=500)
    parser.add_argument(
        "--stop",
        action="append",
        default=[],
        help="stop string, repeatable (\\n = newline)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--mode",
        choices=("stateful", "prefix"),
        default="stateful",
        help="carry the state, or re-read the prefix at every token",
    )
    parser.add_argument(
        "--litert",
        help="generate with this streaming-step .tflite (no TensorFlow)",
    )


def _train(args) -> int:
    from suite.tasks import text_generation as tg
    from suite.tasks import text_generation_runs

    config = tg.TextGenConfig(
        model=args.model,
        model_options=options.model_options(args.units, args.model_option),
        **options.given(args, TRAIN_FIELDS),
    )
    result, folder = text_generation_runs.run_training(
        config, args.run_name, args.overwrite
    )
    print(_summary(result))
    print(f"run saved to {folder}/")
    return 0


def _summary(result: dict) -> str:
    unit = result["level"]
    return (
        f"validation: {result['val_loss']:.4f} nats/{unit}, "
        f"{result['bits_per_char']:.4f} bits/char, perplexity "
        f"{result['perplexity']:.2f} (unigram entropy "
        f"{result['unigram_entropy']:.4f} nats/{unit})"
    )


def _evaluate(args) -> int:
    from suite.tasks import text_generation_runs

    result = text_generation_runs.evaluate_run(args.run, args.corpus)
    print(_summary(result))
    print(json.dumps(result))
    return 0


def _generate(args) -> int:
    from suite.errors import SuiteError
    from suite.tasks import sampling

    config = sampling.SamplingConfig(
        temperature=args.temperature,
        top_k=args.top_k,
        top_p=args.top_p,
        max_length=args.max_length,
        stop=tuple(_unescape(s) for s in args.stop),
        seed=args.seed,
    )
    if bool(args.run) == bool(args.litert):
        raise SuiteError("give either a run or --litert FILE.tflite")
    prompt = _unescape(args.prompt)
    echo = _Echo(prompt)
    if args.litert:
        if args.mode != "stateful":
            raise SuiteError("--litert runs the stateful step model only")
        stepper = sampling.LiteRTStepper(args.litert)
        vocab = sampling.litert_vocabulary(args.litert)
        sampling.generate(stepper, vocab, prompt, config, echo)
    else:
        from suite.tasks import text_generation_runs

        text_generation_runs.generate_run(
            args.run, prompt, config, args.mode, echo
        )
    echo("")
    sys.stdout.write("\n")
    return 0


def _unescape(text: str) -> str:
    """Shell-friendly escapes: a typed \\n is a newline, \\t a tab."""
    return text.replace("\\n", "\n").replace("\\t", "\t")


class _Echo:
    """Writes text as it comes, the prompt first (once it was accepted)."""

    def __init__(self, prompt: str):
        self.pending = prompt

    def __call__(self, text: str) -> None:
        sys.stdout.write(self.pending + text)
        sys.stdout.flush()
        self.pending = ""


def _export(args) -> int:
    from suite.tasks import text_generation_runs

    result = text_generation_runs.export_run(
        args.run, args.out, quantization=args.quantization
    )
    print(f"wrote {result.path} ({result.size_bytes / 1024:.1f} KiB)")
    print(f"metadata {result.metadata_path}")
    return 0
