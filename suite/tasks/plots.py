"""PNG figures written into run folders (Agg canvas, no pyplot state)."""

from suite.tasks.training import new_figure


def save_forecast_plot(config, data, forecast, path) -> None:
    """Last test window of the first target: history, actual, forecast.

    Shaded band between the lowest and highest quantile when the run has
    quantiles.
    """
    start = int(forecast.starts[-1])
    times = data.frame.index
    history = slice(max(0, start - 3 * config.lookback), start)
    future = times[start : start + config.horizon]
    target = config.targets[0]
    figure = new_figure(10, 4)
    axes = figure.add_subplot(1, 1, 1)
    axes.plot(
        times[history],
        data.frame[target].to_numpy()[history],
        color="0.4",
        label="history",
    )
    axes.plot(future, forecast.actual[-1, :, 0], color="black", label="actual")
    axes.plot(
        future,
        forecast.predicted[-1, :, 0],
        color="tab:blue",
        label=f"{config.model} forecast",
    )
    axes.plot(
        future,
        forecast.naive[-1, :, 0],
        color="tab:orange",
        linestyle="--",
        label="seasonal naive",
    )
    if forecast.quantiles is not None:
        q = forecast.quantiles[-1, :, 0, :]
        axes.fill_between(
            future,
            q.min(axis=-1),
            q.max(axis=-1),
            color="tab:blue",
            alpha=0.2,
            label=f"{min(config.quantiles):g}-"
            f"{max(config.quantiles):g} quantiles",
        )
    axes.set_title(f"{target}: test forecast, horizon {config.horizon}")
    axes.legend(loc="upper left")
    figure.autofmt_xdate()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
