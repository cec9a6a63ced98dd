"""The command line on bad input (one `error:` line naming the file and the fix, exit 1, no traceback)
and ingest's guarantees (refuses to overwrite, atomic, idempotent)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import apply_overlay, copy_base, make_repo, run_cli, tree

from claimcorpus import documents
from claimcorpus.errors import CorpusError
from claimcorpus.layout import Repo


def assert_one_error_line(proc, *needles: str) -> str:
    """Exit 1, no traceback, and stderr is exactly one line: 'error: ... Fix: ...' containing each needle."""
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    line = lines[0]
    assert line.startswith("error: ") and "Fix:" in line, line
    for needle in needles:
        assert needle in line, (needle, line)
    return line


@pytest.mark.parametrize(("name", "content", "problem"), [
    ("latin1.txt", b"Caf\xe9 owners protest.\n", "not valid UTF-8 at byte 3"),
    ("empty.txt", b"", "empty or only whitespace"),
    ("blank.txt", b" \r\n\t\n", "empty or only whitespace"),
    ("bom-only.txt", b"\xef\xbb\xbf\n", "empty or only whitespace"),
])
def test_segment_bad_text(tmp_path: Path, name: str, content: bytes, problem: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    proc = run_cli("segment", path, "--format", "jsonl")
    assert_one_error_line(proc, str(path), problem)
    assert proc.stdout == ""


def test_segment_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.txt"
    proc = run_cli("segment", path)
    assert_one_error_line(proc, str(path), "no such file")
    assert proc.stdout == ""


def test_segment_jsonl_fields(tmp_path: Path) -> None:
    path = tmp_path / "two.txt"
    path.write_bytes(b"\xef\xbb\xbfRain fell.\r\nIt stopped at 3 p.m. today.")
    proc = run_cli("segment", path, "--format", "jsonl")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert rows == [
        {"index": 0, "paragraph": 0, "start": 0, "end": 10, "text": "Rain fell."},
        {"index": 1, "paragraph": 1, "start": 11, "end": 38, "text": "It stopped at 3 p.m. today."},
    ]


def test_ingest_with_a_manifest_line_that_is_not_json(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"first.txt": "Snow closed the pass.\n"})
    with repo.manifest.open("a", encoding="utf-8") as fh:
        fh.write('{"doc_id": "broken",\n')
    new = tmp_path / "second.txt"
    new.write_text("The pass reopened.\n", encoding="utf-8")
    before = tree(repo.root)
    proc = run_cli("ingest", new, "--root", repo.root)
    assert_one_error_line(proc, "seeds/manifest.jsonl:2", "not JSON")
    assert tree(repo.root) == before


def test_validate_reports_a_line_that_is_not_json(tmp_path: Path) -> None:
    repo = copy_base(tmp_path / "repo")
    apply_overlay(repo.root, Path(__file__).parent / "fixtures" / "invalid" / "E103-not-json")
    proc = run_cli("validate", "--no-gx", "--root", repo.root)
    assert_one_error_line(proc, "E103")
    assert proc.stdout.splitlines()[0].startswith("annotations/gold/base1.jsonl:2: E103 not-json ")


def _unknown_label(tmp_path: Path):
    repo = copy_base(tmp_path / "repo")
    apply_overlay(repo.root, Path(__file__).parent / "fixtures" / "invalid" / "E202-unknown-label")
    return run_cli("validate", "--no-gx", "--root", repo.root)


def test_validate_reports_an_unknown_label(tmp_path: Path) -> None:
    proc = _unknown_label(tmp_path)
    assert_one_error_line(proc, "E202")
    [finding] = proc.stdout.splitlines()
    assert finding.startswith("annotations/gold/base1.jsonl:1: E202 unknown-label [base1-s0000] entities[0].label: ")
    assert "'CITY'" in finding and "Fix: " in finding


def test_validate_error_line_names_the_file(tmp_path: Path) -> None:
    assert_one_error_line(_unknown_label(tmp_path), "annotations/gold/base1.jsonl")


def test_validate_base_is_valid(tmp_path: Path) -> None:
    repo = copy_base(tmp_path / "repo")
    proc = run_cli("validate", "--no-gx", "--root", repo.root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("valid: 1 documents, 1 layers, 6 records")


# -- ingest -------------------------------------------------------------------------------------------

def test_ingest_copies_bytes_and_segments(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    raw = b"\xef\xbb\xbfTolls rise\r\nTolls rise by 4.5% in May.\rDrivers object.\r\n"
    src = tmp_path / "tolls.txt"
    src.write_bytes(raw)
    assert run_cli("init", repo.root).returncode == 0
    proc = run_cli("ingest", src, "--root", repo.root)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ingested tolls: 54 characters, 3 sentences"
    assert (repo.seeds / "tolls.txt").read_bytes() == raw
    rows = [json.loads(line) for line in repo.segments_file("tolls").read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["start"], r["end"], r["text"]) for r in rows] == [
        ("tolls-s0000", 0, 10, "Tolls rise"),
        ("tolls-s0001", 11, 37, "Tolls rise by 4.5% in May."),
        ("tolls-s0002", 38, 53, "Drivers object."),
    ]


def test_ingest_twice_is_a_no_op(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"ferry.txt": "The ferry sailed late.\n"})
    src = tmp_path / "incoming" / "ferry.txt"
    before = tree(repo.root)
    stamps = {p: p.stat().st_mtime_ns for p in repo.root.rglob("*") if p.is_file()}
    proc = run_cli("ingest", src, "--root", repo.root)
    assert proc.returncode == 0, proc.stderr
    assert tree(repo.root) == before
    assert {p: p.stat().st_mtime_ns for p in repo.root.rglob("*") if p.is_file()} == stamps
    assert len(repo.manifest.read_text(encoding="utf-8").splitlines()) == 1


def test_ingest_refuses_another_text_under_the_same_id(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"ferry.txt": "The ferry sailed late.\n"})
    other = tmp_path / "other.txt"
    other.write_text("The ferry sailed early.\n", encoding="utf-8")
    before = tree(repo.root)
    proc = run_cli("ingest", other, "--id", "ferry", "--root", repo.root)
    assert_one_error_line(proc, "seeds/manifest.jsonl", "already in the manifest")
    assert tree(repo.root) == before


def test_ingest_refuses_to_overwrite_a_seed_file(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"ferry.txt": "The ferry sailed late.\n"})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    clash = elsewhere / "ferry.txt"
    clash.write_text("A different ferry story.\n", encoding="utf-8")
    before = tree(repo.root)
    proc = run_cli("ingest", clash, "--id", "ferry2", "--root", repo.root)
    assert_one_error_line(proc, "seeds/ferry.txt", "different file")
    assert tree(repo.root) == before


def test_ingest_bad_file_leaves_nothing(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"ferry.txt": "The ferry sailed late.\n"})
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"ok \xff")
    before = tree(repo.root)
    proc = run_cli("ingest", bad, "--root", repo.root)
    assert_one_error_line(proc, str(bad), "byte 3")
    assert tree(repo.root) == before


@pytest.mark.parametrize("fail_at", [1, 2, 3, "journal", "move"])
def test_failed_ingest_leaves_the_repository_as_before_or_after(tmp_path: Path, monkeypatch, fail_at) -> None:
    """A write that fails while staging (the Nth staged file, the journal) leaves the repository as before;
    one that fails while moving in (after the commit point) is finished by the next command."""
    from claimcorpus import txn

    repo = make_repo(tmp_path, {"ferry.txt": "The ferry sailed late.\n"})
    new = tmp_path / "storm.txt"
    new.write_text("A storm hit the coast. Roads closed.\n", encoding="utf-8")
    before = tree(repo.root)
    staged, real_write, real_replace = [], txn._fsync_write, os.replace

    def write(path, data):
        if path.parent.name == "stage":
            staged.append(path)
            if len(staged) == fail_at:
                raise OSError("simulated: disk full")
        elif fail_at == "journal" and path.name.startswith("journal"):
            raise OSError("simulated: disk full")
        real_write(path, data)

    def replace(src, dst):
        if fail_at == "move" and Path(dst).name == "manifest.jsonl":
            raise OSError("simulated rename failure")
        return real_replace(src, dst)

    monkeypatch.setattr(txn, "_fsync_write", write)
    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError):
        documents.ingest(repo, new)
    monkeypatch.undo()
    if fail_at != "move":
        assert tree(repo.root) == before
        return
    assert txn.leftover(repo.root)["committed"]
    assert txn.recover(repo.root).startswith("finished")
    after = tree(repo.root)
    assert after["seeds/storm.txt"] == new.read_bytes()
    assert b'"doc_id":"storm"' in after["seeds/manifest.jsonl"] and "annotations/segments/storm.jsonl" in after
