"""Each member of a saved speech ensemble run, scored alone (greedy), on
the validation and test sets the run's seed builds.

    python -m bench.speech_members RUN

One JSON line: per set, every member's single-digit accuracy % (sets of
single recordings) or digit error rate % (connected utterances). The
ensemble's own figures come from `python -m bench.speech --run RUN`.
"""

import argparse
import json

from bench.speech import test_utterances, val_utterances
from suite.data import audio
from suite.tasks import ctc, speech, speech_runs


def member_scores(run) -> dict[str, list[float]]:
    """`{set: [member 0, member 1, ...]}` in %."""
    groups = {**val_utterances(run.config), **test_utterances(run.config)}
    scores = {}
    for name, utterances in groups.items():
        samples = [u.samples for u in utterances]
        features = audio.batch_log_mel(samples, run.spec)
        probs = speech.frame_probabilities(run.model, features, run.strides)
        texts = [u.text for u in utterances]
        key = "utterance_accuracy" if name.endswith("_single") else "cer"
        scores[name] = [
            round(100 * ctc.error_rates(texts, decoded)[key], 2)
            for decoded in _each_member(probs, run.vocabulary)
        ]
    return scores


def _each_member(probs, vocabulary):
    """Greedy transcripts of every member (`probs`: `[M, T, V+1]` each)."""
    for k in range(probs[0].shape[0]):
        yield [ctc.greedy_decode(p[k], vocabulary) for p in probs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    args = parser.parse_args()
    run = speech_runs.load_run(args.run)
    if run.config.ensemble < 2:
        raise SystemExit(f"{args.run} is not an ensemble run")
    print(json.dumps({"run": args.run, **member_scores(run)}), flush=True)


if __name__ == "__main__":
    main()
