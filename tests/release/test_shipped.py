"""The handout ships an exercise's public folder by whitelist: its standard parts, the
modules they import (absolutely or relatively, transitively) and the files they name;
nothing else."""

from __future__ import annotations

from pathlib import Path

from grader.release.shipped import exercise_files

FILES = {
    "__init__.py": "",
    "exercise.toml": 'title = "toy"\n',
    "statement.md": "# Toy\n\n![the network](figure.png)\n",
    "public.py": "from grader.course.toy import judging\nfrom .sub.cases import CASES\n",
    "probes.py": 'import json, pathlib\nDATA = pathlib.Path(__file__).with_name("data.json")\n',
    "judging.py": "from grader.course.toy.helpers import tolerance\n",
    "helpers.py": "from . import constants\n",
    "constants.py": "EPS = 1e-6\n",
    "sub/__init__.py": "",
    "sub/cases.py": "CASES = [1, 2]\n",
    "data.json": "[1, 2, 3]\n",
    "figure.png": "png",
    "scratch_copy.py": "def count(a, b):\n    return a * b + b\n",
    "notes.md": "instructor notes\n",
    "draft/old_public.py": "import grader.course.toy.constants\n",
    ".swp": "x",
}


def test_only_what_the_exercise_imports_or_names_ships(tmp_path: Path):
    folder = tmp_path / "toy"
    for name, text in FILES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    shipped, left_out = exercise_files(folder, "toy")
    assert {p.as_posix() for p in shipped} == {
        "__init__.py",
        "exercise.toml",
        "statement.md",
        "public.py",
        "probes.py",
        "judging.py",
        "helpers.py",
        "constants.py",
        "sub/__init__.py",
        "sub/cases.py",
        "data.json",
        "figure.png",
    }
    assert {p.as_posix() for p in left_out} == {
        "scratch_copy.py",
        "notes.md",
        "draft/old_public.py",
    }


def test_a_folder_without_imports_ships_its_standard_parts(tmp_path: Path):
    folder = tmp_path / "toy"
    folder.mkdir()
    (folder / "public.py").write_text("this is not python(", encoding="utf-8")
    (folder / "quiz.py").write_text("QUESTIONS = ()\n", encoding="utf-8")
    (folder / "extra.py").write_text("", encoding="utf-8")
    shipped, left_out = exercise_files(folder, "toy")
    assert [p.as_posix() for p in shipped] == ["public.py", "quiz.py"]
    assert [p.as_posix() for p in left_out] == ["extra.py"]
