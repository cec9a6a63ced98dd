"""Where things live in a claimcorpus repository.

    seeds/<file>                     raw documents, byte for byte
    seeds/manifest.jsonl             one document.schema.json record per document
    annotations/segments/<doc>.jsonl sentence boundaries (segment records) + segmenter.json
    annotations/<layer>/layer.json   layer metadata (layer.schema.json)
    annotations/<layer>/<doc>.jsonl  one sentence.schema.json record per sentence
    corpus/                          the built Hugging Face release
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SEGMENTS = "segments"
GOLD = "gold"


@dataclass(frozen=True)
class Repo:
    root: Path

    @property
    def seeds(self) -> Path:
        return self.root / "seeds"

    @property
    def manifest(self) -> Path:
        return self.seeds / "manifest.jsonl"

    @property
    def annotations(self) -> Path:
        return self.root / "annotations"

    @property
    def segments(self) -> Path:
        return self.annotations / SEGMENTS

    @property
    def schema_dir(self) -> Path:
        return self.root / "schema"

    @property
    def corpus(self) -> Path:
        return self.root / "corpus"

    def segments_file(self, doc_id: str) -> Path:
        return self.segments / f"{doc_id}.jsonl"

    def layer_dir(self, layer: str) -> Path:
        return self.annotations / layer

    def layer_file(self, layer: str, doc_id: str) -> Path:
        return self.layer_dir(layer) / f"{doc_id}.jsonl"

    def layers(self) -> list[str]:
        """Layer ids: folders of annotations/ holding a layer.json, sorted."""
        if not self.annotations.is_dir():
            return []
        return sorted(p.parent.name for p in self.annotations.glob("*/layer.json"))

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


def find_root(start: Path | None = None) -> Path:
    """The repository root: the nearest folder at or above ``start`` holding ``.claimcorpus`` (see txn.py)."""
    from claimcorpus.txn import find_root as find

    return find(start)


def open_repo(root: Path | None = None) -> Repo:
    """The repository at ``root`` (which must hold the marker), else the one around the current folder."""
    from claimcorpus.txn import check_root

    return Repo(check_root(root) if root is not None else find_root())
