"""ex4_1 — sigmoid neuron, inputs that are always positive (alias sigmoid-centering).

Public checks, probes, quiz and helpers of this exercise (``grader.course.<id>``).
"""
