"""Training throughput of SLSTM and MLSTM vs keras.layers.LSTM, one run.

Each model is Input -> recurrent layer (same width, same sequence length)
-> Dense(1), trained with Adam on random data; we time `repeats` epochs of
`batches` batches after a warm-up epoch and report the median samples/s
and the ratio to the Keras LSTM measured in the same process.

    flock /tmp/suite-bench.lock python -m bench.xlstm_throughput
"""

import argparse
import json
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

from bench import common  # noqa: E402
from suite.layers import MLSTM, SLSTM, SLSTMCell  # noqa: E402


class EinsumSLSTMCell(SLSTMCell):
    """The previous recurrence: a per-head batched matmul (einsum)."""

    def recurrent_matmul(self, h):
        heads = ops.reshape(h, (-1, self.num_heads, self.head_dim))
        mixed = ops.einsum("bhd,hdge->bghe", heads, self.recurrent_kernel)
        return ops.reshape(mixed, (-1, 4 * self.units))  # [B, 4U]


def layers(units, heads):
    return {
        "keras LSTM": lambda: keras.layers.LSTM(units),
        f"SLSTM ({heads} heads)": lambda: SLSTM(units, num_heads=heads),
        f"SLSTM ({heads} heads, einsum)": lambda: keras.layers.RNN(
            EinsumSLSTMCell(units, num_heads=heads)
        ),
        "SLSTM (1 head)": lambda: SLSTM(units),
        f"MLSTM ({heads} heads)": lambda: MLSTM(units, num_heads=heads),
    }


def measure(make_layer, args):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((args.steps, args.features))
    outputs = keras.layers.Dense(1)(make_layer()(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(keras.optimizers.Adam(1e-3), "mse")
    rng = np.random.default_rng(0)
    samples = args.batch * args.batches
    x = rng.normal(size=(samples, args.steps, args.features)).astype("f4")
    y = rng.normal(size=(samples, 1)).astype("f4")
    model.fit(x, y, batch_size=args.batch, epochs=1, verbose=0)  # warm-up
    rates = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        model.fit(x, y, batch_size=args.batch, epochs=1, verbose=0)
        rates.append(samples / (time.perf_counter() - start))
    return statistics.median(rates), rates


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=64)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--steps", type=int, default=48)
    parser.add_argument("--features", type=int, default=8)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    results = {}
    for name, make_layer in layers(args.units, args.heads).items():
        median, rates = measure(make_layer, args)
        results[name] = {"median_samples_per_s": median, "runs": rates}
    base = results["keras LSTM"]["median_samples_per_s"]
    print(common.machine())
    print(
        f"units={args.units} steps={args.steps} features={args.features} "
        f"batch={args.batch}; median of {args.repeats} epochs of "
        f"{args.batches} batches"
    )
    print(f"{'layer':<28} {'samples/s':>10} {'slower than LSTM':>17}")
    for name, result in results.items():
        rate = result["median_samples_per_s"]
        result["slowdown_vs_lstm"] = base / rate
        print(f"{name:<28} {rate:>10.0f} {base / rate:>16.2f}x")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            payload = {"args": vars(args), "results": results}
            json.dump(payload, handle, indent=2)


if __name__ == "__main__":
    main()
