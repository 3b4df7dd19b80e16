"""ex4_5 — parameter count versus depth L (alias param-count).

Public checks, probes, quiz and helpers of this exercise (``grader.course.<id>``).
"""
