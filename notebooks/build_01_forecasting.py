"""Builds notebooks/01_forecasting.ipynb (committed without outputs).

    python notebooks/build_01_forecasting.py
"""
from nbformat.v4 import new_code_cell as code
from nbformat.v4 import new_markdown_cell as md
from notebook_writer import write_notebook

CELLS = [
md("""# 01 · Forecasting airline passengers with a stacked LSTM

The suite's main job (`make demo` runs the same thing): the monthly airline
passenger series (Box & Jenkins, 1949-1960), the last 24 months held out, a
stacked LSTM forecasting all 24 months at once (direct multi-output), compared
with the seasonal-naive forecast that repeats the last observed year.

The series comes from the data directory when `SUITE_DATA_DIR` is set, and
otherwise from sktime, which ships it, so this notebook runs offline."""),
code("""import dataclasses

from suite.data import sources
from suite.tasks import forecasting, forecasting_runs

frame = sources.airline_passengers()
frame.tail()"""),
md("""## The configuration

`DEMO_CONFIG` is a flat frozen dataclass. The series grows and its seasonal
swing grows with it, so the pipeline models `log(y)` differenced at lag 12 and
standardized with statistics from the training rows only; predictions are
mapped back to passengers. Here we shorten training for the notebook."""),
code("""config = dataclasses.replace(forecasting.DEMO_CONFIG, epochs=60)
config = forecasting.resolve(config)
data = forecasting.prepare(config)
print(data.split, data.prep.seasonal_lag, data.frequency)"""),
md("## Train and evaluate"),
code("""model = forecasting.build(config, data)
history = forecasting.train(config, data, model)
result, forecast = forecasting.evaluate(config, data, model)
print(forecasting_runs.summary_table(result))"""),
md("""## Forecast against the held-out months

The figure below is the same one written to `forecast.png` in a run folder."""),
code("""import matplotlib.pyplot as plt

months = data.frame.index
start = int(forecast.starts[-1])
fig, ax = plt.subplots(figsize=(10, 4))
ax.plot(months[:start], data.frame["passengers"][:start], color="0.4", label="history")
ax.plot(months[start:], forecast.actual[-1, :, 0], color="black", label="actual")
ax.plot(months[start:], forecast.predicted[-1, :, 0], label="stacked LSTM")
ax.plot(months[start:], forecast.naive[-1, :, 0], "--", label="seasonal naive")
ax.legend(); ax.set_ylabel("passengers (thousands)");"""),
md("""## Prediction intervals with quantile loss

Setting `quantiles` trains one output per quantile with the pinball loss;
the evaluation reports the empirical coverage of the outer interval."""),
code("""q_config = dataclasses.replace(config, quantiles=(0.1, 0.5, 0.9))
q_model = forecasting.build(q_config, data)
forecasting.train(q_config, data, q_model)
q_result, q_forecast = forecasting.evaluate(q_config, data, q_model)
q_result["intervals"]"""),
md("""## Saved runs

`run_training` does all of the above and writes `saved_models/<run-name>/`
(model.keras, config.json with the fitted statistics, metrics.json, plots);
`predict_next` reloads it and forecasts past the end of the data. From the
shell: `suite forecast train ...`, `suite forecast predict RUN`."""),
]
write_notebook(CELLS, "01_forecasting.ipynb")
