"""The levelled validator: the base fixture is valid, each invalid fixture yields exactly the findings its WHY
file lists, a record with several faults yields all of them, and every check code has a fixture."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import INVALID, apply_overlay, copy_base

from claimcorpus.validation.codes import CHECKS
from claimcorpus.layout import Repo
from claimcorpus.textio import dumps
from claimcorpus.validation.finding import Finding
from claimcorpus.validation.repository import validate

FIXTURE_DIRS = sorted(p for p in INVALID.iterdir() if p.is_dir())
GOLD = "annotations/gold/base1.jsonl"


def parse_why(path: Path) -> tuple[str, set[tuple]]:
    """First line '# not valid: <reason>'; then 'expect CODE FILE LINE|- RECORD|-' per finding."""
    lines = path.read_text(encoding="utf-8").splitlines()
    expected = set()
    for line in lines[1:]:
        word, code, file, lineno, record = line.split(" ")
        assert word == "expect", line
        expected.add((code, file, None if lineno == "-" else int(lineno), None if record == "-" else record))
    return lines[0], expected


def found(root: Path) -> set[tuple]:
    return {(f.code, f.file, f.line, f.record) for f in validate(root)}


def read_gold(repo: Repo) -> list[dict]:
    return [json.loads(line) for line in (repo.root / GOLD).read_text(encoding="utf-8").splitlines()]


def write_gold(repo: Repo, records: list[dict]) -> None:
    (repo.root / GOLD).write_text("".join(dumps(r) + "\n" for r in records), encoding="utf-8")


def test_base_fixture_is_valid(base_repo: Repo) -> None:
    assert validate(base_repo.root) == []


def test_base_fixture_spans_by_hand(base_repo: Repo) -> None:
    """The base document read by eye: sentence offsets and a few span slices."""
    doc = (base_repo.seeds / "base1.txt").read_text(encoding="utf-8")
    gold = read_gold(base_repo)
    assert [(r["start"], r["end"]) for r in gold] == [(0, 31), (32, 104), (105, 145)]
    assert [doc[r["start"]:r["end"]] for r in gold] == [
        "Kyiv said on Monday it may act.",
        "The Harbor Bank reported profit of \u20ac4.2bn, roughly 3.5% above forecasts.",
        "Analysts expect rates to fall next year.",
    ]
    assert [e["text"] for r in gold for e in r["entities"]] == ["Kyiv", "Monday", "Harbor Bank", "\u20ac4.2bn", "3.5%", "next year"]
    assert [(r["hedged"], r["checkworthy"]) for r in gold] == [(True, False), (True, True), (False, False)]


# `claimcorpus validate` checks repository files at levels 1-3; level 4 (Great Expectations) runs on the
# built release tables inside `claimcorpus build`, so its codes cannot be shown by a repository overlay.
VALIDATE_LEVELS = {1, 2, 3}


def test_checks_table_and_fixtures_agree() -> None:
    """Every level 1-3 code has exactly one fixture folder named <CODE>-<name>; every folder names a real code."""
    names = [p.name for p in FIXTURE_DIRS]
    assert len(names) == len(set(names))
    assert sorted(names) == sorted(f"{c.code}-{c.name}" for c in CHECKS.values() if c.level in VALIDATE_LEVELS)
    assert all(p.is_dir() for p in INVALID.iterdir())
    assert {c.level for c in CHECKS.values()} >= VALIDATE_LEVELS


@pytest.mark.parametrize("fixture", FIXTURE_DIRS, ids=lambda p: p.name)
def test_fixture_yields_its_code(fixture: Path, tmp_path: Path) -> None:
    why, expected = parse_why(fixture / "WHY")
    assert why.startswith("# not valid: ") and len(why) > len("# not valid: ") + 10
    code = fixture.name.split("-")[0]
    assert code in {e[0] for e in expected}
    # the extra codes a fixture may carry are at the same level or cheaper (a cause shows as its effects)
    assert all(CHECKS[e[0]].level <= CHECKS[code].level for e in expected)
    repo = copy_base(tmp_path / "repo")
    apply_overlay(repo.root, fixture)
    got = found(repo.root)
    assert got == expected
    for f in validate(repo.root):
        text = str(f)
        assert text.startswith(f"{f.file}:{f.line}: " if f.line else f"{f.file}: ")
        assert f" {f.code} {CHECKS[f.code].name}" in text and text.endswith(f"Fix: {CHECKS[f.code].fix}")
        if f.record:
            assert f"[{f.record}]" in text


def test_fixtures_are_overlays_of_base_files() -> None:
    """A fixture only adds or replaces files; it never holds anything outside the repository layout."""
    for fixture in FIXTURE_DIRS:
        files = [p.relative_to(fixture).as_posix() for p in fixture.rglob("*") if p.is_file()]
        assert "WHY" in files
        assert all(f == "WHY" or f.startswith(("seeds/", "annotations/", ".claimcorpus-txn/")) for f in files), fixture.name


def test_one_record_with_many_content_faults_yields_all(base_repo: Repo) -> None:
    gold = read_gold(base_repo)
    rec = gold[0]
    rec["entities"][0]["text"] = "Kiev"                     # E310
    rec["entities"][1].update(end=20, text="Monday ")       # E311
    rec["hedges"][0]["scope_end"] = 25                      # E314
    rec["claims"][0]["source"]["text"] = "Kiev"             # E315
    rec["claims"][0]["checkworthy"] = True                  # E317 (flag stays false)
    rec["hedged"] = False                                   # E316
    write_gold(base_repo, gold)
    got = sorted(f.code for f in validate(base_repo.root))
    assert got == ["E310", "E311", "E314", "E315", "E316", "E317"]
    assert all(f.record == "base1-s0000" and f.line == 1 and f.file == GOLD for f in validate(base_repo.root))


def test_one_record_with_many_schema_faults_yields_all(base_repo: Repo) -> None:
    gold = read_gold(base_repo)
    rec = gold[1]
    rec["entities"][0]["label"] = "COMPANY"     # E202
    rec["hedges"][0]["type"] = "vague"          # E202
    rec["claims"][0]["type"] = "opinion"        # E202
    rec["claims"][0]["source"] = {"type": "reporter"}  # E202
    del rec["hedged"]                           # E201
    rec["checkworthy"] = "yes"                  # E201
    write_gold(base_repo, gold)
    findings = validate(base_repo.root)
    assert sorted(f.code for f in findings) == ["E201", "E201", "E202", "E202", "E202", "E202"]
    assert all((f.file, f.line, f.record) == (GOLD, 2, "base1-s0001") for f in findings)
    messages = " ".join(f.message for f in findings)
    for bad in ("COMPANY", "vague", "opinion", "reporter", "hedged", "yes"):
        assert bad in messages


def test_every_bad_line_is_reported(base_repo: Repo) -> None:
    (base_repo.root / GOLD).write_text("{oops\n[1, 2]\nnull\n", encoding="utf-8")
    got = sorted((f.code, f.line) for f in validate(base_repo.root))
    assert got == [("E103", 1), ("E103", 2), ("E103", 3)]


def test_a_bad_record_does_not_shift_the_order_check_of_the_next(base_repo: Repo) -> None:
    gold = read_gold(base_repo)
    gold[0]["entities"][0]["label"] = "CITY"
    write_gold(base_repo, gold)
    assert found(base_repo.root) == {("E202", GOLD, 1, "base1-s0000")}


def test_unreadable_layer_file_is_not_also_a_segments_mismatch(base_repo: Repo) -> None:
    (base_repo.root / GOLD).write_bytes(b"\xff\n")
    assert found(base_repo.root) == {("E102", GOLD, None, None)}


def test_missing_manifest(base_repo: Repo) -> None:
    base_repo.manifest.unlink()
    got = found(base_repo.root)
    assert ("E101", "seeds/manifest.jsonl", None, None) in got
    # without a manifest every other file names an unknown document
    assert got - {("E101", "seeds/manifest.jsonl", None, None)} == {
        ("E301", "annotations/segments/base1.jsonl", None, None), ("E301", GOLD, None, None)}


def test_missing_segments_file(base_repo: Repo) -> None:
    (base_repo.segments / "base1.jsonl").unlink()
    got = found(base_repo.root)
    assert ("E101", "annotations/segments/base1.jsonl", None, "base1") in got


def test_edited_seed_is_a_hash_mismatch(base_repo: Repo) -> None:
    seed = base_repo.seeds / "base1.txt"
    seed.write_bytes(seed.read_bytes() + b"\n")  # canonical text changes too, no sentence moves
    assert found(base_repo.root) == {("E105", "seeds/base1.txt", None, "base1")}


def test_finding_str_format() -> None:
    f = Finding("E310", "annotations/gold/d.jsonl", 3, "d-s0002", "entities[0] text 'Kiev' is not the slice 'Kyiv'")
    assert str(f) == ("annotations/gold/d.jsonl:3: E310 span-text [d-s0002] entities[0] text 'Kiev' is not the slice "
                      "'Kyiv'. Fix: copy the text from the slice, or correct start/end")


def test_every_code_is_registered_to_the_function_that_yields_it() -> None:
    """Levels 1-3: each code is named by a @yields function (codes.YIELDED_BY) or by its span kind's entry."""
    from claimcorpus.kinds import kinds
    from claimcorpus.validation import codes

    import claimcorpus.adjudication  # noqa: F401  (registers E330, E331)
    import claimcorpus.validation.parallel  # noqa: F401  (imports every level)

    registered = set(codes.YIELDED_BY) | {c for k in kinds() for c in k.codes}
    assert registered == {c.code for c in CHECKS.values() if c.level in VALIDATE_LEVELS}


