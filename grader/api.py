"""What the CLI does, as plain functions: grade exercises of one workspace.

    with Session.start(device="auto") as session:
        results = session.grade([find("ex4_5")], Path("."), include_hidden=False)

A session owns one sandbox template process, so the heavy imports (torch,
sympy) are paid once however many exercises or submissions it grades.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from grader.catalog import Course, active
from grader.errors import MissingFile, UsageError
from grader.exercise import Exercise
from grader.model import ExerciseResult
from grader.runner import RunOptions, run_exercise
from grader.sandbox import Limits, Zygote
from grader.sandbox.hardening import harden_judge_process

log = logging.getLogger(__name__)

DEVICES = ("auto", "cpu", "cuda")
ISOLATION_CHOICES = ("auto", "strict", "process")


class Session:
    """A sandbox template process plus the course files, for grading many workspaces."""

    def __init__(self, zygote: Zygote, course: Course, device: str) -> None:
        self.zygote = zygote
        self.course = course
        self._device_choice = device
        self._device: str | None = None
        self._modules_checked = False

    @classmethod
    def start(
        cls,
        device: str = "auto",
        course: Course | None = None,
        limits: Limits | None = None,
        isolation: str = "auto",
        warm: bool = False,
    ) -> Session:
        """Start the template process now (its imports overlap with the caller's work).

        ``isolation``: "auto", "strict" (refuse below namespaces) or "process";
        ``course``: default the active one (:func:`grader.catalog.active`);
        ``warm``: the template pays torch's lazy imports once, before it is ready, instead
        of every sandbox paying them in a check (see :meth:`grader.sandbox.Zygote.start`):
        for many submissions, or for exercises that need them (:func:`wants_warm_template`).
        """
        if device not in DEVICES:
            raise UsageError(f"--device must be one of {', '.join(DEVICES)}, not {device!r}")
        limits = limits or Limits(apply_memory_limit=device != "cuda")
        course = (course or active()).mount()
        harden_judge_process()
        one_judge_thread()
        zygote = Zygote.start(limits, isolation, course.checks_dir, warm, course.modules)
        return cls(zygote, course, device)

    @property
    def isolation(self) -> str:
        """The sandbox's isolation, as recorded with every result."""
        return self.zygote.isolation.label

    @property
    def device(self) -> str:
        """The device training checks use: "cuda" or "cpu" (auto resolved once)."""
        if self._device is None:
            self._device = resolve_device(self._device_choice, bool(self.zygote.info()["cuda"]))
        return self._device

    def grade(
        self, exercises: Sequence[Exercise], workspace: Path, *, include_hidden: bool
    ) -> list[ExerciseResult]:
        """Grade each exercise of ``workspace``; student failures are results, not errors."""
        self._prepare(exercises, include_hidden)
        self._warn_missing_modules()
        options = RunOptions(
            include_hidden=include_hidden, device=self.device, isolation=self.isolation
        )
        return [run_exercise(e, workspace, self.zygote, self.course, options) for e in exercises]

    def _prepare(self, exercises: Sequence[Exercise], include_hidden: bool) -> None:
        """Pay the judge's own start-up while the template process is still importing:
        load hidden checks (they import the reference solutions) and start the symbolic
        worker, before anything waits for the template."""
        from grader.judge.symbolic_worker import shared_judge

        if any(e.questions() for e in exercises):
            shared_judge().start()
        if include_hidden:
            for exercise in exercises:
                self.course.checks(exercise, include_hidden=True)

    def missing_modules(self) -> dict[str, str]:
        """The course's declared modules the sandbox could not import -> why."""
        missing = self.zygote.info().get("modules")
        return {str(k): str(v) for k, v in missing.items()} if isinstance(missing, dict) else {}

    def _warn_missing_modules(self) -> None:
        """Once per session: a declared module the sandbox lacks is the machine's problem."""
        if self._modules_checked:
            return
        self._modules_checked = True
        for name, why in self.missing_modules().items():
            log.warning(
                "course.toml declares the module %r for student code, but the sandbox cannot "
                "import it (%s): install it into the Python that runs grade (%s -m pip install "
                "...); see docs/authoring.md, 'Modules students may import'",
                name,
                why,
                sys.executable,
            )

    def close(self) -> None:
        self.zygote.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def wants_warm_template(exercises: Sequence[Exercise], sandboxes_each: int = 1) -> bool:
    """Whether a warm template saves time when grading ``exercises``, each in
    ``sandboxes_each`` sandboxes (``grade ID --watch`` and ``grade selftest``: at least 2).

    Torch's lazy imports cost the same once in the template as once in a sandbox, and a
    sandbox pays them only when a check needs them (a stub never does). So the template
    pays them only when more than one sandbox of the exercises that declare
    ``warm_template`` (:class:`~grader.exercise.Exercise`) would: ``grade dropout`` and
    ``grade ex4_5`` start cold, ``grade all`` and ``grade dropout --watch`` warm.
    """
    return sum(e.warm_template for e in exercises) * sandboxes_each > 1


def one_judge_thread() -> None:
    """Run the judge's own torch work (references, autograd on small models) on one thread.

    Its tensors are tiny: with torch's default of one thread per core, every operation
    waits for the slowest thread, and on a loaded machine that costs 10-40x (ex4_9's
    reference checks took half a second instead of 10 ms). Parallelism comes from processes
    (``grade batch -j``). Applies to torch imported already and, through
    ``OMP_NUM_THREADS``/``MKL_NUM_THREADS``, to a torch imported later in this process.
    """
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


def resolve_device(choice: str, cuda_available: bool) -> str:
    """Map auto/cpu/cuda to the device to use; UsageError for cuda without a GPU."""
    if choice == "cuda" and not cuda_available:
        raise UsageError("--device cuda: torch sees no CUDA device on this machine")
    if choice == "auto":
        return "cuda" if cuda_available else "cpu"
    return choice


def solution_workspace(
    exercises: Sequence[Exercise], course: Course, root: Path | None = None
) -> Path:
    """A workspace holding the reference solutions and answers (the caller removes it).

    Written at ``root`` (a new folder) if given, else in a fresh temporary folder.
    """
    for exercise in exercises:
        solution = course.solution(exercise)
        if not solution.is_file():
            raise MissingFile(
                f"no reference solution at {solution} (solutions/ is instructor-only)"
            )
    root = root or Path(tempfile.mkdtemp(prefix="grader-solution-"))
    (root / "exercises").mkdir(parents=True, exist_ok=True)
    (root / "answers").mkdir(exist_ok=True)
    for exercise in exercises:
        shutil.copy(course.solution(exercise), root / exercise.source_path)
        answers = course.reference_answers(exercise)
        if answers is not None:
            shutil.copy(answers, root / exercise.answers_path)
    return root
