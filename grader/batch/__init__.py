"""Batch grading: find submissions, keep the gradebook, summarize a class.

submissions.py   a folder of student work -> normalized workspaces + content hashes
sources.py       which top-level entries belong to which student (lstat only)
folder.py        safe reading of one student's folder (no links, pipes or devices opened)
archive.py       safe reading of one student's .zip (no zip slip, no zip bombs)
naming.py        student ids, their collision key, safe file names, escaped display
layout.py        submitted names -> handout paths
validate.py      checks of the files read (parsed, never run)
gradebook.py     the SQLite gradebook: one transaction per finished submission
scheduler.py     run_batch: grade what is pending, record each result as it comes
executors/       where grading happens: the local pool (default) or a Dask cluster
grading_process.py / worker.py   the trusted grading process both executors run
stats.py         per-exercise distributions and the most-failed checks
demo_class.py    a seeded synthetic class for demos and benchmarks
"""
