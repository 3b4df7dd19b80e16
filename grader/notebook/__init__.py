"""Jupyter notebooks for students: build one per exercise, grade the code in one.

- :func:`build_notebook` / :func:`write_notebook`: statement, stub cells, quiz, answers cell.
- :func:`extract_notebook`: the runnable code of a student's notebook, where each line came
  from (cell and line), what was not run, and the answers cell.
- :func:`prepare_workspace_source`: what the runner grades when a workspace has a notebook.
"""

from grader.notebook.build import build_notebook, write_notebook
from grader.notebook.extract import ExtractedNotebook, extract_notebook
from grader.notebook.workspace import PreparedSource, prepare_workspace_source

__all__ = [
    "ExtractedNotebook",
    "PreparedSource",
    "build_notebook",
    "extract_notebook",
    "prepare_workspace_source",
    "write_notebook",
]
