"""Build corpus/, the Hub-ready release, from seeds/ and annotations/.

    corpus/README.md                               dataset card (YAML configs + dataset_info)
    corpus/data/<config>/<split>-00000-of-00001.parquet
    corpus/splits.json                             document ids per split
    corpus/release.json                            version, tools, input hashes
    corpus/SHA256SUMS                              sha256 of every other file

The build validates first and writes into a temp folder; corpus/ is replaced only when
everything passed, so a failed build leaves the old release intact. Builds are
byte-reproducible: no timestamps, sorted keys, fixed parquet settings.
"""

from __future__ import annotations

import filecmp
import json
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from claimcorpus import tables
from claimcorpus.configs import configs
from claimcorpus.documents import load_documents
from claimcorpus.errors import CorpusError
from claimcorpus.gx_suite import gate_tables
from claimcorpus.layers import read_layer, read_meta
from claimcorpus.layout import GOLD, Repo
from claimcorpus.release import current_version
from claimcorpus.segment import segmenter_info
from claimcorpus.splits import SPLITS_FILE, read_splits
from claimcorpus.textio import sha256, write_text
from claimcorpus.txn import Transaction

PARQUET = {"compression": "zstd", "compression_level": 9, "use_dictionary": True, "write_statistics": True}


def _write_parquet(path: Path, rows: list[dict], feats) -> tuple[int, int]:
    """Write one parquet file; return (rows, in-memory Arrow bytes) for the card's dataset_info."""
    table = pa.Table.from_pylist(rows, schema=feats.arrow_schema)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, **PARQUET)
    return table.num_rows, table.nbytes


def collect(repo: Repo) -> dict:
    """Everything the release is made of, as plain rows per config and split."""
    docs = load_documents(repo)
    if not docs:
        raise CorpusError(repo.rel(repo.manifest), "no documents", "ingest a document with `claimcorpus ingest PATH`")
    splits = read_splits(repo, list(docs))
    layers = repo.layers()
    if GOLD not in layers:
        raise CorpusError(repo.rel(repo.layer_dir(GOLD)), "there is no gold layer", "adjudicate annotations into annotations/gold/")
    gold: dict[str, list[dict]] = {}
    for doc_id in sorted(docs):
        if not repo.layer_file(GOLD, doc_id).is_file():
            raise CorpusError(repo.rel(repo.layer_file(GOLD, doc_id)), f"document {doc_id!r} has no gold annotations",
                              "adjudicate it into annotations/gold/ or remove it from the manifest")
        gold[doc_id] = read_layer(repo, GOLD, doc_id)
    others = []
    for layer in layers:
        meta = read_meta(repo, layer)
        for doc_id in sorted(docs):
            if repo.layer_file(layer, doc_id).is_file():
                for rec in read_layer(repo, layer, doc_id):
                    others.append((doc_id, {"layer": layer, "annotator": meta["annotator"],
                                            "guidelines_version": meta["guidelines_version"], **tables.encode_sentence(rec)}))
    return {"docs": docs, "splits": splits, "gold": gold, "layer_rows": others}


def config_rows(data: dict, doc_ids: list[str], names=None) -> dict[str, list[dict]]:
    """Rows of each release config (all of configs.configs() unless ``names`` lists some) for ``doc_ids``."""
    return {c.name: c.rows(data, doc_ids) for c in configs() if names is None or c.name in names}


def release_rows(repo: Repo, names=None) -> dict[str, list[dict]]:
    """Rows of the configs over all splits together (for the Great Expectations gate)."""
    data = collect(repo)
    ids = [d for split_ids in data["splits"].values() for d in split_ids]
    return config_rows(data, ids, names)


def build_into(repo: Repo, out: Path, gate: Callable[[dict], list] | None = None, progress=None) -> dict:
    """Write a complete release into ``out`` (an empty folder). Returns release metadata."""
    from claimcorpus import card, croissant, picture

    data = collect(repo)
    per_split = {s: config_rows(data, ids) for s, ids in data["splits"].items() if ids}
    if gate is not None:
        merged = {c: [r for rows in per_split.values() for r in rows[c]] for c in gate_tables()}
        findings = gate(merged)
        if findings:
            raise GateFailed(findings)
    counts, nbytes = write_configs(out, per_split, [c.name for c in configs()], progress)
    write_text(out / SPLITS_FILE, json.dumps(data["splits"], indent=2) + "\n")
    release = {
        "version": current_version(repo),
        "segmenter": segmenter_info(),
        "tokenizer": tables.tokenizer_info(),
        "counts": counts,
        "num_bytes": nbytes,
        "inputs": {d.entry["path"]: d.entry["sha256_raw"] for d in data["docs"].values()},
        "schema_sha256": {p.name: sha256(p.read_bytes()) for p in sorted(repo.schema_dir.glob("*.schema.json"))},
    }
    write_text(out / "release.json", json.dumps(release, indent=2, sort_keys=True) + "\n")
    picture.write([r for d in sorted(data["gold"]) for r in data["gold"][d]], out)
    card_text = card.render(repo, data, release)
    write_text(out / "README.md", card_text)
    write_text(out / "croissant.json", croissant.render(release, card_text))
    write_text(out / "CITATION.cff", card.citation_cff(release["version"]))
    write_checksums(out)
    return release


def write_configs(out: Path, per_split: dict[str, dict[str, list[dict]]], names: list[str], progress=None) -> tuple[dict, dict]:
    """Write data/<config>/<split>-00000-of-00001.parquet for the configs ``names``; return (rows, Arrow bytes)
    per config and split."""
    feats = {c.name: c.features for c in configs()}
    counts: dict[str, dict[str, int]] = {}
    nbytes: dict[str, dict[str, int]] = {}
    for split, rows in per_split.items():
        for config in names:
            n, size = _write_parquet(out / "data" / config / f"{split}-00000-of-00001.parquet", rows[config],
                                     feats[config]())
            counts.setdefault(config, {})[split] = n
            nbytes.setdefault(config, {})[split] = size
            if progress:
                progress(f"{config}/{split}")
    return counts, nbytes


def write_checksums(out: Path) -> None:
    lines = [f"{sha256(p.read_bytes())}  {p.relative_to(out).as_posix()}"
             for p in sorted(out.rglob("*")) if p.is_file() and p.name != "SHA256SUMS"]
    write_text(out / "SHA256SUMS", "\n".join(lines) + "\n")


class GateFailed(Exception):
    def __init__(self, findings: list) -> None:
        self.findings = findings
        super().__init__(f"{len(findings)} Great Expectations findings")


def build(repo: Repo, gate=None, progress=None) -> dict:
    """Build into a staged folder; it replaces corpus/ whole at commit, only when everything succeeded (txn.py)."""
    with Transaction(repo.root, "build") as tx:
        return build_into(repo, tx.write_dir(repo.corpus), gate, progress)


def diff_release(a: Path, b: Path) -> list[str]:
    """Relative paths that differ between two release folders (missing on either side included)."""
    files = lambda root: {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}  # noqa: E731
    fa, fb = files(a) if a.is_dir() else set(), files(b)
    differ = sorted(fa ^ fb)
    differ += sorted(f for f in fa & fb if not filecmp.cmp(a / f, b / f, shallow=False))
    return differ


def check(repo: Repo, gate=None) -> list[str]:
    """Rebuild into a temp folder and list files where corpus/ differs from the fresh build."""
    with Transaction(repo.root, "build --check") as tx:
        fresh = tx.write_dir(repo.corpus)
        build_into(repo, fresh, gate)
        differ = diff_release(repo.corpus, fresh)
        tx.rollback()
    return differ

