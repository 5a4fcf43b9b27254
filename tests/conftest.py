"""Shared fixtures: the data directory and an isolated runs folder."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture
def data_dir() -> Path:
    """`$SUITE_DATA_DIR`; skipped with a reason when unset (CI sets it)."""
    value = os.environ.get("SUITE_DATA_DIR")
    if not value:
        if os.environ.get("SUITE_REQUIRE_DATA"):
            pytest.fail("SUITE_REQUIRE_DATA is set but SUITE_DATA_DIR is not")
        pytest.skip(
            "SUITE_DATA_DIR is not set: the shared real datasets are not on "
            "this machine (make test sets it when ../shared/data exists)"
        )
    path = Path(value)
    if not path.is_dir():
        pytest.fail(f"SUITE_DATA_DIR={value} is not a directory")
    return path


@pytest.fixture(autouse=True)
def runs_dir(tmp_path, monkeypatch) -> Path:
    """Every test writes runs under its own tmp folder, not saved_models/."""
    path = tmp_path / "runs"
    monkeypatch.setenv("SUITE_RUNS_DIR", str(path))
    return path
