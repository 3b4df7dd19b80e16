"""dropout — the expectation of inverted dropout (alias dropout).

Public checks, probes, quiz and helpers of this exercise (``grader.course.<id>``).
"""
