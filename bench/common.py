"""Shared bench helpers: machine description and median summaries."""

import os
import platform
import statistics


def machine() -> str:
    """One line naming the machine a figure was measured on."""
    import tensorflow as tf

    cores = os.cpu_count()
    return (
        f"{platform.machine()} CPU, {cores} cores, no GPU; Python "
        f"{platform.python_version()}, TF {tf.__version__}"
    )


def median(values) -> float:
    return float(statistics.median(values))


def spread(values) -> str:
    """`median (min-max)` with 3 decimals."""
    return f"{median(values):.3f} ({min(values):.3f}-{max(values):.3f})"
