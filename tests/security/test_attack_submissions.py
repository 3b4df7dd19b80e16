"""Every attack of the catalog, graded at each isolation level, is contained.

For each attack: the attacked checks score 0 (and fail or are skipped, never pass
and never make the grader error), every other check ends exactly as for the
reference solution, the grader's files and the gradebook are unchanged, nothing the
attack tried to create exists on the host, the judge's secret appears nowhere in
the result, nobody connected to the judge's listening socket, captured output stays
capped, and the grade finishes within the attack's time limit.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from attack_catalog import Attack, attacks
from security_support import (
    JUDGE_SECRET,
    baseline,
    file_digest,
    grade_text,
    grader_files_digest,
)
from support import by_name

from grader.model import ExerciseResult, Status

ATTACKS = attacks()
OUTPUT_CAP = 20_000  # the sandbox keeps 16 KiB of output, plus a short marker


class Listener:
    """A TCP server on 127.0.0.1 that counts who connects (nobody should)."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.server.close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def test_the_catalog_has_at_least_30_attacks():
    assert len(ATTACKS) >= 30
    assert len({a.name for a in ATTACKS}) == len(ATTACKS)


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.name)
def test_attack_is_contained(
    attack: Attack, level_session, baselines, tmp_path_factory, tmp_path, gradebook, listener
):
    level = level_session.zygote.isolation.level
    if level not in attack.levels:
        pytest.skip(f"not claimed at the {level} level: {attack.not_covered}")
    landlock = level_session.zygote.info().get("landlock")
    if level == "process" and attack.needs_landlock and not landlock:
        pytest.skip(attack.not_covered)
    reference = baseline(level_session, baselines, tmp_path_factory, attack.exercise)
    files_before, book_before = grader_files_digest(), file_digest(gradebook)
    code = attack.code.replace("__PORT__", str(listener.port))
    started = time.monotonic()
    result = grade_text(level_session, tmp_path / "ws", attack.exercise, code, attack.answers)
    elapsed = time.monotonic() - started

    assert_contained(result, reference, attack)
    assert elapsed < attack.seconds, f"took {elapsed:.1f} s"
    assert grader_files_digest() == files_before, "the grader's files changed"
    assert file_digest(gradebook) == book_before, "the gradebook changed"
    for path in attack.must_not_exist:
        assert not os.path.lexists(path), f"{path} exists on the host"
    assert JUDGE_SECRET not in json.dumps(result.to_dict()), "the judge's secret leaked"
    assert listener.connections == 0, "the sandbox reached the judge's socket"
    assert all(len(r.output) < OUTPUT_CAP for r in result.results)


def assert_contained(result: ExerciseResult, reference: ExerciseResult, attack: Attack) -> None:
    """Attacked checks score 0 (failed/skipped); the others end as for the reference."""
    got, want = by_name(result), by_name(reference)
    assert set(got) == set(want)
    assert attack.attacked <= set(got), sorted(attack.attacked - set(got))
    for name in sorted(attack.attacked):
        check = got[name]
        allowed = {Status.FAILED, Status.SKIPPED} | (
            {Status.ERRORED} if want[name].status is Status.ERRORED else set()
        )
        assert check.points == 0 and check.status in allowed, (name, check.status, check.message)
    if attack.message:
        failed = [
            r for r in result.results if r.name in attack.attacked and r.status.value in ("failed",)
        ]
        assert failed and attack.message in failed[0].message, [r.message for r in failed]
    for name, check in got.items():
        if name not in attack.attacked:
            before = want[name]
            assert (check.status, check.points) == (before.status, before.points), (
                f"{name} changed from {before.status.value} to {check.status.value}: "
                f"{check.message}"
            )
