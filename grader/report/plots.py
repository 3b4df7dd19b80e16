"""Figures for feedback pages: a :class:`~grader.model.Figure` (plain data) drawn as SVG.

Checks attach figures as data (``sub.figure(...)``); only a report that shows them draws
them, here, in the trusted process. matplotlib is imported by :func:`render_svg` alone, so
the sandbox and a plain ``grade ID`` never pay for it. Drawing uses matplotlib's
object-oriented API on an Agg canvas: no pyplot, no GUI backend, and no change to the
process-wide backend (a notebook that imports the grader keeps its own).

The output is deterministic: the same figure gives the same bytes (``svg.hashsalt`` fixed,
no date or creator in the metadata, text kept as ``<text>`` elements rather than glyph
outlines, which also keeps pages small). Long curves are thinned to :data:`MAX_POINTS`
points, first and last kept. Non-finite values are not drawn, and neither are values
<= 0 on a logarithmic axis; a series with nothing left to draw says so in the legend. A
figure asks for a logarithmic y axis (``log_y``); it gets one where its values span a
factor of 10 or more.

Series whose label mentions "reference", "expected" or "accepted" are drawn as dashed
grey-scale lines, the student's own runs as solid coloured ones, so a page reads the same
in black and white.
"""

from __future__ import annotations

import functools
import io
import itertools
import math
import re
import textwrap

from grader.model import Figure, Series

__all__ = ["MAX_POINTS", "PlotError", "downsample", "render_svg"]

#: Points drawn per series at most: a page stays small whatever a check attached.
MAX_POINTS = 200
_WIDTH, _AXES_HEIGHT = 6.4, 2.6  # inches
_SALT = "grader-feedback"
_MARKERS_UP_TO = 30  # series this short are drawn with a marker on each point
_OURS = ("#1f5fbf", "#d1495b", "#2a9d5b", "#8a4fbf", "#c77c02", "#00838f")
#: (colour, dash) of reference lines: told apart by their dashes as well as their grey.
_THEIRS = (("#333333", "--"), ("#8c8c8c", "--"), ("#333333", ":"), ("#8c8c8c", "-."))
_TITLE_WIDTH = 78  # characters on a line of the title; longer titles wrap
_REFERENCE_WORDS = re.compile(r"reference|expected|accepted", re.IGNORECASE)


class PlotError(Exception):
    """A figure could not be drawn (matplotlib missing or failing): the page says so."""


def downsample(series: Series, limit: int = MAX_POINTS) -> Series:
    """``series`` with at most ``limit`` points, evenly spaced by index, first and last kept."""
    count = min(len(series.x), len(series.y))
    if count <= limit:
        return Series(series.label, series.x[:count], series.y[:count])
    keep = sorted({round(i * (count - 1) / (limit - 1)) for i in range(limit)})
    return Series(series.label, tuple(series.x[i] for i in keep), tuple(series.y[i] for i in keep))


def drawable(series: Series, log_y: bool) -> tuple[list[float], list[float]]:
    """The points of ``series`` a plot can show: finite, and positive on a log axis."""
    xs, ys = [], []
    for x, y in zip(series.x, series.y, strict=False):
        if math.isfinite(x) and math.isfinite(y) and (y > 0 or not log_y):
            xs.append(x)
            ys.append(y)
    return xs, ys


@functools.lru_cache(maxsize=256)
def render_svg(figure: Figure) -> str:
    """``figure`` as one ``<svg>`` element (no XML prolog), ready to inline in HTML.

    Figures of correct runs repeat from student to student: the last 256 drawn are
    remembered (a class export draws each distinct figure once).

    Raises:
        PlotError: matplotlib is not installed, or it failed on this figure.
    """
    try:
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure as Canvas
    except ImportError as exc:
        raise PlotError("plots need matplotlib (pip install matplotlib)") from exc
    try:
        with matplotlib.rc_context(_RC):
            title = textwrap.wrap(_text(figure.title), _TITLE_WIDTH) or [""]
            canvas = _canvas(Canvas, len(title), math.ceil(len(figure.series) / 2))
            FigureCanvasAgg(canvas)
            _draw(canvas, figure, "\n".join(title))
            out = io.StringIO()
            canvas.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    except Exception as exc:  # a figure that cannot be drawn costs its picture, not the page
        raise PlotError(f"the plot could not be drawn ({type(exc).__name__}: {exc})") from exc
    return _compact(out.getvalue())


