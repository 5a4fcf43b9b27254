"""Training pieces every task composes: seeding, callbacks, fit, plots."""

import dataclasses
import math

import keras
import numpy as np


@dataclasses.dataclass(frozen=True)
class FitOptions:
    """Optimizer and loop settings shared by the task configs."""

    epochs: int = 50
    """Maximum epochs (early stopping usually ends sooner)."""
    batch_size: int = 32
    """Samples per gradient step."""
    learning_rate: float = 1e-3
    """Initial Adam learning rate."""
    clipnorm: float = 1.0
    """Gradient clipping by global norm (0 disables)."""
    patience: int = 10
    """Epochs without validation improvement before stopping."""
    seed: int = 0
    """Seed for weights, shuffling and dropout."""
    weight_average: float = 0.0
    """Momentum of an exponential moving average of the weights, updated
    every step (0 = off; 0.999 averages over about the last 1000 steps).
    Validation, early stopping and the saved model then use the averaged
    weights (Polyak averaging), which are less noisy than the last step's."""
    lr_schedule: str = "plateau"
    """'plateau': halve the learning rate when validation stalls; 'cosine':
    decay it from `learning_rate` towards 0 over `epochs` (half a cosine,
    set at each epoch's start), so the last epochs take small steps."""

    def __post_init__(self):
        from suite.errors import SuiteError

        if not 0.0 <= self.weight_average < 1.0:
            raise SuiteError(
                f"weight_average must be in [0, 1), got {self.weight_average}"
                " (0 turns the moving average of the weights off)"
            )
        if self.lr_schedule not in LR_SCHEDULES:
            raise SuiteError(
                f"unknown lr_schedule {self.lr_schedule!r}; choose one of "
                + ", ".join(LR_SCHEDULES)
            )


LR_SCHEDULES = ("plateau", "cosine")


def set_seed(seed: int) -> None:
    """Seeds Python, NumPy and the backend; makes TF ops deterministic."""
    keras.utils.set_random_seed(seed)
    import tensorflow as tf

    tf.config.experimental.enable_op_determinism()


def make_optimizer(options: FitOptions):
    """Adam with the options' learning rate, clipping and weight average."""
    return keras.optimizers.Adam(
        learning_rate=options.learning_rate,
        clipnorm=options.clipnorm or None,
        use_ema=options.weight_average > 0,
        ema_momentum=options.weight_average or 0.99,
    )


def standard_callbacks(options: FitOptions, monitor: str = "val_loss"):
    """Early stopping with best weights restored, the options' learning
    rate schedule, NaN guard."""
    return [
        keras.callbacks.EarlyStopping(
            monitor=monitor,
            patience=options.patience,
            restore_best_weights=True,
        ),
        learning_rate_callback(options, monitor),
        keras.callbacks.TerminateOnNaN(),
    ]


def learning_rate_callback(options: FitOptions, monitor: str = "val_loss"):
    """The callback that carries out `options.lr_schedule`."""
    if options.lr_schedule == "cosine":
        return keras.callbacks.LearningRateScheduler(
            lambda epoch: cosine_learning_rate(
                epoch, options.epochs, options.learning_rate
            )
        )
    return keras.callbacks.ReduceLROnPlateau(
        monitor=monitor,
        factor=0.5,
        patience=max(1, options.patience // 3),
        min_lr=1e-5,
    )


def cosine_learning_rate(epoch: int, epochs: int, initial: float) -> float:
    """Half-cosine decay: `initial` at epoch 0, towards 0 at `epochs`."""
    return 0.5 * initial * (1.0 + math.cos(math.pi * epoch / epochs))


def fit(
    model,
    train,
    validation,
    options: FitOptions,
    extra_callbacks=(),
    verbose: int = 0,
    shuffle: bool = False,
) -> dict[str, list[float]]:
    """`model.fit` for `options.epochs` with the standard callbacks
    (early stopping after `options.patience`, the learning rate schedule);
    returns the loss history.

    A tf.data `train` pipeline must shuffle itself (`shuffle` is ignored
    for it); for a `keras.utils.PyDataset`, `shuffle=True` makes Keras
    shuffle the batch order each epoch. Raises a `SuiteError` if the loss
    went NaN or Inf.
    """
    averaged = []
    if getattr(model.optimizer, "use_ema", False):
        # first, so that early stopping sees and keeps the averaged weights
        averaged = [keras.callbacks.SwapEMAWeights(swap_on_epoch=True)]
    history = model.fit(
        train,
        validation_data=validation,
        epochs=options.epochs,
        callbacks=[*averaged, *standard_callbacks(options), *extra_callbacks],
        shuffle=shuffle,
        verbose=verbose,
    ).history
    check_finite_history(history)
    return {key: [float(v) for v in values] for key, values in history.items()}


def predict_array(model, x, batch_size: int = 256) -> np.ndarray:
    """`model.predict` over an array through a plain tf.data pipeline.

    Keras's own array adapter uses a parallel map that, with op determinism
    on, logs a spurious TF error line on every call; this avoids it.
    """
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices(x).batch(batch_size)
    return model.predict(dataset, verbose=0)


def check_finite_history(history: dict) -> None:
    """Raises if training produced a NaN/Inf loss (TerminateOnNaN fired)."""
    from suite.errors import SuiteError

    losses = history.get("loss", [])
    if any(not math.isfinite(value) for value in losses):
        raise SuiteError(
            "training diverged (loss became NaN or Inf); lower "
            "--learning-rate or check the input for extreme values"
        )


def save_loss_plot(history: dict, path) -> None:
    """PNG of training and validation loss per epoch."""
    figure = new_figure()
    axes = figure.add_subplot(1, 1, 1)
    for key in ("loss", "val_loss"):
        if key in history:
            values = np.asarray(history[key])
            axes.plot(np.arange(1, len(values) + 1), values, label=key)
    axes.set_xlabel("epoch")
    axes.set_ylabel("loss")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def new_figure(width: float = 8, height: float = 4):
    """A Figure on the Agg canvas: no display, no pyplot global state."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height))
    FigureCanvasAgg(figure)
    return figure
