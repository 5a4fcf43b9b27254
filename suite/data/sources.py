"""Where datasets come from: the data directory, packages, or the network.

The shared real datasets are read in place from `$SUITE_DATA_DIR` (set by
the Makefile when `../shared/data` exists); nothing is copied into the
project. Users elsewhere get the same data from a package that ships it
(sktime's airline series) or from tensorflow-datasets / the original source.
"""

import os
from pathlib import Path

import pandas as pd

from suite.errors import SuiteError

DATA_DIR_VARIABLE = "SUITE_DATA_DIR"

ETT_URL = (
    "https://raw.githubusercontent.com/zhouhaoyi/ETDataset/main/ETT-small/"
    "{name}.csv"
)


def data_dir() -> Path | None:
    """The data directory from `$SUITE_DATA_DIR`, or None when unset."""
    value = os.environ.get(DATA_DIR_VARIABLE)
    if not value:
        return None
    path = Path(value)
    if not path.is_dir():
        raise SuiteError(
            f"{DATA_DIR_VARIABLE}={value} is not a directory; point it at "
            "the shared data folder or unset it"
        )
    return path


def shared_file(relative: str) -> Path | None:
    """`$SUITE_DATA_DIR/relative` if the data directory has it, else None."""
    root = data_dir()
    if root is None:
        return None
    path = root / relative
    return path if path.exists() else None


def airline_passengers() -> pd.DataFrame:
    """Monthly airline passengers 1949-1960 (Box & Jenkins series G).

    Columns `month` (first day of month) and `passengers`. Read from the
    data directory when set, otherwise from sktime, which ships the series
    (works offline on a fresh machine).
    """
    path = shared_file("airline_passengers/airline-passengers.csv")
    if path is not None:
        frame = pd.read_csv(path)
        return pd.DataFrame(
            {
                "month": pd.to_datetime(frame["Month"]),
                "passengers": frame["Passengers"].astype("float64"),
            }
        )
    from sktime.datasets import load_airline

    series = load_airline()
    return pd.DataFrame(
        {
            "month": series.index.to_timestamp(),
            "passengers": series.to_numpy(dtype="float64"),
        }
    )


def ett_csv(name: str = "ETTh1", cache_dir=None) -> Path:
    """Path of an ETT-small CSV: the data directory, else downloaded once.

    The download goes through `keras.utils.get_file` (cached under
    ~/.keras/datasets) from the upstream repository.
    """
    valid = ("ETTh1", "ETTh2", "ETTm1", "ETTm2")
    if name not in valid:
        raise SuiteError(f"unknown ETT dataset {name!r}; choose one of {valid}")
    for candidate in (f"ett_small/{name}.csv", f"ett_small/{name}.csv.gz"):
        path = shared_file(candidate)
        if path is not None:
            return path
    return download(f"{name}.csv", ETT_URL.format(name=name), cache_dir)


def download(filename: str, url: str, cache_dir=None) -> Path:
    """Fetches `url` once into the Keras cache (default ~/.keras/datasets)."""
    import keras

    try:
        return Path(
            keras.utils.get_file(
                filename,
                origin=url,
                cache_dir=None if cache_dir is None else str(cache_dir),
            )
        )
    except Exception as error:  # keras raises a bare Exception
        raise SuiteError(
            f"could not download {filename} from {url} ({error}); set "
            f"{DATA_DIR_VARIABLE} to a folder that has it, or pass a local "
            "file"
        ) from None
