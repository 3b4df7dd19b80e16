"""The author's tools: start a course, scaffold an exercise, and prove an exercise sound.

    grade init DIR              scaffold.init_course: a new course folder
    grade new ID                scaffold.new_exercise: every file an exercise needs, with TODOs
    grade quiz-template ID      scaffold.write_answers_template: answers/<id>.toml from the quiz
    grade selftest [ID]         selftest.selftest: solution full marks, stub zero, titles,
                                release audit, statistical bounds, budgets, mutation score

Nothing here is imported while grading; the modules are small, one job each:
templates (the scaffold's text), scaffold (writing it), statistics (which checks use
statistical helpers), mutants (first-order mutants of a solution), mutation (grading
them), selftest (the properties), report (the table and JSON).
"""
