"""``grade export``: every format from one list of grades, adjusted once.

    written, summary = export("canvas", graded, Path("canvas.csv"), roster=roster)

``graded`` comes from :func:`grader.batch.adjust.class_results` (overrides in, late
penalties taken off, students that could not be graded completed to the class's full marks),
so every format shows the same scores and the same denominators.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.batch.gradebook import GradedSubmission
from grader.errors import UsageError
from grader.report.roster import Roster

FORMATS = ("csv", "gradescope", "feedback", "canvas", "moodle")


@dataclass(frozen=True)
class ExportOptions:
    """What some formats need: feedback as HTML, hidden messages shown, Gradescope's
    visibility of hidden checks, the roster and exercise titles for an LMS, Moodle's
    identifier."""

    html: bool = False
    disclose_hidden: bool = False
    hidden_visibility: str = "after_published"
    roster: Roster | None = None
    titles: dict[str, str] | None = None
    moodle_id: str | None = None


def export(
    fmt: str, graded: Sequence[GradedSubmission], output: Path, options: ExportOptions
) -> tuple[list[Path], str]:
    """Write ``graded`` as ``fmt`` to ``output``; return the paths and a one-line summary.

    Raises:
        UsageError: an unknown format, or canvas/moodle without a roster (or one that
            cannot identify students to that LMS).
    """
    from grader.report import csv_export, feedback, gradescope, lms

    if fmt == "csv":
        paths = [csv_export.write_csv(graded, output)]
    elif fmt == "gradescope":
        paths = gradescope.write_gradescope(
            graded, output, options.hidden_visibility, options.disclose_hidden
        )
    elif fmt == "feedback":
        page = "html" if options.html else "md"
        paths = feedback.write_feedback(graded, output, page, options.disclose_hidden)
    elif fmt in lms.FORMATS:
        if options.roster is None:
            raise UsageError(f"--format {fmt} needs --roster roster.csv (see grade export --help)")
        done = lms.write_lms(fmt, graded, options.roster, output, options.titles,
                             options.moodle_id)  # fmt: skip
        return done.paths, done.summary()
    else:
        raise UsageError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return paths, f"{len(graded)} students"
