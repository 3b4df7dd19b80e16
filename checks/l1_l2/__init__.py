"""l1_l2 — L1 versus L2 regularization (alias l1-l2).

Public checks, probes, quiz and helpers of this exercise (``grader.course.<id>``).
"""
