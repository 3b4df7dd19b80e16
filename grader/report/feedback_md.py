"""A feedback :class:`~grader.report.feedback_page.Page` as Markdown.

The same content as the HTML page: the summary (total, each exercise's score, what to fix
first), then each check with a status word in brackets (``[PASS]``,
``[FAIL]``...), its points, message and output. Figures are separate SVG files linked from
the page (``![title](alice.figures/ex1-ex4_1-9-fig1.svg)``) when the page is written with
them (:func:`~grader.report.feedback.write_feedback` does); a page rendered alone names
each plot and points to the HTML page instead.

Everything taken from results is escaped: ``< > &`` and inline markup, every kind of line
break (``\\r``, ``\\r\\n``, ``\\u2028``...) taken as one, what would start a block at the
beginning of a line (a heading ``#``, a quote ``>``, a list, a rule, a table) escaped,
single-line places (headings, titles) kept on one line, and program output
put in a fence longer than any run of backticks inside it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from grader.model import Figure
from grader.report.feedback_page import CheckLine, Page, Section
from grader.report.text import terminal_text

#: What starts a Markdown block at the beginning of a line (after its indentation).
_BLOCK_START = re.compile(r"^([ \t]*)([#>+=|~_-])")
_ORDERED_ITEM = re.compile(r"^([ \t]*\d{1,9})([.)])")


def figure_key(check: CheckLine, number: int) -> str:
    """The name of ``check``'s figure ``number`` (from 1), unique on the page; the writer
    stores it as ``<key>.svg``."""
    return f"{check.anchor}-fig{number}"


def render(page: Page, links: Mapping[str, str] | None = None) -> str:
    """``page`` as Markdown. ``links`` maps :func:`figure_key` to the relative path of
    the figure's file; None: no files (each plot is named, see the HTML page); a key
    missing from ``links``: that figure could not be drawn."""
    out = [f"# Feedback for {md(page.student_id)}", "", md(page.graded), ""]
    out += _summary(page)
    for section in page.sections:
        out += _section(section, links)
    return "\n".join(out).rstrip() + "\n"


def _summary(page: Page) -> list[str]:
    out = ["## Summary", "", f"**Total: {md(page.total)}**", ""]
    out += [f"- Problem: {md(problem)}" for problem in page.problems]
    out += [f"- {md(s.exercise)}: {md(s.score)}, {s.status}" for s in page.sections]
    if page.fix_first:
        out += ["", "### What to fix first", ""]
        for item in page.fix_first:
            hidden = " *(hidden check)*" if item.hidden else ""
            out.append(f"- {md(item.exercise)}: {md(item.title)}{hidden} ({item.points})")
        if page.more_to_fix:
            out += ["", f"And {page.more_to_fix} more failed checks below."]
    elif page.sections:
        out += ["", "Nothing to fix: every check that ran passed."]
    return [*out, ""]


def _section(section: Section, links: Mapping[str, str] | None) -> list[str]:
    later = f" ({md(section.later)})" if section.later else ""
    out = ["", f"## {md(section.exercise)}: {md(section.score)}{later}", ""]
    out += [f"- Problem: {md(error)}" for error in section.errors]
    out += [f"- Note: {md(note)}" for note in section.notes]
    out += [f"- {md(line)}" for line in section.adjustments]
    if section.errors or section.notes or section.adjustments:
        out.append("")
    for check in section.checks:
        out += _check(check, links)
    return out


def _check(check: CheckLine, links: Mapping[str, str] | None) -> list[str]:
    hidden = " *(hidden check)*" if check.hidden else ""
    out = [f"- **[{check.label}]** **{md(check.title)}**{hidden}: {check.points}"]
    if check.message:
        out += _continued(check.message)
    for number, figure in enumerate(check.figures, start=1):
        out.append(_figure(figure, figure_key(check, number), links))
    if check.output:
        out += ["  Your program printed:", *_fence(check.output)]
    return out


def _figure(figure: Figure, key: str, links: Mapping[str, str] | None) -> str:
    title = md(figure.title)
    if links is None:
        return f"  *Plot: {title} (in the HTML version of this page)*"
    if key not in links:
        return f"  *Plot: {title} (could not be drawn)*"
    return f"  ![{title}]({links[key]})"  # brackets in the title are escaped by md()


def md(text: str) -> str:
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


def _continued(text: str) -> list[str]:
    """A message as lines continuing a list item: every kind of line break is one, and no
    line can start a heading, quote, list, rule or table of its own."""
    return [f"  {_md_line(line)}" for line in text.splitlines()]


def _fence(output: str) -> list[str]:
    longest = max((len(run) for run in re.findall(r"`+", output)), default=0)
    fence = "`" * max(3, longest + 1)
    lines = (f"  {terminal_text(line)}" for line in output.splitlines())
    return [f"  {fence}text", *lines, f"  {fence}"]
