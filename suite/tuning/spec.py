"""Search job specs: `tuning/<job>.toml` -> a validated `JobSpec`.

    task = "forecasting"           # forecasting | sentiment | ...
    data = "airline"               # sets the task's data field
    tuner = "random"               # random | hyperband | bayesian
    objective = "val_mape"         # optional: the task's default
    max_trials = 10
    executions_per_trial = 2
    epochs = 200
    seed = 1

    [config]                       # fixed fields of the task config
    lookback = 36

    [space]                        # overrides of the task's default space
    units = {min = 32, max = 256, step = 32}
    lookback = []                  # an empty list removes a default entry

Everything is checked before anything runs: unknown keys, tasks, tuners,
objectives, hyperparameter names and ranges, and every bound of the space
must make a valid task config. Each problem is one `SuiteError` line.
"""

import dataclasses
import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any

from suite import configs
from suite.errors import SuiteError
from suite.tuning import hypermodels, spaces

TUNERS = ("random", "hyperband", "bayesian")
TOP_LEVEL = (
    "task",
    "data",
    "tuner",
    "objective",
    "max_trials",
    "executions_per_trial",
    "epochs",
    "seed",
    "max_consecutive_failed_trials",
    "hyperband_factor",
    "run_name",
    "config",
    "space",
)


@dataclasses.dataclass(frozen=True)
class JobSpec:
    """A validated search job."""

    name: str
    """Job name (the spec file's stem)."""
    task: str
    """Task name (see `hypermodels.task_names()`)."""
    tuner: str = "random"
    """'random' (RandomSearch), 'hyperband' or 'bayesian'."""
    objective: str = ""
    """Metric to optimise; empty takes the task's default."""
    direction: str = "min"
    """'min' or 'max' (from the objective's name)."""
    max_trials: int = 10
    """Trials of random / Bayesian search (Hyperband ignores it)."""
    executions_per_trial: int = 1
    """Trainings per trial with seeds seed, seed+1, ...; metrics averaged."""
    epochs: int = 10
    """Maximum epochs per training (Hyperband: max_epochs)."""
    seed: int = 0
    """Seed of the oracle (trial hyperparameters) and of the trainings."""
    max_consecutive_failed_trials: int = 3
    """The search stops after this many failed trials in a row."""
    hyperband_factor: int = 3
    """Hyperband's reduction factor."""
    run_name: str = ""
    """Run folder of the retrained best configuration (default tune-<name>)."""
    config: dict = dataclasses.field(default_factory=dict)
    """Fixed fields of the task config."""
    space: dict = dataclasses.field(default_factory=dict)
    """`{name: spaces.Dimension}` searched over."""

    @property
    def tuning(self) -> hypermodels.TaskTuning:
        return hypermodels.get_task(self.task)

    def base_config(self):
        """The task config every trial starts from (epochs, seed set)."""
        values = {**self.config, "epochs": self.epochs, "seed": self.seed}
        return configs.from_dict(self.tuning.config_cls, values)

    def fingerprint(self) -> str:
        """A hash of everything that defines the search (not its name)."""
        values = dataclasses.asdict(self)
        values.pop("name")
        text = json.dumps(values, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_spec(path) -> JobSpec:
    """Reads and validates a TOML job spec."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SuiteError(f"no job spec at {path}") from None
    except tomllib.TOMLDecodeError as error:
        raise SuiteError(f"{path} is not valid TOML: {error}") from None
    return parse_spec(raw, path.stem)


def parse_spec(raw: dict, name: str) -> JobSpec:
    """Validates a spec's parsed TOML; `name` names the job."""
    unknown = sorted(set(raw) - set(TOP_LEVEL))
    if unknown:
        raise SuiteError(
            f"unknown key(s) {unknown} in job spec {name!r}; valid keys are "
            f"{sorted(TOP_LEVEL)}"
        )
    if "task" not in raw:
        raise SuiteError(f'job spec {name!r} needs a task = "..." line')
    tuning = hypermodels.get_task(raw["task"])
    fixed = _fixed_config(raw, tuning)
    spec = JobSpec(
        name=name,
        task=tuning.name,
        tuner=raw.get("tuner", "random"),
        objective=raw.get("objective", tuning.objectives[0]),
        max_trials=raw.get("max_trials", 10),
        executions_per_trial=raw.get("executions_per_trial", 1),
        epochs=raw.get("epochs", 10),
        seed=raw.get("seed", 0),
        max_consecutive_failed_trials=raw.get(
            "max_consecutive_failed_trials", 3
        ),
        hyperband_factor=raw.get("hyperband_factor", 3),
        run_name=raw.get("run_name", ""),
        config=fixed,
        space=_space(raw.get("space", {}), tuning),
    )
    spec = dataclasses.replace(spec, direction=tuning.direction(spec.objective))
    _check_scalars(spec, tuning)
    _check_corners(spec)
    return spec


def _fixed_config(raw: dict, tuning) -> dict:
    fixed = dict(raw.get("config", {}))
    if not isinstance(fixed, dict):
        raise SuiteError("[config] must be a table of task config fields")
    for owned in ("epochs", "seed"):
        if owned in fixed:
            raise SuiteError(
                f"set {owned} at the top of the job spec, not in [config]"
            )
    if "data" in raw:
        fixed[tuning.data_field] = raw["data"]
    configs.check_fields(tuning.config_cls, fixed)
    return fixed


def _space(overrides: dict, tuning) -> dict[str, spaces.Dimension]:
    if not isinstance(overrides, dict):
        raise SuiteError("[space] must be a table of hyperparameters")
    entries = {**tuning.default_space, **overrides}
    entries = {k: v for k, v in entries.items() if v != []}
    space = spaces.parse_space(entries)
    spaces.check_names(space, tuning.config_cls)
    return space


def _check_scalars(spec: JobSpec, tuning) -> None:
    if spec.tuner not in TUNERS:
        raise SuiteError(f"tuner must be one of {TUNERS}, got {spec.tuner!r}")
    if spec.objective not in tuning.objectives:
        raise SuiteError(
            f"objective {spec.objective!r} is not reported by the "
            f"{spec.task} task; choose one of {tuning.objectives}"
        )
    for field in (
        "max_trials",
        "executions_per_trial",
        "epochs",
        "max_consecutive_failed_trials",
    ):
        value = getattr(spec, field)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise SuiteError(f"{field} must be an integer >= 1, got {value!r}")
    if not isinstance(spec.seed, int) or spec.seed < 0:
        raise SuiteError(f"seed must be an integer >= 0, got {spec.seed!r}")
    if spec.hyperband_factor < 2:
        raise SuiteError("hyperband_factor must be >= 2")
    if spec.run_name:
        from suite.export import runs

        runs.check_run_name(spec.run_name)


def _check_corners(spec: JobSpec) -> None:
    """Every bound and choice of the space must make a valid config."""
    base = spec.base_config()
    for values in spaces.corner_values(spec.space):
        try:
            spaces.apply_values(base, values)
        except (SuiteError, ValueError, TypeError) as error:
            shown = {k: values[k] for k in sorted(values)}
            raise SuiteError(
                f"the search space gives an invalid {spec.task} config at "
                f"{shown}: {error}"
            ) from None


def describe(spec: JobSpec) -> dict[str, Any]:
    """JSON-safe summary of the job (saved beside its results)."""
    values = dataclasses.asdict(spec)
    values["space"] = {
        name: dataclasses.asdict(dim) for name, dim in spec.space.items()
    }
    values["fingerprint"] = spec.fingerprint()
    return json.loads(json.dumps(values, default=str))
