"""One exception tree for everything the grader itself reports.

    GraderError                      a problem the CLI turns into one clear line
    ├── UsageError                   bad command-line use or input (exit code 2)
    │   ├── UnknownExercise          an id or alias that names no exercise
    │   ├── IsolationUnavailable     --isolation strict where namespaces are unavailable
    │   ├── NotAGradebook            --db names a file that is not a gradebook
    │   ├── ClusterUnavailable       --cluster: no Dask installed, unreachable, or lost mid-batch
    │   └── ReleaseRefused           the leak audit found instructor-only material (a handout,
    │                                or the course for untrusted --cluster workers)
    ├── CourseError                  the course itself is malformed (exit code 2): the message
    │                                names the file (a check, a stub, exercise.toml, course.toml)
    ├── SubmissionError              the submission itself is malformed (exit code 2 for one
    │   │                            student; a recorded error row in batch grading)
    │   └── MissingFile              a file the exercise needs is absent
    ├── GradebookError               the gradebook cannot be written or read (disk full, I/O
    │                                error, read-only, locked): exit code 4; what was
    │                                committed before is intact, rerunning resumes
    └── InternalError                the grader broke; never the student's fault (exit code 3)
        └── SandboxStartError        the sandbox process could not be started

Failures *of student code* are not in this tree: they are outcomes of checks
(see :mod:`grader.judge.outcomes`), never exceptions that escape a run.
"""

from __future__ import annotations


class GraderError(Exception):
    """Base of every error the grader reports to a person."""

    exit_code = 3


class UsageError(GraderError):
    """The command line asked for something that cannot be done."""

    exit_code = 2


class UnknownExercise(UsageError):
    """An exercise id or alias that names no exercise."""


class IsolationUnavailable(UsageError):
    """The required sandbox isolation level cannot be had here; the message says why."""


class NotAGradebook(UsageError):
    """A file given as the gradebook is not one (not SQLite, another schema, newer version)."""


class ClusterUnavailable(UsageError):
    """The Dask cluster of ``--cluster`` cannot be used: Dask is not installed, the
    scheduler cannot be reached, or it was lost mid-batch (what finished is saved)."""


class ReleaseRefused(UsageError):
    """The handout, or the course sent to Dask workers not marked trusted, would leak
    instructor-only material; nothing was written or sent."""


class CourseError(GraderError):
    """The course's own files are wrong (an instructor's problem); the message names the file."""

    exit_code = 2


class SubmissionError(GraderError):
    """A submission (files, layout, encoding) that cannot be graded as it stands."""

    exit_code = 2


class MissingFile(SubmissionError):
    """A file the exercise needs is not in the submission."""


class StorageError(GraderError):
    """The grader's own files (the gradebook, the staging folder of a batch) cannot be
    written or read: a full disk, an I/O error, a read-only place. Nothing is lost; the
    message says what to free or fix before a rerun."""

    exit_code = 4


class GradebookError(StorageError):
    """The gradebook file cannot be written or read; the message names the file and the student.

    Each submission is committed on its own, so everything recorded before the failure
    is intact and a rerun of ``grade batch`` resumes after it.
    """

    exit_code = 4


class InternalError(GraderError):
    """The grader itself failed; the message says what to report."""

    exit_code = 3


class SandboxStartError(InternalError):
    """The sandbox template process could not be started or stopped answering."""
