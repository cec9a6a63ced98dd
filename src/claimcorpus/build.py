"""Build corpus/, the Hub-ready release, from seeds/ and annotations/, one document at a time.

    corpus/README.md                               dataset card (YAML configs + dataset_info)
    corpus/data/<config>/<split>-0000i-of-0000n.parquet
    corpus/splits.json                             document ids per split
    corpus/release.json                            version, tools, input hashes
    corpus/SHA256SUMS                              sha256 of every other file

Rows are made per document and written with one ``pyarrow.parquet.ParquetWriter`` per config
and split, so memory holds one row group, never the corpus. Every config is cut into row groups
at the same document boundaries (``ROW_GROUP_SENTENCES``), and a split's file is closed and a new
shard opened once it holds ``SHARD_BYTES`` of Arrow data (the Hub's names, as
``datasets.push_to_hub`` writes them). The build writes into a temp folder; corpus/ is replaced
only when everything passed, so a failed build leaves the old release intact. Builds are
byte-reproducible: no timestamps, sorted keys, fixed parquet settings.
"""

from __future__ import annotations

import filecmp
import json
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from claimcorpus import tables
from claimcorpus.configs import DOCUMENT_FIELDS, configs
from claimcorpus.documents import Document, read_manifest
from claimcorpus.errors import CorpusError
from claimcorpus.layers import read_layer, read_meta
from claimcorpus.layout import GOLD, Repo
from claimcorpus.release import current_version
from claimcorpus.segment import segmenter_info
from claimcorpus.splits import SPLITS_FILE, read_splits
from claimcorpus.kinds import kinds
from claimcorpus.textio import canonical_text, read_bytes, sha256, write_text
from claimcorpus.txn import Transaction

PARQUET = {"compression": "zstd", "compression_level": 9, "use_dictionary": True, "write_statistics": True}
# Row groups: a few MB each, far under the dataset viewer's limit (it refuses row groups over ~286 MiB)
# and small enough for streaming readers; every config is cut after the same document.
ROW_GROUP_SENTENCES = 10_000
SHARD_BYTES = 500_000_000  # Arrow bytes per file: datasets' push_to_hub default (max_shard_size="500MB")


class Source:
    """The inputs of a release, read lazily: the manifest, the split assignment, one document at a time."""

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self.entries = {e["doc_id"]: e for e in read_manifest(repo)}
        if not self.entries:
            raise CorpusError(repo.rel(repo.manifest), "no documents", "ingest a document with `claimcorpus ingest PATH`")
        self.splits = read_splits(repo, list(self.entries))
        self.layers = repo.layers()
        if GOLD not in self.layers:
            raise CorpusError(repo.rel(repo.layer_dir(GOLD)), "there is no gold layer",
                              "adjudicate annotations into annotations/gold/")
        self.metas = {layer: read_meta(repo, layer) for layer in self.layers}

    def text(self, doc_id: str) -> str:
        entry = self.entries[doc_id]
        return canonical_text(read_bytes(self.repo.root / entry["path"], entry["path"]), entry["path"])

    def gold(self, doc_id: str) -> list[dict]:
        path = self.repo.layer_file(GOLD, doc_id)
        if not path.is_file():
            raise CorpusError(self.repo.rel(path), f"document {doc_id!r} has no gold annotations",
                              "adjudicate it into annotations/gold/ or remove it from the manifest")
        return read_layer(self.repo, GOLD, doc_id)

    def layer_rows(self, doc_id: str) -> Iterator[dict]:
        for layer in self.layers:
            if self.repo.layer_file(layer, doc_id).is_file():
                meta = self.metas[layer]
                for rec in read_layer(self.repo, layer, doc_id):
                    yield {"layer": layer, "annotator": meta["annotator"],
                           "guidelines_version": meta["guidelines_version"], **tables.encode_sentence(rec)}


def document_rows(src: Source, doc_id: str, names) -> dict[str, list[dict]]:
    """Rows of each named config (configs.py) for one document, and its gold records under "gold"."""
    entry = src.entries[doc_id]
    data = {"docs": {doc_id: Document(entry, src.text(doc_id) if "documents" in names else "")},
            "gold": {doc_id: src.gold(doc_id)},
            "layer_rows": [(doc_id, row) for row in src.layer_rows(doc_id)] if "layers" in names else []}
    return {"gold": data["gold"][doc_id], **{c.name: c.rows(data, [doc_id]) for c in configs() if c.name in names}}


