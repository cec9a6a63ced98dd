"""Level 1: files are there, decode as UTF-8 and parse (one JSON object per JSONL line)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from claimcorpus.errors import CorpusError
from claimcorpus.textio import BadLine, iter_jsonl
from claimcorpus.validation.codes import yields
from claimcorpus.validation.finding import Finding


@dataclass
class Loaded:
    """A JSONL file read at level 1: its good records (line, record) and its findings."""

    rel: str
    records: list[tuple[int, dict]]
    findings: list[Finding]


@yields("E101", "E102", "E103", "E108")
def load_jsonl(path: Path, rel: str) -> Loaded:
    """Level 1 of one JSONL file: every line that is a JSON object, and a finding for each one that is not.

    A file that cannot be read is one finding under the code its error carries (E101, E102, E108).
    """
    records, findings = [], []
    try:
        for lineno, rec in iter_jsonl(path, rel, collect=True, objects=True):
            if isinstance(rec, BadLine):
                findings.append(Finding("E103", rel, lineno, None, rec.problem))
            else:
                records.append((lineno, rec))
    except CorpusError as err:
        return Loaded(rel, [], [Finding(err.code, rel, None, None, err.problem)])
    return Loaded(rel, records, findings)

