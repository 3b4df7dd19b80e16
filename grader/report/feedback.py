"""Feedback pages: one HTML or Markdown page per student, with the plots of their runs.

``grade export --format feedback [--html]`` writes a class's pages from the gradebook
(:func:`write_feedback`); ``grade ID --report report.html`` writes the page of one local
run (:func:`write_report`). What a page says is decided once, in
:mod:`~grader.report.feedback_page` (the summary, what to fix first, every check, the
redaction of hidden checks by :func:`student_view`); :mod:`~grader.report.feedback_html`
and :mod:`~grader.report.feedback_md` only write it down.

Figures that checks attached are drawn here, in the trusted process, by
:mod:`~grader.report.plots` (matplotlib, imported only when a page has a figure): inlined
as ``<svg>`` in HTML pages, written as ``<page>.figures/<key>.svg`` files beside Markdown
pages and linked from them. A hidden check's figures are hidden with its message.

File names come from :func:`~grader.batch.naming.export_names`: any id (long, any script,
control characters) gives a valid, distinct file name. Every file is written whole
(``.partial`` then renamed).
"""

from __future__ import annotations

import logging
import os
import urllib.parse
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from grader.batch.gradebook import GradedSubmission
from grader.batch.naming import export_names, safe_file_name
from grader.model import ExerciseResult
from grader.report import feedback_html, feedback_md
from grader.report.feedback_page import HIDDEN_NOTE, Page, build_page, student_view
from grader.report.plots import PlotError, render_svg

__all__ = [
    "FORMATS",
    "HIDDEN_NOTE",
    "output_name",
    "render_html",
    "render_markdown",
    "student_view",
    "write_feedback",
    "write_report",
]

logger = logging.getLogger(__name__)

FORMATS = ("md", "html")
FIGURES_SUFFIX = ".figures"


def render_markdown(sub: GradedSubmission, disclose_hidden: bool = False) -> str:
    """The student's feedback page as Markdown, alone (each plot named, not drawn)."""
    return feedback_md.render(build_page(sub, disclose_hidden))


def render_html(sub: GradedSubmission, disclose_hidden: bool = False) -> str:
    """The student's feedback page as a standalone HTML document, plots inlined."""
    return feedback_html.render(build_page(sub, disclose_hidden), render_svg)


def write_feedback(
    submissions: Sequence[GradedSubmission],
    out_dir: Path,
    fmt: str = "md",
    disclose_hidden: bool = False,
) -> list[Path]:
    """Write ``out_dir/<student_id>.md`` (or ``.html``) per submission; return the pages.

    A Markdown page with figures gets them as files in ``out_dir/<name>.figures/``.

    Raises:
        ValueError: ``fmt`` is not one of :data:`FORMATS`.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown feedback format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    names = export_names(sub.student_id for sub in submissions)
    paths = [
        _write_page(build_page(sub, disclose_hidden), out_dir / f"{names[sub.student_id]}.{fmt}")
        for sub in submissions
    ]
    logger.info("wrote %d feedback pages to %s", len(paths), out_dir)
    return paths


def write_report(
    results: Sequence[ExerciseResult],
    path: Path,
    *,
    student: str = "your work",
    problems: Sequence[str] = (),
    grader_version: str = "",
) -> Path:
    """Write the feedback page of one local run (``grade ID --report PATH``) to ``path``:
    Markdown when it ends in ``.md``, else HTML. Everything that ran is shown, as in the
    terminal (hidden checks only run where their files are, for instructors)."""
    if not grader_version:
        from importlib import metadata

        grader_version = metadata.version("grader")
    graded_at = datetime.now(UTC).replace(microsecond=0).isoformat()
    device = results[0].device if results else "cpu"
    sub = GradedSubmission(
        0, student, "", grader_version, graded_at, device, "", tuple(problems), tuple(results)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    return _write_page(build_page(sub, disclose_hidden=True), path)


def _write_page(page: Page, path: Path) -> Path:
    if path.suffix == ".md":
        text = feedback_md.render(page, _write_figures(page, path))
    else:
        text = feedback_html.render(page, render_svg)
    _write_whole(path, text)
    return path


def _write_figures(page: Page, page_path: Path) -> dict[str, str]:
    """Each figure of ``page`` as ``<page>.figures/<key>.svg``; {key: link from the page}.

    The folder is made only when the page has a figure; files it holds from an earlier
    export that this page no longer has are removed.
    """
    folder = page_path.with_name(page_path.stem + FIGURES_SUFFIX)
    links, written = {}, set()
    for section in page.sections:
        for check in section.checks:
            for number, figure in enumerate(check.figures, start=1):
                key = feedback_md.figure_key(check, number)
                try:
                    svg = render_svg(figure)
                except PlotError as exc:
                    logger.warning("%s: %s", page_path.name, exc)
                    continue
                folder.mkdir(exist_ok=True)
                _write_whole(folder / f"{key}.svg", svg + "\n")
                written.add(f"{key}.svg")
                links[key] = urllib.parse.quote(f"{folder.name}/{key}.svg")
    if folder.is_dir():
        for stale in folder.glob("*.svg"):
            if stale.name not in written:
                stale.unlink()
    return links


def _write_whole(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def output_name(student_id: str) -> str:
    """A valid file or folder name for ``student_id`` (see
    :func:`~grader.batch.naming.safe_file_name`): the id itself when it is one, else a
    sanitized, shortened form with a hash suffix. Exports of a whole class use
    :func:`~grader.batch.naming.export_names`, which also keeps ids apart that differ
    only in case."""
    return safe_file_name(student_id)
