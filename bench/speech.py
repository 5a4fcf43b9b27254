"""Spoken digits (FSDD): connected-digit error rate, single-digit accuracy,
real-time factor of transcription in Keras and in LiteRT.

Trains the speech task's default configuration once (connected-digit
utterances from the training recordings 10-49 plus every single recording,
validation on 5-9), then scores the official test recordings (0-4):
`--connected-test` connected utterances of 1-7 digits built from them, and
each of the 250 single recordings. Decoding: greedy and prefix beam search
(unconstrained); the singles also with the one-digit lexicon (each of the
ten one-digit transcripts scored by its CTC likelihood), a separate row.
The exported `acoustic.tflite` (float32 and dynamic-range int8) is scored
the same way with NumPy features and NumPy decoding.

Real-time factor = transcription time / audio duration, batch 1, per file
from samples at the model rate: features + acoustic model + greedy
decoding. Keras uses TF's default threads (both cores); LiteRT one thread.
Median of `--repeats` passes over the first `--rtf-utterances` connected
test utterances.

`--set FIELD=VALUE` overrides a `SpeechConfig` field (VALUE as JSON, e.g.
`--set single_repeats=2 --set 'model_options={"dropout_rate": 0.3}'`).
The validation recordings (5-9) are scored too (Keras, greedy), so that
configurations can be compared without looking at the test figures.

    python -m bench.speech --out /tmp/speech.json
    python -m bench.speech --run saved_models/bench-speech-fsdd --keras-only
    # rescores a saved run; add --eval-batch 1 for per-utterance scoring,
    # --ensemble OTHER_RUN to average another seed's probabilities in
"""

import argparse
import dataclasses
import json
import time

import keras
import numpy as np

from bench.common import machine, median
from suite import configs
from suite.data import audio, speech_corpus
from suite.export.speech_runtime import SpeechTranscriber
from suite.tasks import ctc, speech, speech_runs

RUN_NAME = "bench-speech-fsdd"


def test_utterances(config):
    recordings = speech_corpus.fsdd_recordings(config.sample_rate)
    test = speech_corpus.split_recordings(recordings)["test"]
    return {
        "test_connected": speech_corpus.connected_utterances(
            test,
            config.connected_test,
            config.seed + 2,
            config.max_digits,
            config.sample_rate,
        ),
        "test_single": speech_corpus.single_utterances(test),
    }


def val_utterances(config):
    recordings = speech_corpus.fsdd_recordings(config.sample_rate)
    val = speech_corpus.split_recordings(recordings)["val"]
    return {
        "val_connected": speech_corpus.connected_utterances(
            val,
            config.connected_val,
            config.seed + 1,
            config.max_digits,
            config.sample_rate,
        ),
        "val_single": speech_corpus.single_utterances(val),
    }


def probabilities(runs, features, batch_size, combine="average"):
    """Per-frame probabilities of each utterance from `runs` (one run, or
    a seed ensemble of one configuration): averaged (`[T, V+1]`), or
    stacked (`[M, T, V+1]`, "product": decoded by product of experts)."""
    each = [
        speech.frame_probabilities(r.model, features, r.strides, batch_size)
        for r in runs
    ]
    join = np.stack if combine == "product" else np.mean
    return [join(group, axis=0) for group in zip(*each, strict=True)]


def keras_val_scores(runs, config, batch_size=32, combine="average"):
    """Greedy error rates of the Keras model on the validation sets (and
    one-digit lexicon decoding of the singles, 'val_single_one_symbol')."""
    spec = speech.feature_spec(config)
    scores = {}
    for name, utterances in val_utterances(config).items():
        features = audio.batch_log_mel([u.samples for u in utterances], spec)
        probs = probabilities(runs, features, batch_size, combine)
        texts = [u.text for u in utterances]
        vocabulary = runs[0].vocabulary
        scores[name] = ctc.error_rates(
            texts, speech.decode_all(probs, vocabulary)
        )
        if name.endswith("_single"):
            scores[f"{name}_one_symbol"] = ctc.error_rates(
                texts,
                speech.decode_all(probs, vocabulary, lexicon=list(vocabulary)),
            )
    return scores