def _canvas(make, title_lines: int, legend_rows: int):
    """A matplotlib Figure sized for its title and its legend (under the axes), in inches:
    the axes keep the same size whatever surrounds them."""
    top = 0.12 + 0.17 * title_lines
    bottom = 0.5 + 0.17 * legend_rows + 0.05
    height = top + _AXES_HEIGHT + bottom
    canvas = make(figsize=(_WIDTH, height))
    canvas.subplots_adjust(left=0.11, right=0.98, top=1 - top / height, bottom=bottom / height)
    return canvas


_RC = {
    "svg.hashsalt": _SALT,
    "svg.fonttype": "none",
    "svg.id": None,
    "font.size": 9,
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "path.simplify": True,
    "text.usetex": False,
}


def _draw(canvas, figure: Figure, title: str) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter

    axes = canvas.add_subplot()
    ours, theirs = itertools.cycle(_OURS), itertools.cycle(_THEIRS)
    for raw in figure.series:
        series = downsample(raw)
        xs, ys = drawable(series, figure.log_y)
        reference = bool(_REFERENCE_WORDS.search(series.label))
        color, dash = next(theirs) if reference else (next(ours), "-")
        label = _text(series.label) + ("" if xs else " (nothing to draw)")
        axes.plot(
            xs,
            ys,
            label=label,
            color=color,
            linestyle=dash,
            linewidth=1.3 if reference else 1.8,
            marker="o" if _marked(len(xs), reference) else None,
            markersize=3.5 if len(xs) > 1 else 6,
        )
    if figure.log_y and _spans_decades(figure):
        axes.set_yscale("log")
        axes.yaxis.set_minor_formatter(NullFormatter())
    axes.yaxis.set_major_formatter(FuncFormatter(_tick))
    if all(float(x).is_integer() for s in figure.series for x in s.x):
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(title, loc="left", fontsize=10)
    axes.set_xlabel(_text(figure.x_label))
    axes.set_ylabel(_text(figure.y_label))
    if figure.series:  # under the axes, two columns: it never hides a line
        canvas.legend(loc="lower left", bbox_to_anchor=(0.1, 0.0), ncols=2, fontsize=8)


def _marked(points: int, reference: bool) -> bool:
    """Short runs of the student's get a marker on each point; a lone point always does."""
    return points == 1 or (points <= _MARKERS_UP_TO and not reference)


def _spans_decades(figure: Figure) -> bool:
    """Whether a log axis helps: the positive values drawn span a factor of 10 or more
    (within less, a log axis only crowds its labels)."""
    values = [y for s in figure.series for y in drawable(downsample(s), True)[1]]
    return bool(values) and max(values) >= 10 * min(values)


def _tick(value: float, _position: object = None) -> str:
    return f"{value:.3g}"


def _text(text: str) -> str:
    """``text`` shown literally: a ``$`` never starts mathtext, no control character."""
    return "".join(c for c in text if c.isprintable() or c == " ").replace("$", r"\$")


_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
_ID = re.compile(r' id="([^"]*)"')
_REFERENCE = re.compile(r'(?:url\(#|href="#)([^)"]+)')
_GEOMETRY = re.compile(r' (d|x|y|transform)="([^"]*)"')
_LONG_NUMBER = re.compile(r"(-?\d+\.\d{2})\d+")


def _compact(svg: str) -> str:
    """matplotlib's SVG document as a small inline ``<svg>`` element: no prolog or
    metadata, no ids but those referenced (clip paths, markers: named by a hash of their
    content, so equal ids in two figures of a page mean equal definitions), coordinates
    to 1/100 pt."""
    svg = _METADATA.sub("", svg[svg.index("<svg") :]).strip()
    used = set(_REFERENCE.findall(svg))
    svg = _ID.sub(lambda m: m.group(0) if m.group(1) in used else "", svg)
    return _GEOMETRY.sub(_round_geometry, svg)


def _round_geometry(match: re.Match) -> str:
    rounded = _LONG_NUMBER.sub(r"\1", match.group(2))
    return f' {match.group(1)}="{rounded}"'
