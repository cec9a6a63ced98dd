"""The push/pull client's failures, checked without a Label Studio: one line each, no token in it."""

from __future__ import annotations

import http.server
import threading

import pytest

from claimcorpus.errors import CorpusError
from claimcorpus.labelstudio.client import Server, shown, suggested_names
from ls_server import free_port

TOKEN = "0123456789abcdef-secret"


def test_settings_missing(monkeypatch) -> None:
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    with pytest.raises(CorpusError, match="LABEL_STUDIO_URL: is not set"):
        Server()
    monkeypatch.setenv("LABEL_STUDIO_URL", "http://127.0.0.1:1")
    with pytest.raises(CorpusError, match="LABEL_STUDIO_API_KEY: is not set"):
        Server()


def test_server_down() -> None:
    url = f"http://me:pw@127.0.0.1:{free_port()}"  # a closed port
    with pytest.raises(CorpusError, match="cannot reach Label Studio") as err:
        Server(url, TOKEN)
    assert TOKEN not in str(err.value) and "pw" not in str(err.value) and "\n" not in str(err.value)


class NotLabelStudio(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<html>hello</html>"
        self.send_response(200 if "whoami" in self.path else 404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_another_server() -> None:
    httpd = http.server.HTTPServer(("127.0.0.1", 0), NotLabelStudio)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with pytest.raises(CorpusError, match="does not answer like Label Studio") as err:
            Server(f"http://127.0.0.1:{httpd.server_port}", TOKEN)
        assert TOKEN not in str(err.value)
    finally:
        httpd.shutdown()


def test_shown_and_names() -> None:
    assert shown("http://user:secret@example.org:8080/ls/") == "http://example.org:8080/ls/"
    assert shown("http://127.0.0.1:8080") == "http://127.0.0.1:8080"
    users = {"1": "Jane.Doe@example.org", "2": "jane.doe@other.org", "3": "", "4": "segments@x.org"}
    assert suggested_names(["1", "2", "3", "4", "5"], users) == {
        "1": "jane-doe", "2": "jane-doe-2", "3": "user3", "4": "user4", "5": "user5"}
