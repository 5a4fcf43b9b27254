"""Parity length generalisation (xLSTM paper): sLSTM, mLSTM and LSTM.

Bit strings of length 1-40 for training; the task is the parity of the
number of ones. Models: Embedding(mask_zero) -> one recurrent layer ->
Dense(2). Training uses the running parity as a per-step target (denser
supervision than the paper's final-step-only target, same language); the
score is the accuracy of the *final* parity, on held-out strings of
lengths 1-40 and on lengths 41-256 (never seen in training).

    flock /tmp/suite-bench.lock python -m bench.parity --seeds 0,1,2
"""

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from bench.common import machine, median  # noqa: E402
from suite.layers import MLSTM, SLSTM  # noqa: E402

TRAIN_MAX, TEST_MAX = 40, 256


def recurrent_layer(name, units):
    if name == "slstm":
        return SLSTM(units, num_heads=1, return_sequences=True)
    if name == "mlstm":
        return MLSTM(units, num_heads=1, return_sequences=True)
    return keras.layers.LSTM(units, return_sequences=True)


def build(name, units):
    inputs = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(3, 8, mask_zero=True)(inputs)
    x = recurrent_layer(name, units)(x)  # [B, T, U]
    model = keras.Model(inputs, keras.layers.Dense(2)(x))
    model.compile(
        keras.optimizers.Adam(3e-3, clipnorm=1.0),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


def bit_strings(rng, count, low, high, width):
    """Tokens (1 = bit 0, 2 = bit 1, 0 = padding), running parity, lengths."""
    lengths = rng.integers(low, high + 1, size=count)
    bits = rng.integers(0, 2, size=(count, width))
    steps = np.arange(width)[None, :]
    valid = steps < lengths[:, None]
    bits = np.where(valid, bits, 0)
    tokens = np.where(valid, bits + 1, 0).astype("int32")
    running = np.cumsum(bits, axis=1) % 2
    return tokens, running.astype("int32"), valid, lengths


def final_accuracy(model, tokens, lengths, parity, batch=256):
    logits = model.predict(tokens, batch_size=batch, verbose=0)
    predicted = logits.argmax(-1)[np.arange(len(lengths)), lengths - 1]
    return float(
        np.mean(predicted == parity[np.arange(len(lengths)), lengths - 1])
    )


def run(name, seed, args):
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    tokens, running, valid, _ = bit_strings(
        rng, args.train_size, 1, TRAIN_MAX, TRAIN_MAX
    )
    model = build(name, args.units)
    start = time.perf_counter()
    model.fit(
        tokens,
        running,
        sample_weight=valid.astype("float32"),
        batch_size=args.batch,
        epochs=args.epochs,
        verbose=0,
    )
    seconds = time.perf_counter() - start
    test_rng = np.random.default_rng(1000 + seed)
    short = bit_strings(test_rng, args.test_size, 1, TRAIN_MAX, TRAIN_MAX)
    long = bit_strings(
        test_rng, args.test_size, TRAIN_MAX + 1, TEST_MAX, TEST_MAX
    )
    return {
        "accuracy_1_40": final_accuracy(model, short[0], short[3], short[1]),
        "accuracy_41_256": final_accuracy(model, long[0], long[3], long[1]),
        "train_seconds": seconds,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="slstm,mlstm,lstm")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--units", type=int, default=32)
    parser.add_argument("--train-size", type=int, default=4096)
    parser.add_argument("--test-size", type=int, default=1024)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    print(machine(), flush=True)
    results = {}
    for name in args.models.split(","):
        runs = []
        for seed in (int(s) for s in args.seeds.split(",")):
            runs.append(run(name, seed, args))
            print(name, seed, json.dumps(runs[-1]), flush=True)
        results[name] = runs
    print(
        f"\n{'model':<6} {'acc 1-40':>9} {'acc 41-256':>11}  (median, "
        f"min-max over seeds {args.seeds})"
    )
    for name, runs in results.items():
        short = [r["accuracy_1_40"] for r in runs]
        long = [r["accuracy_41_256"] for r in runs]
        print(
            f"{name:<6} {median(short):>9.3f} {median(long):>11.3f}  "
            f"[{min(long):.3f}-{max(long):.3f}]"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(
                {"args": vars(args), "results": results}, handle, indent=2
            )


if __name__ == "__main__":
    main()