def test_no_code_is_derived_from_a_message() -> None:
    src = Path(__file__).resolve().parents[1] / "src" / "claimcorpus"
    hits = [p.name for p in src.rglob("*.py") if "in err.problem" in p.read_text(encoding="utf-8")]
    assert hits == []


def test_a_directory_in_place_of_a_layer_file_is_not_a_file(base_repo: Repo) -> None:
    (base_repo.root / GOLD).unlink()
    (base_repo.root / GOLD).mkdir()
    got = found(base_repo.root)
    assert ("E108", GOLD, None, None) in got and not any(code == "E102" for code, *_ in got)


def test_missing_split_file(base_repo: Repo) -> None:
    (base_repo.annotations / "splits.json").unlink()
    assert found(base_repo.root) == {("E101", "annotations/splits.json", None, None)}


def test_split_file_that_is_not_an_object(base_repo: Repo) -> None:
    (base_repo.annotations / "splits.json").write_text('["base1"]\n', encoding="utf-8")
    assert found(base_repo.root) == {("E204", "annotations/splits.json", None, None)}


def test_level_4_runs_only_when_asked_on_the_whole_valid_corpus(tmp_path: Path) -> None:
    """validation.runner.run: a gold layer that is valid at levels 1-3 but has no span at all (0 entities and 0 claims
    per sentence, under CORPUS_BOUNDS' lower bounds of 0.1 and 0.3) passes levels 1-3 and fails only the gate's
    corpus bounds, E408; without the gate, or on one shard of the documents, level 4 does not run."""
    from claimcorpus.validation.runner import run

    repo = spanless_repo(tmp_path)
    gated = run(repo, jobs=1)
    assert {f.code for f in gated.findings} == {"E408"}
    assert all(any(bound in str(f) for f in gated.findings) for bound in ("entities_per_sentence", "claims_per_sentence"))
    assert run(repo, jobs=1, gate=False).findings == []
    assert run(repo, jobs=1, shard=(0, 1)).findings == []


