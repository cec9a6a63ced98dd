"""Shared test helpers and fixtures. Every test works in tmp_path; nothing writes into the checkout.

Plain helpers (import them with ``from conftest import make_repo``) and the pytest fixtures that wrap them:

- ``make_repo(tmp_path, {"a.txt": "Text."})`` -> Repo: a tiny repository built by the real ingest.
- ``copy_base(dest)`` -> Repo: a copy of tests/fixtures/base (one document, segments, a valid "gold" layer).
- ``apply_overlay(root, overlay)``: copy an overlay folder's files over a repository (WHY files skipped).
- ``copy_checkout(dest)`` -> Path: a copy of the whole repository (sources, data, docs), without venvs and caches.
- ``run_cli(*args, cwd=None)`` -> CompletedProcess: the installed ``claimcorpus`` command, as a user runs it.
- ``tree(root)`` -> {relative path: bytes}: every file under a folder, to compare before and after.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis.configuration import set_hypothesis_home_dir

from claimcorpus.documents import ingest
from claimcorpus.layout import Repo
from claimcorpus.scaffold import init
from claimcorpus.txn import MARKER

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
FIXTURES = TESTS / "fixtures"
BASE = FIXTURES / "base"
INVALID = FIXTURES / "invalid"
TEXTS = TESTS / "texts"
SEED = ROOT / "seeds" / "000_418805c56f629208.txt"
CLAIMCORPUS = ROOT / ".venv" / "bin" / "claimcorpus"
# IOB2 tag names in the order of schema/sentence.schema.json's entity_label enum, written out by hand
IOB = ["O", "B-PERSON", "I-PERSON", "B-NORP", "I-NORP", "B-FAC", "I-FAC", "B-ORG", "I-ORG", "B-GPE", "I-GPE",
       "B-LOC", "I-LOC", "B-PRODUCT", "I-PRODUCT", "B-EVENT", "I-EVENT", "B-WORK_OF_ART", "I-WORK_OF_ART",
       "B-LAW", "I-LAW", "B-LANGUAGE", "I-LANGUAGE", "B-DATE", "I-DATE", "B-TIME", "I-TIME", "B-PERCENT",
       "I-PERCENT", "B-MONEY", "I-MONEY", "B-QUANTITY", "I-QUANTITY", "B-ORDINAL", "I-ORDINAL", "B-CARDINAL",
       "I-CARDINAL"]
_NOT_COPIED = shutil.ignore_patterns(".git", ".venv", ".venv-*", "build", "__pycache__", ".pytest_cache",
                                     ".hypothesis", ".ruff_cache", "*.egg-info")

# hypothesis keeps caches in ./.hypothesis by default; tests never write into the checkout
set_hypothesis_home_dir(tempfile.mkdtemp(prefix="claimcorpus-hypothesis-"))


def make_repo(tmp_path: Path, texts: dict[str, str | bytes]) -> Repo:
    """A repository at tmp_path/"repo" (made by ``claimcorpus init``) holding ``texts`` (file name -> content), each ingested for real.

    str content is written as UTF-8 exactly as given (no newline translation); bytes as they are.
    The doc_id is the file name's stem. Sources are written to tmp_path/"incoming" first.
    """
    repo = Repo(tmp_path / "repo")
    incoming = tmp_path / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    if not (repo.root / MARKER).is_file():
        init(repo.root)
    for name, content in texts.items():
        source = incoming / name
        source.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        ingest(repo, source)
    return repo


def synth_repo(root: Path, sentences: int) -> dict:
    """A valid synthetic repository at ``root`` of ``sentences`` sentences, made by the benchmark's generator
    (``benchmarks/bench.py``, not an installed module); returns its facts: sentences, documents, chars."""
    import sys

    here = str(Path(__file__).resolve().parents[1] / "benchmarks")
    if here not in sys.path:
        sys.path.insert(0, here)
    import bench

    return bench.synth_corpus(root, sentences)


def copy_base(dest: Path) -> Repo:
    shutil.copytree(BASE, dest)
    return Repo(dest)


def apply_overlay(root: Path, overlay: Path) -> None:
    shutil.copytree(overlay, root, dirs_exist_ok=True, ignore=shutil.ignore_patterns("WHY"))


def copy_checkout(dest: Path) -> Path:
    shutil.copytree(ROOT, dest, ignore=_NOT_COPIED, symlinks=True)
    return dest


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def run_cli(*args: str | Path, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLAIMCORPUS), *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8", timeout=timeout, check=False)


@pytest.fixture
def base_repo(tmp_path: Path) -> Repo:
    """A fresh copy of tests/fixtures/base in tmp_path; valid as it is."""
    return copy_base(tmp_path / "base")


@pytest.fixture
def repo_factory(tmp_path: Path):
    """``repo_factory({"a.txt": "..."})`` -> Repo built by ingest inside this test's tmp_path."""
    return lambda texts: make_repo(tmp_path, texts)


