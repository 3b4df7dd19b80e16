"""Feedback pages: one Markdown or HTML page per student, every check with its message.

Redaction happens in :func:`student_view`, the one place that decides what a
student may read about a check: a hidden check keeps its title, points and
outcome, and loses its message and captured output unless the instructor asks for
full disclosure. The Gradescope export uses the same function.

Everything taken from results (messages, student output, file names, the student id)
is escaped: control characters and lone surrogates become visible escapes; HTML pages
escape it; Markdown pages escape ``< > &`` and inline markup, treat every kind of line
break (``\r``, ``\r\n``, ``\u2028``...) as one, escape what would start a block at the
beginning of a line (a heading ``#``, a quote ``>``, a list, a rule, a table), keep single-line
places (headings, titles) on one line, and put program output in a fence longer than
any run of backticks inside it. File names come from
:func:`~grader.batch.naming.export_names`: any id (long, any script, control characters)
gives a valid, distinct file name.
"""

from __future__ import annotations

import html
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from grader.batch.gradebook import GradedSubmission
from grader.batch.naming import export_names, safe_file_name
from grader.model import CheckResult, ExerciseResult, Status, Visibility
from grader.report.adjustments import adjustment_lines
from grader.report.text import terminal_text

logger = logging.getLogger(__name__)

HIDDEN_NOTE = "hidden check: details are not shown"
FORMATS = ("md", "html")

#: What starts a Markdown block at the beginning of a line (after its indentation).
_BLOCK_START = re.compile(r"^([ \t]*)([#>+=|~_-])")
_ORDERED_ITEM = re.compile(r"^([ \t]*\d{1,9})([.)])")

_MARK = {
    Status.PASSED: "✅",
    Status.FAILED: "❌",
    Status.SKIPPED: "⏭",
    Status.ERRORED: "⚠️",
    Status.NEEDS_PERSON: "📝",
    Status.DEFERRED: "⏳",
}


def student_view(check: CheckResult, disclose_hidden: bool = False) -> CheckResult:
    """``check`` as a student may see it.

    Public checks and, with ``disclose_hidden``, hidden ones are returned unchanged;
    otherwise a hidden check keeps name, title, points, status and visibility, its
    output is dropped and its message, if it had one (or output), becomes
    :data:`HIDDEN_NOTE`.
    """
    if disclose_hidden or check.visibility is Visibility.PUBLIC:
        return check
    note = HIDDEN_NOTE if check.message or check.output else ""
    return replace(check, message=note, output="")


@dataclass(frozen=True)
class _Line:
    """One check, ready to print: everything already redacted."""

    mark: str
    title: str
    points: str
    message: str
    output: str
    hidden: bool


def _lines(result: ExerciseResult, disclose_hidden: bool) -> list[_Line]:
    lines = []
    for raw in result.results:
        check = student_view(raw, disclose_hidden)
        lines.append(
            _Line(
                mark=_MARK[check.status],
                title=check.title or check.name,
                points=_points(check),
                message=check.message,
                output=check.output,
                hidden=check.visibility is Visibility.HIDDEN,
            )
        )
    return lines


def render_markdown(sub: GradedSubmission, disclose_hidden: bool = False) -> str:
    """The student's feedback page as Markdown."""
    out = [f"# Feedback for {_md(sub.student_id)}", "", _summary(sub), ""]
    out += [f"- ⚠️ {_md(problem)}" for problem in sub.general_problems]
    for result in sub.exercises:
        out += ["", f"## {_md(result.exercise)}: {_num(result.score)}/{_num(result.max_score)}", ""]
        out += [f"- ⚠️ {_md(error)}" for error in result.errors]
        out += [f"- Note: {_md(note)}" for note in result.notes]
        out += [f"- {_md(line)}" for line in adjustment_lines(sub).get(result.exercise, ())]
        for line in _lines(result, disclose_hidden):
            hidden = " *(hidden)*" if line.hidden else ""
            out.append(f"- {line.mark} **{_md(line.title)}**{hidden}: {line.points}")
            if line.message:
                out += _md_lines(line.message)
            if line.output:
                out += _md_fence(line.output)
    return "\n".join(out).rstrip() + "\n"


