"""Start and stop a local Label Studio: loopback, SQLite, analytics off, every folder in one data dir.

Shared by ``claimcorpus ls serve`` and the tests (tests/ls_server.py). Label Studio runs from its
own virtualenv (``.venv-ls``: it pins its own pyarrow and SDK), as::

    <ls-python> -m label_studio.server start --no-browser --internal-host 127.0.0.1 --port P
        --data-dir <dir>/data --username U --password W --user-token T --enable-legacy-api-token

with HOST/PORT/USERNAME/PASSWORD and LABEL_STUDIO_*/DJANGO_* dropped from the environment (Label
Studio reads them) and XDG config/data/cache folders inside ``<dir>``. The user is created on the
first start only: later starts with the same data dir must reuse its password and token.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

STARTUP_TIMEOUT = 240.0


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


def stop(proc: subprocess.Popen) -> None:
    """Stop the server's whole process group (SIGTERM, then SIGKILL after 20 s)."""
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


def tail(log: Path, n: int = 30) -> str:
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines() if log.is_file() else []
    return "\n".join(lines[-n:])


def start(python: str | Path, data_dir: Path, *, username: str, password: str, token: str,
          port: int | None = None, timeout: float = STARTUP_TIMEOUT) -> LiveServer:
    """Start Label Studio and wait until /health answers and ``token`` is accepted for ``username``.

    Raises RuntimeError with the log's tail when the server exits or does not answer in time.
    """
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / "server.log"
    cmd = [str(python), "-m", "label_studio.server", "start", "--no-browser", "--internal-host", "127.0.0.1",
           "--port", str(port), "--data-dir", str(data_dir / "data"), "--username", username,
           "--password", password, "--user-token", token, "--enable-legacy-api-token"]
    began = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=data_dir, env=server_env(data_dir), stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"Label Studio exited with {proc.returncode}:\n{tail(log)}")
            if time.monotonic() - began > timeout:
                raise RuntimeError(f"Label Studio did not answer /health in {timeout:.0f} s:\n{tail(log)}")
            url = f"http://127.0.0.1:{_listening_port(log, port)}"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    me = httpx.get(f"{url}/api/current-user/whoami", timeout=10,
                                   headers={"Authorization": f"Token {token}"})
                    if me.status_code == 200 and me.json().get("email") == username:
                        break
                    if me.status_code in (401, 403):
                        raise RuntimeError(f"Label Studio at {url} refused the token of {username}: the data dir "
                                           f"{data_dir} holds a user made with other credentials")
            time.sleep(0.5)
    except BaseException:
        stop(proc)
        raise
    return LiveServer(url, token, username, password, data_dir, time.monotonic() - began, proc)
