"""A feedback :class:`~grader.report.feedback_page.Page` as one standalone HTML document.

Self-contained: a small embedded stylesheet, figures inlined as ``<svg>`` elements, no
script, no font or image fetched from anywhere. Status is a word in a badge (PASS, FAIL,
...) with a shape drawn by CSS beside it (a disc, a diamond, a ring, a triangle, a
square), so it reads without colour and without an emoji font.

Everything taken from results (messages, student output, the student id, titles) is
escaped, control characters and lone surrogates made visible first
(:func:`~grader.report.text.terminal_text`).
"""

from __future__ import annotations

import html
from collections.abc import Callable

from grader.model import Figure
from grader.report.feedback_page import CheckLine, Page, Section
from grader.report.plots import PlotError
from grader.report.text import terminal_text

Draw = Callable[[Figure], str]

STYLE = """
:root { --ink: #1d2330; --muted: #5b6474; --line: #d9dde5; --pass: #1e7a3c;
  --fail: #b3261e; --skip: #7a6a00; --error: #7b2cbf; --later: #1f5fbf; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans",
  "DejaVu Sans", sans-serif; color: var(--ink); background: #f6f7f9; margin: 0; }
main { max-width: 58rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
h1 { font-size: 1.6rem; margin: 0 0 .2rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .6rem; display: flex; gap: .6rem;
  align-items: baseline; flex-wrap: wrap; }
h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
a { color: var(--later); }
.meta, .later { color: var(--muted); font-size: .9rem; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px;
  padding: .8rem 1rem; margin: .6rem 0; }
.card > h2:first-child { margin-top: 0; }
.total { font-size: 1.15rem; font-weight: 600; margin: .2rem 0 .6rem; }
table.scores { border-collapse: collapse; width: 100%; }
.scores th, .scores td { text-align: left; padding: .3rem .5rem;
  border-bottom: 1px solid var(--line); }
.scores td.num { white-space: nowrap; font-variant-numeric: tabular-nums; }
.bar { width: 9rem; height: .7rem; background: #e8ebf0; border-radius: 4px;
  overflow: hidden; border: 1px solid var(--line); }
.bar span { display: block; height: 100%; background: var(--pass); }
ol.fix li { margin: .2rem 0; }
ol.checks { list-style: none; padding: 0; margin: 0; }
li.check { background: #fff; border: 1px solid var(--line); border-left: 6px solid
  var(--line); border-radius: 6px; padding: .55rem .8rem; margin: .45rem 0; }
li.passed { border-left-color: var(--pass); }
li.failed { border-left-color: var(--fail); }
li.skipped { border-left-color: var(--skip); }
li.errored { border-left-color: var(--error); }
li.needs-person, li.deferred { border-left-color: var(--later); }
.head { display: flex; gap: .6rem; align-items: baseline; flex-wrap: wrap; }
.title { font-weight: 600; flex: 1 1 20rem; }
.points { font-variant-numeric: tabular-nums; white-space: nowrap; color: var(--muted); }
.badge { display: inline-flex; align-items: center; gap: .35em; font-size: .75rem;
  font-weight: 700; letter-spacing: .04em; padding: .05rem .5rem; border-radius: 999px;
  border: 1.5px solid currentColor; white-space: nowrap; background: #fff; }
.badge::before { content: ""; display: inline-block; width: .6em; height: .6em; }
.badge.passed { color: var(--pass); }
.badge.passed::before { background: currentColor; border-radius: 50%; }
.badge.failed { color: #fff; background: var(--fail); border-color: var(--fail); }
.badge.failed::before { background: currentColor; transform: rotate(45deg); }
.badge.skipped { color: var(--skip); }
.badge.skipped::before { border: 2px solid currentColor; border-radius: 50%; }
.badge.errored { color: var(--error); }
.badge.errored::before { width: 0; height: 0; border-left: .35em solid transparent;
  border-right: .35em solid transparent; border-bottom: .6em solid currentColor; }
.badge.needs-person, .badge.deferred { color: var(--later); }
.badge.needs-person::before, .badge.deferred::before { border: 2px solid currentColor; }
.tag { font-size: .75rem; color: var(--muted); border: 1px dashed var(--muted);
  border-radius: 4px; padding: 0 .35rem; white-space: nowrap; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: .4rem 0 0;
  font: 13px/1.45 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
pre.output { background: #f1f3f6; border-radius: 4px; padding: .4rem .6rem; }
.output-label { margin: .5rem 0 0; font-size: .85rem; color: var(--muted); }
p.problem { border-left: 4px solid var(--fail); background: #fff; padding: .3rem .7rem;
  margin: .4rem 0; }
p.problem::before { content: "Problem: "; font-weight: 700; color: var(--fail); }
p.note { border-left: 4px solid var(--later); background: #fff; padding: .3rem .7rem;
  margin: .4rem 0; }
p.adjustment { border-left: 4px solid var(--skip); background: #fff;
  padding: .3rem .7rem; margin: .4rem 0; }
figure.plot { margin: .6rem 0 .2rem; }
figure.plot svg { display: block; width: 100%; max-width: 46rem; height: auto; }
figure.plot p { color: var(--muted); font-size: .85rem; margin: 0; }
""".strip()


