"""`claimcorpus diff` between two releases made in a test: it lists exactly the spans changed."""

from __future__ import annotations

import json
import subprocess

import pytest
from conftest import copy_checkout, run_cli

from claimcorpus.diff import diff, diff_markdown
from claimcorpus.layout import Repo

GOLD = "annotations/gold/000_418805c56f629208.jsonl"


def git(root, *args):
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=root, check=True,
                          capture_output=True, text=True)


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    root = copy_checkout(tmp_path_factory.mktemp("diff") / "repo")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "v0.1.0")
    git(root, "tag", "v0.1.0")
    path = root / GOLD
    recs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    s0 = recs[0]
    s0["entities"][0]["label"] = "GPE"          # "Western world" 33:46, LOC -> GPE: relabelled
    kyiv = s0["entities"].pop(4)                # "Kyiv" 146:150: removed
    s0["hedges"][1]["scope_start"] = 0          # "potentially" 86:97, scope 86:150 -> 0:150: changed
    s0["claims"][0]["type"] = "factual"         # claim 0:150, evaluative -> factual: relabelled
    recs[1]["entities"].append({"start": 0, "end": 3, "text": recs[1]["text"][0:3], "label": "PERSON"})  # added
    path.write_text("".join(json.dumps(r, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
                            for r in recs), encoding="utf-8")
    git(root, "commit", "-qam", "edit gold")
    git(root, "tag", "v0.2.0")
    return Repo(root), kyiv, recs


def test_lists_exactly_the_changed_spans(repo):
    r, kyiv, recs = repo
    report = diff(r, "v0.1.0", "v0.2.0")
    assert list(report["changes"]) == [("gold", "000_418805c56f629208")]
    found = {(c, k[0], k[1], k[2], k[3]) for c, k, _ in report["changes"][("gold", "000_418805c56f629208")]}
    s0, s1 = recs[0]["id"], recs[1]["id"]
    assert found == {
        ("relabelled", "entity", s0, 33, 46),                    # Western world LOC -> GPE
        ("removed", "entity", s0, kyiv["start"], kyiv["end"]),   # Kyiv
        ("relabelled", "claim", s0, 0, 150),                     # evaluative -> factual
        ("added", "entity", s1, 0, 3),
        ("changed", "hedge", s0, 86, 97),                        # scope 86:150 -> 0:150
    }


def test_markdown_and_worktree(repo):
    r, *_ = repo
    md = diff_markdown(diff(r, "v0.1.0", "v0.2.0"))
    assert "| gold | 000_418805c56f629208 | 1 | 1 | 2 | 1 |" in md
    assert '`000_418805c56f629208-s0000` entity 33:46 "Western world": relabelled LOC → GPE' in md
    assert diff_markdown(diff(r, "v0.2.0")).endswith("No span changed.\n")  # the worktree is v0.2.0


def test_unknown_revision_is_one_line(repo):
    r, *_ = repo
    res = run_cli("diff", "v9.9.9", "--root", r.root)
    assert res.returncode == 1 and res.stderr.startswith("error: v9.9.9: no such release tag") and "Traceback" not in res.stderr
