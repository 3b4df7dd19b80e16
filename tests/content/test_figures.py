"""The figures training and statistical checks attach: on the checks where a student learns
from a picture, holding the student's own run next to the reference, drawn from what the
check judged (a failing check keeps its figure: that is when it helps most)."""

from __future__ import annotations

import numpy as np
import pytest
from support import COURSE, apply_edits, by_name, solution_text

from grader.course.ex4_7 import training as ex4_7_training
from grader.course.ex4_7.public import STEPS, TRAINING
from grader.course.ex4_8 import probes as ex4_8_probes
from grader.course.ex4_8 import training as ex4_8_training
from grader.course.ex4_8.public import XOR_DATA, XOR_RUN
from grader.model import Status
from grader.sandbox import wire

#: The public checks that attach figures, per exercise (reference solution).
FIGURED = {
    "ex4_1": {"positive_inputs_converge_slower"},
    "ex4_7": {"groups_recover_large_offset"},
    "ex4_8": {"zero_init_stays_symmetric", "random_init_learns_xor"},
    "ex4_9": {"first_layer_gradient_vanishes", "larger_lr_does_not_cure_vanishing"},
    "dropout": {
        "keep_rate_is_one_minus_p_numpy",
        "keep_rate_is_one_minus_p_torch",
        "mean_is_preserved_numpy",
        "mean_is_preserved_torch",
    },
    "l1_l2": {"l1_prox_training_zeroes_irrelevant_weights", "l2_training_leaves_no_weight_at_zero"},
}


def series(figure) -> dict[str, np.ndarray]:
    return {s.label: np.array(s.y) for s in figure.series}


@pytest.fixture(scope="module")
def reference_runs(session, tmp_path_factory) -> dict:
    """Each exercise of FIGURED graded once with its reference solution (public checks)."""
    root = tmp_path_factory.mktemp("figures")
    runs = {}
    for exercise in FIGURED:
        workspace = root / exercise / "exercises"
        workspace.mkdir(parents=True)
        (workspace / f"{exercise}.py").write_text(solution_text(exercise), encoding="utf-8")
        [result] = session.grade([COURSE.find(exercise)], workspace.parent, include_hidden=False)
        runs[exercise] = by_name(result)
    return runs


@pytest.mark.parametrize("exercise", sorted(FIGURED))
def test_the_checks_a_picture_helps_attach_one_with_the_students_run(reference_runs, exercise):
    results = reference_runs[exercise]
    assert {name for name, r in results.items() if r.figures} == FIGURED[exercise]
    for name in FIGURED[exercise]:
        assert results[name].status is Status.PASSED
        for figure in results[name].figures:
            labels = [s.label for s in figure.series]
            assert any(label.startswith(("your", "from your", "lr=")) for label in labels)
            assert all(len(s.x) == len(s.y) > 0 for s in figure.series), figure.title


def test_ex4_1_curves_are_the_students_beside_the_reference(reference_runs):
    [figure] = reference_runs["ex4_1"]["positive_inputs_converge_slower"].figures
    lines = series(figure)
    for kind in ("inputs in [4, 6]", "centred inputs"):
        mine, reference = lines[f"your run, {kind}"], lines[f"reference, {kind}"]
        assert len(mine) == 400 and np.allclose(mine, reference, rtol=1e-6)
    assert lines["reference, centred inputs"][-1] < 0.01 * lines["reference, centred inputs"][0]


def test_ex4_8_gap_stays_zero_from_zeros_and_opens_from_random_weights(reference_runs):
    [zero] = reference_runs["ex4_8"]["zero_init_stays_symmetric"].figures
    assert not series(zero)["from your init_zeros_"].any()
    xavier, he = reference_runs["ex4_8"]["random_init_learns_xor"].figures
    for figure, func in ((xavier, "init_xavier_"), (he, "init_he_")):
        assert series(figure)[f"from your {func}"].min() > 0.5
        assert not series(figure)["reference: from all zeros"].any()


def test_ex4_8_replay_follows_the_probes_own_training_run():
    """The judge's float64 replay of train_xor ends where the probe's torch run ends."""
    reference = COURSE.reference("ex4_8")
    data = ex4_8_training.xor_data(**XOR_DATA)
    for func in ("init_xavier_", "init_he_"):
        steps, lr = XOR_RUN["steps"], XOR_RUN["lr"]
        args = (data["X"], data["y"], XOR_RUN["hidden"], XOR_RUN["seed"], steps, lr)
        facts = ex4_8_probes.train_xor(reference, func, *args)
        facts = wire.decode(*wire.encode(facts))  # as the judge receives it
        initial, final = ex4_8_training.read_run(facts, func, XOR_RUN["hidden"])
        gaps = ex4_8_training.replay_gaps(initial, data["X"], data["y"], steps, lr)
        assert gaps[-1] == pytest.approx(ex4_8_training.hidden_unit_gap(final), rel=1e-4)


def test_ex4_7_final_bias_sits_on_the_replayed_curve_without_bias_decay(reference_runs):
    [figure] = reference_runs["ex4_7"]["groups_recover_large_offset"].figures
    lines = series(figure)
    mine = lines["your run: bias after training"]
    assert np.isnan(mine[:-1]).all() and len(mine) == STEPS + 1
    assert mine[-1] == pytest.approx(lines["reference: bias not decayed"][-1], rel=1e-4)
    assert lines["reference: bias decayed too"][-1] < 0.6 * TRAINING["offset"]
    data = ex4_7_training.offset_data(**TRAINING)
    assert lines["expected: the target's offset"][0] == data["offset"]


def test_ex4_9_norms_vanish_towards_the_input_in_both_series(reference_runs):
    [figure] = reference_runs["ex4_9"]["first_layer_gradient_vanishes"].figures
    lines = series(figure)
    mine = lines["your layer_grad_norms"]
    assert np.allclose(mine, lines["reference (the grader's float64 backprop)"], rtol=1e-3)
    assert len(mine) == 11 and mine[0] < 1e-4 * mine[-1]


def test_a_wrong_dropout_shows_its_own_keep_rate_beside_one_minus_p(grade_source):
    """p taken as the keep probability: the check fails, and its figure shows why."""
    wrong = apply_edits("dropout", [("keep = 1.0 - p", "keep = p")])
    result = by_name(grade_source("dropout", wrong, hidden=False))
    check = result["keep_rate_is_one_minus_p_numpy"]
    assert check.status is Status.FAILED
    [figure] = check.figures
    lines = series(figure)
    assert lines["your dropout"][-1] == pytest.approx(0.3, abs=0.02)  # p = 0.3 kept
    assert lines["expected keep rate 1 − p"][-1] == pytest.approx(0.7)
    assert lines["accepted at the end: lowest"][-1] > 0.6
