"""Versions and publishing: one version number for the package, the card, the git tag and the Hub revision.

`release X.Y.Z` moves CHANGELOG.md's "Unreleased" section under "[X.Y.Z] - date", sets
``__version__``, rebuilds corpus/, checks it, commits and tags vX.Y.Z.
`publish` uploads corpus/ with huggingface_hub and tags the Hub revision the same way.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from datetime import date as Date
from pathlib import Path

from claimcorpus.errors import CorpusError
from claimcorpus.layout import Repo
from claimcorpus.txn import Transaction

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
VERSION_LINE = re.compile(r'^__version__ = "([^"]+)"$', re.M)
INIT = Path("src/claimcorpus/__init__.py")


def parse(version: str) -> tuple[int, int, int]:
    m = SEMVER.match(version)
    if not m:
        raise CorpusError(version, "not a semantic version", "use MAJOR.MINOR.PATCH, e.g. 1.2.0")
    return tuple(int(x) for x in m.groups())  # type: ignore[return-value]


def current_version(repo: Repo) -> str:
    """The version in the repository's src/claimcorpus/__init__.py (the package's own if absent)."""
    if not (repo.root / INIT).is_file():
        from claimcorpus import __version__

        return __version__
    m = VERSION_LINE.search((repo.root / INIT).read_text(encoding="utf-8"))
    if not m:
        raise CorpusError(str(INIT), "no __version__ line", 'keep a line __version__ = "X.Y.Z"')
    return m.group(1)


def bump_changelog(text: str, version: str, today: str) -> str:
    """Rename '## [Unreleased]' to '## [version] - today' and open a new empty Unreleased section."""
    if "## [Unreleased]" not in text:
        raise CorpusError("CHANGELOG.md", "no '## [Unreleased]' section", "describe the release's Data and Schema changes there")
    body = text.split("## [Unreleased]", 1)[1].split("\n## [", 1)[0]
    if not re.search(r"^- ", body, re.M):
        raise CorpusError("CHANGELOG.md", "the Unreleased section lists no change", "add '- ...' lines under ### Data or ### Schema")
    new = "## [Unreleased]\n\n### Data\n\n### Schema\n\n" + f"## [{version}] - {today}"
    return text.replace("## [Unreleased]", new, 1)


def _git(repo: Repo, *args: str) -> str:
    res = subprocess.run(["git", *args], cwd=repo.root, capture_output=True, text=True)
    if res.returncode:
        raise CorpusError("git", f"`git {' '.join(args)}` failed: {res.stderr.strip().splitlines()[-1:]}", "fix the git state")
    return res.stdout


def prepare(repo: Repo, version: str, today: str | None = None) -> str:
    """Check the new version and write it into __init__.py and CHANGELOG.md; return the old version."""
    old = current_version(repo)
    if parse(version) <= parse(old):
        raise CorpusError(version, f"not newer than the current version {old}", "pick a higher MAJOR.MINOR.PATCH")
    if _git(repo, "status", "--porcelain"):
        raise CorpusError(str(repo.root), "the work tree has uncommitted changes", "commit or stash them first")
    if _git(repo, "tag", "--list", f"v{version}").strip():
        raise CorpusError(f"v{version}", "this tag exists", "pick a new version")
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


def publish_plan(repo: Repo) -> dict:
    """What `publish` would upload: every file of corpus/ with its size, and the tag."""
    corpus = repo.corpus
    if not (corpus / "README.md").is_file():
        raise CorpusError("corpus/", "no release to publish", "run `claimcorpus build` first")
    version = json.loads((corpus / "release.json").read_text(encoding="utf-8"))["version"]
    if version != current_version(repo):
        raise CorpusError("corpus/release.json", f"release is v{version} but the package is v{current_version(repo)}",
                          "rebuild with `claimcorpus build`")
    files = [(p.relative_to(corpus).as_posix(), p.stat().st_size) for p in sorted(corpus.rglob("*")) if p.is_file()]
    return {"version": version, "tag": f"v{version}", "files": files}


def publish(repo: Repo, repo_id: str, plan: dict) -> str:
    """Upload corpus/ to the Hub dataset repo and tag the revision; token from HF_TOKEN."""
    import httpx2  # huggingface_hub 2.x's HTTP client (not httpx)
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError, HFValidationError
    from huggingface_hub.utils import validate_repo_id

    try:
        validate_repo_id(repo_id)
        if repo_id.count("/") != 1:
            raise HFValidationError("it must be ORG/NAME")
    except HFValidationError as err:
        raise CorpusError(repo_id, f"not a Hub repository id ({str(err).splitlines()[0][:120]})",
                          "use --repo-id ORG/NAME with letters, digits, '-', '_' and '.'") from None
    token = os.environ.get("HF_TOKEN")
    if not token:
        raise CorpusError("HF_TOKEN", "no Hugging Face token in the environment", "export HF_TOKEN=<a write token>")
    api = HfApi(token=token)
    try:
        api.create_repo(repo_id, repo_type="dataset", exist_ok=True)
        info = api.upload_folder(repo_id=repo_id, folder_path=repo.corpus, repo_type="dataset",
                                 commit_message=f"claimcorpus {plan['tag']}")
        api.create_tag(repo_id, tag=plan["tag"], repo_type="dataset", tag_message=f"claimcorpus {plan['tag']}")
    except HfHubHTTPError as err:
        raise CorpusError(repo_id, f"the Hub refused the upload ({str(err).splitlines()[0]})",
                          "check the repo id and that HF_TOKEN can write to it") from None
    except (OSError, httpx2.HTTPError) as err:  # huggingface_hub 2.x raises httpx2 errors, not OSError
        raise CorpusError(repo_id, f"cannot reach the Hub ({err.__class__.__name__})", "check the network, or use --dry-run") from None
    return str(getattr(info, "commit_url", info))