class LazyGold(Mapping):
    """doc_id -> gold records, read from annotations/ on each access (the card's picture and baselines
    go over every gold sentence; this keeps the build from holding them while it writes)."""

    def __init__(self, src: Source) -> None:
        self.src = src

    def __getitem__(self, doc_id: str) -> list[dict]:
        return self.src.gold(doc_id)

    def __iter__(self):
        return iter(sorted(self.src.entries))

    def __len__(self) -> int:
        return len(self.src.entries)


class SplitWriter:
    """The parquet files of one config's split: row groups appended, shards opened past SHARD_BYTES."""

    def __init__(self, folder: Path, split: str, schema: pa.Schema, shard_bytes: int) -> None:
        self.folder, self.split, self.schema, self.shard_bytes = folder, split, schema, shard_bytes
        self.parts: list[Path] = []
        self.writer: pq.ParquetWriter | None = None
        self.in_shard = self.rows = self.nbytes = 0

    def write(self, rows: list[dict]) -> None:
        if not rows:
            return
        table = pa.Table.from_pylist(rows, schema=self.schema)
        if self.writer is not None and self.in_shard >= self.shard_bytes:
            self.writer.close()
            self.writer = None
        if self.writer is None:
            self.parts.append(self.folder / f"{self.split}-{len(self.parts):05d}.parquet.part")
            self.folder.mkdir(parents=True, exist_ok=True)
            self.writer, self.in_shard = pq.ParquetWriter(self.parts[-1], self.schema, **PARQUET), 0
        self.writer.write_table(table, row_group_size=table.num_rows)
        self.rows, self.nbytes, self.in_shard = self.rows + table.num_rows, self.nbytes + table.nbytes, self.in_shard + table.nbytes

    def close(self) -> tuple[int, int]:
        """Name the shards `<split>-0000i-of-0000n.parquet` (one empty file for an empty split); (rows, bytes)."""
        if self.writer is not None:
            self.writer.close()
        if not self.parts:
            self.folder.mkdir(parents=True, exist_ok=True)
            empty = self.schema.empty_table()
            pq.write_table(empty, self.folder / f"{self.split}-00000-of-00001.parquet", **PARQUET)
            return 0, empty.nbytes
        for i, part in enumerate(self.parts):
            part.rename(self.folder / f"{self.split}-{i:05d}-of-{len(self.parts):05d}.parquet")
        return self.rows, self.nbytes


class Stats:
    """The gold statistics the dataset card reports, counted as documents stream past."""

    def __init__(self) -> None:
        self.n = self.hedged = self.checkworthy = self.checkworthy_claims = self.entities = self.claims = 0
        self.labels = {k.field: Counter() for k in kinds()}

    def add(self, recs: list[dict]) -> None:
        for r in recs:
            self.n += 1
            self.hedged += r["hedged"]
            self.checkworthy += r["checkworthy"]
            self.checkworthy_claims += sum(c["checkworthy"] for c in r["claims"])
            self.entities += len(r["entities"])
            self.claims += len(r["claims"])
            for k in kinds():
                self.labels[k.field].update(x[k.label] for x in r[k.field])


def write_configs(src: Source, out: Path, names=None, progress=None, shard_bytes: int = SHARD_BYTES,
                  row_group_sentences: int = ROW_GROUP_SENTENCES) -> tuple[dict, dict, Stats]:
    """Stream every split's documents into ``out/data/<config>/`` (every config, or those ``names`` lists);
    returns (counts, num_bytes, stats)."""
    wanted = [c.name for c in configs() if names is None or c.name in names]
    schemas = {c.name: c.features().arrow_schema for c in configs() if c.name in wanted}
    counts: dict[str, dict[str, int]] = {c: {} for c in wanted}
    nbytes: dict[str, dict[str, int]] = {c: {} for c in wanted}
    stats = Stats()
    for split, doc_ids in src.splits.items():
        if not doc_ids:
            continue
        writers = {c: SplitWriter(out / "data" / c, split, schemas[c], shard_bytes) for c in wanted}
        pending: dict[str, list[dict]] = {c: [] for c in wanted}
        held = 0
        for i, doc_id in enumerate(doc_ids, start=1):
            rows = document_rows(src, doc_id, wanted)
            stats.add(rows["gold"])
            held += len(rows["gold"])
            for c in wanted:
                pending[c] += rows[c]
            if held >= row_group_sentences or i == len(doc_ids):
                for c in wanted:
                    writers[c].write(pending[c])
                pending, held = {c: [] for c in wanted}, 0
                if progress:
                    progress(f"{split}: {i} of {len(doc_ids)} documents")
        for c in wanted:
            counts[c][split], nbytes[c][split] = writers[c].close()
    return counts, nbytes, stats


