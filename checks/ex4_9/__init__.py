"""ex4_9 — can a larger learning rate cure vanishing gradients? (alias lr-vanishing).

Public checks, probes, quiz and helpers of this exercise (``grader.course.<id>``).
"""
