"""ex4_7 — why the bias is not regularized (alias bias-reg).

Public checks, probes, quiz and helpers of this exercise (``grader.course.<id>``).
"""
