"""The README's first command (`make corpus`) run on a copy of the repository, as a new user would."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    block = re.search(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S).group(1)
    return [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]


def test_readme_starts_with_the_two_commands():
    assert readme_commands()[:2] == ["make corpus", "make test"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci


def test_main_command_on_a_copy(tmp_path):
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split()
    copy = tmp_path / "repo"
    for rel in files:
        if (ROOT / rel).is_file():
            (copy / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, copy / rel)
    shutil.rmtree(copy / "corpus", ignore_errors=True)  # the job must rebuild the release itself
    # `make corpus` creates its own .venv in the copy from the lock file (uv's cache keeps this to seconds)
    env = {**os.environ, "HF_HOME": str(tmp_path / "hf"), "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1",
           "COMPILE_BYTECODE": ""}  # the Makefile's byte-compiling pays off over a test run, not one pipeline
    cmd = readme_commands()[0]
    res = subprocess.run(cmd, shell=True, cwd=copy, capture_output=True, text=True, env=env, timeout=600)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    assert "Traceback" not in res.stderr
    seed = (ROOT / "seeds" / "000_418805c56f629208.txt").read_text(encoding="utf-8")
    first_sentence = seed[: seed.index("Kyiv.") + len("Kyiv.")]  # read off the seed by hand
    assert f"first sentence: {first_sentence[:80]!r}" in res.stdout
    assert "load_dataset('corpus', 'sentences'): test 15" in res.stdout
    assert (copy / "corpus" / "README.md").is_file()
    assert not list((copy / "corpus").rglob("*.py")), "no dataset loading script may be shipped"