def test_shard_of_puts_every_document_in_exactly_one_shard() -> None:
    """--shard I/N: a document's shard is crc32(doc_id) mod N (stable across machines), an int in range(N)."""
    import binascii

    from claimcorpus.validation.parallel import shard_of

    ids = [f"doc{i:03d}" for i in range(100)]
    for n in (1, 2, 3, 7):
        got = [shard_of(d, n) for d in ids]
        assert all(type(s) is int and 0 <= s < n for s in got)
        assert set(got) == set(range(n))  # 100 ids fill 7 shards
        assert got == [binascii.crc32(d.encode()) % n for d in ids]  # binascii: the same CRC from another module


def spanless_repo(tmp_path: Path) -> Repo:
    """Two documents whose gold layer is valid at levels 1-3 and has no span: level 4 finds E408 (corpus bounds)."""
    from conftest import make_repo

    from claimcorpus.layers import init_layer

    repo = make_repo(tmp_path, {"d1.txt": "Storm hits the coast. Ferries stop at 9 p.m.\n",
                                "d2.txt": "Markets fell. Banks were closed on Monday.\n"})
    init_layer(repo, "gold", "gold", "tester", guidelines_version="0.1", description="no spans", doc_ids=["d1", "d2"])
    (repo.annotations / "splits.json").write_text(json.dumps({"train": ["d1"], "validation": [], "test": ["d2"]}),
                                                  encoding="utf-8")
    return repo


