"""Sequence-classification metrics and plots shared by the tasks.

Probabilities are always `[N, K]` (binary: `[1 - p, p]`), labels int ids.
Binary scores take class 1 as the positive class; multi-class scores are
macro averages (ROC-AUC one-vs-rest).
"""

import numpy as np

from suite.tasks.training import new_figure


def binary_to_two_columns(probabilities) -> np.ndarray:
    """`[N, 1]` or `[N]` P(class 1) -> `[N, 2]`; `[N, K>1]` unchanged."""
    p = np.asarray(probabilities, dtype="float64")
    if p.ndim == 1 or p.shape[-1] == 1:
        p = p.reshape(-1, 1)
        return np.concatenate([1.0 - p, p], axis=1)
    return p


def classification_metrics(labels, probabilities) -> dict:
    """Accuracy, precision, recall, F1, ROC-AUC and the confusion matrix.

    Example:
    >>> m = classification_metrics([0, 1, 1], [[0.8, 0.2], [0.3, 0.7],
    ...                                        [0.6, 0.4]])
    >>> round(m["accuracy"], 4), m["precision"], m["recall"]
    (0.6667, 1.0, 0.5)
    """
    from sklearn import metrics

    labels = np.asarray(labels)
    probabilities = binary_to_two_columns(probabilities)
    classes = probabilities.shape[1]
    predicted = probabilities.argmax(axis=1)
    average = "binary" if classes == 2 else "macro"
    precision, recall, f1, _ = metrics.precision_recall_fscore_support(
        labels,
        predicted,
        labels=np.arange(classes) if classes > 2 else None,
        average=average,
        zero_division=0,
    )
    return {
        "accuracy": float(np.mean(predicted == labels)),
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "roc_auc": _roc_auc(labels, probabilities),
        "confusion_matrix": metrics.confusion_matrix(
            labels, predicted, labels=np.arange(classes)
        ).tolist(),
        "num_samples": int(len(labels)),
    }


def _roc_auc(labels, probabilities) -> float | None:
    """None when a class is missing from `labels` (AUC undefined)."""
    from sklearn import metrics

    classes = probabilities.shape[1]
    if len(np.unique(labels)) < classes:
        return None
    if classes == 2:
        return float(metrics.roc_auc_score(labels, probabilities[:, 1]))
    return float(
        metrics.roc_auc_score(
            labels, probabilities, multi_class="ovr", average="macro"
        )
    )


def save_confusion_matrix(matrix, class_names, path) -> None:
    """PNG of the confusion matrix (rows: true class, columns: predicted)."""
    matrix = np.asarray(matrix)
    size = max(4.0, 0.6 * len(class_names) + 2.5)
    figure = new_figure(size, size)
    axes = figure.add_subplot(1, 1, 1)
    axes.imshow(matrix, cmap="Blues")
    ticks = np.arange(len(class_names))
    axes.set_xticks(ticks, class_names, rotation=45, ha="right")
    axes.set_yticks(ticks, class_names)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    threshold = matrix.max() / 2 if matrix.size else 0
    for (row, column), count in np.ndenumerate(matrix):
        color = "white" if count > threshold else "black"
        axes.text(
            column, row, str(count), ha="center", va="center", color=color
        )
    figure.tight_layout()
    figure.savefig(path, dpi=100)