def config_rows(data: dict, doc_ids: list[str], names=None) -> dict[str, list[dict]]:
    """Rows of each release config (or those ``names`` lists) for ``doc_ids`` of ``data`` ({"docs", "gold", "layer_rows"})."""
    return {c.name: c.rows(data, doc_ids) for c in configs() if names is None or c.name in names}


def release_rows(repo: Repo, names=None) -> dict[str, list[dict]]:
    """Every row of the configs over all splits, in memory: for small repositories and tests only."""
    src = Source(repo)
    out: dict[str, list[dict]] = {}
    for doc_id in (d for ids in src.splits.values() for d in ids):
        for name, rows in document_rows(src, doc_id, [c.name for c in configs() if names is None or c.name in names]).items():
            if name != "gold":
                out.setdefault(name, []).extend(rows)
    return out


def write_split_rows(out: Path, per_split: dict[str, dict[str, list[dict]]], names: list[str]) -> tuple[dict, dict]:
    """Write rows already made ({split: {config: rows}}) as the streaming build lays them out; (counts, num_bytes)."""
    schemas = {c.name: c.features().arrow_schema for c in configs() if c.name in names}
    counts: dict[str, dict[str, int]] = {c: {} for c in names}
    nbytes: dict[str, dict[str, int]] = {c: {} for c in names}
    for split, rows in per_split.items():
        for c in names:
            w = SplitWriter(out / "data" / c, split, schemas[c], SHARD_BYTES)
            for i in range(0, len(rows[c]), ROW_GROUP_SENTENCES):
                w.write(rows[c][i:i + ROW_GROUP_SENTENCES])
            counts[c][split], nbytes[c][split] = w.close()
    return counts, nbytes


def build_into(repo: Repo, out: Path, gate: Callable[[Path], list] | None = None, progress=None,
               shard_bytes: int = SHARD_BYTES) -> dict:
    """Write a complete release into ``out`` (an empty folder), then run ``gate`` on it. Returns release metadata.

    ``gate(out)`` gets the written release and returns its findings; any finding raises GateFailed.
    """
    from claimcorpus import card, croissant, picture

    src = Source(repo)
    counts, nbytes, stats = write_configs(src, out, progress=progress, shard_bytes=shard_bytes)
    write_text(out / SPLITS_FILE, json.dumps(src.splits, indent=2) + "\n")
    release = {
        "version": current_version(repo),
        "segmenter": segmenter_info(),
        "tokenizer": tables.tokenizer_info(),
        "counts": counts,
        "num_bytes": nbytes,
        "inputs": {e["path"]: e["sha256_raw"] for e in src.entries.values()},
        "schema_sha256": {p.name: sha256(p.read_bytes()) for p in sorted(repo.schema_dir.glob("*.schema.json"))},
    }
    write_text(out / "release.json", json.dumps(release, indent=2, sort_keys=True) + "\n")
    gold = LazyGold(src)
    data = {"gold": gold, "splits": src.splits}
    picture.write([r for d in sorted(gold) for r in gold[d]], out, previous=repo.corpus)
    card_text = card.render(repo, src.splits, stats, release, data)
    write_text(out / "README.md", card_text)
    write_text(out / "croissant.json", croissant.render(release, card_text))
    write_text(out / "CITATION.cff", card.citation_cff(release["version"]))
    write_checksums(out)
    if gate is not None:
        findings = gate(out)
        if findings:
            raise GateFailed(findings)
    return release


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
