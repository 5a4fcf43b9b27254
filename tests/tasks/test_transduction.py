"""Date normalization: generated pairs, schedules, a training run that
reaches high exact match, heatmap and saved-run prediction."""

import datetime

import numpy as np
import pytest

from suite.data import dates
from suite.errors import SuiteError
from suite.tasks import scheduled_sampling, transduction


def test_every_format_renders_the_same_day():
    day = datetime.date(2026, 11, 21)
    texts = {name: dates.render(day, name) for name in dates.FORMATS}
    assert texts["d_mon_y"] == "21 Nov 2026"
    assert texts["weekday_month_dth_y"] == "Saturday, November 21st, 2026"
    assert texts["mm_dd_yyyy_slashes"] == "11/21/2026"
    assert texts["yyyymmdd"] == "20261121"
    assert len(set(texts.values())) == len(dates.FORMATS)
    assert max(len(t) for t in texts.values()) <= dates.SOURCE_LENGTH
    ids = dates.encode_sources(list(texts.values()))
    assert ids.shape == (len(texts), dates.SOURCE_LENGTH)
    assert ids.max() < dates.source_vocab_size()


def test_pairs_are_deterministic_and_held_out_days_are_unseen():
    train_days, held_out = dates.day_split(0)
    assert not set(train_days) & set(held_out)
    assert len(train_days) + len(held_out) == dates.DAYS
    first = dates.pairs(50, seed=3, days=held_out)
    assert first == dates.pairs(50, seed=3, days=held_out)
    seen = {
        (datetime.date.fromisoformat(iso) - dates.FIRST_DAY).days
        for _, iso in first
    }
    assert seen <= set(held_out.tolist())
    targets = dates.encode_targets([iso for _, iso in first])
    assert dates.decode_targets(targets) == [iso for _, iso in first]
    inputs = dates.decoder_inputs(targets)
    assert np.all(inputs[:, 0] == dates.START)
    np.testing.assert_array_equal(inputs[:, 1:], targets[:, :-1])


@pytest.mark.parametrize(
    "text, message",
    [
        ("   ", "empty date text"),
        ("21 Nov 2026 #1", r"unsupported characters \['#'\]"),
        ("1" * 41, "at most 40"),
    ],
)
def test_bad_texts_are_refused(text, message):
    with pytest.raises(SuiteError, match=message):
        dates.encode_sources([text])


def test_schedules_pinned_values():
    p = scheduled_sampling.sampling_probability
    assert p("none", 9, 5.0) == 0.0
    assert [p("linear", e, 4.0, 0.5) for e in (0, 2, 4, 8)] == [
        0.0,
        0.25,
        0.5,
        0.5,
    ]
    # Bengio et al.: teacher probability k / (k + exp(i / k))
    assert p("inverse_sigmoid", 5, 5.0) == pytest.approx(
        1 - 5 / (5 + np.e), abs=1e-12
    )
    with pytest.raises(SuiteError, match="must be one of"):
        p("cosine", 1, 5.0)


TINY = transduction.TransductionConfig(
    train_size=6000,
    val_size=200,
    test_size=400,
    model_options={"units": (32,), "embedding_dim": 16},
    epochs=6,
    batch_size=64,
    learning_rate=5e-3,
    patience=3,
)


@pytest.mark.slow
def test_small_training_run_reaches_high_exact_match(runs_dir):
    result, folder = transduction.run_training(TINY, "dates")
    assert result["exact_match"] >= 0.9, result
    assert result["char_accuracy"] >= 0.98
    assert (folder / "attention.png").stat().st_size > 10_000
    outputs, weights = transduction.predict_texts(
        folder, ["21 Nov 2026", "March 3, 1999"]
    )
    assert outputs == ["2026-11-21", "1999-03-03"]
    np.testing.assert_allclose(np.sum(weights[0], -1), 1.0, atol=1e-5)
    beam, _ = transduction.predict_texts(folder, ["21 Nov 2026"], 3)
    assert beam == ["2026-11-21"]
