"""The main job (`claimcorpus pipeline`, `make corpus`): ingest new files in seeds/, validate, build
corpus/, load every config back. The command runs these steps in order, with `validate` and `build`
between ``ingest_new`` and ``load_back``."""

from __future__ import annotations

from collections.abc import Iterator

from claimcorpus.documents import ingest, read_manifest
from claimcorpus.layout import Repo


def ingest_new(repo: Repo) -> Iterator[dict]:
    """Ingest every file of seeds/ the manifest does not list yet (by name order); yield each new entry."""
    known = {e["path"] for e in read_manifest(repo)}
    for path in sorted(repo.seeds.iterdir()):
        if path.is_file() and path.name != repo.manifest.name and repo.rel(path) not in known:
            yield ingest(repo, path)


def load_back(repo: Repo) -> Iterator[str]:
    """Load every release config of corpus/ with `datasets.load_dataset`; one line per config, then the
    first sentence of the default config with the spans of the first kind (entities)."""
    import datasets

    from claimcorpus import load
    from claimcorpus.configs import configs, default
    from claimcorpus.kinds import kinds

    datasets.disable_progress_bars()
    for config in (c.name for c in configs()):
        ds = load(config, root=repo.root)
        rows = ", ".join(f"{split} {len(d)}" for split, d in ds.items())
        yield f"load_dataset('corpus', '{config}'): {rows}"
    ds = load(default().name, root=repo.root)
    first = next(iter(ds.values()))[0]
    kind = kinds()[0]
    names = ds[next(iter(ds))].features[kind.field].feature[kind.label]
    spans = ", ".join(f"{s['text']}/{names.int2str(s[kind.label])}" for s in first[kind.field])
    yield f"first sentence: {first['text'][:80]!r}... {kind.field}: {spans}"
