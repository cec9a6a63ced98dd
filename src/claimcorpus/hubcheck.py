"""Is a built release ready for the Hugging Face Hub? Run by `build --check`; one message per problem.

- The card's metadata is read by huggingface_hub's own ``DatasetCard`` / ``DatasetCardData`` and
  must come back unchanged; the closed-vocabulary fields hold values the Hub's dataset card
  specification lists; ``license: other`` names its licence.
- Every config's ``data_files`` globs match at least one file, and exactly one complete shard set
  ``<split>-IIIII-of-NNNNN.parquet`` (a stale shard of an earlier sharding would duplicate rows); no
  parquet file under data/ is left unmatched, and no file is matched by two configs.
- Parquet files and row groups stay within the dataset viewer's limits: a row group of at most
  ``MAX_ROW_GROUP_BYTES`` (dataset-viewer ``PARQUET_AND_INFO_MAX_ROW_GROUP_BYTE_SIZE_FOR_COPY``;
  a larger one makes the viewer re-convert the data instead of serving our files) and a file of at
  most ``datasets.config.MAX_SHARD_SIZE``.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

import pyarrow.parquet as pq

MAX_ROW_GROUP_BYTES = 100_000_000
SHARD = re.compile(r"^(?P<prefix>.+)-(?P<i>\d{5})-of-(?P<n>\d{5})\.parquet$")
# From the Hub's dataset card specification (huggingface/hub-docs datasetcard.md)
ALLOWED = {
    "annotations_creators": {"found", "crowdsourced", "expert-generated", "machine-generated", "no-annotation", "other"},
    "language_creators": {"found", "crowdsourced", "expert-generated", "machine-generated", "other"},
    "multilinguality": {"monolingual", "multilingual", "translation", "other"},
    "size_categories": {"n<1K", "1K<n<10K", "10K<n<100K", "100K<n<1M", "1M<n<10M", "10M<n<100M", "100M<n<1B",
                        "1B<n<10B", "10B<n<100B", "100B<n<1T", "n>1T"},
}


def _max_shard_bytes() -> int:
    from datasets import config
    from datasets.utils.py_utils import convert_file_size_to_int

    return convert_file_size_to_int(config.MAX_SHARD_SIZE)


def card_findings(readme: Path) -> list[str]:
    import yaml
    from huggingface_hub import DatasetCard

    text = readme.read_text(encoding="utf-8")
    card = DatasetCard(text)
    raw = yaml.safe_load(text.split("---\n")[1])
    out = []
    if card.data.to_dict() != raw:
        out.append("README.md: huggingface_hub's DatasetCardData does not read the card metadata back unchanged")
    for field, allowed in ALLOWED.items():
        bad = sorted(set(raw.get(field) or []) - allowed)
        if bad:
            out.append(f"README.md: {field} has values the Hub does not list: {bad} (allowed: {sorted(allowed)})")
    if raw.get("license") == "other" and not raw.get("license_name"):
        out.append("README.md: license 'other' needs license_name")
    return out


def _shard_set(hits: list[str]) -> list[str]:
    """The one complete set <prefix>-IIIII-of-NNNNN.parquet the first file belongs to."""
    m = SHARD.match(hits[0].rsplit("/", 1)[-1])
    if not m:
        return hits
    n = int(m["n"])
    folder = hits[0].rsplit("/", 1)[0]
    return [f"{folder}/{m['prefix']}-{i:05d}-of-{n:05d}.parquet" for i in range(n)]


def data_file_findings(corpus: Path, configs: list[dict]) -> list[str]:
    files = sorted(p.relative_to(corpus).as_posix() for p in (corpus / "data").rglob("*.parquet"))
    owner: dict[str, str] = {}
    out = []
    for cfg in configs:
        for entry in cfg["data_files"]:
            hits = [f for f in files if fnmatch.fnmatchcase(f, entry["path"])]
            if not hits:
                out.append(f"README.md: config {cfg['config_name']} split {entry['split']}: {entry['path']} matches no file")
            elif sorted(hits) != _shard_set(hits):
                out.append(f"README.md: config {cfg['config_name']} split {entry['split']}: {entry['path']} matches "
                           f"files of more than one sharding (stale shards duplicate rows): {', '.join(hits)}")
            for f in hits:
                if f in owner and owner[f] != cfg["config_name"]:
                    out.append(f"{f}: matched by configs {owner[f]} and {cfg['config_name']}")
                owner[f] = cfg["config_name"]
    out += [f"{f}: no config of the card reads this file (a stale shard?)" for f in files if f not in owner]
    return out


def size_findings(corpus: Path, row_group_limit: int = MAX_ROW_GROUP_BYTES, file_limit: int | None = None) -> list[str]:
    out, limit = [], file_limit or _max_shard_bytes()
    for path in sorted((corpus / "data").rglob("*.parquet")):
        rel = path.relative_to(corpus).as_posix()
        if path.stat().st_size > limit:
            out.append(f"{rel}: {path.stat().st_size} bytes, over the {limit}-byte shard limit")
        meta = pq.ParquetFile(path).metadata
        for i in range(meta.num_row_groups):
            size = meta.row_group(i).total_byte_size
            if size > row_group_limit:
                out.append(f"{rel}: row group {i} holds {size} bytes, over the viewer's {row_group_limit}")
    return out


def findings(corpus: Path) -> list[str]:
    """Every Hub-readiness problem of the release folder ``corpus``."""
    import yaml

    readme = corpus / "README.md"
    meta = yaml.safe_load(readme.read_text(encoding="utf-8").split("---\n")[1])
    return card_findings(readme) + data_file_findings(corpus, meta["configs"]) + size_findings(corpus)
