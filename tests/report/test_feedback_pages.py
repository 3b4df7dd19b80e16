"""Feedback pages a student wants to read: a summary, status in words, plots of their runs.

Built from synthetic results (no sandbox): the demo-class page and ``grade ID --report`` are
tested end to end in tests/report/test_feedback_runs.py.
"""

from __future__ import annotations

import math
import re

import pytest

from grader.batch.gradebook import GradedSubmission
from grader.model import CheckResult, ExerciseResult, Figure, Series, Status, Visibility
from grader.report import feedback_page, plots
from grader.report.feedback import (
    HIDDEN_NOTE,
    render_html,
    render_markdown,
    student_view,
    write_feedback,
)
from grader.report.feedback_html import STYLE

CURVE = Figure(
    "loss before each step",
    (
        Series("your run", tuple(map(float, range(5))), (1.0, 0.5, 0.25, 0.125, 0.0625)),
        Series("reference", tuple(map(float, range(5))), (1.0, 0.5, 0.25, 0.125, 0.0625)),
    ),
    "step",
    "loss",
    log_y=True,
)
SECRET_FIGURE = Figure(
    "hidden data of shape (80, 3)", (Series("your run", (0.0, 1.0), (0.424242, 0.1)),)
)


def check(name, status, points, max_points, visibility=Visibility.PUBLIC, message="", figures=()):
    return CheckResult(name, f"{name} title", points, max_points, status, visibility, message,
                       0.1, "", figures=figures)  # fmt: skip


EX4_1 = ExerciseResult(
    "ex4_1",
    (
        check("basics", Status.PASSED, 1, 1),
        check("values", Status.FAILED, 0, 2, message="sigmoid(0): expected 0.5, got 1"),
        check("after_values", Status.SKIPPED, 0, 1, message='skipped: needs "values" first'),
        check("curve", Status.FAILED, 0, 2, message="the loss did not halve", figures=(CURVE,)),
        check("secret", Status.FAILED, 0, 3, Visibility.HIDDEN, "hidden: got 99", (SECRET_FIGURE,)),
        check("broken", Status.ERRORED, 0, 1, message="internal grader error"),
    ),
)
DROPOUT = ExerciseResult(
    "dropout",
    (
        check("hidden_first", Status.FAILED, 0, 1, Visibility.HIDDEN, "hidden: 7 kept"),
        check("rate", Status.FAILED, 0, 1, message="kept 30 of 100"),
        check("fine", Status.PASSED, 2, 2),
    ),
)


def graded(*exercises: ExerciseResult, student: str = "alice") -> GradedSubmission:
    exercises = exercises or (EX4_1, DROPOUT)
    return GradedSubmission(
        1, student, "h", "1.0", "2024-01-01T00:00:00+00:00", "cpu", "", (), exercises
    )


def check_items(page: str) -> dict[str, str]:
    """Each check's ``<li>`` in an HTML page, by its title."""
    items = re.findall(r'<li class="check .*?</li>', page, flags=re.DOTALL)
    return {re.search(r'class="title">([^<]*)', item).group(1).strip(): item for item in items}


def test_status_is_a_word_in_a_badge_with_a_css_shape_not_an_emoji():
    page = render_html(graded())
    badges = re.findall(r'<span class="badge ([a-z-]+)">([^<]*)</span>', page)
    assert set(badges) == {
        ("passed", "PASS"),
        ("failed", "FAIL"),
        ("skipped", "SKIPPED"),
        ("errored", "GRADER ERROR"),
    }
    for status in ("passed", "failed", "skipped", "errored"):
        assert re.search(rf"\.badge\.{status}::before \{{[^}}]+\}}", STYLE), status
    emoji = re.compile("[\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff\ufe0f]")
    assert not emoji.search(page) and not emoji.search(render_markdown(graded()))
    assert "**[FAIL]** **values title**" in render_markdown(graded())


def test_summary_gives_each_score_and_what_to_fix_first_public_before_hidden():
    page = feedback_page.build_page(graded())
    assert page.total == "3/14 points"
    assert [(s.exercise, s.score, s.failures) for s in page.sections] == [
        ("ex4_1", "1/10", 3),
        ("dropout", "2/4", 2),
    ]
    # per exercise, failed checks in order, public ones first; exercises taken in turn;
    # skipped and errored checks are not the student's to fix
    assert [(item.exercise, item.title) for item in page.fix_first] == [
        ("ex4_1", "values title"),
        ("dropout", "rate title"),
        ("ex4_1", "curve title"),
        ("dropout", "hidden_first title"),
        ("ex4_1", "secret title"),
    ]
    html = render_html(graded())
    for item in page.fix_first:  # every link of the summary lands on its check
        assert f'href="#{item.anchor}"' in html and f'id="{item.anchor}"' in html
    md = render_markdown(graded())
    assert "### What to fix first" in md and "- ex4_1: values title (0/2)" in md
    assert "- dropout: 2/4, 2 to fix" in md


def test_a_page_where_everything_passed_says_there_is_nothing_to_fix():
    passed = ExerciseResult("ex4_5", (check("ok", Status.PASSED, 1, 1),))
    for page in (render_html(graded(passed)), render_markdown(graded(passed))):
        assert "Nothing to fix: every check that ran passed." in page
        assert "What to fix first" not in page


def test_html_page_inlines_the_plot_inside_its_check():
    items = check_items(render_html(graded()))
    curve = items["curve title"]
    assert "<svg" in curve and "the loss did not halve" in curve
    assert curve.index("the loss did not halve") < curve.index("<svg")  # message, then plot
    assert "your run" in curve and "reference" in curve and "loss before each step" in curve
    assert "<svg" not in items["values title"]


