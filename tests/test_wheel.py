"""The package as a user installs it: build the wheel, install it into a fresh virtualenv, and use it in an
empty folder, far from this checkout (no schema/ or sources to fall back on).

Offline, as CI is: the wheel's build backend and every dependency come from uv's cache (warm after
`make install`, which installs the same lock files). Select it with `pytest -m wheel`.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = [pytest.mark.wheel, pytest.mark.timeout(900)]
UV = ROOT / ".venv" / "bin" / "uv"


def run(*args: str | Path, cwd: Path, env: dict | None = None) -> str:
    res = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, env=env, timeout=600,
                         check=False)
    assert res.returncode == 0, f"{args}: {res.stdout}{res.stderr}"
    return res.stdout + res.stderr


@pytest.mark.skipif(not UV.is_file(), reason="uv is installed by `make install`")
def test_the_wheel_installs_and_works_in_an_empty_folder(tmp_path: Path) -> None:
    dist, venv, work = tmp_path / "dist", tmp_path / "venv", tmp_path / "work"
    run(UV, "build", "--wheel", "--offline", "--out-dir", dist, ROOT, cwd=tmp_path)
    (wheel,) = dist.glob("claimcorpus-*.whl")
    python = Path(os.path.realpath(ROOT / ".venv" / "bin" / "python"))
    run(UV, "venv", "-q", "--offline", "--python", python, venv, cwd=tmp_path)
    run(UV, "pip", "install", "-q", "--offline", "--python", venv / "bin" / "python", "-r", ROOT / "requirements.lock",
        wheel, cwd=tmp_path)
    work.mkdir()
    (work / "a.txt").write_text("Storm hits the coast. Ferries stop at 9 p.m.\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env |= {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "PATH": f"{venv / 'bin'}:{env.get('PATH', '')}"}
    cc = venv / "bin" / "claimcorpus"
    assert "initialised repo" in run(cc, "init", "repo", cwd=work, env=env)
    repo = work / "repo"
    run(cc, "generate", "--check", cwd=repo, env=env)  # a fresh repository is up to date (audit F17)
    assert "ingested a: 45 characters, 2 sentences" in run(cc, "ingest", "../a.txt", cwd=repo, env=env)
    assert "valid: 1 documents" in run(cc, "validate", cwd=repo, env=env)
    seg = [json.loads(x) for x in (repo / "annotations" / "segments" / "a.jsonl").read_text().splitlines()]
    text = (work / "a.txt").read_text(encoding="utf-8")
    assert [text[s["start"]:s["end"]] for s in seg] == ["Storm hits the coast.", "Ferries stop at 9 p.m."]
    where = run(venv / "bin" / "python", "-c", "import claimcorpus; print(claimcorpus.__file__)", cwd=work, env=env)
    assert str(venv) in where and str(ROOT / "src") not in where  # the wheel ran, not this checkout
