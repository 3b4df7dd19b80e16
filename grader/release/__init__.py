"""The student handout: build it (:func:`build_handout`) and prove it leaks nothing
(:mod:`grader.release.audit`)."""

from grader.release.build import ReleaseReport, build_handout

__all__ = ["ReleaseReport", "build_handout"]