class EpochLog(keras.callbacks.Callback):
    """Prints each epoch's losses; stops after `minutes` of training (at an
    epoch end; early stopping then restores the best validation epoch)."""

    def __init__(self, minutes=0.0):
        super().__init__()
        self.minutes, self.started = minutes, 0.0

    def on_train_begin(self, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        elapsed = time.perf_counter() - self.started
        print(
            f"epoch {epoch + 1}: loss {logs['loss']:.4f} "
            f"val_loss {logs['val_loss']:.4f} ({elapsed:.0f} s)",
            flush=True,
        )
        if self.minutes and elapsed > 60 * self.minutes:
            print(f"time limit of {self.minutes} min reached", flush=True)
            self.model.stop_training = True


def overrides(pairs):
    """`FIELD=JSON` strings -> a dict of SpeechConfig field values."""
    fields = {f.name for f in dataclasses.fields(speech.SpeechConfig)}
    out = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if name not in fields:
            raise SystemExit(f"--set: SpeechConfig has no field {name!r}")
        out[name] = json.loads(value)
    return out


def litert_scores(recognizer, groups, beam_width):
    scores = {}
    for name, utterances in groups.items():
        probs = [recognizer.probabilities(u.samples) for u in utterances]
        texts = [u.text for u in utterances]
        scores[name] = speech.decoder_scores(
            probs,
            texts,
            recognizer.vocabulary,
            beam_width,
            one_symbol=name.endswith("_single"),
        )
    return scores


def keras_scores(runs, groups, beam_width, batch_size=32, combine="average"):
    """What `speech.evaluate` gives, from loaded runs (no training data;
    several runs: a seed ensemble, combined as `probabilities` does);
    `batch_size` 1 scores each utterance alone (no padding)."""
    spec = speech.feature_spec(runs[0].config)
    scores = {}
    for name, utterances in groups.items():
        features = audio.batch_log_mel([u.samples for u in utterances], spec)
        probs = probabilities(runs, features, batch_size, combine)
        texts = [u.text for u in utterances]
        scores[name] = speech.decoder_scores(
            probs,
            texts,
            runs[0].vocabulary,
            beam_width,
            one_symbol=name.endswith("_single"),
        )
    return scores


def real_time_factors(transcribe, sample_rate, utterances, repeats):
    """Per repeat: seconds spent in `transcribe(samples)` / audio seconds."""
    rates = []
    for _ in range(repeats):
        elapsed, seconds = 0.0, 0.0
        for u in utterances:
            started = time.perf_counter()
            transcribe(u.samples)
            elapsed += time.perf_counter() - started
            seconds += len(u.samples) / sample_rate
        rates.append(elapsed / seconds)
    return rates


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--epochs", type=int, default=speech.BENCH_CONFIG.epochs
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rtf-utterances", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default="")
    parser.add_argument("--set", action="append", default=[], metavar="F=V")
    parser.add_argument(
        "--train-minutes",
        type=float,
        default=0.0,
        help="stop training at the first epoch end after this (0: none)",
    )
    parser.add_argument(
        "--keras-only",
        action="store_true",
        help="skip the LiteRT scores and the real-time factors",
    )
    parser.add_argument(
        "--run",
        default="",
        help="score this saved speech run instead of training one (its "
        "config; training options are ignored)",
    )
    parser.add_argument(
        "--eval-batch",
        type=int,
        default=32,
        help="with --run: Keras scoring batch (1 = each utterance alone, "
        "as transcription and LiteRT run; 32 = speech.evaluate's padded "
        "length-sorted batches)",
    )
    parser.add_argument(
        "--ensemble",
        action="append",
        default=[],
        metavar="RUN",
        help="with --run --keras-only: combine the per-frame probabilities "
        "of these runs (other seeds of the same configuration) and its own",
    )
    parser.add_argument(
        "--combine",
        choices=("average", "product"),
        default="average",
        help="how --ensemble combines: average the per-frame probabilities, "
        "or decode the product of the members' CTC likelihoods",
    )
    args = parser.parse_args()
    print(machine(), flush=True)
    if args.ensemble and not (args.run and args.keras_only):
        raise SystemExit("--ensemble needs --run and --keras-only")
    if args.run:
        run = speech_runs.load_run(args.run)
        folder, config = run.folder, run.config
        runs = [run, *(speech_runs.load_run(r) for r in args.ensemble)]
        result = keras_scores(
            runs,
            test_utterances(config),
            config.beam_width,
            args.eval_batch,
            args.combine,
        )
    else:
        config = dataclasses.replace(
            speech.BENCH_CONFIG,
            epochs=args.epochs,
            seed=args.seed,
            **overrides(args.set),
        )
        print(config, flush=True)
        result, folder = speech_runs.run_training(
            config,
            RUN_NAME,
            overwrite=True,
            callbacks=[EpochLog(args.train_minutes)],
        )
        print(
            f"trained {result['epochs_trained']} epochs in "
            f"{result['train_seconds']:.0f} s",
            flush=True,
        )
        run = speech_runs.load_run(folder)
        runs = [run]
    batch = args.eval_batch if args.run else 32
    val = keras_val_scores(runs, config, batch, args.combine)
    for name, r in val.items():
        print(
            f"{name}: CER {100 * r['cer']:.2f}% exact "
            f"{100 * r['utterance_accuracy']:.1f}%",
            flush=True,
        )
    # test after validation: a reader deciding on validation sees it first
    print(speech.summary_table(result), flush=True)
    if args.ensemble:
        report = {
            "runs": [str(r.folder) for r in runs],
            "combine": args.combine,
            "val": val,
        }
        print_tables({**report, "keras": result, "litert": {}, "rtf": {}})
        _write(args.out, {**report, "keras": result})
        return
    speech_runs.export_acoustic_model(
        run.model,
        config,
        run.vocabulary,
        folder / "acoustic-dynamic.tflite",
        quantization="dynamic",
    )
    groups = test_utterances(config)
    report = {
        "machine": machine(),
        "config": configs.to_dict(config),
        "val": val,
        "keras": result,
        "litert": {},
        "rtf": {},
    }
    timed = groups["test_connected"][: args.rtf_utterances]
    forms = () if args.keras_only else ("acoustic", "acoustic-dynamic")
    if not args.keras_only:
        report["rtf"]["keras"] = real_time_factors(
            lambda samples: speech_runs.transcribe_samples(run, samples),
            run.spec.sample_rate,
            timed,
            args.repeats,
        )
    for form in forms:
        recognizer = SpeechTranscriber(folder / f"{form}.tflite")
        report["litert"][form] = litert_scores(
            recognizer, groups, config.beam_width
        )
        report["rtf"][form] = real_time_factors(
            recognizer.transcribe_samples,
            recognizer.spec.sample_rate,
            timed,
            args.repeats,
        )
        report["litert"][form]["size_kib"] = (
            folder / f"{form}.tflite"
        ).stat().st_size / 1024
    report["features_max_abs_diff"] = feature_difference(groups, config)
    print_tables(report)
    _write(args.out, report)


def _write(path, report):
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2)


