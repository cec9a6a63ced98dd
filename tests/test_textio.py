"""Canonical text: strict UTF-8, one leading BOM dropped, CRLF and lone CR -> LF, nothing else changed."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from claimcorpus.errors import CorpusError
from claimcorpus.textio import ControlCharError, atomic_writer, canonical_text, iter_jsonl, read_document, write_jsonl, write_text

SETTINGS = settings(max_examples=200, deadline=None, database=None)


@pytest.mark.parametrize(("raw", "want"), [
    (b"\xef\xbb\xbfA\r\nB\rC\n", "A\nB\nC\n"),
    (b"one\r\ntwo\r\n", "one\ntwo\n"),
    (b"one\rtwo\r", "one\ntwo\n"),
    (b"a\r\r\nb", "a\n\nb"),              # lone CR, then CRLF
    (b"a\n\rb", "a\n\nb"),                # LF then lone CR: two breaks, not one CRLF
    (b"a\r\n\r\nb", "a\n\nb"),
    (b"\xef\xbb\xbf\xef\xbb\xbfx", "\ufeffx"),  # only one leading BOM is dropped
    (b"x\xef\xbb\xbfy", "x\ufeffy"),        # a BOM inside the text is text
    (b"  padded\t \n\n", "  padded\t \n\n"),  # outer whitespace is kept
    ("caf\u00e9 cafe\u0301 \u00a0\u200b\u3000 \U0001F600 \u20ac4.2bn".encode(),
     "caf\u00e9 cafe\u0301 \u00a0\u200b\u3000 \U0001F600 \u20ac4.2bn"),  # no normalisation of any kind
])
def test_canonical_text_by_hand(raw: bytes, want: str) -> None:
    assert canonical_text(raw) == want


@given(st.text(min_size=1).filter(lambda t: t.strip()))
@SETTINGS
@example("\uffff")  # the last BMP code point
@example("\U0001F600\U0010FFFF")  # astral characters
@example(" \u2028x\x85\u00a0")  # Unicode line and paragraph separators: refused (below)
@example("x\ufeff")  # a BOM that is not leading
@example("a\tb")  # TAB is text
def test_text_without_cr_or_bom_is_unchanged(text: str) -> None:
    text = text.replace("\r", "").lstrip("\ufeff")
    if not text.strip():
        return
    bad = [i for i, ch in enumerate(text) if ch in REFUSED]
    if bad:
        with pytest.raises(ControlCharError) as info:
            canonical_text(text.encode("utf-8"))
        line = text[:bad[0]].count("\n") + 1
        assert (info.value.line, info.value.column) == (line, bad[0] - text.rfind("\n", 0, bad[0]))
        assert text[bad[0]] == chr(int(str(info.value).split("U+")[1][:4], 16))  # the first refused character is named
    else:
        assert canonical_text(text.encode("utf-8")) == text


# Refused by policy (docs/checks.md E114): C0 and C1 controls but TAB and LF, DEL, and NEL/U+2028/U+2029, which
# str.splitlines and browsers treat as line breaks. Built from unicodedata, not from textio's regex.
REFUSED = {chr(c) for c in range(0x110000) if __import__("unicodedata").category(chr(c)) == "Cc"} - {"\t", "\n", "\r"}
REFUSED |= {"\u2028", "\u2029"}


CONTROL = ("a control character: a sign of a binary or damaged file", "delete it, or replace it with a space (e.g. tr -d)")
LINE_BREAK = ("a line break that the segmenter and Label Studio do not count as one", "replace it with a newline (LF)")


@pytest.mark.parametrize(("raw", "where", "name", "why"), [
    (b"The text has a NUL\x00 byte.", "t.txt:1:19", "U+0000 NULL", CONTROL),
    (b"one\r\ntwo\x0cthree", "t.txt:2:4", "U+000C FORM FEED", CONTROL),  # after CRLF -> LF: line 2
    ("x\u2028y".encode(), "t.txt:1:2", "U+2028 LINE SEPARATOR", LINE_BREAK),
    ("\n\nab\x85".encode(), "t.txt:3:3", "U+0085 NEXT LINE", LINE_BREAK),
    ("p\u2029".encode(), "t.txt:1:2", "U+2029 PARAGRAPH SEPARATOR", LINE_BREAK),
    (b"del\x7f", "t.txt:1:4", "U+007F DELETE", CONTROL),
])
def test_control_characters_are_refused_with_line_column_and_name(raw: bytes, where: str, name: str, why) -> None:
    """The whole line a user reads, and the check-table code validate reports it under (docs/checks.md E114)."""
    with pytest.raises(ControlCharError) as info:
        canonical_text(raw, "t.txt")
    assert str(info.value) == f"{where}: holds {name} ({why[0]}). Fix: {why[1]}"
    assert info.value.code == "E114"


@given(st.lists(st.sampled_from(["a", "\u00e9", "\U0001F600", " ", "\n", "\r", "\r\n", "\ufeff", "."]), min_size=1))
@SETTINGS
@example(["\ufeff"])  # nothing but a BOM: empty
@example(["\ufeff", "\ufeff", "a"])  # only the first BOM goes
@example(["\r", "\n", "\n", "\r", "a"])  # CRLF, LF, lone CR
@example(["a", "\r"])  # a lone CR at the end
def test_only_bom_and_line_ends_change(parts: list[str]) -> None:
    text = "".join(parts)
    want = re.sub(r"\r\n?", "\n", text[1:] if text.startswith("\ufeff") else text)
    if not want.strip():
        with pytest.raises(CorpusError, match="empty or only whitespace"):
            canonical_text(text.encode())
        return
    got = canonical_text(text.encode())
    assert got == want
    assert "\r" not in got


@pytest.mark.parametrize(("raw", "offset"), [
    (b"abc\xffdef", 3),
    (b"caf\xc3", 3),                       # truncated two-byte sequence at the end
    (b"ok\n\xc0\xafx", 3),                 # overlong encoding of '/'
    (b"\xe2\x82\xac \xed\xa0\x80", 4),     # '\u20ac' then an encoded surrogate
    (b"\xef\xbb\xbfabc\x92", 6),           # the offset counts the BOM's bytes: it is into the raw file
])
def test_invalid_utf8_names_the_byte_offset(raw: bytes, offset: int) -> None:
    with pytest.raises(CorpusError) as info:
        canonical_text(raw, "seeds/x.txt")
    message = str(info.value)
    assert message.startswith("seeds/x.txt: ")
    assert f"byte {offset} " in message
    assert "Fix:" in message


@pytest.mark.parametrize("raw", [b"", b" ", b"\n\n", b" \r\n\t\r ", b"\xef\xbb\xbf", b"\xef\xbb\xbf \r\n", "\u3000\u00a0".encode()])
def test_empty_or_whitespace_only_is_an_error(raw: bytes) -> None:
    with pytest.raises(CorpusError) as info:
        canonical_text(raw, "seeds/blank.txt")
    assert str(info.value).startswith("seeds/blank.txt: the text is empty or only whitespace. Fix: ")


def test_missing_file_and_directory(tmp_path) -> None:
    with pytest.raises(CorpusError, match="no such file"):
        read_document(tmp_path / "nope.txt")
    with pytest.raises(CorpusError, match="is a directory"):
        read_document(tmp_path)


def test_missing_file_is_named_as_the_caller_names_it(tmp_path) -> None:
    """A caller that knows the repository-relative name (the manifest's path) gets it in the message, not
    the absolute path; without one, the path given is the name."""
    with pytest.raises(CorpusError) as err:
        read_document(tmp_path / "nope.txt", "seeds/nope.txt")
    assert str(err.value).startswith("seeds/nope.txt: no such file")
    with pytest.raises(CorpusError) as err:
        read_document(tmp_path, "seeds")
    assert str(err.value).startswith("seeds: is a directory")
    with pytest.raises(CorpusError) as err:
        read_document(tmp_path / "nope.txt")
    assert err.value.where == str(tmp_path / "nope.txt")


def test_manifest_hashes_are_of_raw_bytes_and_canonical_text(repo_factory) -> None:
    raw = b"\xef\xbb\xbfPort reopens\r\nShips left at 6 a.m.\rAll clear.\r\n"
    canonical = "Port reopens\nShips left at 6 a.m.\nAll clear.\n"  # written by hand from raw
    repo = repo_factory({"port.txt": raw})
    entry = json.loads(repo.manifest.read_text(encoding="utf-8"))
    assert entry == {
        "doc_id": "port", "path": "seeds/port.txt", "language": "en",
        "sha256_raw": hashlib.sha256(raw).hexdigest(),
        "sha256_text": hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        "n_chars": 45, "title": None, "source": None, "date": None, "license": None,
    }
    assert len(canonical) == 45
    assert entry["sha256_raw"] != entry["sha256_text"]
    assert (repo.seeds / "port.txt").read_bytes() == raw  # the seed is a byte-for-byte copy


def test_plain_lf_file_has_equal_hashes(repo_factory) -> None:
    raw = "Rain is due in Cork.\n".encode()
    entry = json.loads(repo_factory({"cork.txt": raw}).manifest.read_text(encoding="utf-8"))
    assert entry["sha256_raw"] == entry["sha256_text"] == hashlib.sha256(raw).hexdigest()
    assert entry["n_chars"] == 21


def test_iter_jsonl_names_file_and_line(tmp_path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"a": 1}\n\n{"a": 2\n', encoding="utf-8")
    rows = iter_jsonl(path, "x.jsonl")
    assert next(rows) == (1, {"a": 1})
    with pytest.raises(CorpusError) as info:
        next(rows)
    assert str(info.value).startswith("x.jsonl:3: not JSON")


def test_atomic_writer_leaves_old_file_and_no_temp_on_failure(tmp_path) -> None:
    path = tmp_path / "data.jsonl"
    write_text(path, "old\n")
    with pytest.raises(RuntimeError), atomic_writer(path) as fh:
        fh.write("new, half written")
        raise RuntimeError("disk full")
    assert path.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.jsonl"]


def test_write_text_is_lf_and_utf8(tmp_path) -> None:
    path = tmp_path / "t.txt"
    write_text(path, "\u20ac1\nb\n")
    assert path.read_bytes() == b"\xe2\x82\xac1\nb\n"


def test_jsonl_bytes_have_sorted_keys_and_no_spaces(tmp_path) -> None:
    """Byte-stable data files: the exact bytes of two records whose keys are out of order."""
    path = tmp_path / "x.jsonl"
    write_jsonl(path, [{"text": "Kyiv \u20ac", "end": 6, "start": 0}, {"b": [2, {"z": None, "a": True}], "a": 1}])
    assert path.read_bytes() == (b'{"end":6,"start":0,"text":"Kyiv \xe2\x82\xac"}\n'
                                 b'{"a":1,"b":[2,{"a":true,"z":null}]}\n')


def test_read_errors_carry_their_level_1_codes(tmp_path: Path) -> None:
    """A file that cannot be read is the same code as a command error as it is in `validate`."""
    import pickle

    from claimcorpus.errors import CorpusError
    from claimcorpus.textio import canonical_text, decode_utf8, parse_json, read_bytes

    (tmp_path / "dir").mkdir()
    cases = [(lambda: read_bytes(tmp_path / "nope"), "E101"), (lambda: read_bytes(tmp_path / "dir"), "E108"),
             (lambda: decode_utf8(b"\xff", "x"), "E102"), (lambda: parse_json(b"{x", "x"), "E103"),
             (lambda: canonical_text(b" \n", "x"), "E104")]
    for call, code in cases:
        with pytest.raises(CorpusError) as info:
            call()
        assert info.value.code == code
        again = pickle.loads(pickle.dumps(info.value))  # raised in a worker, it reaches the parent whole
        assert (again.code, str(again)) == (code, str(info.value))


@pytest.mark.parametrize(("got", "want", "message"), [
    # the first 10 characters before the difference are cut, marked by a leading ellipsis
    ("0123456789abcdefghijXYZ", "0123456789abcdefghijxyz",
     "they differ at character 20: '…abcdefghijXYZ' vs '…abcdefghijxyz'"),
    ("ab", "abc", "they differ at character 2: 'ab' vs 'abc' (one is longer)"),
    ("abX", "abY", "they differ at character 2: 'abX' vs 'abY'"),  # same length: no "(one is longer)"
])
def test_first_difference_quotes_around_the_character(got: str, want: str, message: str) -> None:
    from claimcorpus.textio import first_difference

    assert first_difference(got, want) == message


def test_jsonl_reader_errors_name_the_file_and_line(tmp_path: Path) -> None:
    """Bad UTF-8 anywhere in a JSONL file, and a key given twice on line 2, each named as the caller names the file."""
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"a": 1}\n{"b": "\xff"}\n')  # 9 bytes of line 1, then 7: 0xff is byte 16
    with pytest.raises(CorpusError) as err:
        list(iter_jsonl(bad, "annotations/gold/bad.jsonl"))
    assert str(err.value).startswith("annotations/gold/bad.jsonl: not valid UTF-8 at byte 16"), str(err.value)
    twice = tmp_path / "twice.jsonl"
    twice.write_text('{"a": 1}\n{"a": 1, "a": 2}\n', encoding="utf-8")
    with pytest.raises(CorpusError) as err:
        list(iter_jsonl(twice, "annotations/gold/twice.jsonl"))
    assert str(err.value) == ("annotations/gold/twice.jsonl:2: key 'a' occurs twice in one object. "
                              "Fix: keep one of them (a JSON reader keeps only the last)")
    assert err.value.code == "E103"


def test_a_device_is_not_read() -> None:
    from claimcorpus.textio import read_bytes

    with pytest.raises(CorpusError) as err:
        read_bytes(Path("/dev/null"), "text.txt")
    assert str(err.value) == "text.txt: is a device, not a regular file. Fix: save the text to a file and give its path"
