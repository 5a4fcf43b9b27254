"""Writes notebooks/07_tflite_deployment.ipynb (without outputs) with nbformat.

Run from the repository root: python notebooks/build_07_tflite_deployment.py
"""


from nbformat.v4 import new_code_cell, new_markdown_cell
from notebook_writer import write_notebook

CELLS = [
    new_markdown_cell(
        "# Shipping a recurrent model to a device with LiteRT\n"
        "\n"
        "Train a tiny LSTM forecaster on the airline-passengers series, "
        "export it to `.tflite` files that the **stock** LiteRT runtime "
        "runs (builtin ops only), quantize it, compare the variants, and run "
        "it one month at a time as a stream with its LSTM state carried "
        "between calls. Runs in well under a minute on a laptop CPU; the "
        "full-size figures (ETTh1, latency) are in `BENCHMARKS.md`.\n"
        "\n"
        "Everything a device would do goes through `suite.export.runtime`, "
        "which imports `ai_edge_litert` and NumPy only, never TensorFlow."
    ),
    new_code_cell(
        "import tempfile\n"
        "from pathlib import Path\n"
        "\n"
        "import keras\n"
        "import numpy as np\n"
        "\n"
        "from suite.data import sources\n"
        "from suite.errors import SuiteError\n"
        "from suite.export import metadata, runtime, tflite\n"
        "from suite.models import registry\n"
        "\n"
        "keras.utils.set_random_seed(0)\n"
        "out = Path(tempfile.mkdtemp(prefix='tflite-demo-'))"
    ),
    new_markdown_cell(
        "## A small forecaster\n"
        "\n"
        "144 monthly totals (1949-1960); the last 24 months are the test "
        "period. The model reads 12 monthly log-changes "
        "`log(y[t]) - log(y[t-1])`, z-scored with the statistics of the "
        "training months only, and predicts the next one; the forecast is "
        "`y[t] * exp(change)`."
    ),
    new_code_cell(
        "series = sources.airline_passengers()['passengers'].to_numpy()\n"
        "change = np.diff(np.log(series)).astype('float32')  # change[i]: "
        "month i -> i+1\n"
        "split = len(change) - 24\n"
        "mean, std = change[:split].mean(), change[:split].std()\n"
        "scaled = (change - mean) / std\n"
        "LOOKBACK = 12\n"
        "\n"
        "def windows(start, stop):\n"
        "    ends = np.arange(max(start, LOOKBACK), stop)\n"
        "    x = np.stack([scaled[e - LOOKBACK:e, None] for e in ends])\n"
        "    return x, scaled[ends, None], ends\n"
        "\n"
        "x_train, y_train, _ = windows(0, split)\n"
        "x_test, y_test, test_ends = windows(split, len(change))\n"
        "\n"
        "model = registry.build('stacked_lstm', {\n"
        "    'units': (16,), 'sequence_length': None, 'num_features': 1})\n"
        "model.compile(optimizer=keras.optimizers.Adam(0.01), loss='mse')\n"
        "model.fit(x_train, y_train, epochs=60, batch_size=16, verbose=0)\n"
        "\n"
        "def passengers(prediction, ends=test_ends):\n"
        "    steps = np.asarray(prediction).ravel() * std + mean\n"
        "    return series[ends] * np.exp(steps)  # month ends -> ends+1\n"
        "\n"
        "def mae(prediction):\n"
        "    return np.mean(np.abs(passengers(prediction) - series[test_ends + 1]))\n"
        "\n"
        "keras_pred = model.predict(x_test, verbose=0)\n"
        "naive = np.mean(np.abs(series[test_ends] - series[test_ends + 1]))\n"
        "print(f'Keras test MAE: {mae(keras_pred):.1f} thousand passengers '\n"
        "      f'(last month repeated: {naive:.1f})')"
    ),
    new_markdown_cell(
        "## Why not `model.export(format='litert')`?\n"
        "\n"
        "Keras keeps a dynamic batch, and an LSTM's loop over a dynamic batch "
        "needs Select-TF (Flex) ops, which the stock runtime does not have: "
        "the file would fail on the device. `suite` refuses to write such a "
        "file unless you pass `allow_flex=True`:"
    ),
    new_code_cell(
        "try:\n"
        "    tflite.convert(model)  # the model as trained: batch size None\n"
        "except SuiteError as error:\n"
        "    print('refused:', str(error)[:160], '...')"
    ),
    new_markdown_cell(
        "## Window export\n"
        "\n"
        "`export_window` rebuilds the model from its config with a static "
        "batch of 1 (the time axis stays free here), traces it on the CPU, "
        "converts with builtin ops only and lists the ops of the file. The "
        "JSON sidecar carries what the device needs to use it: here the "
        "normalization statistics."
    ),
    new_code_cell(
        "extras = {'change_mean': float(mean), 'change_std': float(std),\n"
        "          'lookback_months': LOOKBACK}\n"
        "window = tflite.export_window(model, out / 'window.tflite',\n"
        "                              extras=extras)\n"
        "print(window.size_bytes, 'bytes; ops:', ', '.join(window.ops))\n"
        "meta = metadata.read_metadata(window.path)\n"
        "print(meta['inputs'], meta['outputs'], meta['extras'], sep='\\n')"
    ),
    new_code_cell(
        "lite = runtime.LiteRTModel(window.path)  # ai_edge_litert only\n"
        "lite_pred = lite.predict(x_test)  # one invoke per window\n"
        "print('max |LiteRT - Keras|:', np.abs(lite_pred - keras_pred).max())\n"
        "print('any length works:', lite(x_test[:1, -6:]).ravel())"
    ),
    new_markdown_cell(
        "## Quantization\n"
        "\n"
        "Dynamic range stores int8 weights, float16 halves them, int8 also "
        "computes in integers after calibrating activation ranges on "
        "training windows; int8-act16 keeps int8 weights but int16 "
        "activations (LiteRT's 16x8 mode) for models that int8 hurts. "
        "The converter crashes calibrating an LSTM's `WHILE` loop, so "
        "the int8 modes swap each Keras LSTM for LiteRT's fused LSTM op "
        "(`UNIDIRECTIONAL_SEQUENCE_LSTM`, full-integer kernel, no loop "
        "in the graph); int8-act16 has no fused kernel and is unrolled "
        "at a fixed length (12 here). Ops without an int8 kernel would "
        "stay float and are listed. (At 16 units the weights are tiny, "
        "so the file sizes are mostly graph structure; see "
        "`BENCHMARKS.md` for the task models.)"
    ),
    new_code_cell(
        "rows = []\n"
        "for mode in tflite.QUANTIZATIONS:\n"
        "    result = tflite.export_window(\n"
        "        model, out / f'window-{mode}.tflite', quantization=mode,\n"
        "        representative_data=x_train, extras=extras)\n"
        "    pred = runtime.LiteRTModel(result.path).predict(x_test)\n"
        "    fused = 'UNIDIRECTIONAL_SEQUENCE_LSTM' in result.ops\n"
        "    recurrence = 'loop' if 'WHILE' in result.ops else (\n"
        "        'fused' if fused else 'unrolled')\n"
        "    rows.append((mode, result.size_bytes, mae(pred), recurrence,\n"
        "                 result.float_ops))\n"
        "print(f\"{'variant':18s} {'bytes':>7s} {'MAE':>6s}  LSTM      float ops\")\n"
        "for mode, size, error, recurrence, floats in rows:\n"
        "    print(f'{mode:18s} {size:7d} {error:6.1f}  {recurrence:9s} '\n"
        "          f'{list(floats)}')"
    ),
    new_markdown_cell(
        "## Streaming: one month per call\n"
        "\n"
        "The streaming-step export takes one time step and the LSTM states "
        "as explicit inputs and returns the new states as outputs, so a "
        "device can run an unbounded stream in constant memory. "
        "`StreamingSession` feeds each `next_<state>` output back in. "
        "Stepping through a window reproduces the window model, and the "
        "output after each step is the forecast from the months seen so "
        "far."
    ),
    new_code_cell(
        "step = tflite.export_streaming_step(model, out / 'step.tflite',\n"
        "                                    extras=extras)\n"
        "print(step.size_bytes, 'bytes; ops:', ', '.join(step.ops))\n"
        "print('states:', metadata.read_metadata(step.path)['states'])\n"
        "\n"
        "session = runtime.StreamingSession(step.path)\n"
        "streamed = []\n"
        "for x in x_test:\n"
        "    session.reset()\n"
        "    streamed.append(session.run(x)[-1])  # after the 12th month\n"
        "streamed = np.concatenate(streamed)\n"
        "print('max |streamed - window|:', np.abs(streamed - lite_pred).max())"
    ),
    new_code_cell(
        "session.reset()\n"
        "end = test_ends[-1]  # forecast the last month of the series\n"
        "for months, value in enumerate(x_test[-1, :, 0], start=1):\n"
        "    change_next = session.step(value)  # one value in, state kept\n"
        "    guess = passengers(change_next, ends=[end])[0]\n"
        "    print(f'after {months:2d} months of changes: {guess:6.1f}')\n"
        "print(f'actual: {series[end + 1]:.1f}')"
    ),
    new_markdown_cell(
        "The streaming step is unrolled by construction (no `WHILE`), so it "
        "also quantizes to int8 directly, with calibration inputs that "
        "include the states reached on training windows:"
    ),
    new_code_cell(
        "step8 = tflite.export_streaming_step(\n"
        "    model, out / 'step-int8.tflite', quantization='int8',\n"
        "    representative_data=x_train, extras=extras)\n"
        "session8 = runtime.StreamingSession(step8.path)\n"
        "pred8 = []\n"
        "for x in x_test:\n"
        "    session8.reset()\n"
        "    pred8.append(session8.run(x)[-1])\n"
        "print(f'int8 step: {step8.size_bytes} bytes (float '\n"
        "      f'{step.size_bytes}), test MAE {mae(np.concatenate(pred8)):.1f}'\n"
        "      f' vs float {mae(streamed):.1f}')"
    ),
    new_markdown_cell(
        "From the command line, a saved run exports the same way:\n"
        "\n"
        "```bash\n"
        "suite export RUN --form streaming --quantization int8 \\\n"
        "    --representative-data train_windows.npy\n"
        "```"
    ),
]


def main() -> None:
    write_notebook(CELLS, "07_tflite_deployment.ipynb")


if __name__ == "__main__":
    main()
