"""`claimcorpus ls serve` refusals that need no server (the live run is in tests/test_browser.py)."""

from __future__ import annotations

import json
import stat

from claimcorpus.labelstudio.serve import login
from ls_server import make_own_repo, run_main


def test_refuses_a_data_dir_inside_the_repository(tmp_path):
    repo = make_own_repo(tmp_path / "repo")
    res = run_main("ls", "serve", "--root", repo.root, "--data-dir", repo.root / "annotations" / "ls",
                   "--ls-python", "/bin/sh")
    assert res.returncode == 1
    assert res.stderr.count("\n") == 1 and "is inside the repository. Fix:" in res.stderr
    assert not (repo.root / "annotations" / "ls").exists()


def test_refuses_a_missing_label_studio_python(tmp_path):
    repo = make_own_repo(tmp_path / "repo")
    res = run_main("ls", "serve", "--root", repo.root, "--data-dir", tmp_path / "ls",
                   "--ls-python", tmp_path / "nope" / "python")
    assert res.returncode == 1 and "no Label Studio python here. Fix: run `make ls-install`" in res.stderr
    assert not (tmp_path / "ls").exists()


def test_refuses_an_unknown_document_before_starting(tmp_path):
    repo = make_own_repo(tmp_path / "repo")
    res = run_main("ls", "serve", "--root", repo.root, "--data-dir", tmp_path / "ls", "--ls-python", "/bin/sh",
                   "--doc", "nosuch")
    assert res.returncode == 1 and "no document 'nosuch'" in res.stderr
    assert not (tmp_path / "ls").exists()


def test_login_is_made_once_private_and_reused(tmp_path):
    first = login(tmp_path / "ls")
    path = tmp_path / "ls" / "login.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert login(tmp_path / "ls") == first == json.loads(path.read_text())
    assert len(first["token"]) == 40 and first["password"]


def test_refuses_a_broken_login(tmp_path):
    (tmp_path / "ls").mkdir()
    (tmp_path / "ls" / "login.json").write_text("[1, 2]")
    repo = make_own_repo(tmp_path / "repo")
    res = run_main("ls", "serve", "--root", repo.root, "--data-dir", tmp_path / "ls", "--ls-python", "/bin/sh")
    assert res.returncode == 1 and "is not a login written by `claimcorpus ls serve`" in res.stderr
