"""Every process the package forks starts with SIGINT blocked (claimcorpus.forking): a Ctrl-C that comes while
CPython is still setting the child up (its fork hooks, multiprocessing's bootstrap) cannot print a traceback
there. Checked from inside each real child of a real `claimcorpus build`, which forks at every site validate does
and at the build's own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# runs the CLI; each forked child writes whether SIGINT is blocked in it, and the package code that forked it
PROBE = """
import os, signal, sys, traceback
import claimcorpus
LOG, PKG = sys.argv[1], os.path.dirname(claimcorpus.__file__) + os.sep
def hook():
    blocked = signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    ours = [f for f in traceback.extract_stack()
            if f.filename.startswith(PKG) and not f.filename.endswith("forking.py")]
    where = f"{ours[-1].filename[len(PKG):]}:{ours[-1].name}" if ours else "?"
    with open(LOG, "a", encoding="utf-8") as fh:
        fh.write(f"{int(blocked)} {where}\\n")
os.register_at_fork(after_in_child=hook)
from claimcorpus.cli import main
sys.argv = ["claimcorpus", *sys.argv[2:]]
main()
"""

# where the package forks on a build of a corpus big enough for every pool (not the Spark engine's gate_tables,
# which uses the same forking.pool)
SITES = {"validation/runner.py:levels_1_3", "validation/parallel.py:_map", "validation/level4/batch.py:_pool",
         "build.py:__init__"}


def test_every_child_of_a_build_starts_with_sigint_blocked(tmp_path: Path) -> None:
    from conftest import synth_repo

    facts = synth_repo(tmp_path / "repo", 10_000)
    assert facts["documents"] >= 64 * 2  # levels 1-3 use their pool from 64 documents
    log = tmp_path / "forks.txt"
    proc = subprocess.run([sys.executable, "-c", PROBE, str(log), "build", "--root", str(tmp_path / "repo")],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    forks = [line.split(" ", 1) for line in log.read_text(encoding="utf-8").splitlines()]
    assert SITES <= {where for _, where in forks}, forks  # the build did fork at each site
    assert [where for blocked, where in forks if blocked != "1"] == []