def test_validate_runs_level_4_when_main_is_not_a_file(tmp_path: Path) -> None:
    """pyspark.sql.connect (imported by Great Expectations) takes a __main__ without __file__ for a doctest run and
    calls sys.exit(0): from `python -c` (or a pytest-xdist worker) validate stopped at level 4 and said nothing, exit 0."""
    import subprocess
    import sys

    repo = spanless_repo(tmp_path)
    code = f"import sys; from claimcorpus.cli import run; sys.exit(run(['validate', '--root', {str(repo.root)!r}]))"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=False)
    assert res.returncode == 1, res.stdout + res.stderr
    assert " E408 " in res.stdout and "Skipping doctests" not in res.stderr


def test_ctrl_c_during_validate_is_one_line_and_exit_130(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT to the process group, as a terminal sends it) while `claimcorpus validate` runs: exit 130 and
    one line saying so, no traceback. Typer turns the KeyboardInterrupt into Exit(130) and returns it, so the CLI's
    own handler never ran and the command stopped silently; levels 1-3's child printed its traceback."""
    import os
    import signal
    import subprocess
    import sys
    import time

    repo = spanless_repo(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "claimcorpus", "validate", "--root", str(repo.root)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:  # until levels 1-3's child is running
        kids = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
        if kids.is_file() and kids.read_text().split():
            break
        time.sleep(0.05)
    assert proc.poll() is None, "validate ended before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, (out, err)
    assert err.splitlines() == ["error: interrupted; nothing was half-written (the next command finishes or rolls back)"], err


# Runs `claimcorpus validate`, Ctrl-C'ing its process group from inside a child's fork hooks (where CPython runs
# threading._after_fork): the moment a real Ctrl-C hit in CI, before any try or pool initializer of the child ran.
CTRL_C_IN_FORK = """
import os, signal, sys
TOP, CHILD, fired = os.getpid(), sys.argv[1] == "child", False
def hook():
    global fired
    if not fired and (os.getppid() == TOP) == CHILD:
        fired = True
        os.killpg(0, signal.SIGINT)
os.register_at_fork(after_in_child=hook)
from claimcorpus.cli import main
sys.argv = ["claimcorpus", *sys.argv[2:]]
main()
"""


@pytest.mark.parametrize("where", ["child", "pool worker"])
def test_ctrl_c_while_a_child_is_being_forked_is_one_line(tmp_path: Path, where: str) -> None:
    """Ctrl-C arriving while levels 1-3's child (or one of its pool workers) is still in CPython's fork hooks: the
    child cannot catch it there and printed "Exception ignored in: <function _after_fork>" and a traceback."""
    import subprocess
    import sys

    if where == "child":
        root = spanless_repo(tmp_path).root
    else:
        from conftest import synth_repo

        assert synth_repo(tmp_path / "repo", 10_000)["documents"] >= 64
        root = tmp_path / "repo"
    proc = subprocess.run([sys.executable, "-c", CTRL_C_IN_FORK, where.split()[0], "validate", "--root", str(root)],
                          capture_output=True, text=True, timeout=300, start_new_session=True)
    assert proc.returncode == 130, (proc.stdout, proc.stderr)
    assert proc.stderr.splitlines() == ["error: interrupted; nothing was half-written (the next command finishes or rolls back)"], proc.stderr


def test_ctrl_c_while_levels_1_3_run_their_pool_is_one_line(tmp_path: Path) -> None:
    """The same on a corpus big enough for levels 1-3's worker pool (64+ documents), interrupted while the pool's
    workers send results: the pool's own processes must not add a traceback (KeyboardInterrupt, BrokenPipeError)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from conftest import synth_repo

    facts = synth_repo(tmp_path / "repo", 30_000)
    assert facts["documents"] >= 64 * 4
    proc = subprocess.Popen([sys.executable, "-m", "claimcorpus", "validate", "--no-gx", "--root", str(tmp_path / "repo")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)

    def kids(pid: int) -> list[int]:
        f = Path(f"/proc/{pid}/task/{pid}/children")
        return [int(k) for k in f.read_text().split()] if f.is_file() else []

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:  # until the child's pool workers exist
        if any(len(kids(c)) >= 2 for c in kids(proc.pid)):
            break
        time.sleep(0.02)
    assert proc.poll() is None, "validate ended before its pool could be interrupted"
    time.sleep(0.5)  # the workers are sending results now
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, (out, err)
    assert err.splitlines() == ["error: interrupted; nothing was half-written (the next command finishes or rolls back)"], err
