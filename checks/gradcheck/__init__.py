"""gradcheck — two-sided numerical gradients (alias grad-check).

Public checks, probes, quiz and helpers of this exercise (``grader.course.<id>``).
"""
