"""Writes notebooks/03_text_generation.ipynb (without outputs) with nbformat.

Run from the repository root: python notebooks/build_03_text_generation.py
"""


from nbformat.v4 import new_code_cell as code
from nbformat.v4 import new_markdown_cell as md
from notebook_writer import write_notebook

CELLS = [
    md("""# 03 · Text generation: a character-level LSTM on Tiny Shakespeare

A language model reads text one token at a time and predicts the next one.
Here the tokens are characters, the corpus is Tiny Shakespeare (1.1 M
characters, read from `$SUITE_DATA_DIR`, or through tensorflow-datasets when it
is not set), and the model is any recurrent model from the registry with an
Embedding input and a next-character head at every step.

To keep this notebook under a minute it trains a small LSTM on the first 200k
characters for a few epochs; `bench/text_generation.py` trains the full-size
model (figures in BENCHMARKS.md)."""),
    code("""import time

import numpy as np

from suite.data import corpus
from suite.tasks import sampling
from suite.tasks import text_generation as tg
from suite.tasks import text_generation_runs
from suite.tasks.sampling import SamplingConfig

text = corpus.load_text("tiny_shakespeare")
print(f"{len(text):,} characters")
print(text[:200])"""),
    md("""## Vocabulary and training sequences

The last 10% of the corpus is held out for validation; the vocabulary is
fitted on the first 90% only. Id 0 is padding and id 1 an explicit unknown
token, so a prompt with a character the model never saw still works (pass
`unknown_token=""` to refuse such prompts instead). Training sequences are
contiguous slices of the text; each target is its input shifted one character
ahead."""),
    code("""config = tg.TextGenConfig(
    sequence_length=100,
    embedding_dim=32,
    model="stacked_lstm",
    model_options={"units": (128,)},
    epochs=3,
    batch_size=64,
    learning_rate=5e-3,
)
data = tg.prepare(config, text=text[:200_000])
vocab = data.vocab
print("vocabulary:", vocab.size, "ids;", repr("".join(vocab.tokens[2:])))
print("round trip:", vocab.decode(vocab.encode("O Romeo!")) == "O Romeo!")
print("sequences:", data.x_train.shape, "train,", data.x_val.shape, "val")
print("input :", repr(vocab.decode(data.x_train[0][:40])))
print("target:", repr(vocab.decode(data.y_train[0][:40])))"""),
    md("""## Train and evaluate

The loss is the cross-entropy of the next character in nats. Bits per
character is the same number divided by ln 2; perplexity is its exponential.
The unigram entropy is what the best model that ignores context would score:
a model that learned anything must be well below it."""),
    code("""model = tg.build(config, data)
started = time.perf_counter()
history = tg.train(config, data, model)
seconds = time.perf_counter() - started
print(f"trained {len(history['loss'])} epochs in {seconds:.0f} s")
metrics = tg.evaluate(config, data, model)
for key in ("val_loss", "bits_per_char", "perplexity", "unigram_entropy"):
    print(f"{key:16s} {metrics[key]:.3f}")"""),
    md("""## Sampling strategies

`temperature=0` is greedy decoding. A temperature divides the logits (below 1
sharpens, above 1 flattens); `top_k` keeps the k most likely characters and
`top_p` the smallest set reaching that probability. The sampler is seeded, so
the same settings give the same text."""),
    code("""prompt = "ROMEO:\\n"
settings = {
    "greedy": SamplingConfig(temperature=0, max_length=120),
    "temperature 0.8": SamplingConfig(temperature=0.8, max_length=120, seed=1),
    "top-k 5": SamplingConfig(top_k=5, max_length=120, seed=1),
    "top-p 0.9": SamplingConfig(top_p=0.9, max_length=120, seed=1),
}
for name, setting in settings.items():
    print(f"--- {name}")
    print(prompt + tg.generate_text(model, vocab, prompt, setting))
first = tg.generate_text(model, vocab, prompt, settings["top-p 0.9"])
second = tg.generate_text(model, vocab, prompt, settings["top-p 0.9"])
print("same seed, same text:", first == second)"""),
    md("""## Stateful generation vs re-reading the prefix

The stateful generator cuts a one-step model out of the trained one
(`suite.export.streaming`) and carries the LSTM state from character to
character: one step of work per character. The naive alternative re-reads the
whole prefix at every character, so its cost grows with the text. Under greedy
decoding both give the same text."""),
    code("""greedy = SamplingConfig(temperature=0, max_length=200)
timings = {}
for mode in ("stateful", "prefix"):
    started = time.perf_counter()
    timings[mode] = tg.generate_text(model, vocab, prompt, greedy, mode=mode)
    print(f"{mode:8s} {200 / (time.perf_counter() - started):8.0f} chars/s")
print("same text:", timings["stateful"] == timings["prefix"])"""),
    md("""## On a device: LiteRT, no TensorFlow

`export_litert` writes the one-step model as a `.tflite` file (token and
states in, logits and new states out, builtin ops only) with the vocabulary in
its JSON sidecar. `sampling.LiteRTStepper` runs it in the ai-edge-litert
interpreter; the generation loop is the same NumPy code."""),
    code("""import tempfile
from pathlib import Path

folder = Path(tempfile.mkdtemp())
exported = text_generation_runs.export_litert(model, vocab, folder / "step.tflite")
print(f"{exported.size_bytes / 1024:.0f} KiB, ops: {', '.join(exported.ops)}")
device_vocab = sampling.litert_vocabulary(exported.path)
stepper = sampling.LiteRTStepper(exported.path)
on_device = sampling.generate(stepper, device_vocab, prompt, greedy)
print("same greedy text as Keras:", on_device == timings["stateful"])"""),
    md("""From the command line the same flow is:

```bash
suite textgen train --corpus tiny_shakespeare --units 384,384 --dropout 0.1 \\
    --epochs 30 --max-minutes 25 --run-name shakespeare
suite textgen generate shakespeare --prompt "ROMEO:" --temperature 0.8 \\
    --top-p 0.95
suite textgen export shakespeare --out shakespeare.tflite
suite textgen generate --litert shakespeare.tflite --prompt "ROMEO:"
```"""),
]


def main() -> None:
    write_notebook(CELLS, "03_text_generation.ipynb")


if __name__ == "__main__":
    main()
