"""The single recordings a saved speech run gets wrong (greedy), on the
validation (5-9) and official test (0-4) recordings, with their lengths.

    python -m bench.speech_errors RUN [RUN ...]

One JSON line per run: per set, the number wrong and each
`recording (seconds) -> decoded text`.
"""

import argparse
import json

from suite.data import audio, speech_corpus
from suite.tasks import ctc, speech, speech_runs


def single_sets(sample_rate: int) -> dict:
    """`{"val": [...], "test": [...]}` single-recording utterances."""
    recordings = speech_corpus.fsdd_recordings(sample_rate)
    split = speech_corpus.split_recordings(recordings)
    return {
        name: speech_corpus.single_utterances(split[name])
        for name in ("val", "test")
    }


def errors(run, utterances) -> list[str]:
    """`name (s) -> 'decoded'` of each utterance decoded wrongly."""
    samples = [u.samples for u in utterances]
    features = audio.batch_log_mel(samples, run.spec)
    probs = speech.frame_probabilities(run.model, features, run.strides)
    wrong = []
    for utterance, p in zip(utterances, probs, strict=True):
        decoded = ctc.decode(p, run.vocabulary)
        if decoded != utterance.text:
            seconds = len(utterance.samples) / run.spec.sample_rate
            name = utterance.parts[0][0]
            wrong.append(f"{name} ({seconds:.2f} s) -> {decoded!r}")
    return wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+")
    args = parser.parse_args()
    for path in args.runs:
        run = speech_runs.load_run(path)
        result = {"run": path}
        for name, utterances in single_sets(run.spec.sample_rate).items():
            wrong = errors(run, utterances)
            result[name] = {"wrong": len(wrong), "recordings": wrong}
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
