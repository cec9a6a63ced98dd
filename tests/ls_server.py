"""A real Label Studio server for the tests, and the test corpora the Label Studio tests share.

``ls_server`` (session fixture) starts one Label Studio from the virtualenv named by
CLAIMCORPUS_LS_PYTHON (``make test`` sets it to .venv-ls/bin/python) on 127.0.0.1,
with SQLite and every config/cache folder inside a pytest temp dir, and stops its whole
process group at the end. Without CLAIMCORPUS_LS_PYTHON the live tests are skipped,
saying why; with it, a server that does not come up is an error, never a skip.

Import what you need: ``from ls_server import ls_server, LiveServer, own_repo, ...``.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from claimcorpus.documents import ingest
from claimcorpus.layers import init_layer, read_segments, with_flags, write_layer
from claimcorpus.layout import Repo

ENV_PYTHON = "CLAIMCORPUS_LS_PYTHON"
STARTUP_TIMEOUT = 240.0
ROOT = Path(__file__).resolve().parents[1]
SEED_DOC = "000_418805c56f629208"

# -- the live server -----------------------------------------------------------------


@dataclass
class LiveServer:
    url: str
    token: str
    username: str
    password: str
    data_dir: Path
    startup_seconds: float
    process: subprocess.Popen

    def env(self) -> dict[str, str]:
        return {"LABEL_STUDIO_URL": self.url, "LABEL_STUDIO_API_KEY": self.token}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(data_dir: Path) -> dict[str, str]:
    """The environment Label Studio starts with: no user/host settings inherited, nothing phoned home."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("HOST", "PORT", "USERNAME", "PASSWORD") and not k.startswith(("LABEL_STUDIO_", "DJANGO_"))}
    xdg = {name: data_dir / "xdg" / name.lower() for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME")}
    for path in xdg.values():
        path.mkdir(parents=True, exist_ok=True)
    env.update({k: str(v) for k, v in xdg.items()})
    env.update({"SENTRY_DSN": "", "FRONTEND_SENTRY_DSN": "", "LATEST_VERSION_CHECK": "false",
                "COLLECT_ANALYTICS": "false", "PYTHONUNBUFFERED": "1"})
    return env


def _listening_port(log: Path, asked: int) -> int:
    """Where the server says it listens (it moves to port+1 silently when the port is taken)."""
    text = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
    found = re.findall(r"Starting development server at http://127\.0\.0\.1:(\d+)/", text)
    return int(found[-1]) if found else asked


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=20)


def start_server(python: str, data_dir: Path) -> LiveServer:
    """Start Label Studio and wait until /health answers and the token is accepted."""
    port, token = free_port(), secrets.token_hex(20)
    username, password = "annotator@example.com", secrets.token_urlsafe(12)
    log = data_dir / "server.log"
    cmd = [python, "-m", "label_studio.server", "start", "--no-browser", "--internal-host", "127.0.0.1",
           "--port", str(port), "--data-dir", str(data_dir / "data"), "--username", username,
           "--password", password, "--user-token", token, "--enable-legacy-api-token"]
    began = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=data_dir, env=server_env(data_dir), stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"Label Studio exited with {proc.returncode}:\n{_tail(log)}")
            if time.monotonic() - began > STARTUP_TIMEOUT:
                raise RuntimeError(f"Label Studio did not answer /health in {STARTUP_TIMEOUT:.0f} s:\n{_tail(log)}")
            url = f"http://127.0.0.1:{_listening_port(log, port)}"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    me = httpx.get(f"{url}/api/current-user/whoami", timeout=10,
                                   headers={"Authorization": f"Token {token}"})
                    if me.status_code == 200 and me.json().get("email") == username:
                        break
            time.sleep(0.5)
    except BaseException:
        _stop(proc)
        raise
    return LiveServer(url, token, username, password, data_dir, time.monotonic() - began, proc)


def _tail(log: Path, n: int = 30) -> str:
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines() if log.is_file() else []
    return "\n".join(lines[-n:])


@pytest.fixture(scope="session")
def ls_server(request, tmp_path_factory) -> LiveServer:
    """One live Label Studio for the whole session; skipped (saying why) only without CLAIMCORPUS_LS_PYTHON."""
    python = os.environ.get(ENV_PYTHON)
    if not python:
        pytest.skip(f"{ENV_PYTHON} is not set: run `make test` (it builds .venv-ls and sets it), or "
                    f"`make ls-install` and export {ENV_PYTHON}=$PWD/.venv-ls/bin/python")
    if not Path(python).is_file():
        pytest.fail(f"{ENV_PYTHON}={python} does not exist; run `make ls-install`")
    server = start_server(python, tmp_path_factory.mktemp("labelstudio"))
    note = f"\nLabel Studio up at {server.url} after {server.startup_seconds:.1f} s (fresh data dir)"
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        print(note, file=sys.stderr)
    yield server
    _stop(server.process)


def run_main(*args: str | Path) -> SimpleNamespace:
    """``claimcorpus ARGS`` through cli.main() in this process (no start-up cost): returncode, stdout, stderr."""
    from claimcorpus.cli import main

    out, err, argv = io.StringIO(), io.StringIO(), sys.argv
    sys.argv = ["claimcorpus", *map(str, args)]
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv = argv
    return SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())


# -- test corpora ----------------------------------------------------------------------

# Invented texts (not the seed): emoji and other astral characters, curly and straight
# quotes, CRLF line ends, a ZWJ sequence, a BOM-free Windows file.
OWN_TEXTS = {
    "emoji.txt": "Officials in Kyiv 🇺🇦 said the 🚀 launch “may be delayed” by about two weeks.\r\n"
                 "The mayor 👩‍💼 of Lviv reportedly claimed that 300 families could return home.\r\n",
    "quotes.txt": "\"We will probably win,\" said Maria Lopez of the 𝐁𝐥𝐮𝐞 Party on Monday.\r\n"
                  "Analysts at Acme Corp. suggest the deal is worth roughly $2 billion 💰.\r\n",
}


