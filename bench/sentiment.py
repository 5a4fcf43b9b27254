"""Sentiment figures for BENCHMARKS.md: IMDB, rt-polarity, throughput.

Run each under the shared benchmark lock, from the repository root:

    flock /tmp/suite-bench.lock python bench/sentiment.py imdb \
        --preset pooled_sd --truncation pre --sequence-length 800 \
        --ensemble 5 --ensemble-folds --weight-average 0.99 \
        --patience 1 --epochs 6    # the recommended model
    flock /tmp/suite-bench.lock python bench/sentiment.py rt_polarity
    flock /tmp/suite-bench.lock python bench/sentiment.py throughput

`imdb` trains on the 25k training reviews (10% held out for early
stopping), tests on the 25k test reviews and keeps the run in
saved_models/bench-sentiment-imdb; `throughput` times that run's Keras
model and its LiteRT export side by side on the same test reviews.
Each prints one JSON line and writes it to bench/results/.
"""

import argparse
import json
import os
import platform
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
IMDB_RUN = "bench-sentiment-imdb"
PRESETS = {
    # 1x BiLSTM(64) with masked max+mean pooling over all steps: session
    # 1's best single model (88.26% at 500 tokens, cut at the end).
    "pooled": {
        "units": (64,),
        "embedding_dim": 128,
        "dropout_rate": 0.3,
        "pooling": "max_mean",
    },
    # pooled + recurrent dropout, against the overfitting after epoch 2.
    "pooled_rd": {
        "units": (64,),
        "embedding_dim": 128,
        "dropout_rate": 0.5,
        "recurrent_dropout_rate": 0.3,
        "pooling": "max_mean",
    },
    # wider BiLSTM(128) with max+mean pooling.
    "pooled_wide": {
        "units": (128,),
        "embedding_dim": 128,
        "dropout_rate": 0.4,
        "pooling": "max_mean",
    },
    # pooled + SpatialDropout1D(0.2) on the embedded tokens: the members
    # of the recommended ensemble (BENCHMARKS.md, "Sentiment").
    "pooled_sd": {
        "units": (64,),
        "embedding_dim": 128,
        "dropout_rate": 0.3,
        "spatial_dropout_rate": 0.2,
        "pooling": "max_mean",
    },
    # The classic keras-io form: 2x BiLSTM(64), last state (task default).
    "classic": {"units": (64, 64), "embedding_dim": 128, "dropout_rate": 0.2},
}


def imdb(args) -> dict:
    from suite.tasks import sentiment, sentiment_runs

    config = sentiment.SentimentConfig(
        dataset="imdb",
        epochs=args.epochs,
        batch_size=64,
        patience=args.patience,
        max_tokens=args.max_tokens,
        sequence_length=args.sequence_length,
        truncation=args.truncation,
        ensemble=args.ensemble,
        ensemble_folds=args.ensemble_folds,
        seed=args.seed,
        weight_average=args.weight_average,
        limit=args.limit,
        model_options=PRESETS[args.preset],
    )
    settings = {
        "preset": PRESETS[args.preset],
        "sequence_length": args.sequence_length,
        "truncation": args.truncation,
        "max_tokens": args.max_tokens,
        "ensemble": args.ensemble,
        "ensemble_folds": args.ensemble_folds,
        "patience": args.patience,
        "seed": args.seed,
        "weight_average": args.weight_average,
        "limit": args.limit,
    }
    started = time.perf_counter()
    if args.select:
        return {
            "figure": f"imdb_select_{args.preset}",
            **settings,
            **_validation_only(sentiment, config),
            "wall_seconds_total": round(time.perf_counter() - started, 1),
        }
    metrics, run = sentiment_runs.run_training(
        config, run_name=args.run_name, overwrite=True
    )
    wall = time.perf_counter() - started
    histories = metrics.pop("member_histories", [metrics["history"]])
    return {
        "figure": f"imdb_{args.preset}",
        "run": str(run),
        **settings,
        "wall_seconds_total": round(wall, 1),
        **{k: v for k, v in metrics.items() if k != "history"},
        "epochs_per_member": [len(h["loss"]) for h in histories],
        "val_accuracy_per_epoch": [h.get("val_accuracy") for h in histories],
    }


def _validation_only(sentiment, config) -> dict:
    """Model selection: trains on the training split and scores the
    validation split only (never the test split)."""
    from suite.tasks import training

    training.set_seed(config.seed)
    data = sentiment.prepare(config)
    _, model, histories, held_out = sentiment.fit_members(config, data)
    if held_out:  # fold-bagging: mean over the members' own slices
        accuracy = sum(held_out) / len(held_out)
    else:
        accuracy = sentiment.evaluate_texts(model, data.validation)["accuracy"]
    return {
        "validation_accuracy": accuracy,
        "member_validation_accuracies": held_out,
        "epochs_per_member": [len(h["loss"]) for h in histories],
        "val_accuracy_per_epoch": [h["val_accuracy"] for h in histories],
        "val_loss_per_epoch": [h["val_loss"] for h in histories],
    }


