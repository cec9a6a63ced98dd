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
import re
import stat
import tempfile
import unicodedata
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
    bad = CONTROL.search(text)
    if bad:
        raise ControlCharError(where, text, bad.start())
    return text


# C0 and C1 control characters except TAB and LF (CR is already LF), DEL, and the line breaks that Python's
# str.splitlines and browsers see but the segmenter and Label Studio do not (NEL U+0085, U+2028, U+2029).
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_NAMES = {0x00: "NULL", 0x07: "BELL", 0x08: "BACKSPACE", 0x0B: "LINE TABULATION", 0x0C: "FORM FEED",
                  0x1B: "ESCAPE", 0x7F: "DELETE", 0x85: "NEXT LINE"}


def char_name(ch: str) -> str:
    """``U+000C FORM FEED``: the code point and its name (control characters have none in unicodedata).

    >>> char_name("\\x00"), char_name("\\u2028")
    ('U+0000 NULL', 'U+2028 LINE SEPARATOR')
    """
    name = _CONTROL_NAMES.get(ord(ch)) or unicodedata.name(ch, "control character")
    return f"U+{ord(ch):04X} {name}"


class ControlCharError(CorpusError):
    """A document text holds a control character or a line break other than LF (validate: E114).

    >>> str(ControlCharError("a.txt", "ab\\ncd\\x00", 5))
    'a.txt:2:3: holds U+0000 NULL (a control character: a sign of a binary or damaged file). Fix: delete it, or replace it with a space (e.g. tr -d)'
    """

    def __init__(self, where: str, text: str, pos: int) -> None:
        self.line = text.count("\n", 0, pos) + 1
        self.column = pos - (text.rfind("\n", 0, pos) + 1) + 1
        ch = text[pos]
        if ch in "\x85\u2028\u2029":
            what, fix = ("a line break that the segmenter and Label Studio do not count as one",
                         "replace it with a newline (LF)")
        else:
            what, fix = ("a control character: a sign of a binary or damaged file",
                         "delete it, or replace it with a space (e.g. tr -d)")
        super().__init__(f"{where}:{self.line}:{self.column}", f"holds {char_name(ch)} ({what})", fix, code="E114")
        self._args = (where, text, pos)

    def __reduce__(self):  # raised in a worker process, it arrives whole (line, column) in the parent
        return type(self), self._args


def first_difference(got: str, want: str, width: int = 20) -> str:
    """Where two texts first differ, quoting both around that character (not their common first characters).

    >>> first_difference("The presence of troops could grow!", "The presence of troops could grow.")
    "they differ at character 33: '…could grow!' vs '…could grow.'"
    >>> first_difference("abc", "abcd")
    "they differ at character 3: 'abc' vs 'abcd' (one is longer)"
    """
    pos = next((i for i, (x, y) in enumerate(zip(got, want)) if x != y), min(len(got), len(want)))
    lo = max(0, pos - width // 2)

    def cut(t: str) -> str:
        return ("…" if lo else "") + t[lo:pos + width // 2] + ("…" if len(t) > pos + width // 2 else "")
    longer = " (one is longer)" if pos == min(len(got), len(want)) else ""
    return f"they differ at character {pos}: {cut(got)!r} vs {cut(want)!r}{longer}"


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


def repeated_key(line: str, rec: dict) -> str | None:
    """The first key that one object of ``line`` holds twice (orjson silently keeps the last), or None.

    Cheap for the lines we write: a line that is exactly its record in our serialisation (sorted keys, no
    spaces) cannot repeat a key, so only other lines are parsed again with ``object_pairs_hook``.

    >>> repeated_key('{"a":1,"b":[]}', {"a": 1, "b": []}), repeated_key('{"b":[{"x":1,"x":2}]}', {"b": [{"x": 2}]})
    (None, 'x')
    """
    import orjson

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
            twice = repeated_key(line, value) if isinstance(value, dict) else None
            if twice is not None:
                raise CorpusError(f"{where}:{lineno}", f"key {twice!r} occurs twice in one object",
                                  "keep one of them (a JSON reader keeps only the last)", code="E103")
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
        twice = repeated_key(line, value) if isinstance(value, dict) else None
        if twice is not None:
            yield lineno, BadLine(f"key {twice!r} occurs twice in one object (a JSON reader keeps only one of them)")
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
