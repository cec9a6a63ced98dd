"""The committed release in corpus/: loads offline with the declared types, agrees with the
annotations and the seed, is checksummed, reproducible, versioned and publishable (dry run)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess

import pytest
import yaml
from conftest import CLAIMCORPUS, ROOT, SEED, copy_checkout, make_repo, run_cli, tree
from datasets import ClassLabel, load_dataset

from claimcorpus import features
from claimcorpus.configs import config as release_config
from claimcorpus.configs import configs

CONFIG_NAMES = [c.name for c in configs()]

CORPUS = ROOT / "corpus"
GOLD = ROOT / "annotations" / "gold" / "000_418805c56f629208.jsonl"
SCHEMA = json.loads((ROOT / "schema" / "sentence.schema.json").read_text(encoding="utf-8"))


def gold_records() -> list[dict]:
    return [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> dict:
    cache = tmp_path_factory.mktemp("hf-cache")
    return {c: load_dataset(str(CORPUS), c, cache_dir=str(cache)) for c in CONFIG_NAMES}


def card_yaml() -> dict:
    text = (CORPUS / "README.md").read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---\n")[1])


def test_every_config_loads_with_the_declared_types(loaded):
    for config, ds in loaded.items():
        assert list(ds) == ["test"], config
        assert ds["test"].features == release_config(config).features(), config
    sent = loaded["sentences"]["test"].features
    # ClassLabel names equal the enums in the schema file, read here without the library
    assert sent["entities"].feature["label"].names == SCHEMA["$defs"]["entity_label"]["enum"]
    assert sent["hedges"].feature["type"].names == SCHEMA["$defs"]["hedge_type"]["enum"]
    assert sent["claims"].feature["type"].names == SCHEMA["$defs"]["claim_type"]["enum"]
    assert sent["start"].dtype == "int32" and sent["entities"].feature["start"].dtype == "int32"


def test_default_config_is_sentences(tmp_path):
    ds = load_dataset(str(CORPUS), cache_dir=str(tmp_path))
    assert "entities" in ds["test"].column_names and len(ds["test"]) == 15


def test_sentences_equal_the_gold_layer_and_the_seed(loaded):
    ds = loaded["sentences"]["test"]
    seed = SEED.read_text(encoding="utf-8")
    labels = ds.features["entities"].feature["label"]
    ctype = ds.features["claims"].feature["type"]
    gold = gold_records()
    assert len(ds) == len(gold) == 15
    for row, rec in zip(ds, gold):
        assert row["text"] == seed[row["start"]:row["end"]] == rec["text"]
        assert [(e["start"], e["end"], e["text"], labels.int2str(e["label"])) for e in row["entities"]] == \
            [(e["start"], e["end"], e["text"], e["label"]) for e in rec["entities"]]
        assert [(c["text"], ctype.int2str(c["type"]), c["checkworthy"]) for c in row["claims"]] == \
            [(c["text"], c["type"], c["checkworthy"]) for c in rec["claims"]]
        assert row["hedged"] == bool(rec["hedges"]) and row["checkworthy"] == rec["checkworthy"]


def test_flat_tables_point_into_the_document(loaded):
    seed = SEED.read_text(encoding="utf-8")
    gold = gold_records()
    for config, field in (("entities", "entities"), ("claims", "claims"), ("hedges", "hedges")):
        rows = loaded[config]["test"]
        assert len(rows) == sum(len(r[field]) for r in gold), config
        for row in rows:
            assert seed[row["doc_start"]:row["doc_end"]] == row["text"], (config, row["sentence_id"])
    for row in loaded["hedges"]["test"]:
        assert seed[row["doc_scope_start"]:row["doc_scope_end"]] == row["scope_text"]
        assert row["doc_scope_start"] <= row["doc_start"] and row["doc_end"] <= row["doc_scope_end"]
    doc = loaded["documents"]["test"][0]
    assert doc["text"] == seed and doc["n_sentences"] == 15
    assert doc["sha256_raw"] == hashlib.sha256(SEED.read_bytes()).hexdigest()
    assert doc["license"] is None and doc["date"] is None  # unknown, never invented


def test_tokens_are_conll_style(loaded):
    ds = loaded["tokens"]["test"]
    tags = ds.features["ner_tags"].feature
    assert isinstance(tags, ClassLabel) and tags.names[0] == "O"
    row = ds[5]  # "North Korean leader Kim Jong Un and Russian President Vladimir Putin held talks ..."
    pairs = list(zip(row["tokens"], (tags.int2str(t) for t in row["ner_tags"])))
    assert pairs[:6] == [("North", "B-NORP"), ("Korean", "I-NORP"), ("leader", "O"),
                         ("Kim", "B-PERSON"), ("Jong", "I-PERSON"), ("Un", "I-PERSON")]
    text = loaded["sentences"]["test"][5]["text"]
    assert all(text[s:s + len(t)] == t for t, s in zip(row["tokens"], row["token_starts"]))


def test_card_declares_configs_and_no_loading_script():
    meta = card_yaml()
    assert [c["config_name"] for c in meta["configs"]] == CONFIG_NAMES
    assert [c for c in meta["configs"] if c.get("default")] == [meta["configs"][0]]
    for key in ("license", "language", "task_categories", "pretty_name", "size_categories"):
        assert meta[key], key
    assert not list(CORPUS.rglob("*.py")), "datasets >= 4 refuses loading scripts; none may be shipped"
    card = (CORPUS / "README.md").read_text(encoding="utf-8")
    for section in ("Motivation", "Composition", "Collection", "Preprocessing and labelling", "Uses",
                    "Distribution", "Maintenance", "Data statement", "Agreement"):
        assert f"# {section}" in card, section
    for config in CONFIG_NAMES:
        assert f'load_dataset("corpus", "{config}")' in card


def test_checksums_cover_every_file():
    listed = {}
    for line in (CORPUS / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, path = line.split("  ", 1)
        listed[path] = digest
    files = {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.is_file()} - {"SHA256SUMS"}
    assert set(listed) == files
    for path, digest in listed.items():
        assert hashlib.sha256((CORPUS / path).read_bytes()).hexdigest() == digest, path


def test_version_agrees_everywhere():
    from claimcorpus import __version__

    release = json.loads((CORPUS / "release.json").read_text(encoding="utf-8"))
    assert release["version"] == __version__
    assert f"# claimcorpus {__version__}" in (CORPUS / "README.md").read_text(encoding="utf-8")
    assert f"## [{__version__}] - " in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert release["segmenter"]["name"] == "claimcorpus" and release["segmenter"]["base"]["version"]


SMALL = "Kyiv said on Monday that talks may resume.\nOfficials in Paris disagreed.\n"


def small_gold(repo) -> None:
    """Hand-made gold for SMALL: offsets read off the text."""
    from claimcorpus.layers import init_layer, read_layer, write_layer

    init_layer(repo, "gold", "gold", "tester", guidelines_version="0.1", description="test", doc_ids=["small"])
    recs = read_layer(repo, "gold", "small")
    recs[0]["entities"] = [{"start": 0, "end": 4, "text": "Kyiv", "label": "GPE"},
                           {"start": 13, "end": 19, "text": "Monday", "label": "DATE"}]
    recs[0]["hedges"] = [{"start": 31, "end": 34, "text": "may", "type": "modal", "scope_start": 25, "scope_end": 41}]
    recs[0]["claims"] = [{"start": 25, "end": 41, "text": "talks may resume", "type": "predictive", "checkworthy": False,
                          "source": {"type": "mention", "start": 0, "end": 4, "text": "Kyiv"}}]
    recs[0]["hedged"] = True
    recs[1]["entities"] = [{"start": 13, "end": 18, "text": "Paris", "label": "GPE"}]
    recs[1]["claims"] = [{"start": 0, "end": 28, "text": "Officials in Paris disagreed", "type": "factual",
                          "checkworthy": True, "source": {"type": "author"}}]
    recs[1]["checkworthy"] = True
    write_layer(repo, "gold", "small", recs, overwrite=True)


@pytest.fixture(scope="module")
def small_built(tmp_path_factory):
    """SMALL with its gold, built once by the command (both build tests start from this release; each copies it)."""
    repo = make_repo(tmp_path_factory.mktemp("small"), {"small.txt": SMALL})
    small_gold(repo)
    ok = run_cli("build", "--root", repo.root, timeout=300)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    return repo.root


def small_copy(small_built, tmp_path):
    from claimcorpus.layout import Repo

    return Repo(shutil.copytree(small_built, tmp_path / "repo", symlinks=True))


def test_build_refuses_a_bad_annotation_and_keeps_the_old_release(small_built, tmp_path):
    repo = small_copy(small_built, tmp_path)
    before = tree(repo.corpus)
    path = repo.layer_file("gold", "small")
    path.write_text(path.read_text(encoding="utf-8").replace('"text":"Paris"', '"text":"Rome"'), encoding="utf-8")
    bad = run_cli("build", "--root", repo.root, timeout=300)
    assert bad.returncode == 1 and "E310" in bad.stdout and "Traceback" not in bad.stderr
    assert bad.stderr.count("\n") == 1 and bad.stderr.startswith("error: ")
    assert tree(repo.corpus) == before


def test_build_check_notices_a_changed_release(small_built, tmp_path):
    repo = small_copy(small_built, tmp_path)  # a copy of a fresh build is a fresh build (nothing in it names its folder)
    same = run_cli("build", "--check", "--root", repo.root, timeout=300)
    assert same.returncode == 0, same.stdout + same.stderr
    card = repo.corpus / "README.md"
    card.write_text(card.read_text(encoding="utf-8") + "\nhand edit\n", encoding="utf-8")
    differ = run_cli("build", "--check", "--root", repo.root, timeout=300)
    assert differ.returncode == 1 and "differs: corpus/README.md" in differ.stdout


def test_publish_dry_run_lists_files_and_needs_no_network():
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}
    env.pop("HF_TOKEN", None)
    res = subprocess.run([str(CLAIMCORPUS), "publish", "--repo-id", "org/claimcorpus", "--dry-run", "--root", str(ROOT)],
                         capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    sizes = {line.split()[2]: int(line.split()[1]) for line in lines[:-1]}
    assert all(line.startswith("upload ") for line in lines[:-1])
    assert sizes == {p.relative_to(CORPUS).as_posix(): p.stat().st_size for p in CORPUS.rglob("*") if p.is_file()}
    from claimcorpus import __version__

    assert lines[-1].endswith(f"and tag v{__version__}") and "to datasets/org/claimcorpus" in lines[-1]
    assert "remote not listed: OfflineModeIsEnabled" in lines[-1]


def test_publish_without_token_is_one_clear_line():
    env = {k: v for k, v in os.environ.items() if k != "HF_TOKEN"}
    res = subprocess.run([str(CLAIMCORPUS), "publish", "--repo-id", "org/claimcorpus", "--root", str(ROOT)],
                         capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 1 and res.stderr.startswith("error: HF_TOKEN:") and "Traceback" not in res.stderr


def test_release_bumps_rebuilds_and_tags(tmp_path):
    repo = copy_checkout(tmp_path / "repo")
    shutil.rmtree(repo / ".git", ignore_errors=True)
    git = lambda *a: subprocess.run(["git", *a], cwd=repo, check=True, capture_output=True, text=True)  # noqa: E731
    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@t", "add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base")
    changelog = repo / "CHANGELOG.md"
    changelog.write_text(changelog.read_text(encoding="utf-8").replace(
        "## [Unreleased]\n\n### Data\n", "## [Unreleased]\n\n### Data\n- Corrected a date span.\n", 1), encoding="utf-8")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "changelog")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}
    older = subprocess.run([str(CLAIMCORPUS), "release", "0.0.9", "--root", str(repo)], capture_output=True, text=True, env=env)
    assert older.returncode == 1 and "not newer" in older.stderr
    res = subprocess.run([str(CLAIMCORPUS), "release", "0.2.0", "--root", str(repo)], capture_output=True,
                         text=True, env=env, timeout=600)
    assert res.returncode == 0, res.stdout[-1500:] + res.stderr[-1500:]
    assert git("tag", "--list").stdout.split() == ["v0.2.0"]
    assert json.loads((repo / "corpus" / "release.json").read_text(encoding="utf-8"))["version"] == "0.2.0"
    assert '__version__ = "0.2.0"' in (repo / "src" / "claimcorpus" / "__init__.py").read_text(encoding="utf-8")
    text = changelog.read_text(encoding="utf-8")
    assert text.index("## [Unreleased]") < text.index("## [0.2.0] - ") < text.index("- Corrected a date span.")
    assert git("status", "--porcelain").stdout == ""
