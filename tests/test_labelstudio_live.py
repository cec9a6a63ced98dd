"""Against a real Label Studio: push, annotate through the API as annotators do, pull, import, validate.

The server comes from ``ls_server`` (tests/ls_server.py): one per session, started from
CLAIMCORPUS_LS_PYTHON; these tests are skipped only when that variable is not set.
"""

from __future__ import annotations

import json
import random
import re
import string
from pathlib import Path

import pytest
from label_studio_sdk import LabelStudio

from claimcorpus.labelstudio import config as C
from claimcorpus.layers import read_layer, read_segments
from conftest import run_cli
from ls_server import (S_KYIV, S_LVIV, S_WIN, SEED_DOC, add_hand_layer, free_port, ls_server,  # noqa: F401
                       make_own_repo, make_seed_repo, run_main)

pytestmark = pytest.mark.labelstudio


@pytest.fixture
def live(ls_server, monkeypatch):
    """The server, with LABEL_STUDIO_URL / LABEL_STUDIO_API_KEY set for the CLI, and an SDK client."""
    for key, value in ls_server.env().items():
        monkeypatch.setenv(key, value)
    return ls_server, LabelStudio(base_url=ls_server.url, api_key=ls_server.token)


def cli(server, *args) -> str:
    res = run_main(*args)
    out = res.stdout + res.stderr
    assert server.token not in out, "the API token was printed"
    assert res.returncode == 0, out
    return res.stdout


def pushed_project(stdout: str) -> int:
    return int(re.search(r"to project (\d+)", stdout).group(1))


def region_id(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits + "_-") for _ in range(10))


def ui_result(rec: dict, rng: random.Random) -> list[dict]:
    """A result as Label Studio's editor saves it when a person annotates ``rec`` by hand.

    Written independently of claimcorpus.labelstudio.tasks: random region ids, claims drawn
    before entities, relations drawn from scope to cue, a claim's source related to the
    entity region that covers it when there is one, no flags ticked.
    """
    t, out, ids = rec["text"], [], {}

    def region(ctl: str, s: int, e: int, label: str) -> str:
        rid = region_id(rng)
        out.append({"id": rid, "from_name": ctl, "to_name": "text", "type": "labels", "origin": "manual",
                    "value": {"start": s, "end": e, "text": t[s:e], "labels": [label]}})
        return rid

    for c in rec["claims"]:
        rid = region("claim", c["start"], c["end"], "claim")
        for ctl, val in (("claim_type", c["type"]), ("checkworthy", "yes" if c["checkworthy"] else "no"),
                         ("source_type", c["source"]["type"])):
            out.append({"id": rid, "from_name": ctl, "to_name": "text", "type": "choices", "origin": "manual",
                        "value": {"start": c["start"], "end": c["end"], "text": c["text"], "choices": [val]}})
        ids[id(c)] = rid
    for e in rec["entities"]:
        ids[e["start"], e["end"]] = region("entity", e["start"], e["end"], e["label"])
    for h in rec["hedges"]:
        cue = region("hedge", h["start"], h["end"], h["type"])
        scope = region("scope", h["scope_start"], h["scope_end"], "scope")
        out.append({"from_id": scope, "to_id": cue, "type": "relation", "direction": "left"})
    for c in rec["claims"]:
        src = c["source"]
        if src["type"] == "mention":
            target = ids.get((src["start"], src["end"])) or region("source", src["start"], src["end"], "source")
            out.append({"from_id": ids[id(c)], "to_id": target, "type": "relation", "direction": "right"})
    return out


BY_HAND = (S_KYIV, S_WIN)  # annotator 2 annotates these by hand, and skips S_LVIV


