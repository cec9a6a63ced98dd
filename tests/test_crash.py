"""Crash injection: every writing command is killed (SIGKILL) after each of its file operations.

``CLAIMCORPUS_CRASH_AFTER=N`` makes txn.py kill its own process after its Nth file operation
(staging a file, the journal, each rename, each removal). Each command runs in a forked child
(no interpreter start-up per crash point); the parent then checks that ``validate`` names the
leftover (E107) or that there is none, runs the next command (``recover``), and finds the
repository byte-identical to the state before the command or to the state after it, never a
mix, with ``validate`` giving the same verdict as on that state.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from claimcorpus.build import build
from claimcorpus.layout import Repo
from claimcorpus.txn import TXN
from claimcorpus.validation.repository import Validator
from conftest import BASE, tree
from test_hostile import GUIDELINES, cc, export

NEW_DOC = b"Ferries stop at 9 p.m. Roads stay open.\r\n\xe2\x82\xac5 tolls rise.\n"

# command -> (setup(root, tmp), argv); every one changes several files
COMMANDS = {
    "ingest": (lambda root, tmp: (tmp / "new.txt").write_bytes(NEW_DOC), ("ingest", "{tmp}/new.txt", "--split", "test")),
    "layer init": (None, ("layer", "init", "pass-c", "--annotator", "carol")),
    "ls import": (export(), ("ls", "import", "{tmp}/export.json", "--annotator", "pass-x")),
    "ls export": (None, ("ls", "export", "--out", "build/tasks.json")),
    # the release swap: an old corpus/ is replaced whole (the build's file operations; the GE gate, which
    # writes nothing into the repository, is left out to keep the test fast: test_hostile builds with it)
    "build": (lambda root, tmp: [GUIDELINES(root, tmp)] + [(root / p).parent.mkdir(parents=True, exist_ok=True)
                                 or (root / p).write_text("old\n")
                                 for p in ("corpus/README.md", "corpus/data/old/train.parquet")], "build"),
    "init": (None, ("init", "{tmp}/fresh")),
}


def _run_child(argv: list[str], cwd: Path, crash_after: int | None) -> int | str:
    """Fork; the child runs the command (killed at ``crash_after``). Returns its exit code, or 'killed'."""
    pid = os.fork()
    if pid == 0:  # child: never returns into pytest
        code = 70
        try:
            if crash_after is not None:
                os.environ["CLAIMCORPUS_CRASH_AFTER"] = str(crash_after)
            if argv == ["build"]:
                build(Repo(cwd))
                code = 0
            else:
                code = cc(*argv, cwd=cwd)[0]
        finally:
            os._exit(code)
    deadline = time.monotonic() + 300
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            pytest.fail(f"{argv} hung at crash point {crash_after}")
        time.sleep(0.05)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return "killed"
    return os.WEXITSTATUS(status)


def _fresh(tmp_path: Path, name: str, setup) -> tuple[Path, Path]:
    root, tmp = tmp_path / name / "repo", tmp_path / name / "out"
    shutil.copytree(BASE, root)
    tmp.mkdir()
    if setup:
        setup(root, tmp)
    return root, tmp


def _verdict(root: Path) -> list[str]:
    return sorted(str(f) for f in Validator(Repo(root)).run())


def _state(root: Path, tmp: Path) -> dict:
    """Everything the command may touch: the repository, and the new repository of ``init``.
    Great Expectations' Data Docs (build/data_docs/, a report in the git-ignored scratch folder) are left out."""
    files = {k: v for k, v in tree(root).items() if not k.startswith("build/data_docs/")}
    return {**files, **{f"<tmp>/{k}": v for k, v in tree(tmp).items()}}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_killed_after_each_file_operation(command: str, tmp_path: Path) -> None:
    setup, argv = COMMANDS[command]
    fill = lambda t: [str(a).replace("{tmp}", str(t)) for a in ((argv,) if isinstance(argv, str) else argv)]  # noqa: E731
    root, tmp = _fresh(tmp_path, "reference", setup)
    before, verdict_before = _state(root, tmp), _verdict(root)
    assert _run_child(fill(tmp), root, None) == 0
    after, verdict_after = _state(root, tmp), _verdict(root)
    assert after != before
    points = 0
    for n in range(1, 100):
        root, tmp = _fresh(tmp_path, f"crash{n}", setup)
        got = _run_child(fill(tmp), root, n)
        if got != "killed":  # the command has fewer than n file operations: it ran to the end
            assert got == 0 and _state(root, tmp) == after
            break
        points += 1
        if command == "init":  # no repository yet: the next command is init again
            _run_child(fill(tmp), root, None)
            assert _state(root, tmp) == after and not (tmp / "fresh" / TXN).exists()
            continue
        left = (root / TXN).exists()
        assert any(" E107 " in f for f in _verdict(root)) == left  # validate names the leftover, and only then
        assert _run_child(["recover"], root, None) == 0
        state = _state(root, tmp)
        assert state in (before, after), f"crash point {n}: neither the state before nor after"
        assert _verdict(root) == (verdict_before if state == before else verdict_after)
    assert points >= 4, points
