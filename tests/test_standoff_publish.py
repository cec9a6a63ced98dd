"""The licence-safe standoff release, rehydration, the publish plan (stale remote files) and the
Hub-readiness check, on the committed release and on copies of it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import CLAIMCORPUS, ROOT, SEED, copy_checkout, run_cli, tree

from claimcorpus import hubcheck, standoff
from claimcorpus.errors import CorpusError
from claimcorpus.layout import Repo
from claimcorpus.release import publish_plan

CORPUS = ROOT / "corpus"
GOLD = ROOT / "annotations" / "gold" / "000_418805c56f629208.jsonl"


def seed_sentences() -> list[str]:
    return [json.loads(line)["text"] for line in GOLD.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    out = tmp_path_factory.mktemp("standoff") / "release"
    standoff.stage(CORPUS, out)
    return out


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def test_standoff_holds_no_text(staged):
    rows = [r for p in sorted((staged / "data").rglob("*.parquet")) for r in pq.read_table(p).to_pylist()]
    strings = set(_strings(rows))
    seed = SEED.read_text(encoding="utf-8")
    # every string value is an id, a name, a version, a path or a hash: none is a piece of the text
    assert not [s for s in strings if len(s) > 12 and s in seed]
    for name in (p for p in staged.rglob("*") if p.is_file() and p.suffix != ".parquet"):
        text = name.read_text(encoding="utf-8")
        assert not [s for s in seed_sentences() if s in text], name
    # the sentence hashes are the hashes of the gold sentences, computed here with hashlib
    import hashlib

    gold = {r["id"]: hashlib.sha256(r["text"].encode()).hexdigest() for r in map(json.loads, GOLD.read_text().splitlines())}
    assert {r["id"]: r["text_sha256"] for r in rows if r.get("layer") == "gold"} == gold


def test_standoff_card_lists_only_standoff_configs(staged):
    meta = yaml.safe_load((staged / "README.md").read_text(encoding="utf-8").split("---\n")[1])
    assert [c["config_name"] for c in meta["configs"]] == ["standoff", "standoff_documents"]
    assert meta["configs"][0].get("default") is True
    assert hubcheck.data_file_findings(staged, meta["configs"]) == []


def test_rehydrate_is_the_full_release_byte_for_byte(staged, tmp_path):
    texts = tmp_path / "mine"
    texts.mkdir()
    shutil.copyfile(SEED, texts / SEED.name)
    out = tmp_path / "full"
    res = run_cli("rehydrate", "--from", texts, "--standoff", staged, "--out", out, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert tree(out) == tree(CORPUS)


def test_rehydrate_accepts_crlf_copy_named_by_doc_id(staged, tmp_path):
    texts = tmp_path / "mine"
    texts.mkdir()
    (texts / "000_418805c56f629208.txt").write_bytes(b"\xef\xbb\xbf" + SEED.read_bytes().replace(b"\n", b"\r\n"))
    standoff.rehydrate(staged, texts, tmp_path / "full")  # same canonical text: accepted
    assert tree(tmp_path / "full") == tree(CORPUS)


def test_rehydrate_refuses_an_edited_text_naming_the_document(staged, tmp_path):
    texts = tmp_path / "mine"
    texts.mkdir()
    (texts / SEED.name).write_text(SEED.read_text(encoding="utf-8").replace("Kyiv", "Kiev", 1), encoding="utf-8")
    res = run_cli("rehydrate", "--from", texts, "--standoff", staged, "--out", tmp_path / "full", cwd=tmp_path)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert res.stderr.startswith("error: ") and "document '000_418805c56f629208'" in res.stderr and "Fix:" in res.stderr
    assert not (tmp_path / "full").exists() and not list(tmp_path.glob(".full.*"))


def test_rehydrate_refuses_missing_copy_and_existing_out(staged, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="no copy of document '000_418805c56f629208'"):
        standoff.rehydrate(staged, tmp_path / "empty", tmp_path / "full")
    (tmp_path / "full").mkdir()
    with pytest.raises(CorpusError, match="exists"):
        standoff.rehydrate(staged, tmp_path / "empty", tmp_path / "full")


# --- publish --------------------------------------------------------------------------------------

def test_plan_deletes_stale_remote_files_only():
    repo = Repo(ROOT)
    remote = [".gitattributes", "README.md", "data/sentences/test-00000-of-00001.parquet",
              "data/sentences/test-00000-of-00002.parquet", "data/sentences/test-00001-of-00002.parquet", "notes.txt"]
    plan = publish_plan(repo, remote=remote)
    assert plan["deletions"] == ["data/sentences/test-00000-of-00002.parquet",
                                 "data/sentences/test-00001-of-00002.parquet", "notes.txt"]


def test_publish_dry_run_lists_deletions_from_a_listing(tmp_path):
    listing = tmp_path / "remote.txt"
    listing.write_text(".gitattributes\ndata/tokens/test-00003-of-00004.parquet\nREADME.md\n", encoding="utf-8")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    res = subprocess.run([str(CLAIMCORPUS), "publish", "--repo-id", "org/c", "--dry-run", "--remote-listing", str(listing),
                          "--root", str(ROOT)], capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    assert [line.split()[-1] for line in res.stdout.splitlines() if line.startswith("delete")] == \
           ["data/tokens/test-00003-of-00004.parquet"]
    assert "delete 1 stale remote files" in res.stdout


def test_publish_standoff_dry_run_uploads_no_text(tmp_path):
    checkout = copy_checkout(tmp_path / "repo")
    empty = tmp_path / "remote.txt"  # an empty remote: a regular file (devices are refused as inputs)
    empty.write_text("", encoding="utf-8")
    res = run_cli("publish", "--repo-id", "org/c", "--dry-run", "--standoff", "--remote-listing", empty,
                  "--root", checkout)
    assert res.returncode == 0, res.stderr
    uploads = [line.split()[-1] for line in res.stdout.splitlines() if line.startswith("upload")]
    assert "README.md" in uploads and "data/standoff/test-00000-of-00001.parquet" in uploads
    assert not [u for u in uploads if u.startswith(("data/sentences", "data/documents/", "data/layers", "data/tokens"))]


# --- Hub readiness -----------------------------------------------------------------------------------

def test_committed_release_is_hub_ready():
    assert hubcheck.findings(CORPUS) == []


def test_hub_check_finds_stale_shard_bad_creator_and_big_row_group(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    shutil.copyfile(corpus / "data/sentences/test-00000-of-00001.parquet", corpus / "data/sentences/old.parquet")
    card = corpus / "README.md"
    card.write_text(card.read_text(encoding="utf-8").replace("- machine-generated", "- ai-generated", 1), encoding="utf-8")
    found = hubcheck.findings(corpus)
    assert any("annotations_creators" in f and "ai-generated" in f for f in found)
    assert [f for f in found if f.startswith("data/sentences/old.parquet: no config")]  # the test-* glob misses it
    # a stale shard of an earlier sharding matches the glob and would duplicate rows
    shutil.copyfile(corpus / "data/tokens/test-00000-of-00001.parquet", corpus / "data/tokens/test-00001-of-00002.parquet")
    assert [f for f in hubcheck.findings(corpus) if "config tokens split test" in f and "test-00001-of-00002" in f]
    table = pa.table({"x": list(range(1000))})
    pq.write_table(table, corpus / "data/sentences/test-big.parquet", row_group_size=1000)
    assert any("row group 0 holds" in f for f in hubcheck.size_findings(corpus, row_group_limit=1000))


def test_card_is_honest_and_citable():
    meta = yaml.safe_load((CORPUS / "README.md").read_text(encoding="utf-8").split("---\n")[1])
    assert meta["annotations_creators"] == ["machine-generated"]
    cff = yaml.safe_load((CORPUS / "CITATION.cff").read_text(encoding="utf-8"))
    version = json.loads((CORPUS / "release.json").read_text(encoding="utf-8"))["version"]
    assert {"cff-version", "message", "title", "authors"} <= set(cff) and cff["version"] == version
    body = (CORPUS / "README.md").read_text(encoding="utf-8")
    assert "## Citation" in body and f"Version {version}" in body and "rehydrate" in body