def test_own_texts_round_trip(live, tmp_path: Path) -> None:
    server, ls = live
    repo = make_own_repo(tmp_path / "own")
    hand = add_hand_layer(repo)
    root = ("--root", repo.root)
    pid = pushed_project(cli(server, "ls", "push", "--prediction", "hand", "--title", "Own texts", *root))
    project = ls.projects.get(pid)
    assert project.label_config.strip() == C.label_config().strip()  # the server drops the final newline

    # annotator 1 accepts every pre-annotation; annotator 2 draws two sentences by hand and cancels one
    bob = ls.users.create(username=f"bob{pid}", email=f"bob{pid}@example.com")
    rng = random.Random(7)
    by_text = {r["text"]: r for recs in hand.values() for r in recs}
    tasks = list(ls.tasks.list(project=pid))
    assert len(tasks) == sum(len(read_segments(repo, d)) for d in hand)
    for task in tasks:
        assert task.data["text"] in by_text
        [pred] = task.predictions
        assert pred.model_version == "hand"
        ls.annotations.create(task.id, result=pred.result, lead_time=3.5)
        if task.data["text"] in BY_HAND:
            ls.annotations.create(task.id, result=ui_result(by_text[task.data["text"]], rng), completed_by=bob.id)
        elif task.data["text"] == S_LVIV:
            ls.annotations.create(task.id, result=[], was_cancelled=True, completed_by=bob.id)

    out = repo.root / "build" / "pulled.json"  # exports stay inside the repository, outside its data folders
    said = cli(server, "ls", "pull", "--project", str(pid), "--out", out, *root)
    assert f"--annotator 1=annotator --annotator {bob.id}=bob{pid}" in said
    assert "1 cancelled" in said
    pulled = json.loads(out.read_text(encoding="utf-8"))
    assert all(isinstance(p, int) for t in pulled for p in t["predictions"])  # ids only in a JSON export

    said = cli(server, "ls", "import", out, "--annotator", "1=alice", "--annotator", f"{bob.id}=bob", *root)
    assert "skipped cancelled annotation" in said
    assert "bob/emoji: 1 sentences had no annotation" in said and "bob/quotes: 1 sentences" in said
    for doc_id, records in hand.items():
        assert read_layer(repo, "alice", doc_id) == records
        empty = {"entities": [], "hedges": [], "claims": [], "hedged": False, "checkworthy": False}
        assert read_layer(repo, "bob", doc_id) == [r if r["text"] in BY_HAND else {**r, **empty} for r in records]
    cli(server, "validate", *root)

    # pushing the same sentences again adds nothing
    assert "pushed 0 of 4 tasks" in cli(server, "ls", "push", "--project", str(pid), *root)


def test_seed_round_trip(live, tmp_path: Path) -> None:
    server, ls = live
    repo = make_seed_repo(tmp_path / "seed")
    root = ("--root", repo.root)
    pid = pushed_project(cli(server, "ls", "push", "--review", "gold", "--prediction", "pass-a", *root))
    out = repo.root / "build" / "seed.json"
    cli(server, "ls", "pull", "--project", str(pid), "--out", out, *root)
    cli(server, "ls", "import", out, "--annotator", "gold-back", *root)
    assert read_layer(repo, "gold-back", SEED_DOC) == read_layer(repo, "gold", SEED_DOC)
    res = run_main("ls", "import", out, "--predictions", "--annotator", "x", *root)
    assert res.returncode == 1 and "predictions are ids only" in res.stderr
    cli(server, "validate", *root)


def one_line_error(res, *expected: str) -> str:
    assert res.returncode == 1, res.stdout + res.stderr
    assert res.stderr.startswith("error: ") and res.stderr.count("\n") == 1, res.stderr
    for text in expected:
        assert text in res.stderr, res.stderr
    return res.stderr


def test_clear_errors(live, tmp_path: Path, monkeypatch) -> None:
    server, ls = live
    repo = make_own_repo(tmp_path / "own")
    root = ("--root", repo.root)
    other = ls.projects.create(title="Another config", label_config='<View><Text name="t" value="$text"/></View>')

    err = one_line_error(run_main("ls", "pull", "--project", "987654", "--out", repo.root / "x.json", *root),
                         "project 987654 does not exist")
    assert server.token not in err
    one_line_error(run_main("ls", "push", "--project", str(other.id), *root), "labeling config differs")

    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "not-the-token-" + server.token[:6])
    res = run_cli("ls", "push", *root)  # the installed script, in its own process, once
    err = one_line_error(res, "refused the token in LABEL_STUDIO_API_KEY", "401")
    assert "not-the-token" not in err + res.stdout

    monkeypatch.setenv("LABEL_STUDIO_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    one_line_error(run_main("ls", "pull", "--project", "1", "--out", repo.root / "x.json", *root),
                   "cannot reach Label Studio", "LABEL_STUDIO_URL")

    monkeypatch.delenv("LABEL_STUDIO_API_KEY")
    one_line_error(run_main("ls", "push", *root), "LABEL_STUDIO_API_KEY: is not set")
    assert not (tmp_path / "x.json").exists()