@pytest.fixture
def checkout_copy(tmp_path: Path) -> Path:
    """A copy of the whole repository to run commands on without touching the real one."""
    return copy_checkout(tmp_path / "checkout")


# -- parallel runs (pytest-xdist) -------------------------------------------------------
# `make test` runs `pytest -n auto --dist loadgroup`. A test goes to whichever worker is free, unless it shares
# something costly: every test that uses the live Label Studio server runs in one worker (one server, started
# once), and a test that uses a module- or session-scoped fixture of ours runs with the other tests of its module
# (the fixture is made once). The slowest tests are handed out first, so that no worker is left with one of them
# at the end while the other idles (from `pytest --durations`: each takes minutes on 2 cores).
SLOWEST_FIRST = ("test_readme.py::test_main_command_on_a_copy", "test_gxspark.py::", "test_browser.py::",
                 "test_release.py::test_build_", "test_release.py::test_release_", "test_labelstudio_live.py::",
                 "test_fuzz_inputs.py::test_fuzzed_layer_record", "test_wheel.py::")


def _group(item) -> str | None:
    if "ls_server" in getattr(item, "fixturenames", ()):
        return "labelstudio"
    info = getattr(item, "_fixtureinfo", None)
    shared = [defs[-1] for defs in (info.name2fixturedefs.values() if info else ()) if defs and
              defs[-1].scope != "function" and defs[-1].baseid]  # baseid "": pytest's own (tmp_path_factory, ...)
    return item.path.name if shared else None


def pytest_configure(config) -> None:
    # xdist orders its work units by their number of tests (largest group first) unless told not to, which would
    # undo SLOWEST_FIRST: a one-test unit of minutes would start after every multi-test group.
    if getattr(config.option, "dist", "no") == "loadgroup":
        config.option.loadscopereorder = False


def _join_group(item, group: str) -> None:
    """The node id as the controller sees it, ``<id>@<group>``: what xdist's loadgroup schedules by.

    xdist 3.8 writes the suffix into ``item._nodeid``, which pytest 9.2's structured node ids no longer read
    (pytest-xdist#1386): every test became a unit of its own, so each worker started its own Label Studio,
    SparkSession and browser server. Only the id's string form changes (``_str_cache`` takes no part in
    comparing ids); a worker's report names the test ``<id>@<group>``, as with pytest 8.
    """
    node_id = getattr(item, "_id", None)
    if node_id is None or not hasattr(node_id, "_str_cache") or item.nodeid.endswith(f"@{group}"):
        return  # pytest < 9.2: xdist's own hook adds the suffix
    node_id = dataclasses.replace(node_id)
    object.__setattr__(node_id, "_str_cache", f"{item.nodeid}@{group}")
    item._id = node_id


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the marks
def pytest_collection_modifyitems(config, items) -> None:
    rank = {item: next((i for i, p in enumerate(SLOWEST_FIRST) if p in item.nodeid), len(SLOWEST_FIRST)) for item in items}
    items.sort(key=rank.__getitem__)  # stable: the order within each rank is pytest's
    for item in items:
        group = _group(item)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))
            if config.getoption("loadgroup", False):  # set in xdist's workers under --dist loadgroup
                _join_group(item, group)
