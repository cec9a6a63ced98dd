"""One validation finding: a stable code (codes.py), where it is, and what is wrong.

    annotations/gold/doc1.jsonl:3: E310 span-text [doc1-s0002 entities[0]] text 'Kyiv' is not the slice 'Kiev'. Fix: copy the text from the slice, or correct start/end
"""

from __future__ import annotations

from dataclasses import dataclass

from claimcorpus.validation.codes import CHECKS


@dataclass(frozen=True)
class Finding:
    code: str
    file: str
    line: int | None
    record: str | None
    message: str

    @property
    def name(self) -> str:
        return CHECKS[self.code].name

    @property
    def level(self) -> int:
        return CHECKS[self.code].level

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        rec = f" [{self.record}]" if self.record else ""
        return f"{where}: {self.code} {self.name}{rec} {self.message}. Fix: {CHECKS[self.code].fix}"
