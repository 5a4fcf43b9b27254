"""Builds notebooks/06_tuning.ipynb (committed without outputs).

    python notebooks/build_06_tuning.py
"""
from nbformat.v4 import new_code_cell as code
from nbformat.v4 import new_markdown_cell as md
from notebook_writer import write_notebook

CELLS = [
md("""# 06 · Hyperparameter search with keras-tuner

`suite tune tuning/<job>.toml` runs a keras-tuner search described by a TOML
job spec. Every trial trains through the task's own `prepare` / `build` /
`train` functions, so a trial is a normal run with other settings, and the
best configuration is retrained and saved as a normal run at the end.

Here: the classic airline-passengers search, shrunk to a few short trials so
the notebook runs in well under a minute. Everything is written to a
temporary folder."""),
code("""import dataclasses
import os
import tempfile
from pathlib import Path

work = Path(tempfile.mkdtemp(prefix="tune-demo-"))
os.environ["SUITE_RUNS_DIR"] = str(work / "saved_models")

from suite.tuning import jobs, report, spaces, spec

print(Path("../tuning/airline_random.toml").read_text())"""),
md("""## The job spec

`load_spec` validates everything before any training: unknown keys, tasks or
objectives, ranges with `min >= max`, and every bound of the space must give
a valid task config. Unknown names fail with one line:"""),
code("""try:
    spec.parse_spec({"task": "forecasting", "space": {"widht": [8]}}, "typo")
except Exception as error:
    print(type(error).__name__, ":", error)"""),
md("""We load the real spec and shrink it: 4 trials of one training each, 40
epochs, narrower layers. `[space]` entries become keras-tuner
hyperparameters: `Int` for integer ranges, `Float` (log-uniform here) for the
learning rate, `Choice` for lists, `Fixed` for single values."""),
code("""job = spec.load_spec("../tuning/airline_random.toml")
narrow = spaces.parse_space({"units": {"min": 16, "max": 64, "step": 16},
                             "layers": {"min": 1, "max": 2}})
job = dataclasses.replace(job, max_trials=4, executions_per_trial=1,
                          epochs=40, space={**job.space, **narrow})
for name, dimension in job.space.items():
    print(f"{name:15s}", dimension)"""),
md("""## Search

`jobs.search` builds the tuner (`RandomSearch` here; `hyperband` and
`bayesian` are one word away in the spec) over a `TaskHyperModel` and runs
it. The objective is the MAPE on the 24 validation months, in passengers;
the last 24 months (the test split) are never looked at."""),
code("""results = work / "results"
jobs.claim_results_dir(job, results)
tuner = jobs.search(job, results, verbose=0)
rows = report.trial_rows(tuner.oracle, job)

import pandas as pd

pd.DataFrame(rows).drop(columns=["error"])"""),
md("""The same seed gives the same sequence of trial hyperparameters: a fresh
tuner over an empty folder proposes the same first trials."""),
code("""again = jobs.make_tuner(job, work / "again").oracle
first = [again.create_trial(f"t{i}").hyperparameters.values
         for i in range(len(rows))]
print(all(first[i]["units"] == rows[i]["units"]
          and first[i]["learning_rate"] == rows[i]["learning_rate"]
          for i in range(len(rows))))"""),
md("""## Report and retraining

`jobs.finish` writes `trials.csv`, `best_trials.csv`, `best_trials.md` and
`objective.png`, then retrains the best configuration through the normal
`forecasting_runs.run_training` and saves it as a run (`tune-airline_random`)."""),
code("""summary = jobs.finish(job, results)
print((results / "best_trials.md").read_text())
print("best hyperparameters:", summary["best_hyperparameters"])
metrics = summary["run_metrics"]
print(f"retrained run: test MAPE {metrics['model']['mape']:.2f}% "
      f"(seasonal naive {metrics['seasonal_naive']['mape']:.2f}%)")"""),
code("""from IPython.display import Image

Image(filename=str(results / "objective.png"))"""),
md("""## From the command line

```bash
suite tune tuning/airline_random.toml               # the full 10 x 2 search
suite tune tuning/airline_random.toml --workers 2   # chief + 2 workers
```

Interrupt it at any moment (even `kill -9`) and run the same command again:
completed trials are kept and the interrupted one is re-run. A trial whose
loss goes NaN is recorded as FAILED and the search goes on. The README
section "Hyperparameter search" explains workers on other machines, and
BENCHMARKS.md has the full search against the demo's default
configuration."""),
]

write_notebook(CELLS, "06_tuning.ipynb")
