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


TETOUAN_FILE = "tetouan_power/tetuan_city_power_consumption.csv.gz"
TETOUAN_COLUMNS = {
    "Temperature": "temperature",
    "Humidity": "humidity",
    "Wind Speed": "wind_speed",
    "general diffuse flows": "general_diffuse_flows",
    "diffuse flows": "diffuse_flows",
    "Zone 1 Power Consumption": "zone_1",
    "Zone 2  Power Consumption": "zone_2",
    "Zone 3  Power Consumption": "zone_3",
}


def tetouan_power(path=None, frequency: str = "1h") -> pd.DataFrame:
    """Tetouan city power consumption 2017, resampled (mean) to `frequency`.

    Columns `time` and, in snake_case, the three zones' consumption (kW)
    and five weather covariates (`TETOUAN_COLUMNS`); 8,736 hourly rows.
    Read from `path`, else the data directory. The original is the UCI
    repository's "Power Consumption of Tetouan City" (DOI
    10.24432/C5B034, CC BY 4.0), 10-minute rows.
    """
    path = path or shared_file(TETOUAN_FILE)
    if path is None:
        raise SuiteError(
            f"Tetouan power data not found: set {DATA_DIR_VARIABLE} to a "
            f"folder with {TETOUAN_FILE}, or pass the UCI CSV (DOI "
            "10.24432/C5B034) with --csv"
        )
    frame = pd.read_csv(path)
    missing = sorted({"DateTime", *TETOUAN_COLUMNS} - set(frame.columns))
    if missing:
        raise SuiteError(f"{path} lacks the Tetouan columns {missing}")
    times = pd.to_datetime(frame["DateTime"], format="%m/%d/%Y %H:%M")
    values = frame[list(TETOUAN_COLUMNS)].rename(columns=TETOUAN_COLUMNS)
    values.index = pd.DatetimeIndex(times, name="time")
    return values.resample(frequency).mean().reset_index()