def feature_difference(groups, config):
    """Largest |NumPy - tf.signal| normalized feature over the test set."""
    spec = speech.feature_spec(config)
    worst = 0.0
    for u in groups["test_single"]:
        a = audio.features_for(u.samples, spec, backend="numpy")
        b = audio.features_for(u.samples, spec, backend="tf")
        worst = max(worst, float(np.max(np.abs(a - b))))
    return worst


def print_tables(report):
    print(
        "\n| model | decoder | connected digits: DER % | exact % |"
        " single digits: accuracy % |"
    )
    print("|---|---|---|---|---|")
    rows = [("Keras", report["keras"])] + [
        (f"LiteRT {form}", scores) for form, scores in report["litert"].items()
    ]
    for label, scores in rows:
        for decoder in ("greedy", "beam"):
            connected = scores["test_connected"][decoder]
            single = scores["test_single"][decoder]
            print(
                f"| {label} | {decoder} | {100 * connected['cer']:.2f} | "
                f"{100 * connected['utterance_accuracy']:.1f} | "
                f"{100 * single['utterance_accuracy']:.1f} |"
            )
        single = scores["test_single"]["one_symbol"]
        print(
            f"| {label} | one-digit lexicon (singles only) | - | - | "
            f"{100 * single['utterance_accuracy']:.1f} |"
        )
    print("\n| runtime | real-time factor, median (min-max) |\n|---|---|")
    for name, rates in report["rtf"].items():
        print(
            f"| {name} | {median(rates):.4f} "
            f"({min(rates):.4f}-{max(rates):.4f}) |"
        )
    if "features_max_abs_diff" in report:
        worst = report["features_max_abs_diff"]
        print(f"\nmax |NumPy - tf.signal| normalized feature: {worst:.2e}")


if __name__ == "__main__":
    main()
