"""The device-side runtime: ai-edge-litert only, clear errors on bad feeds."""

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from suite.errors import SuiteError
from suite.export import runtime, tflite
from suite.models import registry


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A tiny GRU exported in both forms, plus a sample and Keras output."""
    import keras

    keras.utils.set_random_seed(0)
    folder = tmp_path_factory.mktemp("runtime")
    model = registry.build(
        "gru", {"units": (4,), "num_features": 2, "output_units": 3}
    )
    x = np.random.default_rng(0).normal(size=(1, 5, 2)).astype("float32")
    window = tflite.export_window(model, folder / "window.tflite")
    step = tflite.export_streaming_step(model, folder / "step.tflite")
    return window.path, step.path, x, np.asarray(model(x))


def test_runtime_runs_without_tensorflow(exported):
    window, step, x, expected = exported
    np.save(window.with_name("x.npy"), x)
    script = textwrap.dedent(
        f"""
        import sys
        import numpy as np
        from suite.export import runtime
        x = np.load({str(window.with_name("x.npy"))!r})
        y = runtime.LiteRTModel({str(window)!r})(x)
        s = runtime.StreamingSession({str(step)!r}).run(x)[-1]
        heavy = [m for m in ("tensorflow", "keras") if m in sys.modules]
        print(repr(heavy), float(np.abs(y - s).max()), y.ravel().tolist())
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],  # this checkout's suite
    )
    heavy, gap, values = done.stdout.strip().split(" ", 2)
    assert heavy == "[]", done.stdout
    assert float(gap) < 1e-5
    np.testing.assert_allclose(eval(values), expected.ravel(), atol=1e-4)


def test_predict_runs_a_batch_one_window_at_a_time(exported):
    window, _, x, expected = exported
    model = runtime.LiteRTModel(window)
    batch = np.concatenate([x, x[:, ::-1]], axis=0)
    out = model.predict(batch)
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out[:1], expected, atol=1e-4)
    np.testing.assert_allclose(out[1:], model(x[:, ::-1]), atol=1e-6)
    assert model.metadata["form"] == "window"


def test_bad_feeds_say_what_was_expected(exported):
    window, step, x, _ = exported
    model = runtime.LiteRTModel(window)
    with pytest.raises(SuiteError, match=r"takes shape \[1, None, 2\]"):
        model(np.zeros((1, 5, 3), "float32"))
    with pytest.raises(SuiteError, match="unknown input 'tokens'"):
        model.invoke({"features": x, "tokens": x})
    session = runtime.StreamingSession(step)
    with pytest.raises(SuiteError, match=r"one step .* is \[1, 1, 2\]"):
        session.step(np.zeros(3))
    with pytest.raises(SuiteError, match="not a streaming-step export"):
        runtime.StreamingSession(window)
    with pytest.raises(SuiteError, match="no .tflite file"):
        runtime.LiteRTModel(window.with_name("missing.tflite"))
