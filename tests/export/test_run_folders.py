"""Run folders: each task's load_run refuses another task's run."""

import pytest

from suite.errors import SuiteError
from suite.tasks import (
    forecasting_runs,
    sentiment_runs,
    speech_runs,
    text_generation_runs,
)


@pytest.mark.parametrize(
    "load_run, task",
    [
        (forecasting_runs.load_run, "forecasting"),
        (sentiment_runs.load_run, "sentiment"),
        (speech_runs.load_run, "speech"),
        (text_generation_runs.load_run, "text_generation"),
    ],
)
def test_a_run_of_another_task_is_refused_by_name(runs_dir, load_run, task):
    folder = runs_dir / "other"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text('{"task": "transduction"}')
    with pytest.raises(SuiteError) as error:
        load_run("other")
    assert str(error.value) == (
        f"{folder} is a 'transduction' run, not a {task} run"
    )
