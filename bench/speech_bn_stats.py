"""BatchNorm statistics of a trained speech model, re-estimated on the
training set (PreciseBN), scored on the validation sets only.

For each run: the validation CTC loss and the greedy / one-digit-lexicon
validation scores with the model's own moving averages, then again with
every BatchNorm's moving mean and variance replaced by statistics of the
real (unpadded) frames of the training set, layer by layer:

- `--weighting frames`: over all training frames (inference mode, each
  earlier layer already re-estimated);
- `--weighting batches`: the mean over all training batches of each
  batch's own statistics, in training mode (fvcore's PreciseBN).

Validation only: no test figure is computed. Needs runs of the BatchNorm
front end (`normalization="batch"`), e.g. session 3's seeds:

    python -m bench.speech --seed S --set \
        'model_options={"dropout_rate": 0.3, "normalization": "batch"}'
    python -m bench.speech_bn_stats RUN [RUN ...] --weighting frames
"""

import argparse
import json

import keras
import numpy as np

from bench.speech import keras_val_scores
from suite.layers import CTCLoss
from suite.tasks import speech, speech_runs
from suite.tasks.ctc_batches import CTCBatches, pad_features


def batch_norm_inputs(model):
    """`{BatchNorm layer name: sub-model -> (its input, its frame mask)}`,
    first to last."""
    subs = {}
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            index = layer.name.split("_")[1]  # conv_<index>_norm
            outputs = [
                model.get_layer(f"conv_{index}").output,
                model.get_layer(f"conv_{index}_mask").output,
            ]
            subs[layer.name] = keras.Model(model.inputs, outputs)
    return subs


def real_frames(sub, x, training):
    values, mask = sub(x, training=training)
    return np.asarray(values, "float64")[np.asarray(mask, bool)]


def by_frames(model, features, batch_size=64):
    """Moving statistics := those of all real training frames."""
    order = np.argsort([len(f) for f in features])
    for name, sub in batch_norm_inputs(model).items():
        total = squares = count = 0.0
        for start in range(0, len(order), batch_size):
            members = order[start : start + batch_size]
            x = pad_features([features[i] for i in members])
            frames = real_frames(sub, x, training=False)
            total += frames.sum(0)
            squares += (frames**2).sum(0)
            count += len(frames)
        mean = total / count
        _assign(model.get_layer(name), mean, squares / count - mean**2)


def by_batches(model, batches):
    """Moving statistics := mean over all batches of each batch's own."""
    subs = batch_norm_inputs(model)
    sums = {name: [0.0, 0.0] for name in subs}
    for index in range(len(batches)):
        x, _ = batches[index]
        for name, sub in subs.items():
            frames = real_frames(sub, x, training=True)
            sums[name][0] += frames.mean(0)
            sums[name][1] += frames.var(0)
    for name, (mean, variance) in sums.items():
        count = len(batches)
        _assign(model.get_layer(name), mean / count, variance / count)


def _assign(layer, mean, variance):
    layer.moving_mean.assign(mean.astype("float32"))
    layer.moving_variance.assign(variance.astype("float32"))


def _batches(run, data, name, batch_size):
    spec = speech.model_config(run.config, data.vocabulary)
    return CTCBatches(
        data.sets[name],
        data.vocabulary,
        speech.strides_of(spec),
        batch_size=batch_size,
    )


def scores(run, data):
    val = _batches(run, data, "val", 32)
    run.model.compile(loss=CTCLoss())
    result = {"val_loss": float(run.model.evaluate(val, verbose=0))}
    for name, rates in keras_val_scores([run], run.config).items():
        result[name] = {
            "cer": rates["cer"],
            "accuracy": rates["utterance_accuracy"],
        }
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+")
    parser.add_argument(
        "--weighting", choices=["frames", "batches"], default="frames"
    )
    args = parser.parse_args()
    for folder in args.runs:
        run = speech_runs.load_run(folder)
        data = speech.prepare(run.config)
        before = scores(run, data)
        if args.weighting == "frames":
            by_frames(run.model, data.sets["train"].features)
        else:
            train = _batches(run, data, "train", run.config.batch_size)
            by_batches(run.model, train)
        after = scores(run, data)
        line = {"run": folder, "weighting": args.weighting}
        print(json.dumps({**line, "moving": before, "re_estimated": after}))


if __name__ == "__main__":
    main()