def rt_polarity(args) -> dict:
    import numpy as np

    from suite.data import text
    from suite.data.vectorizer import make_vectorizer
    from suite.tasks import sentiment, training

    corpus = text.load_rt_polarity()
    config = sentiment.SentimentConfig(
        dataset="rt_polarity",
        epochs=args.epochs,
        batch_size=32,
        patience=2,
        max_tokens=10000,
        sequence_length=60,
        model_options={  # chosen on fold 0's validation split (0.777)
            "units": (32,),
            "embedding_dim": 64,
            "dropout_rate": 0.5,
            "pooling": "max_mean",
        },
    )
    accuracies, epochs = [], []
    started = time.perf_counter()
    for fold, (train, test) in enumerate(text.k_folds(corpus, args.folds, 0)):
        training.set_seed(fold)
        train, validation = text.split_off(train, 0.1, fold)
        vectorizer = make_vectorizer(
            train.texts,
            config.max_tokens,
            config.sequence_length,
            truncation=config.truncation,
        )
        data = sentiment.PreparedData(train, validation, test, vectorizer)
        token_model, model = sentiment.build(config, data)
        history = sentiment.fit(config, token_model, data)
        metrics = sentiment.evaluate_texts(model, test)
        accuracies.append(metrics["accuracy"])
        epochs.append(len(history["loss"]))
        print(f"fold {fold}: accuracy {metrics['accuracy']:.4f}", flush=True)
    return {
        "figure": "rt_polarity_cv",
        "folds": args.folds,
        "accuracy_mean": float(np.mean(accuracies)),
        "accuracy_std": float(np.std(accuracies)),
        "accuracy_per_fold": accuracies,
        "epochs_per_fold": epochs,
        "model_options": config.model_options,
        "max_tokens": config.max_tokens,
        "sequence_length": config.sequence_length,
        "wall_seconds_total": round(time.perf_counter() - started, 1),
    }


def throughput(args) -> dict:
    """Reviews per second on the same test reviews, same process:
    Keras batched (length-bucketed batches of 128), Keras one review per
    call, LiteRT float32 and dynamic-range int8 (one review per invoke, time
    axis resized to the review, 1 thread), tokenization included."""
    import numpy as np

    from suite.data import text
    from suite.export.text_runtime import LiteRTTextClassifier
    from suite.tasks import sentiment, sentiment_runs

    run = sentiment_runs.load_run(args.run_name)
    texts = text.load_imdb()[1].texts
    texts = texts[np.random.default_rng(0).permutation(len(texts))]
    texts = texts[: args.reviews]
    exports = {}
    for quantization in ("none", "dynamic"):
        path = run.folder / f"model-{quantization}.tflite"
        result = sentiment_runs.export_tflite(run, path, quantization)
        exports[quantization] = (LiteRTTextClassifier(path), result)
    keras_probabilities = sentiment.predict_texts(run.model, texts)
    classifier = run.model.get_layer("token_classifier")
    layer = run.model.get_layer("vectorizer")

    def keras_one_by_one(batch):
        for review in batch:
            ids = np.asarray(layer([review]))
            width = max(1, int(np.count_nonzero(ids)))
            classifier.predict_on_batch(ids[:, :width])

    modes = {
        "keras_batched": lambda b: sentiment.predict_texts(run.model, b),
        "keras_batch1": keras_one_by_one,
        "litert_float32": exports["none"][0].probabilities,
        "litert_dynamic_int8": exports["dynamic"][0].probabilities,
    }
    rates = {name: [] for name in modes}
    for name, function in modes.items():
        function(texts[:32])  # warm-up / tracing
        for _ in range(args.repeats):
            started = time.perf_counter()
            function(texts)
            rates[name].append(len(texts) / (time.perf_counter() - started))
    parity = {}
    for quantization, (runner, result) in exports.items():
        lite = runner.probabilities(texts)
        parity[quantization] = {
            "max_abs_diff_vs_keras": float(
                np.abs(lite - keras_probabilities).max()
            ),
            "label_agreement": float(
                np.mean(lite.argmax(1) == keras_probabilities.argmax(1))
            ),
            "size_bytes": result.size_bytes,
            "ops": list(result.ops),
        }
    return {
        "figure": "imdb_throughput",
        "reviews": len(texts),
        "repeats": args.repeats,
        "reviews_per_second_median": {
            name: round(_median(values), 1) for name, values in rates.items()
        },
        "reviews_per_second": rates,
        "litert": parity,
    }


def _median(values):
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("figure", choices=["imdb", "rt_polarity", "throughput"])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="pooled")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--sequence-length", type=int, default=500)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--max-tokens", type=int, default=20000)
    parser.add_argument(
        "--truncation", choices=["post", "pre", "middle"], default="post"
    )
    parser.add_argument("--ensemble", type=int, default=1)
    parser.add_argument(
        "--ensemble-folds",
        action="store_true",
        help="imdb: each ensemble member holds out its own 10%% slice",
    )
    parser.add_argument("--patience", type=int, default=2)
    parser.add_argument(
        "--weight-average",
        type=float,
        default=0.0,
        help="imdb: momentum of the moving average of the weights (0: off)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--select",
        action="store_true",
        help="imdb: score the validation split only (model selection)",
    )
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--run-name", default=IMDB_RUN)
    parser.add_argument("--reviews", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tag", default="")
    args = parser.parse_args()
    figure = {"imdb": imdb, "rt_polarity": rt_polarity}.get(
        args.figure, throughput
    )(args)
    figure["machine"] = (
        f"{os.cpu_count()}-core {platform.machine()} CPU container (no GPU)"
    )
    line = json.dumps(figure, default=str)
    print(line)
    RESULTS.mkdir(exist_ok=True)
    name = f"sentiment_{figure['figure']}{args.tag}.json"  # --tag: variants
    (RESULTS / name).write_text(line + "\n")


if __name__ == "__main__":
    main()
