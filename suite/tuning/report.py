"""Search results: a row per trial, the best-trials tables, one PNG."""

import csv
import math
from pathlib import Path

import numpy as np

from suite.tuning import spaces

TRIALS_FILE = "trials.csv"
BEST_CSV = "best_trials.csv"
BEST_MARKDOWN = "best_trials.md"
PLOT_FILE = "objective.png"
SUMMARY_FILE = "summary.json"
TOP = 5


def trial_rows(oracle, spec) -> list[dict]:
    """One dict per trial in trial order: status, objective, every
    hyperparameter of the space, other metrics, error of failed trials."""
    rows = []
    for trial_id in sorted(oracle.trials, key=int):
        trial = oracle.trials[trial_id]
        row = {"trial": trial_id, "status": str(trial.status)}
        row[spec.objective] = _score(trial)
        values = trial.hyperparameters.values
        for name in spec.space:
            row[name] = values.get(name)
        for name, history in sorted(trial.metrics.metrics.items()):
            if name != spec.objective:
                row[name] = _rounded(history.get_best_value())
        row["error"] = _last_line(trial.message) if trial.message else ""
        rows.append(row)
    return rows


def _score(trial):
    score = trial.score
    if score is None or not math.isfinite(score):
        return None
    return _rounded(score)


def _rounded(value):
    return None if value is None else float(f"{value:.6g}")


def _last_line(message: str) -> str:
    lines = [line for line in message.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


def best_rows(rows: list[dict], spec, top: int = TOP) -> list[dict]:
    """The `top` completed trials, best objective first."""
    done = [
        r
        for r in rows
        if r["status"] == "COMPLETED" and r[spec.objective] is not None
    ]
    sign = -1.0 if spec.direction == "max" else 1.0
    return sorted(done, key=lambda r: sign * r[spec.objective])[:top]


def write_tables(rows: list[dict], best: list[dict], folder: Path) -> None:
    """trials.csv (all), best_trials.csv and best_trials.md."""
    _write_csv(rows, folder / TRIALS_FILE)
    _write_csv(best, folder / BEST_CSV)
    (folder / BEST_MARKDOWN).write_text(markdown_table(best), "utf-8")


def _write_csv(rows: list[dict], path: Path) -> None:
    columns = _columns(rows)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)


def _columns(rows: list[dict]) -> list[str]:
    columns = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    return columns


def markdown_table(rows: list[dict]) -> str:
    """A GitHub-markdown table (errors left out)."""
    columns = [c for c in _columns(rows) if c not in ("error", "status")]
    lines = [
        "| " + " | ".join(columns) + " |",
        "|" + "---|" * len(columns),
    ]
    for row in rows:
        cells = [_cell(row.get(c)) for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


def save_objective_plot(rows: list[dict], spec, path: Path) -> None:
    """Objective per trial, then objective against each tuned knob."""
    from suite.tasks.training import new_figure

    knobs = [n for n, d in spec.space.items() if d.kind != "fixed"]
    panels = 1 + len(knobs)
    columns = min(3, panels)
    lines = math.ceil(panels / columns)
    figure = new_figure(4.2 * columns, 3.2 * lines)
    axes = figure.add_subplot(lines, columns, 1)
    _per_trial(axes, rows, spec)
    for index, name in enumerate(knobs, start=2):
        axes = figure.add_subplot(lines, columns, index)
        _per_knob(axes, rows, spec, name)
    figure.tight_layout()
    figure.savefig(path, dpi=90)


def _per_trial(axes, rows, spec) -> None:
    objective = spec.objective
    trials = [int(r["trial"]) for r in rows]
    values = [r[objective] for r in rows]
    good = [
        (t, v) for t, v in zip(trials, values, strict=True) if v is not None
    ]
    if good:
        axes.plot(*zip(*good, strict=True), "o-", label="completed")
    failed = [t for t, v in zip(trials, values, strict=True) if v is None]
    if failed and good:
        worst = (
            max(v for _, v in good)
            if spec.direction == "min"
            else min(v for _, v in good)
        )
        axes.plot(failed, [worst] * len(failed), "rx", label="failed")
    axes.set_xlabel("trial")
    axes.set_ylabel(objective)
    axes.legend(fontsize=7)


def _per_knob(axes, rows, spec, name) -> None:
    dim = spec.space[name]
    pairs = [
        (r[name], r[spec.objective])
        for r in rows
        if r[spec.objective] is not None and r.get(name) is not None
    ]
    if dim.kind == "choice" and not all(spaces.finite(v) for v in dim.values):
        labels = [str(v) for v in dim.values]
        xs = [labels.index(str(x)) for x, _ in pairs]
        axes.set_xticks(range(len(labels)), labels, fontsize=7)
    else:
        xs = [float(x) for x, _ in pairs]
        if spaces.is_log(dim):
            axes.set_xscale("log")
    axes.scatter(xs, [y for _, y in pairs], s=18)
    axes.set_xlabel(name)
    axes.set_ylabel(spec.objective)


def objective_values(rows: list[dict], spec) -> np.ndarray:
    """Objective of each completed trial, in trial order."""
    return np.array(
        [r[spec.objective] for r in rows if r[spec.objective] is not None]
    )
