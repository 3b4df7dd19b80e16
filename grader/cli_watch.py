"""``grade ID --watch``: grade again each time the student saves their work.

    watch(exercise, session, Path.cwd(), show=print_results)

One :class:`~grader.api.Session` stays open the whole time, so its sandbox template
(torch, sympy imported) and the symbolic judge stay warm: a regrade costs the checks
themselves, not the start-up. The files watched are the exercise's ``.py`` and
``.ipynb`` and its answers ``.toml``; a save is noticed by polling their modification
time, size and inode every :data:`POLL_S` seconds (an editor that saves by renaming a
new file over the old one changes the inode).

Polling, not a watcher library (watchfiles): three ``stat`` calls every 0.2 s cost
nothing next to a regrade, add no dependency to every student's install, and work where
inotify does not (network and container-mounted folders, WSL's Windows drives).

Ctrl-C ends the loop with a KeyboardInterrupt, which the CLI turns into exit code 130;
the session is closed on the way out.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from grader.api import Session
from grader.exercise import Exercise
from grader.model import ExerciseResult

__all__ = ["POLL_S", "snapshot", "wait_for_change", "watch", "watched_files"]

POLL_S = 0.2  # how often the files are looked at
SETTLE_S = 0.05  # a change is graded once the files have stopped changing this long

Stamp = tuple[tuple[int, int, int] | None, ...]


def watched_files(exercise: Exercise, workspace: Path) -> list[Path]:
    """The files whose saving triggers a regrade: code, notebook, quiz answers."""
    names = (exercise.source_path, exercise.notebook_path, exercise.answers_path)
    return [workspace / name for name in names]


def snapshot(paths: Sequence[Path]) -> Stamp:
    """(modification time in ns, size, inode) of each path, None where it is absent."""
    stamps = []
    for path in paths:
        try:
            info = os.stat(path)
        except OSError:
            stamps.append(None)
        else:
            stamps.append((info.st_mtime_ns, info.st_size, info.st_ino))
    return tuple(stamps)


def wait_for_change(
    paths: Sequence[Path], before: Stamp, sleep: Callable[[float], None] = time.sleep
) -> tuple[Stamp, list[Path]]:
    """Block until some path differs from ``before`` and has settled; return the new
    stamp and the paths that changed."""
    while True:
        sleep(POLL_S)
        now = snapshot(paths)
        if now == before:
            continue
        settled = _settled(paths, now, sleep)
        changed = [p for p, a, b in zip(paths, before, settled, strict=True) if a != b]
        if changed:
            return settled, changed
        before = settled


def _settled(paths: Sequence[Path], now: Stamp, sleep: Callable[[float], None]) -> Stamp:
    """The stamp once two looks :data:`SETTLE_S` apart agree (a save in several writes)."""
    for _ in range(20):
        sleep(SETTLE_S)
        again = snapshot(paths)
        if again == now:
            return now
        now = again
    return now


def watch(
    exercise: Exercise,
    session: Session,
    workspace: Path,
    *,
    include_hidden: bool,
    show: Callable[[ExerciseResult, list[Path]], None],
) -> None:
    """Grade ``exercise`` of ``workspace`` now and after every save, forever.

    ``show(result, changed)`` prints a result; ``changed`` lists the files whose saving
    caused it (empty for the first). Returns only by an exception (Ctrl-C).
    """
    paths = watched_files(exercise, workspace)
    stamp = snapshot(paths)
    changed: list[Path] = []
    while True:
        result = session.grade([exercise], workspace, include_hidden=include_hidden)[0]
        show(result, changed)
        stamp, changed = wait_for_change(paths, stamp)
