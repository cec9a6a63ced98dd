"""Level 1: files are there, decode as UTF-8 and parse (one JSON object per JSONL line)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import orjson

from claimcorpus.errors import CorpusError
from claimcorpus.textio import decode_utf8, read_bytes
from claimcorpus.validation.finding import Finding


@dataclass
class Loaded:
    """A JSONL file read at level 1: its good records (line, record) and its findings."""

    rel: str
    records: list[tuple[int, dict]]
    findings: list[Finding]


def load_jsonl(path: Path, rel: str) -> Loaded:
    try:
        raw = read_bytes(path, rel)
        text = decode_utf8(raw, rel)
    except CorpusError as err:
        code = "E101" if "no such file" in err.problem else "E102"
        return Loaded(rel, [], [Finding(code, rel, None, None, err.problem)])
    records, findings = [], []
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            rec = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            findings.append(Finding("E103", rel, lineno, None, f"{exc.msg} at column {exc.colno}"))
            continue
        if not isinstance(rec, dict):
            findings.append(Finding("E103", rel, lineno, None, f"a JSON {type(rec).__name__}, not an object"))
            continue
        twice = repeated_key(line, rec)
        if twice is not None:
            findings.append(Finding("E103", rel, lineno, None, f"key {twice!r} occurs twice in one object "
                                                               "(a JSON reader keeps only one of them)"))
            continue
        records.append((lineno, rec))
    return Loaded(rel, records, findings)


def repeated_key(line: str, rec: dict) -> str | None:
    """The first key that one object of ``line`` holds twice (orjson silently keeps the last), or None.

    Cheap for the lines we write: a line that is exactly its record in our serialisation (sorted keys, no
    spaces) cannot repeat a key, so only other lines are parsed again with ``object_pairs_hook``.

    >>> repeated_key('{"a":1,"b":[]}', {"a": 1, "b": []}), repeated_key('{"b":[{"x":1,"x":2}]}', {"b": [{"x": 2}]})
    (None, 'x')
    """
    try:
        if orjson.dumps(rec, option=orjson.OPT_SORT_KEYS).decode() == line:
            return None
    except orjson.JSONEncodeError:
        return None  # nested deeper than orjson writes: JSON Schema (E201) refuses such a record anyway
    found: list[str] = []

    def pairs(items: list[tuple[str, object]]) -> dict:
        keys = [k for k, _ in items]
        if not found and len(set(keys)) < len(keys):
            found.append(next(k for i, k in enumerate(keys) if k in keys[:i]))
        return dict(items)

    try:
        json.loads(line, object_pairs_hook=pairs)
    except (ValueError, RecursionError):
        return None
    return found[0] if found else None
