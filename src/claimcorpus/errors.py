"""User-facing failures: one line naming the file, the record and the fix.

The CLI prints ``str(err)`` and exits 1; it never shows a traceback for these.
"""

from __future__ import annotations


class CorpusError(Exception):
    """A problem with the user's input that they can fix.

    >>> str(CorpusError("seeds/a.txt", "file is empty", "add text or remove it"))
    'seeds/a.txt: file is empty. Fix: add text or remove it'
    """

    def __init__(self, where: str, problem: str, fix: str) -> None:
        self.where, self.problem, self.fix = str(where), problem, fix
        super().__init__(f"{self.where}: {problem}. Fix: {fix}")
