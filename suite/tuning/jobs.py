"""Running a search job: the tuner, the search (one process, or a chief
and workers on this machine), then the report and the best configuration
retrained as a normal run in saved_models/.

A job's results live in one folder (default `tuning/results/<job>/`):
keras-tuner's project (`search/`, one folder per trial), `job.json` (the
validated spec), `executions.jsonl` (one line per finished training) and,
at the end, `trials.csv`, `best_trials.csv`, `best_trials.md`,
`objective.png` and `summary.json`. Re-running the same command resumes:
keras-tuner reloads the project, re-runs an interrupted trial and skips the
completed ones.
"""

import dataclasses
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from suite import configs
from suite.errors import SuiteError
from suite.tuning import hypermodels, report, spaces
from suite.tuning.spec import JobSpec, describe

RESULTS_ROOT = Path("tuning") / "results"
PROJECT = "search"
JOB_FILE = "job.json"
LOG_FILE = "executions.jsonl"
CHIEF_GRACE_SECONDS = 2


def results_dir(spec: JobSpec, given=None) -> Path:
    """`given`, or `tuning/results/<job name>`."""
    return Path(given) if given else RESULTS_ROOT / spec.name


def claim_results_dir(spec: JobSpec, results: Path) -> None:
    """Creates the folder (or checks it holds this same job) and writes
    job.json; refuses a folder of a different search."""
    saved = results / JOB_FILE
    if saved.is_file():
        found = configs.load_json(saved).get("fingerprint")
        if found != spec.fingerprint():
            raise SuiteError(
                f"{results} holds the results of a different search (job "
                "spec changed); pass another --results-dir or delete it"
            )
        return
    ours = (PROJECT, LOG_FILE, JOB_FILE)
    if results.exists() and any(
        p.name not in ours and not p.name.startswith(".")
        for p in results.iterdir()
    ):
        raise SuiteError(
            f"{results} exists and is not a search results folder; pass "
            "another --results-dir"
        )
    results.mkdir(parents=True, exist_ok=True)
    staged = results / f".{JOB_FILE}.{os.getpid()}"
    configs.save_json(staged, describe(spec))
    os.replace(staged, saved)  # processes started together may race here


def make_tuner(spec: JobSpec, results: Path):
    """The keras-tuner tuner of this job (reloads an existing project)."""
    import keras_tuner

    write_state_atomically()
    check_state_files(results)
    hypermodel = hypermodels.TaskHyperModel(
        spec.tuning,
        spec.base_config(),
        spec.space,
        seed=spec.seed,
        log_path=results / LOG_FILE,
    )
    options = {
        "hypermodel": hypermodel,
        "objective": keras_tuner.Objective(spec.objective, spec.direction),
        "seed": spec.seed + 1,  # keras-tuner takes seed 0 as "no seed"
        "max_consecutive_failed_trials": spec.max_consecutive_failed_trials,
        "executions_per_trial": spec.executions_per_trial,
        "directory": str(results),
        "project_name": PROJECT,
        "overwrite": False,
    }
    if spec.tuner == "hyperband":
        options.update(max_epochs=spec.epochs, factor=spec.hyperband_factor)
    else:
        options["max_trials"] = spec.max_trials
    tuner = _tuner_class(spec.tuner)(**options)
    _retry_interrupted_trials(tuner.oracle)
    return tuner


