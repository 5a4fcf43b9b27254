"""Job specs and search spaces: validation, mapping, seeded trial order."""

import dataclasses

import pytest

from suite.cli.main import main
from suite.errors import SuiteError
from suite.tasks import forecasting
from suite.tuning import jobs, spaces, spec

TINY = {
    "task": "forecasting",
    "data": "airline",
    "max_trials": 6,
    "epochs": 1,
    "seed": 4,
    "config": {"lookback": 12, "horizon": 6, "val_rows": 12, "test_rows": 12},
    "space": {
        "units": {"min": 2, "max": 8, "step": 2},
        "layers": {"min": 1, "max": 2},
        "dropout": [0.0, 0.25],
    },
}


def _parse(**changes):
    raw = {**TINY, **changes}
    return spec.parse_spec(raw, "tiny")


def test_spec_merges_the_default_space_and_fixes_the_config():
    job = _parse()
    assert job.objective == "val_mape" and job.direction == "min"
    assert job.space["units"] == spaces.Dimension(
        "units", "int", (), 2, 8, 2, "linear"
    )
    assert job.space["learning_rate"].sampling == "log"  # task default
    assert job.space["dropout"].values == (0.0, 0.25)
    base = job.base_config()
    assert (base.lookback, base.epochs, base.seed) == (12, 1, 4)
    job = _parse(space={"lookback": [], "model": "gru"})
    assert "lookback" not in job.space
    assert job.space["model"].kind == "fixed"


def test_values_map_onto_the_task_config_and_model_options():
    base = forecasting.ForecastConfig(model_options={"units": (16, 16)})
    config = spaces.apply_values(
        base,
        {
            "model": "gru",
            "layers": 3,
            "units": 40,
            "dropout": 0.2,
            "recurrent_dropout": 0.1,
            "learning_rate": 0.003,
            "lookback": 48,
            "model_options.l2": 1e-4,
        },
    )
    assert config.model == "gru" and config.lookback == 48
    assert config.learning_rate == 0.003
    assert config.model_options == {
        "units": (40, 40, 40),
        "dropout_rate": 0.2,
        "recurrent_dropout_rate": 0.1,
        "l2": 1e-4,
    }
    # options the chosen family lacks are dropped, not passed on
    slstm = spaces.apply_values(base, {"model": "slstm", "dropout": 0.1})
    assert "units" not in slstm.model_options


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"trials": 3}, "unknown key(s) ['trials']"),
        ({"task": "translation"}, "unknown task 'translation'"),
        ({"tuner": "grid"}, "tuner must be one of"),
        ({"objective": "val_accuracy"}, "not reported by the forecasting"),
        ({"max_trials": 0}, "max_trials must be an integer >= 1"),
        ({"space": {"units": {"min": 8, "max": 2}}}, "needs min < max"),
        ({"space": {"units": {"min": 2}}}, "takes min, max"),
        (
            {
                "space": {
                    "learning_rate": {"min": 0, "max": 1, "sampling": "log"}
                }
            },
            "needs min > 0",
        ),
        ({"space": {"width": [1, 2]}}, "unknown hyperparameter 'width'"),
        ({"space": {"model_options.colour": [1]}}, "not a field of any"),
        ({"space": {"dropout": {"min": 0.0, "max": 1.0}}}, "dropout_rate"),
        ({"space": {"model": ["lstm9"]}}, "unknown model 'lstm9'"),
        ({"space": {"units": [2, "x"]}}, "mix types"),
        ({"config": {"lookbak": 3}}, "unknown option(s) ['lookbak']"),
        ({"config": {"epochs": 3}}, "set epochs at the top"),
    ],
)
def test_bad_specs_are_refused_with_one_line(changes, message):
    with pytest.raises(SuiteError) as caught:
        _parse(**changes)
    assert message in str(caught.value)


def test_cli_refuses_a_bad_spec_with_exit_2_and_writes_nothing(
    tmp_path, capsys
):
    path = tmp_path / "bad.toml"
    path.write_text('task = "forecasting"\nmax_trials = -1\n')
    results = tmp_path / "results"
    assert main(["tune", str(path), "--results-dir", str(results)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "error: max_trials must be an integer >= 1, got -1"
    assert not results.exists()
    path.write_text("task = [")
    assert main(["tune", str(path)]) == 2
    assert "not valid TOML" in capsys.readouterr().err


def test_results_folder_of_another_search_is_refused(tmp_path):
    results = tmp_path / "r"
    jobs.claim_results_dir(_parse(), results)
    jobs.claim_results_dir(_parse(), results)  # same job: resumes
    with pytest.raises(SuiteError, match="different search"):
        jobs.claim_results_dir(_parse(seed=5), results)


def _trial_values(job, folder, count):
    oracle = jobs.make_tuner(job, folder).oracle
    return [
        oracle.create_trial(f"tuner{i}").hyperparameters.values
        for i in range(count)
    ]


def test_same_seed_gives_the_same_sequence_of_trials(tmp_path):
    job = _parse()
    first = _trial_values(job, tmp_path / "a", 6)
    assert first == _trial_values(job, tmp_path / "b", 6)
    assert len({str(sorted(v.items())) for v in first}) == 6
    other = _trial_values(dataclasses.replace(job, seed=9), tmp_path / "c", 6)
    assert other != first
