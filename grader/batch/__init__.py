"""Batch grading: find submissions, keep the gradebook, summarize a class.

submissions.py   a folder of student work -> normalized workspaces + content hashes
archive.py       safe reading of one student's .zip (no zip slip, no zip bombs)
gradebook.py     the SQLite gradebook: one transaction per finished submission
stats.py         per-exercise distributions and the most-failed checks
demo_class.py    a seeded synthetic class for demos and benchmarks
"""