def write_state_atomically() -> None:
    """Makes keras-tuner replace its state files instead of rewriting them.

    keras-tuner saves oracle.json, tuner*.json and every trial.json by
    truncating the file and writing the new text: a kill -9 in between
    leaves an empty oracle.json that the next run cannot reload (it
    happened in CI). Each write now goes to a temporary file beside the
    target and `os.replace`s it, so a kill leaves the old state or the
    new one. All of keras-tuner's writers call `utils.save_json`.
    """
    from keras_tuner.src import utils

    if getattr(utils.save_json, "atomic", False):
        return

    def save_json(path, obj):
        text = json.dumps(obj)
        staged = f"{os.fspath(path)}.{os.getpid()}.partial"
        with open(staged, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(staged, path)
        return text

    save_json.atomic = True
    utils.save_json = save_json


def check_state_files(results: Path) -> None:
    """Refuses, naming the file, a project whose saved state is not JSON
    (keras-tuner would fail deep inside its reload with no file name)."""
    project = results / PROJECT
    files = [*project.glob("*.json"), *project.glob("trial_*/trial.json")]
    for path in sorted(files):
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise SuiteError(
                f"{path} is empty or not JSON (cut off mid-write), so the "
                f"search cannot resume; delete {results} to start it over"
            ) from None


def _retry_interrupted_trials(oracle) -> None:
    """Queues every reloaded trial still marked RUNNING for a retry.

    keras-tuner retries the trials its oracle.json lists as ongoing, but a
    kill between writing a new trial's trial.json and saving oracle.json
    leaves a RUNNING trial that it would skip (and count towards
    max_trials). A worker's oracle is a gRPC client: the chief does this.
    """
    queue = getattr(oracle, "_retry_queue", None)
    if queue is None:
        return
    ongoing = {trial.trial_id for trial in oracle.ongoing_trials.values()}
    for trial_id, trial in oracle.trials.items():
        if trial.status == "RUNNING" and trial_id not in {*queue, *ongoing}:
            queue.append(trial_id)


def _tuner_class(name: str):
    import keras_tuner

    base = {
        "random": keras_tuner.RandomSearch,
        "hyperband": keras_tuner.Hyperband,
        "bayesian": keras_tuner.BayesianOptimization,
    }[name]

    class SuiteTuner(base):
        """Tells the HyperModel which execution of which trial it runs."""

        def _activate_all_conditions(self):
            """The space has no conditional entries and is declared up
            front: no model needs building before the first trial."""

        def _build_and_fit_model(self, trial, *args, **kwargs):
            counts = self.__dict__.setdefault("_executions", {})
            execution = counts.get(trial.trial_id, 0)
            counts[trial.trial_id] = execution + 1
            self.hypermodel.execution = execution
            self.hypermodel.trial_id = trial.trial_id
            return super()._build_and_fit_model(trial, *args, **kwargs)

    SuiteTuner.__name__ = f"Suite{base.__name__}"
    return SuiteTuner


def search(spec: JobSpec, results: Path, verbose: int = 1):
    """Runs (or resumes) the search in this process; returns the tuner.

    Under KERASTUNER_* variables it plays its part of a distributed search
    (the chief serves the oracle; a worker runs trials).
    """
    tuner = make_tuner(spec, results)
    try:
        tuner.search(verbose=verbose)
    except RuntimeError as error:  # keras-tuner's failed-trials limit
        if "consecutive failures" not in str(error):
            raise
        raise SuiteError(
            f"the search stopped after {spec.max_consecutive_failed_trials} "
            f"failed trials in a row (last error: {_last_line(error)}); "
            f"their errors are in {results / PROJECT}/trial_*/trial.json"
        ) from None
    return tuner


def _last_line(error: Exception) -> str:
    lines = [line for line in str(error).splitlines() if line.strip()]
    return lines[-1].strip() if lines else type(error).__name__


def search_distributed(
    spec_path, results: Path, workers: int, verbose: int = 1
) -> None:
    """A chief and `workers` worker processes on 127.0.0.1 (gRPC)."""
    port = free_port()
    env = {
        **os.environ,
        "KERASTUNER_ORACLE_IP": "127.0.0.1",
        "KERASTUNER_ORACLE_PORT": str(port),
    }
    command = [
        sys.executable,
        "-m",
        "suite.cli.main",
        "tune",
        str(spec_path),
        "--results-dir",
        str(results),
        "--search-only",
        "--verbose",
        str(verbose),
    ]
    chief = _start(command, env, "chief")
    team = [_start(command, env, f"tuner{i}") for i in range(workers)]
    try:
        codes = [process.wait() for process in team]
        _stop_chief(chief)
    finally:
        for process in (*team, chief):
            if process.poll() is None:
                process.kill()
                process.wait()
    if any(codes):
        raise SuiteError(
            f"worker exit codes {codes}; see their output above, fix the "
            "cause and re-run the same command to resume"
        )


def _start(command, env, tuner_id: str) -> subprocess.Popen:
    return subprocess.Popen(
        command, env={**env, "KERASTUNER_TUNER_ID": tuner_id}
    )


def _stop_chief(chief: subprocess.Popen) -> None:
    """Every worker has ended, so the oracle has saved every trial; the
    chief may still sit in keras-tuner's 20-second exit poll."""
    try:
        chief.wait(timeout=CHIEF_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        chief.terminate()
        chief.wait()


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def finish(spec: JobSpec, results: Path, retrain: bool = True) -> dict:
    """Tables, plots and the retrained best configuration of a finished
    search; returns the summary (also saved as summary.json)."""
    tuner = make_tuner(spec, results)  # reloads the project from disk
    rows = report.trial_rows(tuner.oracle, spec)
    best = report.best_rows(rows, spec)
    if not best:
        raise SuiteError(
            f"no trial of {spec.name!r} completed ({len(rows)} failed); see "
            f"{results / 'trials.csv'} for their errors"
        )
    report.write_tables(rows, best, results)
    report.save_objective_plot(rows, spec, results / report.PLOT_FILE)
    summary = {
        "job": spec.name,
        "objective": spec.objective,
        "direction": spec.direction,
        "trials": len(rows),
        "completed": sum(r["status"] == "COMPLETED" for r in rows),
        "failed": sum(r["status"] == "FAILED" for r in rows),
        "best_trial": best[0]["trial"],
        "best_value": best[0][spec.objective],
        "best_hyperparameters": best_values(spec, tuner.oracle),
    }
    if retrain:
        metrics, folder = retrain_best(spec, summary["best_hyperparameters"])
        summary.update(run=str(folder), run_metrics=metrics)
    configs.save_json(results / report.SUMMARY_FILE, summary)
    return summary


def best_values(spec: JobSpec, oracle) -> dict:
    """Hyperparameter values of the best completed trial (space names)."""
    trial = oracle.get_best_trials(1)[0]
    return {k: trial.hyperparameters.values[k] for k in spec.space}


def best_config(spec: JobSpec, values: dict):
    """The task config of `values` with the job's epochs and seed."""
    config = spaces.apply_values(spec.base_config(), values)
    return dataclasses.replace(config, seed=spec.seed)


def retrain_best(spec: JobSpec, values: dict):
    """Trains `values` once more through the task's normal run function;
    the run lands in saved_models/<run_name> like any other."""
    tuning = spec.tuning
    name = spec.run_name or f"tune-{spec.name}"
    return tuning.retrain(tuning.load(), best_config(spec, values), name)
