"""Date normalization with seq2seq_attention: held-out exact match.

Trains the committed BENCH_CONFIG (20,000 generated pairs), saves the run
(with its attention heatmap), then reports exact match on 2,000 held-out
pairs (calendar days no training pair uses): greedy in the Keras graph,
beam search (width 4) over the Keras step models and greedy in the LiteRT
interpreter over the exported encoder and decoder step, on a subset.

    python -m bench.transduction --beam-pairs 300 --litert-pairs 300
"""

import argparse
import dataclasses
import json
import tempfile
from pathlib import Path

import numpy as np

from bench.common import machine
from suite.data import dates
from suite.export import seq2seq_runtime, tflite
from suite.tasks import transduction

BENCH_CONFIG = transduction.TransductionConfig(
    train_size=20000,
    val_size=1000,
    test_size=2000,
    model_options={
        "units": (64,),
        "embedding_dim": 32,
        "attention": "bahdanau",
    },
    epochs=15,
    batch_size=64,
    learning_rate=3e-3,
    patience=4,
)
"""The configuration whose figures BENCHMARKS.md quotes."""


def beam_exact_match(parts, split, count: int, width: int) -> float:
    runner = seq2seq_runtime.KerasSeq2Seq(parts.encoder, parts.decoder_step)
    hits = 0
    pairs = zip(split.sources[:count], split.targets[:count], strict=True)
    for row, target in pairs:
        ids, _, _ = seq2seq_runtime.beam_search(
            runner, row[None], dates.TARGET_LENGTH, dates.START, width
        )
        hits += int(np.array_equal(ids, target))
    return hits / count


def litert_exact_match(parts, split, count: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        paths = [
            tflite.export_window(part, Path(folder) / f"{part.name}.tflite")
            for part in (parts.encoder, parts.decoder_step)
        ]
        runner = seq2seq_runtime.LiteRTSeq2Seq(*(p.path for p in paths))
        predicted = [
            seq2seq_runtime.greedy_decode(
                runner, row[None], dates.TARGET_LENGTH, dates.START
            )[0][0]
            for row in split.sources[:count]
        ]
        ops = sorted({op for p in paths for op in p.ops})
    keras_ids, _ = transduction.predict_ids(parts, split.sources[:count])
    result = transduction.exact_match(
        np.stack(predicted), split.targets[:count]
    )
    result["agrees_with_keras"] = float(
        np.mean(np.all(np.stack(predicted) == keras_ids, axis=1))
    )
    result["ops"] = ops
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=BENCH_CONFIG.epochs)
    parser.add_argument("--schedule", default="none")
    parser.add_argument("--beam-pairs", type=int, default=300)
    parser.add_argument("--litert-pairs", type=int, default=300)
    parser.add_argument("--run-name", default="bench-transduction")
    args = parser.parse_args()
    print(machine())
    config = dataclasses.replace(
        BENCH_CONFIG,
        seed=args.seed,
        epochs=args.epochs,
        sampling_schedule=args.schedule,
    )
    result, folder = transduction.run_training(
        config, args.run_name, overwrite=True
    )
    print(json.dumps(result, indent=1), flush=True)
    _, parts, _ = transduction.load_parts(folder)
    test = transduction.prepare(config)["test"]
    if args.beam_pairs:
        beam = beam_exact_match(parts, test, args.beam_pairs, 4)
        print(f"beam 4 exact match on {args.beam_pairs} pairs: {beam:.4f}")
    if args.litert_pairs:
        lite = litert_exact_match(parts, test, args.litert_pairs)
        print(f"LiteRT greedy on {args.litert_pairs} pairs: {json.dumps(lite)}")
    print(f"run saved to {folder}/ (attention.png)")


if __name__ == "__main__":
    main()