def test_page_is_self_contained_no_script_nothing_fetched():
    page = render_html(graded())
    assert "<style>" in page and "<script" not in page.lower()
    assert not re.search(r"<link|<img|\ssrc=|@import|url\((?!#)", page)
    assert not re.search(r"""(?:href|src)=["']?(?:https?:)?//""", page)


def test_hidden_figures_and_messages_are_shown_only_with_full_disclosure():
    redacted = student_view(EX4_1.results[4])
    assert (redacted.figures, redacted.message) == ((), HIDDEN_NOTE)
    for render in (render_html, render_markdown):
        page = render(graded())
        assert "secret title" in page and HIDDEN_NOTE in page  # title and points stay
        assert "hidden data of shape" not in page and "0.424242" not in page
        assert "hidden: got 99" not in page
        disclosed = render(graded(), disclose_hidden=True)
        assert "hidden data of shape" in disclosed and "hidden: got 99" in disclosed
    assert "<svg" not in check_items(render_html(graded()))["secret title"]


def test_markdown_pages_link_their_plots_as_svg_files_beside_them(tmp_path):
    [page] = write_feedback([graded()], tmp_path, fmt="md")
    text = page.read_text(encoding="utf-8")
    links = re.findall(r"!\[([^\]]*)\]\(([^)]+)\)", text)
    assert links == [("loss before each step", "alice.figures/ex1-ex4_1-4-fig1.svg")]
    svg = (tmp_path / links[0][1]).read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "your run" in svg
    assert sorted(p.name for p in (tmp_path / "alice.figures").iterdir()) == [
        "ex1-ex4_1-4-fig1.svg"
    ]  # the hidden check's figure is not written
    # Rendered alone (no files), a page names each plot and points to the HTML page.
    assert "*Plot: loss before each step (in the HTML version of this page)*" in (
        render_markdown(graded())
    )


def test_a_new_export_removes_figure_files_the_page_no_longer_has(tmp_path):
    write_feedback([graded()], tmp_path, fmt="md")
    without = graded(ExerciseResult("ex4_1", EX4_1.results[:2]))
    write_feedback([without], tmp_path, fmt="md")
    assert list((tmp_path / "alice.figures").iterdir()) == []
    assert "![" not in (tmp_path / "alice.md").read_text(encoding="utf-8")


def test_the_same_results_give_the_same_pages_byte_for_byte():
    first = render_html(graded())
    plots.render_svg.cache_clear()  # drawn again, not remembered
    assert render_html(graded()) == first


def test_long_curves_are_thinned_and_pages_stay_small():
    steps = tuple(float(i) for i in range(20_000))
    long = Figure("20,000 steps", (Series("your run", steps, tuple(1 / (1 + s) for s in steps)),))
    thin = plots.downsample(long.series[0])
    assert len(thin.x) == plots.MAX_POINTS and thin.x[0] == 0 and thin.x[-1] == 19_999
    assert len(plots.render_svg(long)) < 30_000


def test_unplottable_values_are_skipped_and_a_series_with_none_says_so():
    figure = Figure(
        "odd values",
        (
            Series("your run", (0.0, 1.0, 2.0, 3.0), (1.0, math.nan, -1.0, math.inf)),
            Series("nothing", (0.0, 1.0), (math.nan, math.nan)),
        ),
        log_y=True,
    )
    assert plots.drawable(figure.series[0], log_y=True) == ([0.0], [1.0])
    assert plots.drawable(figure.series[0], log_y=False) == ([0.0, 2.0], [1.0, -1.0])
    assert "nothing (nothing to draw)" in plots.render_svg(figure)


def test_figure_text_is_shown_literally_and_escaped():
    figure = Figure("<b>cost</b> in $ & $x$", (Series("a\x1b[2J", (0.0, 1.0), (1.0, 2.0)),))
    svg = plots.render_svg(figure)
    assert "<b>" not in svg and "&lt;b&gt;cost&lt;/b&gt; in $ &amp; $x$" in svg
    assert "\x1b" not in svg


def test_a_figure_that_cannot_be_drawn_costs_its_picture_not_the_page(monkeypatch):
    def broken(figure):
        raise plots.PlotError("the plot could not be drawn (ValueError: bad)")

    from grader.report import feedback

    monkeypatch.setattr(feedback, "render_svg", broken)
    curve = check_items(render_html(graded()))["curve title"]
    assert "not shown: the plot could not be drawn (ValueError: bad)" in curve


def test_adjustments_are_listed_under_their_exercise_on_both_pages(monkeypatch):
    def adjustments(sub, result):
        return ("late by 2 days: -10%",) if result.exercise == "dropout" else ()

    monkeypatch.setattr(feedback_page, "adjustments", adjustments)
    html = render_html(graded())
    assert '<p class="adjustment">late by 2 days: -10%</p>' in html
    assert html.index('id="ex2-dropout"') < html.index("late by 2 days")
    md = render_markdown(graded())
    assert md.index("## dropout") < md.index("- late by 2 days: -10%")


@pytest.mark.parametrize("deferred, hidden, text", [
    (7, 5, "7 quiz points and 5 hidden checks are graded when you submit"),
    (0, 1, "1 hidden check is graded when you submit"),
])  # fmt: skip
def test_a_local_page_says_what_is_graded_when_the_work_is_submitted(deferred, hidden, text):
    later = check("formula", Status.DEFERRED, 0, deferred) if deferred else None
    results = (check("ok", Status.PASSED, 1, 1), *([later] if later else []))
    local = ExerciseResult("ex4_5", results, hidden_not_run=hidden)
    assert text in render_html(graded(local)) and text in render_markdown(graded(local))
