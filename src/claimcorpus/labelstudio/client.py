"""Push tasks to and pull exports from a live Label Studio (label-studio-sdk 2.x).

The server and token come from LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY. The token is
passed to the SDK only: never printed, logged or written. Every failure the user can
fix (server down, token refused, no such project, config drift) is one CorpusError.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError
from pydantic import ValidationError

from claimcorpus.errors import CorpusError, LabelStudioError
from claimcorpus.labelstudio.config import label_config

ENV_URL, ENV_KEY = "LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY"
BATCH = 500


def shown(url: str) -> str:
    """The URL without any user:password part, for messages."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else ""))) \
        if parts.hostname else url


def _detail(err: ApiError) -> str:
    body = err.body if isinstance(err.body, dict) else {}
    return str(body.get("detail") or body.get("validation_errors") or "")[:200]


@contextlib.contextmanager
def calling(url: str, what: str) -> Iterator[None]:
    """Turn transport and API failures of the calls inside into one-line CorpusErrors."""
    where = shown(url)
    try:
        yield
    except (httpx.TransportError, httpx.InvalidURL) as exc:
        raise LabelStudioError(where, f"cannot reach Label Studio ({type(exc).__name__}: {str(exc)[:80]})",
                          f"start Label Studio, or set {ENV_URL} to its address") from None
    except ApiError as exc:
        if exc.status_code is None or exc.status_code < 400:  # the SDK's name for "that was not JSON"
            raise LabelStudioError(where, f"{what}: the server does not answer like Label Studio 1.23 "
                                     f"(HTTP {exc.status_code})", f"check {ENV_URL} points at Label Studio") from None
        if exc.status_code in (401, 403):
            raise LabelStudioError(where, f"Label Studio refused the token in {ENV_KEY} (HTTP {exc.status_code}: "
                                     f"{_detail(exc)})", f"copy your access token from Account & Settings and "
                                                         f"export {ENV_KEY} again") from None
        raise LabelStudioError(where, f"{what} failed (HTTP {exc.status_code}: {_detail(exc)})",
                          f"check {ENV_URL} points at Label Studio (not another server) and retry") from None
    except (json.JSONDecodeError, ValidationError):
        raise LabelStudioError(where, f"{what}: the server does not answer like Label Studio 1.23",
                          f"check {ENV_URL} points at Label Studio 1.23 or later") from None


class Server:
    """A connection checked with one authenticated request."""

    def __init__(self, url: str | None = None, api_key: str | None = None) -> None:
        url = url or os.environ.get(ENV_URL)
        api_key = api_key or os.environ.get(ENV_KEY)
        if not url:
            raise LabelStudioError(ENV_URL, "is not set", f"export {ENV_URL}=http://localhost:8080 (your server's address)")
        if not api_key:
            raise LabelStudioError(ENV_KEY, "is not set", f"copy your access token from Account & Settings in Label "
                                                     f"Studio and export {ENV_KEY}")
        try:
            parts = urlsplit(url)
            ok = parts.scheme in ("http", "https") and bool(parts.hostname) and (parts.port or 0) >= 0
        except ValueError as exc:  # "Port out of range 0-65535", "Invalid IPv6 URL"
            raise LabelStudioError(ENV_URL, f"is not a valid URL ({exc})", f"export {ENV_URL}=http://localhost:8080 "
                                                                      "(your server's address)") from None
        if not ok:
            raise LabelStudioError(ENV_URL, "is not an http(s) URL with a host", f"export {ENV_URL}=http://localhost:8080 "
                                                                             "(your server's address)")
        self.url = url.rstrip("/")
        with calling(self.url, "connecting"):
            self.ls = LabelStudio(base_url=self.url, api_key=api_key)
            self.user = self.ls.users.whoami()

    def project(self, project_id: int):
        with calling(self.url, f"reading project {project_id}"):
            try:
                return self.ls.projects.get(project_id)
            except ApiError as exc:
                if exc.status_code == 404:
                    raise LabelStudioError(shown(self.url), f"project {project_id} does not exist (or you are not a "
                                      "member)", "check --project: it is the number in the project's URL") from None
                raise

    def sentence_ids(self, project_id: int) -> set[str]:
        with calling(self.url, f"listing tasks of project {project_id}"):
            return {t.data.get("sentence_id") for t in self.ls.tasks.list(project=project_id, fields="all")}

    def push(self, tasks: list[dict], *, title: str | None = None, project_id: int | None = None) -> tuple[int, int]:
        """Send tasks (with their predictions/annotations) to a new or an existing project; (project id, sent)."""
        config = label_config()
        if project_id is None:
            with calling(self.url, "creating a project"):
                project_id = self.ls.projects.create(title=title or "claimcorpus", label_config=config).id
            existing: set[str] = set()
        else:
            if _normal(self.project(project_id).label_config) != _normal(config):
                raise LabelStudioError(f"{shown(self.url)} project {project_id}", "its labeling config differs from "
                                  "schema/labelstudio.xml", "paste schema/labelstudio.xml into Settings > Labeling "
                                  "Interface, or push to a new project (leave out --project)")
            existing = self.sentence_ids(project_id)
        new = [t for t in tasks if t["data"]["sentence_id"] not in existing]
        with calling(self.url, f"importing tasks into project {project_id}"):
            for i in range(0, len(new), BATCH):
                self.ls.projects.import_tasks(project_id, request=new[i:i + BATCH], return_task_ids=True)
        return project_id, len(new)

    def pull(self, project_id: int) -> list[dict]:
        """The project's JSON export: every task, with its annotations (cancelled ones too)."""
        self.project(project_id)
        with calling(self.url, f"exporting project {project_id}"):
            export = self.ls.projects.exports.as_json(project_id)
        if not isinstance(export, list):
            raise LabelStudioError(shown(self.url), f"project {project_id} exported {type(export).__name__}, not tasks",
                              "upgrade Label Studio to 1.23 or later")
        return export

    def users(self) -> dict[str, str]:
        """Label Studio user id -> e-mail."""
        with calling(self.url, "listing users"):
            return {str(u.id): u.email or "" for u in self.ls.users.list()}


def _normal(xml: str | None) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<!--.*?-->", "", xml or "", flags=re.S)).strip()


def suggested_names(keys: list[str], users: dict[str, str]) -> dict[str, str]:
    """A layer name for each annotator key, from the local part of the user's e-mail."""
    out: dict[str, str] = {}
    for key in keys:
        local = users.get(key, "").split("@")[0].lower()
        name = re.sub(r"[^a-z0-9_-]+", "-", local).strip("-_")
        name = name if name and name[0].isalnum() and name != "segments" else f"user{key}"
        out[key] = f"{name}-{key}" if name in out.values() else name
    return out
