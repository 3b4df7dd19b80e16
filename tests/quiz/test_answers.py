"""Reading answers files: typed values, unanswered keys, and errors a student can fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.quiz.answers import MAX_FILE_BYTES, read_answers
from grader.quiz.expr_parser import Domain
from grader.quiz.questions import (
    BooleanQuestion,
    Choice,
    ChoiceQuestion,
    FreeTextQuestion,
    NumericQuestion,
    SymbolicQuestion,
)

ABC = (Choice("A", "a", "甲"), Choice("B", "b", "乙"), Choice("C", "c", "丙"))
QUESTIONS = (
    SymbolicQuestion(
        key="formula",
        points=2,
        prompt_en="f",
        prompt_zh="f",
        symbols={"N": Domain.POSITIVE_INTEGER},
    ),
    NumericQuestion(key="value", points=1, prompt_en="v", prompt_zh="v"),
    ChoiceQuestion(key="one", points=1, prompt_en="o", prompt_zh="o", choices=ABC),
    ChoiceQuestion(key="some", points=1, prompt_en="s", prompt_zh="s", choices=ABC, multiple=True),
    BooleanQuestion(key="flag", points=1, prompt_en="b", prompt_zh="b"),
    FreeTextQuestion(key="why", prompt_en="w", prompt_zh="w"),
)


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "answers" / "ex.toml"
    path.parent.mkdir(exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_answers_are_read_in_the_form_of_their_kind(tmp_path: Path) -> None:
    text = (
        'formula = "2N"\nvalue = 3\none = "b"\nsome = ["A", "c"]\nflag = false\nwhy = "because"\n'
    )
    sheet = read_answers(write(tmp_path, text), QUESTIONS)
    assert sheet.values == {
        "formula": "2N",
        "value": 3.0,
        "one": frozenset("B"),
        "some": frozenset("AC"),
        "flag": False,
        "why": "because",
    }
    assert (sheet.problems, sheet.errors, sheet.fatal) == ({}, (), None)
    assert sheet.where("flag") == "answers/ex.toml, key 'flag' (line 5)"


@pytest.mark.parametrize("letters", ["A, C", "AC", "a c", "C;A", ["A", "C"], ["AC"]])
def test_several_letters_may_be_written_in_several_ways(tmp_path: Path, letters) -> None:
    value = f'"{letters}"' if isinstance(letters, str) else str(letters).replace("'", '"')
    sheet = read_answers(write(tmp_path, f"some = {value}\n"), QUESTIONS)
    assert sheet.values == {"some": frozenset("AC")}


def test_absent_and_empty_answers_are_unanswered_not_errors(tmp_path: Path) -> None:
    sheet = read_answers(write(tmp_path, 'formula = ""\nsome = []\nwhy = "  "\n'), QUESTIONS)
    assert (sheet.values, sheet.problems, sheet.errors, sheet.fatal) == ({}, {}, (), None)


def test_an_unknown_key_suggests_the_nearest_one_with_its_line(tmp_path: Path) -> None:
    sheet = read_answers(
        write(tmp_path, 'formula = "N"\n\nFlag = true\nformla_x = "1"\n'), QUESTIONS
    )
    assert sheet.errors[0].startswith("answers/ex.toml (line 3): unknown key 'Flag'.")
    assert "Did you mean 'flag'?" in sheet.errors[0]
    assert "(line 4): unknown key 'formla_x'. Did you mean 'formula'?" in sheet.errors[1]
    assert sheet.values == {"formula": "N"}


@pytest.mark.parametrize(
    ("line", "key", "expected"),
    [
        (
            'flag = "false"',
            "flag",
            'expected true or false, but found the text "false" (write it without quotes)',
        ),
        (
            'value = "0.5"',
            "value",
            'expected a number, but found the text "0.5" (write the number without quotes)',
        ),
        ("value = nan", "value", "expected a finite number"),
        ("value = true", "value", "expected a number, but found true/false (true)"),
        ('one = "D"', "one", "'D' is not one of the choices A, B, C"),
        ('one = "A, B"', "one", "choose exactly one letter, but found A, B"),
        ("one = 1", "one", "expected letters in quotes"),
        ("formula = true", "formula", "expected an expression in quotes"),
        ("why = 3", "why", "expected text in quotes"),
        ("formula.x = 1", "formula", "found a table"),
    ],
)
def test_a_wrong_type_is_a_problem_naming_file_key_and_line(
    tmp_path: Path, line: str, key: str, expected: str
) -> None:
    sheet = read_answers(write(tmp_path, f"# answers\n{line}\n"), QUESTIONS)
    problem = sheet.problems[key]
    assert problem.startswith(f"answers/ex.toml, key '{key}' (line 2): ")
    assert expected in problem
    assert key not in sheet.values


def test_a_number_for_an_expression_is_accepted_as_its_text(tmp_path: Path) -> None:
    assert read_answers(write(tmp_path, "formula = 2\n"), QUESTIONS).values == {"formula": "2"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            'formula = "N"\nflag = tru\n',
            "answers/ex.toml: not valid TOML: Invalid value (at line 2, column 8)",
        ),
        ("formula = N/L\n", "Answers that are text need quotes"),
        ('formula = "N"\n"why = \n', "not valid TOML"),
        (
            b'formula = "N"\nwhy = "\xff\xfe"\n',
            "answers/ex.toml (line 2): not valid UTF-8 (byte 0xff)",
        ),
        (b"a = " + b"[" * 200_000, "nested more than 16 levels deep"),
        (b"#" * (MAX_FILE_BYTES + 1), f"larger than {MAX_FILE_BYTES} bytes"),
        ('formula = "N"\nformula = "L"\n', "Cannot overwrite a value"),
    ],
)
def test_an_unreadable_file_is_fatal_with_file_and_line(
    tmp_path: Path, content, message: str
) -> None:
    sheet = read_answers(write(tmp_path, content), QUESTIONS)
    assert sheet.fatal is not None and message in sheet.fatal
    assert (sheet.values, sheet.problems) == ({}, {})


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    sheet = read_answers(write(tmp_path, "\ufeffflag = true\n".encode()), QUESTIONS)
    assert sheet.values == {"flag": True}


def test_a_folder_in_place_of_the_file_is_fatal_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "answers" / "ex.toml").mkdir(parents=True)
    assert "cannot be read" in (
        read_answers(tmp_path / "answers" / "ex.toml", QUESTIONS).fatal or ""
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"value = " + b"7" * 5000 + b"\n", "an integer with more than 100 digits"),
        (b"value = " + b"7" * 101 + b"\n", "an integer with more than 100 digits"),
        (b"value = 0x" + b"f" * 200 + b"\n", "an integer with more than 100 digits"),
        (b"a = " + b"[" * 17 + b"]" * 17 + b"\n", "nested more than 16 levels deep"),
        (b"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q = 1\n", "nested more than 16 levels deep"),
    ],
    ids=["5000-digits", "101-digits", "hex-200-digits", "array-17-deep", "tables-17-deep"],
)
def test_answers_past_the_toml_limits_are_fatal_never_a_crash(tmp_path: Path, content, message):
    sheet = read_answers(write(tmp_path, content), QUESTIONS)
    assert sheet.fatal == f"answers/ex.toml: not usable TOML: {message}".replace(
        "nested more", "arrays or tables nested more"
    )


def test_a_number_of_100_digits_is_read_and_judged_like_any_other(tmp_path: Path) -> None:
    sheet = read_answers(write(tmp_path, "value = " + "9" * 100 + "\n"), QUESTIONS)
    assert sheet.fatal is None and sheet.values["value"] == float("9" * 100)
