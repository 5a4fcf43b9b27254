"""Writes notebooks/02_sentiment.ipynb (without outputs) with nbformat.

Run from the repository root: python notebooks/build_02_sentiment.py
"""


from nbformat.v4 import new_code_cell, new_markdown_cell
from notebook_writer import write_notebook

CELLS = [
    new_markdown_cell(
        "# Sentiment analysis with a bidirectional LSTM\n"
        "\n"
        "Raw review text in, a label and its probability out. This notebook "
        "walks through `suite.tasks.sentiment` on a slice of the IMDB "
        "reviews (Maas et al. 2011) so that it runs in well under a minute "
        "on a laptop CPU; the full-size figures (IMDB test accuracy, "
        "rt-polarity cross-validation, throughput) are in `BENCHMARKS.md`.\n"
        "\n"
        "It reads the data from `$SUITE_DATA_DIR` (set by `make test`) and "
        "writes its run folder under `../saved_models/`."
    ),
    new_code_cell(
        "import os\n"
        "\n"
        'os.environ.setdefault("SUITE_RUNS_DIR", "../saved_models")\n'
        "\n"
        "import json\n"
        "\n"
        "from suite.data import text\n"
        "from suite.data.tokenizer import Tokenizer\n"
        "from suite.data.vectorizer import (\n"
        "    make_vectorizer,\n"
        "    standardize_text,\n"
        "    vectorize,\n"
        ")\n"
        "from suite.tasks import sentiment, sentiment_runs"
    ),
    new_markdown_cell(
        "## The data\n"
        "\n"
        "`text.load_imdb()` returns the original 25k/25k train/test split. "
        "Every loader checks its input: empty texts, invalid UTF-8, unknown "
        "labels or a label set that differs between train and test raise a "
        "`SuiteError` naming the rows. Reviews still hold HTML line breaks:"
    ),
    new_code_cell(
        "train, test = text.load_imdb()\n"
        "print(len(train), 'train /', len(test), 'test reviews,',\n"
        "      'classes', train.class_names)\n"
        "review = next(t for t in train.texts if '<br />' in t)\n"
        "print(review[:300])"
    ),
    new_markdown_cell(
        "## From text to token ids\n"
        "\n"
        "A Keras `TextVectorization` lower-cases, turns `<br />` into a "
        "space, strips punctuation, splits on whitespace and looks words up "
        "in a vocabulary adapted on the **training split only** (id 0 is "
        "padding, 1 an unknown word). `Tokenizer` does exactly the same in "
        "NumPy from the saved vocabulary, for devices without TensorFlow."
    ),
    new_code_cell(
        "vectorizer = make_vectorizer(train.texts[:2000], 5000, 12)\n"
        "print(standardize_text(review[:120]).numpy().decode())\n"
        "ids = vectorize(vectorizer, [review])\n"
        "print(ids)\n"
        "tokenizer = Tokenizer(vectorizer.get_vocabulary(), 12)\n"
        "print((tokenizer([review]) == ids).all())"
    ),
    new_markdown_cell(
        "## Train a small model\n"
        "\n"
        "The config is one flat dataclass. The default model is the classic "
        "Embedding + 2x Bidirectional LSTM (`bilstm`); here a single small "
        "BiLSTM with masked max+mean pooling over all steps, on 2,000 "
        "reviews. The embedding masks padding, so padding never changes a "
        "prediction, and batches of similar-length reviews are cut to their "
        "longest review to save time. `truncation=\"pre\"` keeps the end of "
        "a review longer than `sequence_length` (where the verdict usually "
        "is) instead of its start."
    ),
    new_code_cell(
        "config = sentiment.SentimentConfig(\n"
        '    dataset="imdb",\n'
        "    limit=2000,\n"
        "    epochs=3,\n"
        "    max_tokens=10000,\n"
        "    sequence_length=200,\n"
        '    truncation="pre",  # longer reviews keep their last 200 words\n'
        "    model_options={\n"
        '        "units": (16,),\n'
        '        "embedding_dim": 32,\n'
        '        "dropout_rate": 0.2,\n'
        '        "pooling": "max_mean",\n'
        "    },\n"
        ")\n"
        "_, folder = sentiment_runs.run_training(\n"
        '    config, run_name="notebook-sentiment", overwrite=True\n'
        ")\n"
        "sorted(p.name for p in folder.iterdir())"
    ),
    new_markdown_cell(
        "The run folder holds the end-to-end model (raw strings in), its "
        "config, the test metrics, the vocabulary and plots:"
    ),
    new_code_cell(
        'metrics = json.loads((folder / "metrics.json").read_text())\n'
        'for key in ("accuracy", "precision", "recall", "f1", "roc_auc"):\n'
        '    print(f"{key:10s} {metrics[key]:.3f}")\n'
        'print("epochs", metrics["epochs"], "confusion",\n'
        '      metrics["confusion_matrix"])'
    ),
    new_code_cell(
        "from IPython.display import Image\n"
        "\n"
        'Image(filename=str(folder / "confusion_matrix.png"), width=320)'
    ),
    new_markdown_cell(
        "## Predict from raw text\n"
        "\n"
        "`load_run` loads `model.keras`, which takes raw strings: the "
        "vectorizer is a layer inside it."
    ),
    new_code_cell(
        "run = sentiment_runs.load_run(folder)\n"
        "reviews = [\n"
        '    "A wonderful, moving film. The acting is superb.",\n'
        '    "Boring and far too long; the worst film I have seen.",\n'
        "]\n"
        "for review, (label, p) in zip(reviews, sentiment_runs.predict(run, "
        "reviews)):\n"
        '    print(f"{label:8s} {p:.2f}  {review}")'
    ),
    new_markdown_cell(
        "## From the command line\n"
        "\n"
        "```bash\n"
        "suite sentiment train --dataset imdb --run-name imdb-bilstm\n"
        "suite sentiment evaluate imdb-bilstm\n"
        'suite sentiment predict imdb-bilstm "What a great movie"\n'
        "suite sentiment train --dataset my_reviews.csv "
        "--text-column text --label-column label\n"
        "```"
    ),
]


def main() -> None:
    write_notebook(CELLS, "02_sentiment.ipynb")


if __name__ == "__main__":
    main()
