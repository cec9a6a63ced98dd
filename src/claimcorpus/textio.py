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
import tempfile
import unicodedata
from collections.abc import Iterator
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
                                  f"re-encode the file as UTF-8 (e.g. iconv -f {name} -t UTF-8)") from None
        raise CorpusError(
            where,
            f"not valid UTF-8 at byte {exc.start} ({raw[exc.start:exc.start + 4]!r})",
            "re-encode the file as UTF-8 (e.g. iconv -f cp1252 -t utf-8)",
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
        raise CorpusError(where, "the text is empty or only whitespace", "give a file that contains the document text")
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
        super().__init__(f"{where}:{self.line}:{self.column}", f"holds {char_name(ch)} ({what})", fix)


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
        return path.read_bytes()
    except FileNotFoundError:
        raise CorpusError(where, "no such file", "check the path") from None
    except IsADirectoryError:
        raise CorpusError(where, "is a directory, not a file", "give the path of a text file") from None
    except PermissionError:
        raise CorpusError(where, "permission denied", "make the file readable") from None


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
        raise CorpusError(where, f"not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})", fix) from None


def iter_jsonl(path: Path, where: str | None = None) -> Iterator[tuple[int, Any]]:
    """Yield ``(line_number, parsed)`` for each non-empty line; raise on the first bad line."""
    where = where or str(path)
    text = decode_utf8(read_bytes(path, where), where)
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        yield lineno, parse_json(line, f"{where}:{lineno}")


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
