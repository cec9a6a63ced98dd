"""Canonical text, JSONL reading and atomic writes.

The canonical text of a document is defined once, here: decode the raw bytes as
strict UTF-8, drop one leading BOM, turn CRLF and lone CR into LF, change nothing
else. Every offset in the corpus indexes this text in code points.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claimcorpus.errors import CorpusError

BOM = "\ufeff"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Byte order marks of encodings a file may be in instead of UTF-8 (longest first: UTF-32LE starts like UTF-16LE).
OTHER_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32LE"), (b"\x00\x00\xfe\xff", "UTF-32BE"),
              (b"\xff\xfe", "UTF-16LE"), (b"\xfe\xff", "UTF-16BE"))


def decode_utf8(raw: bytes, where: str) -> str:
    """Strict UTF-8, with the byte offset of the first bad byte in the error (or the encoding its BOM names)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        for bom, name in OTHER_BOMS:
            if raw.startswith(bom):
                raise CorpusError(where, f"is {name} (it starts with the {name} byte order mark), not UTF-8",
                                  f"re-encode the file as UTF-8 (e.g. iconv -f {name} -t UTF-8)", code="E102") from None
        raise CorpusError(
            where,
            f"not valid UTF-8 at byte {exc.start} ({raw[exc.start:exc.start + 4]!r})",
            "re-encode the file as UTF-8 (e.g. iconv -f cp1252 -t utf-8)",
            code="E102",
        ) from None


def canonical_text(raw: bytes, where: str = "<text>") -> str:
    """Return the canonical text of raw document bytes.

    >>> canonical_text(b"\\xef\\xbb\\xbfA\\r\\nB\\rC\\n")
    'A\\nB\\nC\\n'
    """
    text = decode_utf8(raw, where)
    if text.startswith(BOM):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise CorpusError(where, "the text is empty or only whitespace", "give a file that contains the document text",
                          code="E104")
    return text


def read_bytes(path: Path, where: str | None = None) -> bytes:
    where = where or str(path)
    try:
        mode = os.stat(path).st_mode  # never blocks, unlike opening a FIFO or reading /dev/zero
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
            raise CorpusError(where, f"is {kind}, not a regular file", "save the text to a file and give its path")
        return path.read_bytes()
    except FileNotFoundError:
        raise CorpusError(where, "no such file", "check the path", code="E101") from None
    except IsADirectoryError:
        raise CorpusError(where, "is a directory, not a file", "give the path of a text file", code="E108") from None
    except PermissionError:
        raise CorpusError(where, "permission denied", "make the file readable", code="E108") from None


def read_document(path: Path, where: str | None = None) -> str:
    """Canonical text of the document file at ``path``."""
    return canonical_text(read_bytes(path, where), where or str(path))


def dumps(record: Any) -> str:
    """The one JSON serialisation we write: sorted keys, UTF-8, no spaces."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def parse_json(data: bytes | str, where: str, fix: str = "write valid JSON (restore a damaged file from git)"):
    """One JSON value, parsed strictly (UTF-8 first; orjson: no NaN, nesting at most 1024 deep, no RecursionError)."""
    import orjson

    try:
        return orjson.loads(decode_utf8(data, where) if isinstance(data, bytes) else data)
    except orjson.JSONDecodeError as exc:
        raise CorpusError(where, f"not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})", fix,
                          code="E103") from None


@dataclass(frozen=True)
class BadLine:
    """A JSONL line that is not JSON (or, when objects are asked for, not a JSON object)."""

    problem: str


def iter_jsonl(path: Path, where: str | None = None, *, collect: bool = False,
               objects: bool = False) -> Iterator[tuple[int, Any]]:
    """The one JSONL decoder: ``(line_number, value)`` for each non-empty line.

    Strict (the default): raise a CorpusError (E103) on the first bad line. ``collect``: yield
    ``(line_number, BadLine(problem))`` for a bad line and go on (level 1 of validation). ``objects``:
    a value that is not a JSON object is a bad line. A file that cannot be read or decoded raises in
    both modes (E101, E102, E108).

    >>> import tempfile; f = Path(tempfile.mkdtemp()) / "a.jsonl"; _ = f.write_text('{"a": 1}\\n\\n[2]\\n{x\\n')
    >>> [(n, v) for n, v in iter_jsonl(f, "a.jsonl", collect=True, objects=True)]
    [(1, {'a': 1}), (3, BadLine(problem='a JSON list, not an object')), (4, BadLine(problem='unexpected character, expected a string key at column 2'))]
    """
    import orjson

    where = where or str(path)
    text = decode_utf8(read_bytes(path, where), where)
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        if not collect:
            value = parse_json(line, f"{where}:{lineno}")
            if objects and not isinstance(value, dict):
                raise CorpusError(f"{where}:{lineno}", f"a JSON {type(value).__name__}, not an object",
                                  "write exactly one JSON object per line", code="E103")
            yield lineno, value
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield lineno, BadLine(f"{exc.msg} at column {exc.colno}")
            continue
        if objects and not isinstance(value, dict):
            yield lineno, BadLine(f"a JSON {type(value).__name__}, not an object")
            continue
        yield lineno, value


@contextlib.contextmanager
def atomic_writer(path: Path, mode: str = "w") -> Iterator[Any]:
    """Write to a temp file beside ``path`` and rename it into place only on success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; written files get ordinary permissions
    try:
        kwargs = {"encoding": "utf-8", "newline": "\n"} if "b" not in mode else {}
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: Path, text: str) -> None:
    with atomic_writer(path) as fh:
        fh.write(text)


def write_bytes(path: Path, data: bytes) -> None:
    with atomic_writer(path, "wb") as fh:
        fh.write(data)


def jsonl(records: list[Any]) -> str:
    """JSON Lines text, one ``dumps`` record a line."""
    return "".join(dumps(r) + "\n" for r in records)


def write_jsonl(path: Path, records: list[Any]) -> None:
    write_text(path, jsonl(records))
