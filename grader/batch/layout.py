"""Map the file names of one submission onto the handout's layout.

The handout layout is ``exercises/<id>.py`` (or ``exercises/<id>.ipynb``) and
``answers/<id>.toml``. Students also hand in the same files without the folders
(``<id>.py``, ``<id>.toml``: the *flat* layout) or wrapped in one extra folder
(``alice/exercises/<id>.py``: what zipping a folder produces); both are accepted.
Operating-system and editor noise (dot files, ``__MACOSX``, ``__pycache__``,
``.ipynb_checkpoints``) is dropped silently; any other file is ignored and noted. Names in
notes are shown with :func:`~grader.batch.naming.display` (a name that is not UTF-8, or holds
a line break, is escaped, never copied raw into a message).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from grader.batch.naming import display

#: Folder names that are always noise, wherever they appear.
_NOISE_PARTS = frozenset({"__MACOSX", "__pycache__", "Thumbs.db", "desktop.ini"})
#: Suffix -> handout folder, in order of preference for one exercise.
_SOURCE_SUFFIXES = (".py", ".ipynb")
_MAX_LISTED = 5


@dataclass(frozen=True)
class Layout:
    """Which submitted file fills which handout path, and what was set aside.

    ``files`` maps a handout path (``exercises/ex4_5.py``) to the submitted name it
    comes from; ``notes`` are student-readable sentences about ignored files.
    """

    files: dict[str, str]
    notes: tuple[str, ...]


def is_noise(name: str) -> bool:
    """True for files nobody hands in on purpose (dot files, ``__MACOSX``, caches)."""
    parts = PurePosixPath(name).parts
    return any(part.startswith(".") or part in _NOISE_PARTS for part in parts)


def handout_path(name: str, exercise_ids: Sequence[str]) -> str | None:
    """The handout path that ``name`` fills, or None if it fills none.

    ``exercises/<id>.py|.ipynb`` and ``answers/<id>.toml`` map to themselves; the flat
    ``<id>.py|.ipynb`` and ``<id>.toml`` map into their folders.
    """
    path = PurePosixPath(name)
    if path.stem not in exercise_ids:
        return None
    folder = "answers" if path.suffix == ".toml" else "exercises"
    if path.suffix not in (*_SOURCE_SUFFIXES, ".toml"):
        return None
    if len(path.parts) == 1 or path.parts[:-1] == (folder,):
        return f"{folder}/{path.name}"
    return None


def select(names: Iterable[str], exercise_ids: Sequence[str]) -> Layout:
    """Decide which of ``names`` (relative POSIX paths) make up the submission.

    When two names fill the same exercise, the handout path wins over the flat
    one; the loser is noted. A ``.py`` and an ``.ipynb`` of one exercise are both
    kept: the runner grades the one that holds work (a handout ships both, so a
    notebook user's folder still holds the untouched ``.py`` stub).
    """
    kept = sorted(name for name in names if not is_noise(name))
    kept = _strip_wrapper(kept, exercise_ids)
    chosen: dict[str, str] = {}
    notes: list[str] = []
    extras: list[str] = []
    for original, name in kept:
        target = handout_path(name, exercise_ids)
        if target is None:
            extras.append(original)
        else:
            _choose(chosen, notes, target, original, name)
    files = dict(chosen)
    if extras:
        notes.append(_extras_note(extras))
    return Layout(files=files, notes=tuple(notes))


def _strip_wrapper(names: list[str], exercise_ids: Sequence[str]) -> list[tuple[str, str]]:
    """Pairs (original, name) with one shared top folder removed when that helps."""
    pairs = [(name, name) for name in names]
    if not names or any(handout_path(name, exercise_ids) for name in names):
        return pairs
    tops = {PurePosixPath(name).parts[0] for name in names}
    if len(tops) != 1 or any(len(PurePosixPath(name).parts) < 2 for name in names):
        return pairs
    return [(name, str(PurePosixPath(*PurePosixPath(name).parts[1:]))) for name in names]


def _choose(chosen: dict[str, str], notes: list[str], target: str, original: str, name: str):
    previous = chosen.get(target)
    if previous is None:
        chosen[target] = original
        return
    if name == target:  # the handout path beats a flat name seen first
        chosen[target], original = original, previous
    notes.append(f"{display(original)}: ignored, {display(chosen[target])} is graded instead")


def _extras_note(extras: list[str]) -> str:
    listed = ", ".join(display(name, 60) for name in extras[:_MAX_LISTED])
    more = f" and {len(extras) - _MAX_LISTED} more" if len(extras) > _MAX_LISTED else ""
    return f"ignored unexpected files: {listed}{more}"
