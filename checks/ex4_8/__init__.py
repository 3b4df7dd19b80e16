"""ex4_8 — why not W=0, b=0 (alias zero-init).

Public checks, probes, quiz and helpers of this exercise (``grader.course.<id>``).
"""
