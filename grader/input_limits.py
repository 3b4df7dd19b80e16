"""Every limit on what a submission may hold, in one table (documented in docs/limits.md).

A submission that passes a limit is not graded in part: it becomes that student's error
row, whose message names the limit, and the batch goes on. The loader
(:mod:`grader.batch.submissions`) takes a :class:`Limits` (tests shrink it); the TOML
limits apply wherever an answers file is read (:mod:`grader.quiz.answers`).

=============================  ==========  ===============================================
limit                          value       what passes it
=============================  ==========  ===============================================
``MAX_ENTRIES``                2,000       files, folders and links in one folder or zip
``MAX_DEPTH``                  32          folder levels inside one submission
``MAX_FILE_BYTES``             5 MiB       one file, unpacked
``MAX_TOTAL_BYTES``            50 MiB      all files of a zip, unpacked
``MAX_ZIP_BYTES``              50 MiB      the ``.zip`` file itself
``MAX_ZIP_DIRECTORY_BYTES``    1 MiB       a zip's central directory (its list of entries)
``MAX_NAME_BYTES``             255         one file or folder name in a zip (UTF-8 bytes)
``MAX_STUDENT_ID_CHARS``       100         a student id; a longer one is cut and given a
                                           hash suffix, so two ids never merge
``MAX_FILE_NAME_BYTES``        200         an export's file name made from a student id
                                           (cut the same way)
``MAX_ANSWERS_BYTES``          1,000,000   an answers file (``answers/<id>.toml``)
``MAX_TOML_DEPTH``             16          arrays and tables nested in an answers file
``MAX_TOML_INT_DIGITS``        100         digits of one integer in an answers file
=============================  ==========  ===============================================

Never read at all, whatever their size: symbolic links, hard links (a file with more than
one name), named pipes, sockets and device files, in folders as in zips.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_ENTRIES = 2000
MAX_DEPTH = 32
MAX_FILE_BYTES = 5 * 2**20
MAX_TOTAL_BYTES = 50 * 2**20
MAX_ZIP_BYTES = 50 * 2**20
MAX_ZIP_DIRECTORY_BYTES = 2**20
MAX_NAME_BYTES = 255
MAX_STUDENT_ID_CHARS = 100
MAX_FILE_NAME_BYTES = 200
MAX_ANSWERS_BYTES = 1_000_000
MAX_TOML_DEPTH = 16
MAX_TOML_INT_DIGITS = 100


@dataclass(frozen=True)
class Limits:
    """Caps on what one submission may contain (bytes of files are unpacked sizes)."""

    max_entries: int = MAX_ENTRIES
    max_depth: int = MAX_DEPTH
    max_file_bytes: int = MAX_FILE_BYTES
    max_total_bytes: int = MAX_TOTAL_BYTES
    max_zip_bytes: int = MAX_ZIP_BYTES
    max_zip_directory_bytes: int = MAX_ZIP_DIRECTORY_BYTES
    max_name_bytes: int = MAX_NAME_BYTES


def mebibytes(n_bytes: int) -> str:
    """``n_bytes`` as students read it: ``5.0 MB``."""
    return f"{n_bytes / 2**20:.1f} MB"
