"""notebooks/02_sentiment.ipynb executes top to bottom (cwd notebooks/)."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "02_sentiment.ipynb"


@pytest.mark.slow
def test_sentiment_notebook_runs(data_dir, runs_dir, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # this checkout's suite
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells), (
        "commit the notebook without outputs"
    )
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()
    assert (runs_dir / "notebook-sentiment" / "model.keras").is_file()
