"""Writes a notebook built by a `build_*.py` script beside it.

Cells get stable ids, so rebuilding an unchanged notebook is a no-op diff;
notebooks are committed without outputs and executed by the tests.
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_notebook

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def write_notebook(cells, filename: str) -> Path:
    notebook = new_notebook(cells=cells)
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index:02d}"
    notebook.metadata["kernelspec"] = KERNELSPEC
    path = Path(__file__).with_name(filename)
    nbformat.write(notebook, path)
    print(f"wrote {path}")
    return path
