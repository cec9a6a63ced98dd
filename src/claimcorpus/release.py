"""Versions and publishing: one version number for the package, the card, the git tag and the Hub revision.

`release X.Y.Z` moves CHANGELOG.md's "Unreleased" section under "[X.Y.Z] - date", sets
``__version__``, rebuilds corpus/, checks it, commits and tags vX.Y.Z.
`publish` uploads corpus/ with huggingface_hub and tags the Hub revision the same way.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import date as Date
from pathlib import Path

from claimcorpus.errors import ReleaseError
from claimcorpus.layout import Repo
from claimcorpus.txn import Transaction

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
VERSION_LINE = re.compile(r'^__version__ = "([^"]+)"$', re.M)
INIT = Path("src/claimcorpus/__init__.py")


def parse(version: str) -> tuple[int, int, int]:
    m = SEMVER.match(version)
    if not m:
        raise ReleaseError(version, "not a semantic version", "use MAJOR.MINOR.PATCH, e.g. 1.2.0")
    return tuple(int(x) for x in m.groups())  # type: ignore[return-value]


def current_version(repo: Repo) -> str:
    """The version in the repository's src/claimcorpus/__init__.py (the package's own if absent)."""
    if not (repo.root / INIT).is_file():
        from claimcorpus import __version__

        return __version__
    m = VERSION_LINE.search((repo.root / INIT).read_text(encoding="utf-8"))
    if not m:
        raise ReleaseError(str(INIT), "no __version__ line", 'keep a line __version__ = "X.Y.Z"')
    return m.group(1)


def bump_changelog(text: str, version: str, today: str) -> str:
    """Rename '## [Unreleased]' to '## [version] - today' and open a new empty Unreleased section."""
    if "## [Unreleased]" not in text:
        raise ReleaseError("CHANGELOG.md", "no '## [Unreleased]' section", "describe the release's Data and Schema changes there")
    body = text.split("## [Unreleased]", 1)[1].split("\n## [", 1)[0]
    if not re.search(r"^- ", body, re.M):
        raise ReleaseError("CHANGELOG.md", "the Unreleased section lists no change", "add '- ...' lines under ### Data or ### Schema")
    new = "## [Unreleased]\n\n### Data\n\n### Schema\n\n" + f"## [{version}] - {today}"
    return text.replace("## [Unreleased]", new, 1)


def _git(repo: Repo, *args: str) -> str:
    res = subprocess.run(["git", *args], cwd=repo.root, capture_output=True, text=True)
    if res.returncode:
        raise ReleaseError("git", f"`git {' '.join(args)}` failed: {res.stderr.strip().splitlines()[-1:]}", "fix the git state")
    return res.stdout


def prepare(repo: Repo, version: str, today: str | None = None) -> str:
    """Check the new version and write it into __init__.py and CHANGELOG.md; return the old version."""
    old = current_version(repo)
    if parse(version) <= parse(old):
        raise ReleaseError(version, f"not newer than the current version {old}", "pick a higher MAJOR.MINOR.PATCH")
    if _git(repo, "status", "--porcelain"):
        raise ReleaseError(str(repo.root), "the work tree has uncommitted changes", "commit or stash them first")
    if _git(repo, "tag", "--list", f"v{version}").strip():
        raise ReleaseError(f"v{version}", "this tag exists", "pick a new version")
    changelog, init = repo.root / "CHANGELOG.md", repo.root / INIT
    bumped = bump_changelog(changelog.read_text(encoding="utf-8"), version, today or Date.today().isoformat())
    with Transaction(repo.root, "release") as tx:  # both files change together or neither
        tx.write(changelog, bumped, replace=True)
        tx.write(init, VERSION_LINE.sub(f'__version__ = "{version}"', init.read_text(encoding="utf-8"), count=1),
                 replace=True)
    return old


def commit_and_tag(repo: Repo, version: str) -> None:
    _git(repo, "add", "-A", "CHANGELOG.md", str(INIT), "corpus")
    _git(repo, "commit", "-q", "-m", f"Release v{version}")
    _git(repo, "tag", "-a", f"v{version}", "-m", f"claimcorpus v{version}")


# The Hub repository mirrors the release: any remote file the upload does not contain is deleted
# (a re-shard would otherwise leave old parquet files that still match the card's globs).
# upload_folder never deletes .gitattributes.
DELETE_PATTERNS = ["*"]


def publish_plan(repo: Repo, *, standoff: bool = False, remote: list[str] | None = None) -> dict:
    """What `publish` would do: the folder it uploads, each file with its size, the remote files it
    deletes (when the remote listing is known: ``remote``), and the tag.

    Deletions are computed as upload_folder computes them: huggingface_hub's own pattern filter
    over the remote files with DELETE_PATTERNS, minus .gitattributes and the files being uploaded.
    """
    from huggingface_hub.utils import filter_repo_objects

    corpus = repo.corpus
    if not (corpus / "README.md").is_file():
        raise ReleaseError("corpus/", "no release to publish", "run `claimcorpus build` first")
    version = json.loads((corpus / "release.json").read_text(encoding="utf-8"))["version"]
    if version != current_version(repo):
        raise ReleaseError("corpus/release.json", f"release is v{version} but the package is v{current_version(repo)}",
                          "rebuild with `claimcorpus build`")
    folder = corpus
    if standoff:
        from claimcorpus.standoff import stage

        from claimcorpus.txn import scratch

        folder = scratch(repo.root, "publish-standoff")  # refused if build/ leads out of the repository
        shutil.rmtree(folder)
        stage(corpus, folder)
    files = [(p.relative_to(folder).as_posix(), p.stat().st_size) for p in sorted(folder.rglob("*")) if p.is_file()]
    uploaded = {f for f, _ in files}
    deletions = None if remote is None else sorted(
        f for f in filter_repo_objects(remote, allow_patterns=DELETE_PATTERNS) if f != ".gitattributes" and f not in uploaded)
    return {"version": version, "tag": f"v{version}", "folder": folder, "files": files, "deletions": deletions,
            "standoff": standoff}


def check_repo_id(repo_id: str) -> None:
    """Refuse anything but ORG/NAME as the Hub spells it (huggingface_hub's own check)."""
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    try:
        validate_repo_id(repo_id)
        if repo_id.count("/") != 1:
            raise HFValidationError("it must be ORG/NAME")
    except HFValidationError as err:
        raise ReleaseError(repo_id, f"not a Hub repository id ({str(err).splitlines()[0][:120]})",
                          "use --repo-id ORG/NAME with letters, digits, '-', '_' and '.'") from None


PROBE_TIMEOUT = 10  # seconds for the one reachability request of a dry run


def remote_files(repo_id: str) -> tuple[list[str] | None, str | None]:
    """The files of the Hub dataset repo now, or (None, why not) when it cannot be listed."""
    from httpx2 import HTTPError
    from huggingface_hub import HfApi
    from huggingface_hub.errors import RepositoryNotFoundError

    check_repo_id(repo_id)
    endpoint, unreachable = _reach()
    if unreachable:
        return None, unreachable
    try:
        return HfApi(endpoint=endpoint, token=os.environ.get("HF_TOKEN")).list_repo_files(repo_id, repo_type="dataset"), None
    except RepositoryNotFoundError:
        return [], None
    except (HTTPError, OSError) as err:
        return None, _why(err)


def _why(err: Exception) -> str:
    return f"{err.__class__.__name__}: {str(err).splitlines()[0] if str(err) else ''}".rstrip(": ")


def _reach() -> tuple[str, str | None]:
    """(the Hub endpoint, why it cannot be reached or None). One request without retries, so that no network
    is said in seconds; huggingface_hub's own calls retry a refused connection 5 times (about 30 s)."""
    from httpx2 import HTTPError
    from huggingface_hub import constants
    from huggingface_hub.utils import get_session

    endpoint = (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")  # the variable as it is now
    offline = os.environ.get("HF_HUB_OFFLINE")  # as it is now (huggingface_hub read it at import)
    if (offline.upper() in ("1", "ON", "YES", "TRUE")) if offline is not None else constants.is_offline_mode():
        return endpoint, None  # huggingface_hub itself says OfflineModeIsEnabled
    try:
        get_session().head(endpoint, timeout=PROBE_TIMEOUT)
    except (HTTPError, OSError) as err:
        return endpoint, f"cannot reach {endpoint}: {_why(err)}"
    return endpoint, None


def publish(repo: Repo, repo_id: str, plan: dict) -> str:
    """Upload the plan's folder to the Hub dataset repo, deleting stale files, and tag the revision; token from HF_TOKEN."""
    from httpx2 import HTTPError  # huggingface_hub 2.x's HTTP client (not httpx)
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    check_repo_id(repo_id)
    token = os.environ.get("HF_TOKEN")
    if not token:
        raise ReleaseError("HF_TOKEN", "no Hugging Face token in the environment", "export HF_TOKEN=<a write token>")
    endpoint, unreachable = _reach()
    if unreachable:
        raise ReleaseError(repo_id, unreachable, "check the network (or HF_ENDPOINT, HTTPS_PROXY), or use --dry-run")
    api = HfApi(endpoint=endpoint, token=token)
    try:
        api.create_repo(repo_id, repo_type="dataset", exist_ok=True)
        info = api.upload_folder(repo_id=repo_id, folder_path=plan["folder"], repo_type="dataset",
                                 delete_patterns=DELETE_PATTERNS, commit_message=f"claimcorpus {plan['tag']}"
                                 + (" (standoff)" if plan["standoff"] else ""))
        api.create_tag(repo_id, tag=plan["tag"], repo_type="dataset", tag_message=f"claimcorpus {plan['tag']}")
    except HfHubHTTPError as err:
        raise ReleaseError(repo_id, f"the Hub refused the upload ({str(err).splitlines()[0]})",
                          "check the repo id and that HF_TOKEN can write to it") from None
    except (HTTPError, OSError) as err:  # huggingface_hub 2.x raises httpx2 errors, not OSError
        raise ReleaseError(repo_id, f"cannot reach the Hub ({err.__class__.__name__})", "check the network, or use --dry-run") from None
    return str(getattr(info, "commit_url", info))