def render(page: Page, draw: Draw) -> str:
    """``page`` as an HTML document; ``draw`` makes one figure's ``<svg>``."""
    title = _esc(f"Feedback for {page.student_id}")
    body = [
        f"<h1>{title}</h1>",
        f'<p class="meta">{_esc(page.graded)}</p>',
        *_summary(page),
    ]
    for section in page.sections:
        body += _section(section, draw)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )


def _summary(page: Page) -> list[str]:
    out = ['<section class="card summary">', "<h2>Summary</h2>"]
    out.append(f'<p class="total">Total: {_esc(page.total)}</p>')
    out += [f'<p class="problem">{_esc(problem)}</p>' for problem in page.problems]
    out.append('<table class="scores"><thead><tr><th>Exercise</th><th>Score</th><th></th>')
    out.append("<th>Status</th></tr></thead><tbody>")
    out += [_score_row(section) for section in page.sections]
    out.append("</tbody></table>")
    if page.fix_first:
        out += ["<h3>What to fix first</h3>", '<ol class="fix">']
        for item in page.fix_first:
            hidden = ' <span class="tag">hidden check</span>' if item.hidden else ""
            out.append(
                f'<li><a href="#{item.anchor}">{_esc(item.exercise)}: {_esc(item.title)}</a>'
                f'{hidden} <span class="points">({_esc(item.points)})</span></li>'
            )
        out.append("</ol>")
        if page.more_to_fix:
            out.append(f'<p class="meta">and {page.more_to_fix} more failed checks below.</p>')
    elif page.sections:
        out.append("<p>Nothing to fix: every check that ran passed.</p>")
    return [*out, "</section>"]


def _score_row(section: Section) -> str:
    return (
        f'<tr><td><a href="#{section.anchor}">{_esc(section.exercise)}</a></td>'
        f'<td class="num">{_esc(section.score)}</td>'
        f'<td><div class="bar" aria-hidden="true"><span style="width:{section.share:.0%}"></span>'
        f"</div></td><td>{section.status}</td></tr>"
    )


def _section(section: Section, draw: Draw) -> list[str]:
    out = [
        f'<section id="{section.anchor}">',
        f'<h2>{_esc(section.exercise)} <span class="points">{_esc(section.score)}</span>'
        + (f' <span class="later">({_esc(section.later)})</span>' if section.later else "")
        + "</h2>",
    ]
    out += [f'<p class="problem">{_esc(error)}</p>' for error in section.errors]
    out += [f'<p class="note">Note: {_esc(note)}</p>' for note in section.notes]
    out += [f'<p class="adjustment">{_esc(line)}</p>' for line in section.adjustments]
    out.append('<ol class="checks">')
    out += [_check(check, draw) for check in section.checks]
    return [*out, "</ol>", "</section>"]


def _check(check: CheckLine, draw: Draw) -> str:
    hidden = ' <span class="tag">hidden check</span>' if check.hidden else ""
    parts = [
        f'<li class="check {check.css_class}" id="{check.anchor}"><div class="head">'
        f'<span class="badge {check.css_class}">{check.label}</span>'
        f'<span class="title">{_esc(check.title)}{hidden}</span>'
        f'<span class="points">{_esc(check.points)}</span></div>'
    ]
    if check.message:
        parts.append(f'<pre class="message">{_esc(check.message)}</pre>')
    parts += [_figure(figure, draw) for figure in check.figures]
    if check.output:
        parts.append('<p class="output-label">Your program printed:</p>')
        parts.append(f'<pre class="output">{_esc(check.output)}</pre>')
    return "".join(parts) + "</li>"


def _figure(figure: Figure, draw: Draw) -> str:
    label = _esc(figure.title)
    try:
        return f'<figure class="plot" role="img" aria-label="{label}">{draw(figure)}</figure>'
    except PlotError as exc:
        return f'<figure class="plot"><p>Plot "{label}" not shown: {_esc(str(exc))}</p></figure>'


def _esc(text: str) -> str:
    return html.escape(terminal_text(text))
