"""The facade's figures: the learning curve as a matplotlib figure.

Built on :class:`matplotlib.figure.Figure`, not pyplot: no backend is chosen or
changed (a notebook keeps its inline one), and the figure is not kept open in a
global registry. A notebook shows a returned figure as a picture; a script
saves it with ``figure.savefig("curve.png")``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["learning_curve_figure"]


def learning_curve_figure(curve: pd.DataFrame, *, title: str) -> Figure:
    """The cross-validated score (and macro-F1, where recorded) of each model
    against the labels it was trained on; ``curve`` is
    :meth:`Project.learning_curve`'s frame. Without a model yet, the axes say so."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 3.6), dpi=100)
    axes = figure.add_subplot()
    if curve.empty:
        axes.text(
            0.5,
            0.5,
            "No model yet: the first round trains one.",
            ha="center",
            va="center",
            transform=axes.transAxes,
        )
    else:
        axes.plot(curve["n_labels"], curve["cv_score"], marker="o", label="CV score")
        if curve["macro_f1"].notna().any():
            axes.plot(
                curve["n_labels"], curve["macro_f1"], marker="s", label="macro-F1"
            )
        axes.legend(loc="lower right")
    axes.set_xlabel("labels")
    axes.set_ylabel("cross-validated score")
    axes.set_ylim(0, 1.02)
    axes.set_title(title)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    return figure
