"""Quizzes: questions, the answers files students fill in, and grading them.

- :mod:`grader.quiz.questions`: the question kinds (frozen dataclasses);
- :mod:`grader.quiz.expr_parser`: the whitelisting parser from student text to sympy;
- :mod:`grader.quiz.answers`: reading and checking ``answers/<id>.toml``;
- :mod:`grader.quiz.template`: :func:`~grader.quiz.template.render_template`;
- :mod:`grader.quiz.scoring`: marking one answer against its reference;
- :mod:`grader.quiz.grading`: :func:`~grader.quiz.grading.grade_quiz`, one result per question.

Nothing is re-exported here: the symbolic worker process imports the parser alone, and
must not pay for (or cycle through) the grading modules.
"""
