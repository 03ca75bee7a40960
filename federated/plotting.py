"""Accuracy-versus-rounds figure for several algorithms on one axis."""

from __future__ import annotations

from pathlib import Path

from federated.metrics import RoundMetrics
from harness.atomic_io import atomic_path


def plot_accuracy(histories: dict[str, list[RoundMetrics]], path: str | Path, title: str = "") -> Path:
    """Write a PNG (atomically) with one accuracy curve per algorithm."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, history in histories.items():
        ax.plot([r.round for r in history], [r.accuracy for r in history], label=name)
    ax.set_xlabel("communication round")
    ax.set_ylabel("accuracy")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right")
    if title:
        ax.set_title(title, fontsize=9)
    try:
        with atomic_path(path, suffix=".png") as tmp:
            fig.savefig(tmp, dpi=120, bbox_inches="tight")
    finally:
        plt.close(fig)
    return path
