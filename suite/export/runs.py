"""Run folders: `saved_models/<run-name>/` written atomically.

A run is staged in a hidden sibling folder and renamed into place only once
everything is written, so an interrupted or failed run leaves nothing
half-written under `saved_models/`.
"""

import contextlib
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

from suite import configs
from suite.errors import SuiteError

MODEL_FILE = "model.keras"
CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.json"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def runs_root() -> Path:
    """`$SUITE_RUNS_DIR` if set, else `./saved_models`."""
    return Path(os.environ.get("SUITE_RUNS_DIR", "saved_models"))


def default_run_name(task: str, model: str) -> str:
    """`<task>-<model>-<YYYYmmdd-HHMMSS>`."""
    return f"{task}-{model}-{time.strftime('%Y%m%d-%H%M%S')}"


def resolve_run(run: str | os.PathLike) -> Path:
    """A run given as a folder path or as a name under `runs_root()`."""
    path = Path(run)
    if not path.exists() and not path.is_absolute():
        path = runs_root() / run
    if not (path / CONFIG_FILE).is_file():
        raise SuiteError(
            f"no run found at {str(run)!r} (looked for {path / CONFIG_FILE}); "
            "pass a run folder or a name under saved_models/"
        )
    return path


@contextlib.contextmanager
def staged_run(name: str, root: Path | None = None, overwrite: bool = False):
    """Yields a staging folder that becomes `root/name` on success.

    On any exception the staging folder is removed and `root/name` is left
    as it was.
    """
    check_run_name(name)
    root = Path(root) if root is not None else runs_root()
    target = root / name
    if target.exists() and not overwrite:
        raise SuiteError(
            f"run folder {target} exists; choose another --run-name or "
            "pass --overwrite"
        )
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{name}-", dir=root))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _move_into_place(staging, target)


def check_run_name(name: str) -> None:
    """Raises unless `name` is a valid run folder name."""
    if not _NAME.match(name):
        raise SuiteError(
            f"run name {name!r} may use letters, digits, '.', '_' and '-' "
            "and must start with a letter or digit"
        )


def _move_into_place(staging: Path, target: Path) -> None:
    if target.exists():
        old = target.with_name(f".old-{target.name}-{os.getpid()}")
        os.replace(target, old)
        os.replace(staging, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, target)


def save_run_files(folder: Path, model, config: dict, metrics: dict) -> None:
    """Writes the three files every run has."""
    model.save(folder / MODEL_FILE)
    configs.save_json(folder / CONFIG_FILE, config)
    configs.save_json(folder / METRICS_FILE, metrics)


def load_model(folder: Path):
    """Loads `model.keras` with the suite's custom objects registered."""
    import keras

    import suite.layers  # noqa: F401  (registers custom layers)

    return keras.saving.load_model(folder / MODEL_FILE)


def load_config(folder: Path) -> dict:
    return configs.load_json(Path(folder) / CONFIG_FILE)


def load_task_run(run, task: str) -> tuple[Path, dict]:
    """`(folder, config.json)` of run `run` (a folder or a name under the
    runs root), refused with one line unless it is a `task` run."""
    folder = resolve_run(run)
    saved = load_config(folder)
    if saved.get("task") != task:
        raise SuiteError(
            f"{folder} is a {saved.get('task')!r} run, not a {task} run"
        )
    return folder, saved


def load_metrics(folder: Path) -> dict:
    return configs.load_json(Path(folder) / METRICS_FILE)