def make_own_repo(root: Path) -> Repo:
    """A repository holding OWN_TEXTS, ingested for real (CRLF is canonicalised to LF)."""
    repo = Repo(root)
    incoming = root.parent / f"{root.name}-incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    root.mkdir(parents=True, exist_ok=True)
    for name, text in OWN_TEXTS.items():
        (incoming / name).write_bytes(text.encode("utf-8"))
        ingest(repo, incoming / name)
    return repo


def at(sentence: str, piece: str, nth: int = 0) -> tuple[int, int]:
    """Code-point (start, end) of the nth occurrence of ``piece`` in ``sentence``; fails loudly if absent."""
    start = -1
    for _ in range(nth + 1):
        start = sentence.find(piece, start + 1)
        if start < 0:
            raise AssertionError(f"{piece!r} (occurrence {nth}) is not in {sentence!r}")
    assert sentence[start:start + len(piece)] == piece
    return start, start + len(piece)


def ent(s: str, piece: str, label: str) -> dict:
    a, b = at(s, piece)
    return {"start": a, "end": b, "text": piece, "label": label}


def hedge(s: str, cue: str, typ: str, scope: str) -> dict:
    a, b = at(s, cue)
    sa, sb = at(s, scope)
    return {"start": a, "end": b, "text": cue, "type": typ, "scope_start": sa, "scope_end": sb}


def claim(s: str, piece: str, typ: str, checkworthy: bool, source: str | None = None) -> dict:
    a, b = at(s, piece)
    src = {"type": "author"}
    if source:
        sa, sb = at(s, source)
        src = {"type": "mention", "start": sa, "end": sb, "text": source}
    return {"start": a, "end": b, "text": piece, "type": typ, "checkworthy": checkworthy, "source": src}


# Hand-written annotations of OWN_TEXTS: sentence text -> (entities, hedges, claims).
S_KYIV = "Officials in Kyiv 🇺🇦 said the 🚀 launch “may be delayed” by about two weeks."
S_LVIV = "The mayor 👩‍💼 of Lviv reportedly claimed that 300 families could return home."
S_WIN = "\"We will probably win,\" said Maria Lopez of the 𝐁𝐥𝐮𝐞 Party on Monday."
S_ACME = "Analysts at Acme Corp. suggest the deal is worth roughly $2 billion 💰."
HAND = {
    S_KYIV: ([ent(S_KYIV, "Kyiv", "GPE"), ent(S_KYIV, "about two weeks", "DATE")],
             [hedge(S_KYIV, "may", "modal", "may be delayed"),
              hedge(S_KYIV, "about", "approximator", "about two weeks")],
             [claim(S_KYIV, "the 🚀 launch “may be delayed” by about two weeks", "predictive", True,
                    "Officials in Kyiv")]),
    S_LVIV: ([ent(S_LVIV, "Lviv", "GPE"), ent(S_LVIV, "300", "CARDINAL")],
             [hedge(S_LVIV, "reportedly", "evidential", "reportedly claimed that 300 families could return home"),
              hedge(S_LVIV, "could", "modal", "could return home")],
             [claim(S_LVIV, "300 families could return home", "predictive", False, "The mayor 👩‍💼 of Lviv")]),
    S_WIN: ([ent(S_WIN, "Maria Lopez", "PERSON"), ent(S_WIN, "𝐁𝐥𝐮𝐞 Party", "ORG"), ent(S_WIN, "Monday", "DATE")],
            [hedge(S_WIN, "probably", "epistemic", "We will probably win")],
            [claim(S_WIN, "We will probably win", "predictive", False, "Maria Lopez")]),
    S_ACME: ([ent(S_ACME, "Acme Corp.", "ORG"), ent(S_ACME, "roughly $2 billion", "MONEY")],
             [hedge(S_ACME, "suggest", "epistemic", "suggest the deal is worth roughly $2 billion"),
              hedge(S_ACME, "roughly", "approximator", "roughly $2 billion")],
             [claim(S_ACME, "the deal is worth roughly $2 billion", "factual", True, "Analysts at Acme Corp."),
              claim(S_ACME, "Analysts at Acme Corp. suggest the deal is worth roughly $2 billion", "factual", False)]),
}


def add_hand_layer(repo: Repo, layer: str = "hand") -> dict[str, list[dict]]:
    """Write the HAND annotations as an annotator layer over every document; returns doc_id -> records."""
    doc_ids = sorted(p.stem for p in repo.segments.glob("*.jsonl"))
    init_layer(repo, layer, "annotator", "test", guidelines_version=None, description="hand-written", doc_ids=doc_ids)
    out = {}
    for doc_id in doc_ids:
        records = []
        for seg in read_segments(repo, doc_id):
            ents, hedges, claims = HAND.get(seg["text"], ([], [], []))
            base = {k: seg[k] for k in ("id", "doc_id", "index", "start", "end", "text")}
            records.append(with_flags({**base, "entities": ents, "hedges": hedges, "claims": claims,
                                       "hedged": False, "checkworthy": False}))
        write_layer(repo, layer, doc_id, records, overwrite=True)
        out[doc_id] = records
    return out


def make_seed_repo(root: Path) -> Repo:
    """A copy of the checkout's seeds and annotations (the seed document with its gold and pass layers)."""
    import shutil

    for sub in ("seeds", "annotations"):
        shutil.copytree(ROOT / sub, root / sub)
    return Repo(root)