def render_html(sub: GradedSubmission, disclose_hidden: bool = False) -> str:
    """The student's feedback page as a standalone HTML document."""

    def esc(text: str) -> str:
        return html.escape(terminal_text(text))

    body = [f"<h1>Feedback for {esc(sub.student_id)}</h1>", f"<p>{esc(_summary(sub))}</p>"]
    body += [f'<p class="problem">⚠️ {esc(problem)}</p>' for problem in sub.general_problems]
    for result in sub.exercises:
        body.append(
            f"<h2>{esc(result.exercise)}: {_num(result.score)}/{_num(result.max_score)}</h2>"
        )
        body += [f'<p class="problem">⚠️ {esc(error)}</p>' for error in result.errors]
        body += [f'<p class="note">Note: {esc(note)}</p>' for note in result.notes]
        body += [f"<p>{esc(line)}</p>" for line in adjustment_lines(sub).get(result.exercise, ())]
        body.append("<ul>")
        for line in _lines(result, disclose_hidden):
            hidden = " <em>(hidden)</em>" if line.hidden else ""
            item = f"<li>{line.mark} <strong>{esc(line.title)}</strong>{hidden}: {line.points}"
            if line.message:
                item += f"<br>{esc(line.message)}"
            if line.output:
                item += f"<pre>{esc(line.output)}</pre>"
            body.append(item + "</li>")
        body.append("</ul>")
    title = esc(f"Feedback for {sub.student_id}")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
        f"<title>{title}</title></head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )


def write_feedback(
    submissions: Sequence[GradedSubmission],
    out_dir: Path,
    fmt: str = "md",
    disclose_hidden: bool = False,
) -> list[Path]:
    """Write ``out_dir/<student_id>.md`` (or ``.html``) per submission; return the paths.

    Raises:
        ValueError: ``fmt`` is not one of :data:`FORMATS`.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown feedback format {fmt!r}; choose one of {', '.join(FORMATS)}")
    render = render_markdown if fmt == "md" else render_html
    out_dir.mkdir(parents=True, exist_ok=True)
    names = export_names(sub.student_id for sub in submissions)
    paths = []
    for sub in submissions:
        path = out_dir / f"{names[sub.student_id]}.{fmt}"
        partial = path.with_name(f".{path.name}.partial")
        partial.write_text(render(sub, disclose_hidden), encoding="utf-8")
        os.replace(partial, path)
        paths.append(path)
    logger.info("wrote %d feedback pages to %s", len(paths), out_dir)
    return paths


def _points(check: CheckResult) -> str:
    if check.status is Status.NEEDS_PERSON:
        return f"up to {_num(check.max_points)} points, to be read by an instructor"
    if check.status is Status.DEFERRED:
        return f"up to {_num(check.max_points)} points, scored when the submission is graded"
    return f"{_num(check.points)}/{_num(check.max_points)}"


def output_name(student_id: str) -> str:
    """A valid file or folder name for ``student_id`` (see
    :func:`~grader.batch.naming.safe_file_name`): the id itself when it is one, else a
    sanitized, shortened form with a hash suffix. Exports of a whole class use
    :func:`~grader.batch.naming.export_names`, which also keeps ids apart that differ
    only in case."""
    return safe_file_name(student_id)


def _summary(sub: GradedSubmission) -> str:
    return (
        f"Total: {_num(sub.score)}/{_num(sub.max_score)} points"
        f" (graded {sub.graded_at}, grader {sub.grader_version})"
    )


def _md(text: str) -> str:
    """Text safe to place on one line of Markdown: no raw HTML, no accidental code, links or
    emphasis, no line break (each becomes a space), no block started at its beginning.

    Underscores stay: inside words (``param_count``) they never start emphasis.
    """
    return _md_line(" ".join(text.splitlines()))


def _md_line(line: str) -> str:
    line = html.escape(terminal_text(line), quote=False)
    line = re.sub(r"([\\`*\[\]])", r"\\\1", line)
    line = _ORDERED_ITEM.sub(r"\1\\\2", line, count=1)
    return _BLOCK_START.sub(r"\1\\\2", line, count=1)


def _md_lines(text: str) -> list[str]:
    """A message as lines continuing a list item: every kind of line break is one, and no
    line can start a heading, quote, list, rule or table of its own."""
    return [f"  {_md_line(line)}" for line in text.splitlines()]


def _md_fence(output: str) -> list[str]:
    longest = max((len(run) for run in re.findall(r"`+", output)), default=0)
    fence = "`" * max(3, longest + 1)
    lines = (f"  {terminal_text(line)}" for line in output.splitlines())
    return [f"  {fence}text", *lines, f"  {fence}"]


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")
