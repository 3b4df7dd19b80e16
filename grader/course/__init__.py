"""The mount point of the active course's public parts.

``grader.course.<id>`` is the folder ``<course root>/checks/<id>/`` of whichever course
is mounted (:meth:`grader.catalog.Course.mount`): its public checks, probes, quiz and
helper modules import each other as ``grader.course.<id>.<module>`` (or relatively),
in the judge and inside the sandbox alike. The engine itself names no exercise. Until
a course is mounted explicitly, this package serves the course ``grade`` would find from
here (see :meth:`grader.catalog.Course.locate`), if any: scripts and tests that import
``grader.course.<id>`` directly need no set-up.
"""

from __future__ import annotations

import sys
from pathlib import Path

__path__: list[str] = []  # filled by mount()
#: How many times a folder was mounted: modules loaded beside the mount (hidden checks)
#: are reloaded when it changes, so they see the checks of the course mounted now.
generation = 0


def mount(checks_dir: Path) -> None:
    """Make ``grader.course.<id>`` resolve to ``checks_dir/<id>``.

    Mounting another folder forgets the modules imported from the previous one (and
    counts a new :data:`generation`), so a process that grades two courses never mixes
    their checks.
    """
    global generation
    folder = str(checks_dir)
    if __path__ == [folder]:
        return
    for name in [n for n in sys.modules if n.startswith(f"{__name__}.")]:
        del sys.modules[name]
    __path__[:] = [folder]
    generation += 1


def mounted() -> Path | None:
    """The folder mounted now, or None."""
    return Path(__path__[0]) if __path__ else None


def _mount_default() -> None:
    """Mount the course found from here, quietly; nothing when there is none."""
    from grader.catalog import Course
    from grader.errors import GraderError

    try:
        Course.locate().mount()
    except (GraderError, OSError):
        pass


_mount_default()
