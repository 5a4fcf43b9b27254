"""How concentrated a speech model's validation CTC loss is: each
validation utterance's own loss, -log P(transcript | audio) summed over
all CTC alignments (`ctc.log_likelihood`, NumPy), their mean (what early
stopping reads) and the share of it carried by the hardest few.

Validation only: no test figure is computed.

    python -m bench.speech_val_losses RUN [RUN ...] --top 10

One JSON line per run on stdout.
"""

import argparse
import json

import numpy as np

from bench.speech import probabilities, val_utterances
from suite.data import audio
from suite.tasks import ctc, speech_runs


def utterance_losses(run) -> list[dict]:
    """`{"set", "text", "loss"}` of every validation utterance."""
    rows = []
    for name, utterances in val_utterances(run.config).items():
        samples = [u.samples for u in utterances]
        features = audio.batch_log_mel(samples, run.spec)
        probs = probabilities([run], features, batch_size=32)
        for utterance, p in zip(utterances, probs, strict=True):
            labels = ctc.encode(utterance.text, run.vocabulary)
            loss = -ctc.log_likelihood(p, labels)
            rows.append({"set": name, "text": utterance.text, "loss": loss})
    return rows


def concentration(rows: list[dict], top: int) -> dict:
    """Mean loss, the top-`top` share of the total and those utterances."""
    losses = np.array([row["loss"] for row in rows])
    hardest = np.argsort(-losses)[:top]
    return {
        "utterances": len(rows),
        "mean_loss": float(losses.mean()),
        f"top{top}_share": float(losses[hardest].sum() / losses.sum()),
        "hardest": [
            {**rows[i], "loss": round(float(losses[i]), 3)} for i in hardest
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+")
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    for path in args.runs:
        run = speech_runs.load_run(path)
        report = concentration(utterance_losses(run), args.top)
        print(json.dumps({"run": str(path), **report}), flush=True)


if __name__ == "__main__":
    main()
