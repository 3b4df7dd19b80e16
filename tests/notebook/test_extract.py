"""Extracting a student's notebook: code in cell order, where each line came from, what was
not run (magics, shell, broken cells) and why, the answers cell, and clear errors for
malformed notebooks. Nothing here executes notebook code."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from grader.errors import SubmissionError
from grader.notebook import extract, reading
from grader.notebook.extract import CellSpan, extract_notebook
from grader.notebook.magics import strip_ipython


def write(tmp_path: Path, *cells: nbformat.NotebookNode, name: str = "ex4_5.ipynb") -> Path:
    path = tmp_path / "exercises" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(nbformat.v4.new_notebook(cells=list(cells))), "utf-8")
    return path


def code(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(text)


def md(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(text)


def raw(text: str, tags: list[str] | None = None) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_raw_cell(text)
    if tags:
        cell.metadata["tags"] = tags
    return cell


def test_code_cells_are_joined_in_order_and_lines_name_their_cell(tmp_path):
    path = write(tmp_path, md("# title"), code("import math\nx = 1"), md("text"), code("y = 2"))
    extracted = extract_notebook(path)
    assert extracted.source == "import math\nx = 1\ny = 2\n"
    # cells are counted over all cells, markdown included, as a student counts them
    assert extracted.line_origins == ("cell 2, line 1", "cell 2, line 2", "cell 4, line 1")
    assert extracted.ignored == ()
    assert extracted.answers_toml is None


def test_magics_shell_and_help_lines_are_not_run_and_each_is_named(tmp_path):
    cell = (
        "%matplotlib inline\n"
        "!pip install torch\n"
        "files = !ls\n"
        "def f(x):\n"
        "    %time g()\n"
        "    return x\n"
        "f?\n"
    )
    extracted = extract_notebook(write(tmp_path, md("intro"), code(cell)))
    assert extracted.source.splitlines() == [
        "pass", "pass", "pass", "def f(x):", "    pass", "    return x", "pass",
    ]  # fmt: skip
    compile(extracted.source, "x", "exec")  # a magic that was a block's only line stays valid
    assert extracted.ignored == (
        "cell 2, line 1: `%matplotlib inline` (IPython magic) was not run",
        "cell 2, line 2: `!pip install torch` (shell command) was not run",
        "cell 2, line 3: `files = !ls` (shell command) was not run",
        "cell 2, line 5: `%time g()` (IPython magic) was not run",
        "cell 2, line 7: `f?` (IPython help) was not run",
    )
    assert len(extracted.line_origins) == 7


def test_percent_and_bang_inside_strings_and_brackets_are_python():
    text = (
        'DOC = """\n%d items\n!important\n"""\nlabel = ("%d"\n         % 3)\nok = (1\n      != 2)\n'
    )
    cell = strip_ipython(text, 1)
    assert cell.notes == ()
    assert cell.text == text


def test_cell_magic_cells_are_not_run_but_timing_magics_keep_their_body(tmp_path):
    path = write(
        tmp_path,
        code("%%bash\necho hi"),
        code("%%time\ndef f():\n    return 1"),
    )
    extracted = extract_notebook(path)
    assert extracted.source == "pass\ndef f():\n    return 1\n"
    assert extracted.line_origins[1] == "cell 2, line 2"
    assert extracted.ignored == (
        "cell 1: `%%bash` (cell magic): the whole cell was not run",
        "cell 2, line 1: `%%time` (cell magic; the rest of the cell was run) was not run",
    )


def test_a_cell_with_a_syntax_error_stays_a_cell_of_its_own_and_is_never_compiled_here(tmp_path):
    path = write(
        tmp_path,
        code("def good():\n    return 1"),
        md("notes"),
        code("def broken(:\n    return 2"),
        code("def also_good():\n    return 3"),
    )
    extracted = extract_notebook(path)
    # the sandbox compiles and runs each cell in turn, and reports the broken one
    assert extracted.cells == (CellSpan(1, 1, 2), CellSpan(3, 3, 4), CellSpan(4, 5, 6))
    assert extracted.cell_text(3) == "def broken(:\n    return 2\n"
    assert extracted.cell_text(2) is None  # markdown
    assert extracted.ignored == ()


def test_cells_that_run_nothing_have_no_span(tmp_path):
    path = write(tmp_path, code(""), code("%%bash\necho hi"), code("x = 1"), code("\n\n"))
    extracted = extract_notebook(path)
    assert extracted.cells == (CellSpan(3, 1, 1),)
    assert extracted.source == "x = 1\n"


def test_cells_marked_grader_skip_are_not_run(tmp_path):
    path = write(tmp_path, code("x = 1"), code("# grader: skip\nplot()"), code("# Grader:Skip"))
    extracted = extract_notebook(path)
    assert extracted.source == "x = 1\n"
    assert extracted.ignored == ("cells 2, 3 not run (marked `# grader: skip`)",)


def test_the_cell_tagged_answers_holds_the_quiz_answers_and_is_not_code(tmp_path):
    answers = 'P_of_L = "N/L"\nmonotonic = false'
    path = write(tmp_path, code("x = 1"), code(answers))
    path_tagged = write(
        tmp_path,
        code("x = 1"),
        raw(answers, ["answers"]),
        raw("again", ["Answers"]),
        name="b.ipynb",
    )
    untagged = extract_notebook(path)
    assert untagged.answers_toml is None  # an untagged code cell is code
    assert "monotonic = false" in untagged.source
    tagged = extract_notebook(path_tagged)
    assert tagged.answers_toml == answers
    assert tagged.answers_cell == 2
    assert tagged.source == "x = 1\n"
    assert tagged.ignored == ("cell 3: a second answers cell, ignored (the first is used)",)


def test_answers_cell_found_by_template_header_or_in_a_markdown_fence(tmp_path):
    header = "# Quiz answers for ex4_5 / ex4_5 测验答案\nmonotonic = false\n"
    assert extract_notebook(write(tmp_path, raw(header))).answers_toml == header
    # a tool that dropped the tag and made it a code cell: still answers, never run as code
    as_code = extract_notebook(write(tmp_path, code("x = 1"), code(header), name="c.ipynb"))
    assert as_code.answers_toml == header and as_code.source == "x = 1\n"
    fenced = md('```toml\nL_star = "2"\n```')
    fenced.metadata["tags"] = ["answers"]
    assert extract_notebook(write(tmp_path, fenced, name="m.ipynb")).answers_toml == (
        'L_star = "2"\n'
    )


def test_an_empty_notebook_says_no_code_was_found(tmp_path):
    extracted = extract_notebook(write(tmp_path, md("only text")))
    assert extracted.source == ""
    assert extracted.ignored == (
        "exercises/ex4_5.ipynb: no code was found to run (no code cells, or all were skipped)",
    )


def test_notes_are_capped(tmp_path):
    extracted = extract_notebook(write(tmp_path, code("\n".join(["%who"] * 30))))
    assert len(extracted.ignored) == extract.MAX_NOTES + 1
    assert extracted.ignored[-1] == "... and 10 more notes like these"


def test_format_3_notebooks_are_converted(tmp_path):
    v3 = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {},
        "worksheets": [
            {
                "cells": [
                    {"cell_type": "markdown", "source": "hi", "metadata": {}},
                    {
                        "cell_type": "code",
                        "input": "x = 1",
                        "outputs": [],
                        "language": "python",
                        "metadata": {},
                    },
                ]
            }
        ],
    }
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(v3), "utf-8")
    extracted = extract_notebook(path)
    assert extracted.source == "x = 1\n"
    assert extracted.line_origins == ("cell 2, line 1",)


def test_source_as_a_list_of_lines_and_missing_ids_are_accepted(tmp_path):
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [{"cell_type": "code", "source": ["a = 1\n", "b = 2"], "metadata": {}}],
    }
    path = tmp_path / "ids.ipynb"
    path.write_text(json.dumps(notebook), "utf-8")
    assert extract_notebook(path).source == "a = 1\nb = 2\n"


MALFORMED = {
    "truncated JSON": (b'{"cells": [', "not valid JSON (Expecting value at line 1, column 12)"),
    "not an object": (b"[1, 2]", "this JSON is not a notebook"),
    "no version": (b'{"cells": []}', "it has no 'nbformat' version number"),
    "future version": (
        b'{"nbformat": 5, "nbformat_minor": 0, "cells": []}',
        "notebook format 5 is newer than this grader reads (format 4)",
    ),
    "ancient version": (b'{"nbformat": 2, "cells": []}', "notebook format 2 is too old"),
    "no cells": (
        b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}}',
        "the notebook has no list of cells",
    ),
    "bad cell type": (
        b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "x"}]}',
        "cell 1 is malformed: its type is 'x'",
    ),
    "cell not text": (
        b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, '
        b'"cells": [{"cell_type": "code", "source": 3}]}',
        "cell 1 is malformed: it has no text ('source')",
    ),
    "not UTF-8": (b'{"cells": "\xff"}', "not UTF-8 text (byte 0xff at offset 11)"),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_notebooks_get_a_message_naming_the_problem(tmp_path, case):
    data, expected = MALFORMED[case]
    path = tmp_path / "exercises" / "ex4_5.ipynb"
    path.parent.mkdir()
    path.write_bytes(data)
    with pytest.raises(SubmissionError) as caught:
        extract_notebook(path)
    assert str(caught.value).startswith("exercises/ex4_5.ipynb: ")
    assert expected in str(caught.value)


def test_a_huge_notebook_is_refused_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_NOTEBOOK_BYTES", 100)
    path = write(tmp_path, code("x = 1\n" * 50))
    with pytest.raises(SubmissionError, match=r"larger than .* clear the outputs"):
        extract_notebook(path)
