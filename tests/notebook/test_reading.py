"""Reading a notebook's JSON is bounded before any parser sees it: size, JSON items, nesting
depth; format 4 is never handed to nbformat; code and answers cells are capped; lone
surrogates are replaced. Any bytes at all give a SubmissionError, nothing else (fuzzed)."""

from __future__ import annotations

import json
from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from grader.batch import validate
from grader.errors import SubmissionError
from grader.notebook import extract, reading
from grader.notebook.extract import extract_notebook

NAME = "exercises/ex4_5.ipynb"


def notebook(cells: list, **top) -> dict:
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells, **top}


def code(source: str) -> dict:
    return {"cell_type": "code", "metadata": {}, "source": source, "outputs": []}


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def with_metadata(depth: int) -> str:
    """A notebook whose metadata nests ``depth`` objects (Jupyter writes two or three)."""
    return json.dumps(notebook([code("x = 1")])).replace(
        '"metadata": {}', '"metadata": ' + '{"a": ' * depth + "{}" + "}" * depth, 1
    )


def read(text: str | bytes) -> list:
    return reading.read_cells(text if isinstance(text, bytes) else text.encode(), NAME)


def test_nesting_up_to_the_limit_is_read_and_one_more_level_is_refused():
    assert read(with_metadata(reading.MAX_JSON_DEPTH - 2))  # top object + metadata + depth
    with pytest.raises(SubmissionError, match="nested more than 100 levels deep"):
        read(with_metadata(reading.MAX_JSON_DEPTH - 1))


@pytest.mark.parametrize("depth", [700, 900, 5_000, 100_000])
def test_deep_nesting_anywhere_is_a_clear_error_never_a_recursion_error(depth):
    in_a_cell = json.dumps(notebook([code("x = 1")]))[:-1] + f', "junk": {nested(depth)}}}'
    for text in (in_a_cell, with_metadata(depth)):
        with pytest.raises(SubmissionError) as caught:
            read(text)
        assert str(caught.value).startswith(f"{NAME}: not a notebook: the JSON is nested more")


def test_too_many_json_items_are_refused_before_parsing():
    outputs = [{"output_type": "stream", "name": "stdout", "text": ["ab"] * 600_000}]
    cell = {**code("x = 1"), "outputs": outputs}
    text = json.dumps(notebook([cell, cell]))
    with pytest.raises(
        SubmissionError, match=r"more than 1,000,000 JSON items .* clear the outputs"
    ):
        read(text)
    assert read(json.dumps(notebook([cell])))  # 600 000 items are fine


def test_format_4_is_read_without_nbformat(monkeypatch):
    import nbformat

    def refuse(*args, **kwargs):
        raise AssertionError("nbformat was called for a format 4 notebook")

    monkeypatch.setattr(nbformat, "from_dict", refuse)
    monkeypatch.setattr(nbformat, "convert", refuse)
    assert read(json.dumps(notebook([code("x = 1")])))[0]["source"] == "x = 1"


def write(tmp_path: Path, data: str | bytes) -> Path:
    path = tmp_path / "exercises" / "ex4_5.ipynb"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def test_more_code_than_the_cap_is_refused_before_it_is_scanned(tmp_path):
    literal = 'x = "' + "a" * extract.MAX_CODE_CHARS + '"'
    with pytest.raises(SubmissionError, match="hold more than the 1,000,000 characters"):
        extract_notebook(write(tmp_path, json.dumps(notebook([code(literal)]))))


def test_an_oversized_answers_cell_is_refused(tmp_path):
    answers = {"cell_type": "raw", "metadata": {"tags": ["answers"]}, "source": "a" * 1_000_001}
    with pytest.raises(SubmissionError, match=r"the answers cell \(cell 2\) holds more"):
        extract_notebook(write(tmp_path, json.dumps(notebook([code("x = 1"), answers]))))


def test_lone_surrogates_become_replacement_characters_with_a_note(tmp_path):
    text = json.dumps(notebook([code("%time f('\udcff')\ns = '\ud800'")]))  # escaped in JSON
    extracted = extract_notebook(write(tmp_path, text))
    assert extracted.source == "pass\ns = '\ufffd'\n"
    assert extracted.ignored == (
        "cell 1: characters that are not valid Unicode (lone surrogates) were replaced with U+FFFD",
        "cell 1, line 1: `%time f('\ufffd')` (IPython magic) was not run",
    )
    for note in extracted.ignored:
        note.encode("utf-8")  # storable and printable


def test_the_batch_loader_reads_notebooks_with_the_same_bounds():
    assert validate.check_file(NAME, with_metadata(5_000).encode()) == [
        f"{NAME}: not a valid notebook: the JSON is nested more than 100 levels deep; Jupyter "
        "never writes that: open the notebook in Jupyter and save it again"
    ]
    assert validate.check_file(NAME, json.dumps(notebook([code("x = 1")])).encode()) == []


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["cells", "source", "cell_type", "metadata", "tags",
                                       "nbformat", "outputs", "x"]), children, max_size=4),
    max_leaves=30,
)  # fmt: skip
CELL_TYPES = st.sampled_from(["code", "markdown", "raw", "heading", None, 3])


@st.composite
def notebook_like(draw) -> dict:
    """Notebook-shaped JSON with arbitrary parts: the realistic corner of the input space."""
    cells = draw(
        st.lists(
            st.fixed_dictionaries(
                {"cell_type": CELL_TYPES, "source": st.one_of(st.text(), JSON_VALUES)},
                optional={"metadata": JSON_VALUES},
            ),
            max_size=4,
        )
    )
    version = draw(st.sampled_from([4, 3, 5, "4", None]))
    return {"nbformat": version, "nbformat_minor": 5, "metadata": draw(JSON_VALUES), "cells": cells}


FUZZ = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(data=st.binary(max_size=300) | JSON_VALUES.map(lambda v: json.dumps(v).encode()))
def test_any_bytes_give_cells_or_a_submission_error(tmp_path, data):
    try:
        extract_notebook(write(tmp_path, data))
    except SubmissionError:
        pass
    assert all(isinstance(p, str) for p in validate.check_file(NAME, data))


@FUZZ
@given(value=notebook_like())
def test_any_notebook_shaped_json_gives_cells_or_a_submission_error(tmp_path, value):
    data = json.dumps(value).encode()
    try:
        extracted = extract_notebook(write(tmp_path, data))
    except SubmissionError:
        return
    assert len(extracted.line_origins) == len(extracted.source.splitlines())
    for span in extracted.cells:
        assert 1 <= span.first <= span.last <= len(extracted.line_origins)
