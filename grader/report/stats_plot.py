"""``grade stats --plot DIR``: one PNG histogram per exercise, drawn with matplotlib.

matplotlib is imported here only, when a plot is asked for (never by ``grade ID`` or in the
sandbox), with the Agg backend (no display needed). The same statistics give the same bytes:
no timestamp or software version is written into the files.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

from grader.batch.naming import export_names
from grader.batch.stats import ExerciseStats
from grader.errors import UsageError

logger = logging.getLogger(__name__)


def write_histograms(stats: Sequence[ExerciseStats], out_dir: Path) -> list[Path]:
    """Write ``out_dir/<exercise>.png`` for each exercise; return the paths.

    Raises:
        UsageError: matplotlib is not installed.
    """
    plt = _pyplot()
    out_dir.mkdir(parents=True, exist_ok=True)
    names = export_names(s.exercise for s in stats)
    paths = []
    for one in stats:
        figure = _figure(plt, one)
        path = out_dir / f"{names[one.exercise]}.png"
        partial = path.with_name(f".{path.name}.partial")
        figure.savefig(partial, format="png", dpi=100, metadata={"Software": None})
        plt.close(figure)
        os.replace(partial, path)
        paths.append(path)
    logger.info("wrote %d histograms to %s", len(paths), out_dir)
    return paths


def _figure(plt, stats: ExerciseStats):
    bins = len(stats.histogram)
    width = stats.max_score / bins if stats.max_score > 0 else 1.0
    lefts = [i * width for i in range(bins)]
    figure, axes = plt.subplots(figsize=(6, 3.5))
    axes.bar(lefts, stats.histogram, width=width, align="edge", color="#4c72b0",
             edgecolor="white")  # fmt: skip
    if stats.n:
        mean = f"{stats.mean:.2f}".rstrip("0").rstrip(".")
        axes.axvline(stats.mean, color="#c44e52", linestyle="--", label=f"mean {mean}")
        axes.legend(loc="upper left")
    axes.set_xlim(0, max(stats.max_score, width))
    axes.set_xlabel(f"score (out of {stats.max_score:g})")
    axes.set_ylabel("students")
    axes.set_title(
        f"{stats.exercise}: {stats.n} graded of {stats.students} "
        f"(missing {stats.missing}, errored {stats.errored})"
    )
    axes.yaxis.get_major_locator().set_params(integer=True)
    figure.tight_layout()
    return figure


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise UsageError("--plot needs matplotlib: pip install matplotlib") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
