"""Gradescope's autograder: ``grade gradescope-autograder OUT.zip`` builds it
(:mod:`grader.autograder.build`), Gradescope runs it (:mod:`grader.autograder.run`).

Gradescope's harness (https://gradescope-autograders.readthedocs.io/en/latest/specs/, "File
hierarchy"): the zip's root holds ``setup.sh`` (run once, as root, on an Ubuntu image, to
install what the autograder needs) and ``run_autograder`` (run for each submission, working
directory ``/autograder``); the zip is extracted to ``/autograder/source``, the student's
files are in ``/autograder/submission``, and ``run_autograder`` must write
``/autograder/results/results.json``. ``/autograder/submission_metadata.json`` says when the
student submitted (``created_at``; "Submission Metadata" in the same documentation).
"""
